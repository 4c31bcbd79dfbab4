"""The whole app served over real HTTP (uvicorn on a free port) for the browser, with a real worker behind it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from temporalio.testing import WorkflowEnvironment

from api import create_app
from deploy.demo import seed_demo_world
from settings import Settings
from tests.web.apiharness import seed_test_policies
from tests.workflows.devserver import free_port
from tests.workflows.harness import Harness, running_harness


@dataclass
class LiveApp:
    url: str
    worker: Harness


@contextlib.asynccontextmanager
async def live_app(env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[LiveApp]:
    db = tmp_path / "live.sqlite3"
    async with running_harness(env.client, db) as worker:
        seed_demo_world(worker.sessions)
        seed_test_policies(worker.sessions)  # the versions the consents of tests/factories.py name
        settings = Settings(
            data_dir=tmp_path,
            database_url=worker.database_url,
            task_queue=worker.task_queue,
            secret_key="browser-signing-key-0123456789abcdef",
            demo=True,
            secure_cookies=False,  # plain HTTP on 127.0.0.1, as `make run` serves it
        )
        port = free_port()
        config = uvicorn.Config(
            create_app(settings, client=worker.client), host="127.0.0.1", port=port, log_level="warning"
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        try:
            for _ in range(200):
                if server.started:
                    break
                await asyncio.sleep(0.05)
            assert server.started, "uvicorn did not start"
            yield LiveApp(url=f"http://127.0.0.1:{port}", worker=worker)
        finally:
            server.should_exit = True
            await task
