"""A dead worker is seen and said (issue 15, item 12): the only worker is killed (SIGKILL); ``/api/health`` turns 503
within 15 s (its heartbeat stops), a command answers 503 ``worker_unavailable`` after the bounded wait (10 s, not
the client's 30 s and more) instead of hanging, and once a worker is back both recover by themselves; the command
sent while it was down, sent again with its ``command_id``, runs once."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest

from statemachines.case.transitions import Trigger
from tests.factories import VALID_PAYLOADS
from tests.faults.burst import seed_people, sign_in
from tests.faults.procs import Stack
from tests.web.apiharness import seed_test_policies

pytestmark = [pytest.mark.devserver, pytest.mark.timeout(150)]


async def _until(check: object, deadline: float) -> float:
    """Seconds until ``check()`` (an async callable) is true; fails at ``deadline`` seconds."""
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        if await check():  # type: ignore[operator]
            return time.monotonic() - started
        await asyncio.sleep(0.5)
    raise AssertionError(f"not within {deadline} s")


async def test_a_dead_worker_is_seen_within_15_s_and_commands_answer_503_then_recover(stack: Stack) -> None:
    await stack.start_server()
    [worker] = await stack.start_workers(1)
    sessions = stack.sessions()
    seed_people(sessions)
    seed_test_policies(sessions)  # the 取扱規程 the intake's consent names
    await stack.start_api()
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:

        async def healthy() -> bool:
            return (await http.get("/api/health")).status_code == 200

        await _until(healthy, 20)
        sw1 = {"Authorization": f"Bearer {(await sign_in(http, {'sw1'}))['sw1']}"}
        opened = await http.post("/api/cases", json={"municipality": "city-a"}, headers=sw1)
        assert opened.status_code == 201, opened.text
        case_id = opened.json()["case_id"]

        worker.kill()

        async def degraded() -> bool:
            response = await http.get("/api/health")
            return response.status_code == 503 and response.json()["worker"]["ok"] is False

        await _until(degraded, 15 + 2)  # three heartbeats missed; the poll adds its half second
        command_id = uuid.uuid4().hex
        body = {
            "command": "complete_intake",
            "payload": VALID_PAYLOADS[Trigger.COMPLETE_INTAKE],
            "command_id": command_id,
        }
        started = time.monotonic()
        refused = await http.post(f"/api/cases/{case_id}/commands", json=body, headers=sw1)
        waited = time.monotonic() - started
        assert refused.status_code == 503, refused.text
        assert refused.json()["code"] == "worker_unavailable"
        assert refused.headers["Retry-After"] == "15"
        assert waited < 20, f"the answer came after {waited:.1f} s, not after the bounded wait"

        await stack.start_workers(1)
        await _until(healthy, 20)
        again = await http.post(f"/api/cases/{case_id}/commands", json=body, headers=sw1)
        assert again.status_code == 200, again.text
        assert again.json()["state"] == "SCREENING"
        history = await http.get(f"/api/cases/{case_id}/history", headers=sw1)
        commands = [e["command"] for e in history.json()["entries"] if e["kind"] == "event"]
        assert commands.count("complete_intake") == 1  # the one sent while the worker was dead ran once
