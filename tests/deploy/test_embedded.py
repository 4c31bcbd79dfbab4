"""``python -m deploy.embedded`` (``make run``): up on a fresh data folder with the demo world, usable over HTTP,
its metrics readable with ``curl`` on the machine (the API's and the worker's), Ctrl-C stops everything, a restart
resumes every case, and every log it leaves is JSON lines without a terminal escape."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from deploy.ports import free_port
from statemachines.case.transitions import Trigger
from store.accounts import DEMO_PASSWORD
from tests.factories import VALID_PAYLOADS

pytestmark = pytest.mark.devserver
DEMO_CASES = 16


def launch(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "deploy.embedded", *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def ready_count(log: Path) -> int:
    return log.read_text(encoding="utf-8").count("Ctrl-C stops all")


async def wait_healthy(
    http: httpx.AsyncClient, process: subprocess.Popen[bytes], log: Path, launches: int
) -> dict[str, object]:
    """The launcher has said it is ready (after its demo cases) for the n-th time, and the API is healthy."""
    for _ in range(900):
        assert process.poll() is None, "the launcher exited early"
        if ready_count(log) >= launches:
            response = await http.get("/api/health")
            if response.status_code == 200:
                body: dict[str, object] = response.json()
                return body
        await asyncio.sleep(0.2)
    raise TimeoutError("the stack did not become healthy")


def interrupt(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGINT)
    return process.wait(timeout=90)


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return False
    return True


async def token(http: httpx.AsyncClient, user: str) -> dict[str, str]:
    response = await http.post("/api/auth/token", data={"username": user, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def worker_metrics(address: str) -> str:
    """The worker's Temporal SDK metrics once its pollers have reported."""
    async with httpx.AsyncClient(timeout=5) as http:
        for _ in range(300):
            with contextlib.suppress(httpx.TransportError):
                response = await http.get(f"http://{address}/metrics")
                if response.status_code == 200 and "temporal_" in response.text:
                    return response.text
            await asyncio.sleep(0.2)
    raise TimeoutError(f"no Temporal metrics at {address}")


def assert_json_lines(folder: Path) -> None:
    """Every log of the run: no terminal escape anywhere (the dev server's banner included); the launcher's, the
    API's and the worker's, one JSON object per line with its time, level, logger and message."""
    for path in sorted(folder.rglob("*.log")):
        text = path.read_text(encoding="utf-8")
        assert "\x1b" not in text, path.name
        if path.name == "temporal.log":
            continue
        for line in filter(None, text.splitlines()):
            assert {"time", "level", "logger", "message"} <= set(json.loads(line)), f"{path.name}: {line}"


async def test_make_run_brings_up_the_stack_and_a_restart_resumes_every_case(tmp_path: Path) -> None:
    temporal_port, api_port = free_port(), free_port()
    metrics_address = f"127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "YORISOI_DATA_DIR": str(tmp_path / "data"),
        "YORISOI_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
        "YORISOI_TEMPORAL_UI_PORT": str(free_port()),
        "YORISOI_API_PORT": str(api_port),
        "YORISOI_TASK_QUEUE": "tq-embedded",
        "YORISOI_WORKER_METRICS_ADDRESS": metrics_address,
    }
    log = tmp_path / "launcher.log"
    process = launch(env, log, "--demo-cases", str(DEMO_CASES))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}", timeout=30) as http:
            health = await wait_healthy(http, process, log, launches=1)
            worker = health["worker"]
            assert isinstance(worker, dict)
            assert (worker["ok"], worker["workers"], worker["task_queue"]) == (True, 1, "tq-embedded")
            sw1 = await token(http, "sw1")
            pipeline = (await http.get("/api/pipeline", headers=sw1)).json()
            assert sum(stage["count"] for stage in pipeline["stages"]) == DEMO_CASES
            assert {s["id"] for s in pipeline["stages"] if s["count"]} >= {"consultation", "termination"}
            opened = await http.post("/api/cases", json={"municipality": "city-a"}, headers=sw1)
            assert opened.status_code == 201
            case_id = opened.json()["case_id"]
            metrics = await http.get("/metrics")  # curl http://127.0.0.1:8000/metrics, as README shows
            assert metrics.status_code == 200
            assert 'yorisoi_commands_total{command="open_consultation",outcome="accepted"}' in metrics.text
            assert "yorisoi_read_model_up 1.0" in metrics.text
            assert "temporal_" in await worker_metrics(metrics_address)
        assert interrupt(process) == 0
        assert not port_open(temporal_port)
        assert not port_open(api_port)

        process = launch(env, log)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}", timeout=30) as http:
            await wait_healthy(http, process, log, launches=2)
            sw1 = await token(http, "sw1")
            body = {"command": "complete_intake", "payload": VALID_PAYLOADS[Trigger.COMPLETE_INTAKE]}
            moved = await http.post(f"/api/cases/{case_id}/commands", json=body, headers=sw1)
            assert moved.status_code == 200, moved.text
            assert moved.json()["state"] == "SCREENING"
            assert moved.json()["seq"] == 2
    finally:
        if process.poll() is None:
            interrupt(process)
    assert "stopped" in log.read_text(encoding="utf-8")
    assert "worker stopped" in (tmp_path / "data" / "worker.log").read_text(encoding="utf-8")
    assert_json_lines(tmp_path)
