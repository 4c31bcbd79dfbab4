"""The API process (``python api.py``) killed in the middle of a burst of HTTP commands and started again: clients
that retry with the same ``command_id`` see one effect."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from statemachines.case.transitions import Trigger
from statemachines.kernel.roles import OrgKind, Role
from store.accounts import AccountRepository
from tests.factories import CITY, VALID_PAYLOADS
from tests.faults.burst import (
    PATH,
    Answer,
    Burst,
    Sender,
    Step,
    assert_each_command_took_effect_once,
    http_transient,
    log,
)
from tests.faults.procs import Stack
from tests.passwords import CHEAP_HASHER as CHEAP

pytestmark = [pytest.mark.devserver, pytest.mark.timeout(110)]


class ApiSender(Sender):
    """Over HTTP with each person's bearer token; keeps the body of every command's answer."""

    def __init__(self, http: httpx.AsyncClient, tokens: dict[str, str]) -> None:
        self._http = http
        self._tokens = tokens
        self.answers: dict[str, dict[str, Any]] = {}

    async def open(self, command_id: str) -> Answer:
        intake = VALID_PAYLOADS[Trigger.OPEN_CONSULTATION]["intake"]
        body = await self._post("sw1", "/api/cases", {"municipality": CITY, "command_id": command_id, **intake}, 201)
        return body["case_id"], body["seq"]

    async def send(self, case_id: str, step: Step, command_id: str) -> Answer:
        request = {"command": step.trigger.value, "payload": step.payload, "command_id": command_id}
        body = await self._post(step.user, f"/api/cases/{case_id}/commands", request, 200)
        self.answers[command_id] = body
        return body["case_id"], body["seq"]

    async def _post(self, user: str, url: str, body: dict[str, Any], expected: int) -> dict[str, Any]:
        response = await self._http.post(url, json=body, headers={"Authorization": f"Bearer {self._tokens[user]}"})
        assert response.status_code == expected, f"{url}: {response.status_code} {response.text[:500]}"
        answer: dict[str, Any] = response.json()
        return answer


PASSWORD = "fault-tests-password-0123456789"


def seed_people(sessions: sessionmaker[Session]) -> None:
    """A市 and its contractor with the two people of ``PATH`` (SW1, CSW1) as users of the API."""
    with sessions.begin() as session:
        accounts = AccountRepository(session, CHEAP)
        accounts.add_organisation(CITY, OrgKind.MUNICIPALITY, "A市 福祉事務所", [CITY])
        accounts.add_organisation("contractor-a", OrgKind.CONTRACTOR, "A市 自立相談支援機関", [CITY])
        accounts.add_user("sw1", PASSWORD, {Role.SW}, "contractor-a", "相談支援員")
        accounts.add_user("csw1", PASSWORD, {Role.CSW}, "contractor-a", "主任相談支援員")


async def sign_in(http: httpx.AsyncClient, users: set[str]) -> dict[str, str]:
    tokens = {}
    for user in sorted(users):
        response = await http.post("/api/auth/token", data={"username": user, "password": PASSWORD})
        assert response.status_code == 200, response.text
        tokens[user] = response.json()["access_token"]
    return tokens


async def test_clients_retrying_through_an_api_restart_see_one_effect(stack: Stack) -> None:
    client = await stack.start_server()
    await stack.start_workers(1)
    sessions = stack.sessions()
    seed_people(sessions)
    api = await stack.start_api()

    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        tokens = await sign_in(http, {"sw1", *(step.user for step in PATH)})  # sessions live in the database
        sender = ApiSender(http, tokens)
        burst = Burst(sender, 20, http_transient)
        answered_before_the_crash = 0

        async def crash_and_restart() -> None:
            nonlocal answered_before_the_crash
            await burst.reached(burst.total // 3)
            api.kill()
            answered_before_the_crash = burst.completed
            await stack.start_api()

        await burst.run_during(crash_and_restart)
        log.info("%s; %d answered before the crash", burst.summary(), answered_before_the_crash)

        assert api.starts == 2
        assert answered_before_the_crash < burst.total, "the crash came in the middle of the burst"
        assert burst.retries > 0, "requests cut off by the crash were sent again"
        for run in burst.runs:  # once more, long after: the same answer, and no second event
            last_id = run.command_ids[-1]
            first = sender.answers[last_id]
            assert await sender.send(run.case_id, PATH[-1], last_id) == (run.case_id, run.seqs[-1])
            assert sender.answers[last_id] == first
    await assert_each_command_took_effect_once(burst.runs, sessions, client)
