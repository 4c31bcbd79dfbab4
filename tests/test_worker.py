"""worker.py's runtime (deploy.connect.temporal_runtime): with an address, the worker serves the Temporal SDK's
Prometheus metrics there; the SDK core's own log lines reach Python logging, and so the JSON lines, without colour."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from deploy.connect import CORE_LOGGER, temporal_runtime
from deploy.logs import log_handler
from deploy.ports import free_port
from settings import CACHED_WORKFLOWS, Settings
from store.db import make_engine, session_factory
from tests.workflows.harness import running_harness
from worker import build_worker


async def served(url: str, task_queue: str, seconds: float = 30) -> str:
    """The exposition once it holds the worker's own series (the core fills them in as its pollers start)."""
    async with httpx.AsyncClient(timeout=5) as http:
        text = ""
        for _ in range(int(seconds * 10)):
            response = await http.get(url)
            text = response.text
            if response.status_code == 200 and f'task_queue="{task_queue}"' in text:
                return text
            await asyncio.sleep(0.1)
    raise AssertionError(f"no series of {task_queue} at {url}:\n{text[:2000]}")


async def test_a_worker_started_with_a_metrics_address_serves_temporal_s_metrics(
    time_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    address = f"127.0.0.1:{free_port()}"
    core_lines = io.StringIO()
    handler = log_handler("json", stream=core_lines)
    logging.getLogger(CORE_LOGGER).addHandler(handler)
    try:
        client = await Client.connect(
            time_env.client.service_client.config.target_host,
            namespace=time_env.client.namespace,
            data_converter=pydantic_data_converter,
            runtime=temporal_runtime(address),
        )
        async with running_harness(client, tmp_path / "read-model.sqlite3") as worker:
            await worker.open()
            text = await served(f"http://{address}/metrics", worker.task_queue)
    finally:
        logging.getLogger(CORE_LOGGER).removeHandler(handler)

    temporal = [line for line in text.splitlines() if line.startswith("temporal_")]
    assert any(line.startswith("temporal_workflow_task_execution_latency") for line in temporal), temporal[:20]
    # The test server lacks a capability the core warns about at every worker start: that line came through logging.
    forwarded = [json.loads(line) for line in core_lines.getvalue().splitlines()]
    assert forwarded, "the core's warning was forwarded into Python logging"
    assert all(line["logger"].startswith(CORE_LOGGER) and line["level"] == "WARNING" for line in forwarded)
    assert "\x1b" not in core_lines.getvalue()


async def test_the_worker_keeps_as_many_runs_in_memory_as_its_setting_says(
    time_env: WorkflowEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``YORISOI_WORKER_CACHED_WORKFLOWS`` sizes the SDK's sticky cache (the worker's memory; README: Scale
    benchmark); by default 250, which keeps the worker under 300 MB at 10,000 open cases."""
    engine = make_engine(f"sqlite:///{tmp_path / 'read-model.sqlite3'}")
    sessions = session_factory(engine)
    try:
        default = build_worker(time_env.client, "cache-default", sessions)
        assert default.config()["max_cached_workflows"] == CACHED_WORKFLOWS == 250
        monkeypatch.setenv("YORISOI_WORKER_CACHED_WORKFLOWS", "1000")
        settings = Settings(data_dir=tmp_path)
        larger = build_worker(
            time_env.client, "cache-1000", sessions, cached_workflows=settings.worker_cached_workflows
        )
        assert larger.config()["max_cached_workflows"] == 1000
        monkeypatch.setenv("YORISOI_WORKER_CACHED_WORKFLOWS", "0")
        with pytest.raises(ValidationError, match="worker_cached_workflows"):
            Settings(data_dir=tmp_path)
    finally:
        engine.dispose()
