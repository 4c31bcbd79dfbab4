"""``python -m deploy.embedded`` (``make run``): up on a fresh data folder, Ctrl-C stops all, a restart resumes."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from statemachines.case import Trigger
from statemachines.rules import RuleBook
from store.db import make_engine, session_factory
from tests.factories import CITY, SW1, VALID_PAYLOADS
from tests.workflows.devserver import free_port
from web.case_service import CaseService

pytestmark = pytest.mark.devserver


def launch(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "deploy.embedded"], env=env, stdout=out, stderr=subprocess.STDOUT
        )


async def connect(address: str, process: subprocess.Popen[bytes]) -> Client:
    for _ in range(300):
        assert process.poll() is None, "the launcher exited early"
        try:
            client = await Client.connect(address, data_converter=pydantic_data_converter)
            await client.count_workflows()
            return client
        except Exception:
            await asyncio.sleep(0.2)
    raise TimeoutError(address)


def interrupt(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGINT)
    return process.wait(timeout=60)


async def test_the_embedded_stack_starts_stops_on_ctrl_c_and_resumes_every_case(tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "YORISOI_DATA_DIR": str(tmp_path / "data"),
        "YORISOI_TEMPORAL_ADDRESS": address,
        "YORISOI_TEMPORAL_UI_PORT": str(free_port()),
        "YORISOI_TASK_QUEUE": "tq-embedded",
    }
    log = tmp_path / "launcher.log"
    process = launch(env, log)
    try:
        client = await connect(address, process)
        engine = make_engine(f"sqlite:///{(tmp_path / 'data' / 'yorisoi.db').resolve()}")
        service = CaseService(client, session_factory(engine), "tq-embedded", RuleBook())
        opened = await service.open(municipality=CITY, actor=SW1, payload={}, command_id="first")
        assert interrupt(process) == 0
        assert not port_open(address)  # the dev server went with it

        process = launch(env, log)
        client = await connect(address, process)
        service = CaseService(client, session_factory(engine), "tq-embedded", RuleBook())
        moved = await service.send(
            opened.case_id, Trigger.COMPLETE_INTAKE, SW1, VALID_PAYLOADS[Trigger.COMPLETE_INTAKE], command_id="second"
        )
        assert moved.state == "SCREENING"
        assert moved.seq == 2
        described = await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace="default"))
        assert described.config.workflow_execution_retention_ttl.seconds >= 365 * 24 * 3600
        engine.dispose()
    finally:
        if process.poll() is None:
            interrupt(process)
    assert "stopped" in log.read_text(encoding="utf-8")
    assert "worker stopped" in (tmp_path / "data" / "worker.log").read_text(encoding="utf-8")


def port_open(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except ConnectionRefusedError:
        return False
    return True
