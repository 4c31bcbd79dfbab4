"""The stack on one machine as real processes, for the fault tests: the Temporal dev server (with its SQLite file),
worker processes (``python worker.py``) and API processes (``python api.py``), configured only through ``YORISOI_*``.

Every process runs in a process group of its own, so a kill reaches what the test started and nothing else; each one
writes to a log file in the test's folder, whose tail is attached to a failing test's report (``conftest.py``).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from deploy.connect import connect_temporal, data_keys
from deploy.embedded import dev_server_command
from deploy.ports import free_port
from settings import Settings
from store.db import create_schema, make_engine, session_factory
from tests.dbfixtures import read_model_url
from tests.workflows.harness import TEST_MASTER_KEY

log = logging.getLogger("tests.faults")
ROOT = Path(__file__).resolve().parents[2]
WORKER_READY = "worker polling"
PROJECTED = "projected case"  # the projection activity's log line
TAIL_LINES = 40
ADDRESS_IN_USE = "address already in use"  # uvicorn's words when its port is taken
PORT_TRIES = 3


@dataclass
class Service:
    """One subprocess of the stack, started (and restarted) with the same command, environment and log file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    answered: bool = False  # has it ever been ready (an API: answered HTTP on its port)
    started_at: float = 0.0
    _log_offset: int = 0

    def start(self) -> None:
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        self.starts += 1
        self.started_at = time.monotonic()
        with self.log_path.open("ab") as log:  # the child keeps its own descriptor
            log.write(f"--- {self.name}: start #{self.starts} ---\n".encode())
            log.flush()
            self._log_offset = log.tell()
            self.process = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the process group, as a crash would: nothing is flushed or closed politely."""
        if self.process is None:
            return
        if self.process.poll() is None:  # not reaped yet: the group id is still this process's own
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def output(self) -> str:
        """What this process wrote since its last start."""
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset)
            return log.read().decode("utf-8", "replace")

    def ready(self) -> None:
        log.info("%s (start #%d) ready after %.1f s", self.name, self.starts, time.monotonic() - self.started_at)

    def count(self, text: str) -> int:
        return self.output().count(text)

    def projections(self) -> int:
        """How many case events this (worker) process projected since its last start."""
        return self.count(PROJECTED)

    def tail(self, lines: int = TAIL_LINES) -> str:
        if not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    async def wait_for_output(self, text: str, seconds: float = 60) -> None:
        """Until the process has written ``text`` since its start; raises if it exits first."""
        for _ in range(int(seconds * 10)):
            if text in self.output():
                self.ready()
                return
            if not self.running:
                raise RuntimeError(f"{self.name} exited ({self._returncode()}) before writing {text!r}")
            await asyncio.sleep(0.1)
        raise TimeoutError(f"{self.name} did not write {text!r} within {seconds} s")

    def _returncode(self) -> int | None:
        return None if self.process is None else self.process.returncode

    def describe(self) -> str:
        if self.process is None:
            return f"{self.name}: never started, {self.log_path}"
        state = "running" if self.running else f"exited with {self._returncode()}"
        return f"{self.name}: pid {self.process.pid}, start #{self.starts}, {state}, {self.log_path}"


@dataclass
class Stack:
    """The dev server, N workers and M API processes on one machine, sharing one read-model database.

    The test's own Temporal client and sessions use the same settings (master key, database) as the processes.
    """

    folder: Path
    settings: Settings
    server: Service
    workers: list[Service] = field(default_factory=list)
    apis: list[Service] = field(default_factory=list)
    _engines: list[Engine] = field(default_factory=list)

    @classmethod
    def create(cls, folder: Path) -> Stack:
        """Ports free now, the folder for the logs and databases; the read model is a SQLite file there, or in the
        PostgreSQL pass of the suite a PostgreSQL database of its own (``tests.dbfixtures.read_model_url``)."""
        folder.mkdir(parents=True, exist_ok=True)
        settings = Settings(
            _env_prefix="YORISOI_FAULT_TESTS_UNUSED_",  # only what is given here: the processes get nothing else
            data_dir=folder,
            temporal_address=f"127.0.0.1:{free_port()}",
            temporal_ui_port=free_port(),
            task_queue="yorisoi-faults",
            database_url=read_model_url(folder / "read-model.sqlite3"),
            api_port=free_port(),
            master_key=base64.b64encode(TEST_MASTER_KEY).decode("ascii"),
            secret_key="fault-tests-signing-key-0123456789abcdef",
            demo=False,
            secure_cookies=False,
        )
        server_env = {k: v for k, v in os.environ.items() if not k.startswith("YORISOI_")}
        server = Service("temporal", [*dev_server_command(settings), "--headless"], server_env, folder / "temporal.log")
        return cls(folder=folder, settings=settings, server=server)

    def env(self) -> dict[str, str]:
        """The environment of a worker or API process: this machine's, minus any other ``YORISOI_*``, plus ours."""
        s = self.settings
        if s.master_key is None or s.secret_key is None:
            raise ValueError("every process of the stack needs the same master key and signing key")
        ours = {
            "YORISOI_DATA_DIR": str(s.data_dir),
            "YORISOI_TEMPORAL_ADDRESS": s.temporal_address,
            "YORISOI_TASK_QUEUE": s.task_queue,
            "YORISOI_DATABASE_URL": s.effective_database_url,
            "YORISOI_MASTER_KEY": s.master_key.get_secret_value(),
            "YORISOI_SECRET_KEY": s.secret_key,
            "YORISOI_API_HOST": s.api_host,
            "YORISOI_API_PORT": str(s.api_port),
            "YORISOI_DEMO": "1" if s.demo else "0",
            "YORISOI_SECURE_COOKIES": "1" if s.secure_cookies else "0",
        }
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("YORISOI_")}
        return {**inherited, "PYTHONUNBUFFERED": "1", **ours}

    def services(self) -> list[Service]:
        return [self.server, *self.workers, *self.apis]

    # -- the Temporal dev server ------------------------------------------------------------------------------

    async def start_server(self) -> Client:
        """Start (or restart, from its database file) the dev server; the test's client once it answers."""
        self.server.start()
        return await self.client()

    async def client(self, attempts: int = 300) -> Client:
        """A client with the processes' data converter (payloads encrypted under the shared master key)."""
        keys = data_keys(self.settings, self.sessions())
        for _ in range(attempts):
            if not self.server.running:
                raise RuntimeError("the Temporal dev server exited")
            try:
                client = await connect_temporal(self.settings, keys)
                await client.count_workflows()  # visibility answers only once the server is really up
            except Exception:
                await asyncio.sleep(0.2)
            else:
                self.server.ready()
                return client
        raise TimeoutError(f"the Temporal dev server on {self.settings.temporal_address} did not come up")

    # -- workers and API ---------------------------------------------------------------------------------------

    async def start_workers(self, n: int) -> list[Service]:
        started = []
        for _ in range(n):
            name = f"worker-{len(self.workers) + 1}"
            worker = Service(name, [sys.executable, "worker.py"], self.env(), self.folder / f"{name}.log")
            worker.start()
            self.workers.append(worker)
            started.append(worker)
        await asyncio.gather(*(w.wait_for_output(WORKER_READY) for w in started))
        return started

    async def start_api(self, index: int = 0) -> Service:
        """Start (or restart) the ``index``-th ``python api.py``; returns once it answers HTTP. The first listens on
        the settings' port (``api_url``), each other one on a port of its own (``url_of``)."""
        while len(self.apis) <= index:
            n = len(self.apis)
            name = "api" if n == 0 else f"api-{n + 1}"
            port = self.settings.api_port if n == 0 else free_port()
            env = {**self.env(), "YORISOI_API_PORT": str(port)}
            self.apis.append(Service(name, [sys.executable, "api.py"], env, self.folder / f"{name}.log"))
        api = self.apis[index]
        for _ in range(PORT_TRIES):
            api.start()
            if await self._answers(api):
                api.ready()
                return api
            if api.answered or ADDRESS_IN_USE not in api.output():
                raise RuntimeError(f"{api.name} exited while starting")
            # Its port was taken between choosing and listening (by another process's bind): a new one, before anyone
            # was told the old one. A process that has answered once keeps its port, as a restarted server would.
            api.env = {**api.env, "YORISOI_API_PORT": str(free_port())}
        raise RuntimeError(f"{api.name} found no free port in {PORT_TRIES} tries")

    async def _answers(self, api: Service) -> bool:
        """Whether ``api`` answers HTTP (False if it exits first)."""
        async with httpx.AsyncClient(base_url=self.url_of(api)) as http:
            for _ in range(600):
                if not api.running:
                    return False
                try:
                    await http.get("/api/health", timeout=5)
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
                else:
                    api.answered = True
                    return True
        raise TimeoutError(f"{api.name} did not answer on {self.url_of(api)}")

    @property
    def api_url(self) -> str:
        """The first API process's."""
        if self.apis:
            return self.url_of(self.apis[0])
        return f"http://{self.settings.api_host}:{self.settings.api_port}"

    def url_of(self, api: Service) -> str:
        return f"http://{self.settings.api_host}:{api.env['YORISOI_API_PORT']}"

    # -- the read model ----------------------------------------------------------------------------------------

    def sessions(self) -> sessionmaker[Session]:
        engine = make_engine(self.settings.effective_database_url)
        create_schema(engine)
        self._engines.append(engine)
        return session_factory(engine)

    # -- teardown and diagnosis --------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop every process this stack started (API, workers, then the server) and release the engines."""
        for service in reversed(self.services()):
            service.kill()
        for engine in self._engines:
            engine.dispose()

    def tails(self, lines: int = TAIL_LINES) -> str:
        return "".join(f"===== {s.describe()}\n{s.tail(lines)}\n" for s in self.services())
