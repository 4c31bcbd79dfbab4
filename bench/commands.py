"""Command latency and sustained transitions through HTTP, each beside a bare Temporal update on the same server.

A command is ``POST /api/cases/{id}/commands`` with 支援経過記録 (``record_contact``, T20, the command a case in
モニタリング receives most), sent by the real API (``python api.py``, uvicorn) to the real worker (``python
worker.py``) through the dev server, with every payload encrypted by the per-case codec: the update, its
validator's guards, the projection activity into the SQLite read model, then the case's view for the response.

The anchor is :mod:`bench.bare`: ``execute_update`` on a workflow whose handler only counts, from this process, on
the same server, at the same number of concurrent clients, measured right before the commands. Each client owns its
own cases (and bare workflows) and sends to them in turn, so no two clients wait on the same workflow.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Self

import httpx
from temporalio.client import Client, WorkflowHandle

from bench.bare import BareWorkflow, start_bare_workflows
from bench.common import CpuMeter, Stack, latency_summary, progress
from deploy.connect import connect_temporal, data_keys
from deploy.demo import DEMO_SCRIPT
from services.cases import CaseService
from statemachines.case.timers import JST
from statemachines.kernel.roles import Actor
from statemachines.kernel.rules import RuleBook
from store.accounts import DEMO_PASSWORD, AccountRepository
from store.db import make_engine, session_factory
from store.rulesets import RulesetRepository

Op = Callable[[int, int], Awaitable[None]]
"""One operation of client ``i``, its ``k``-th: raises on failure."""

TO_SUPPORT_ACTIVE = [step for step in DEMO_SCRIPT if step[1] != "record_contact"][:11]
"""The demo walk up to 支援決定 (T18): the case is then in SUPPORT_ACTIVE, where T20 can repeat."""


@dataclass(frozen=True)
class CommandConfig:
    levels: tuple[int, ...] = (1, 8, 32)
    seconds: float = 60.0
    sustained_seconds: float = 180.0
    warmup_seconds: float = 5.0
    cases_per_client: int = 4


@dataclass
class Window:
    samples_ms: list[float]
    completed: int
    seconds: float
    errors: int
    first_error: str | None

    def figures(self) -> dict[str, Any]:
        return {
            **latency_summary(self.samples_ms),
            "per_s": round(self.completed / self.seconds, 1),
            "errors": self.errors,
            **({"first_error": self.first_error} if self.first_error else {}),
        }


async def drive(clients: int, seconds: float, warmup: float, op: Op) -> Window:
    """``clients`` loops calling ``op`` back to back for ``warmup + seconds``; what started after the warm-up counts."""
    samples: list[float] = []
    errors = 0
    first_error: str | None = None
    start = time.perf_counter()
    measured_from = start + warmup
    end = measured_from + seconds

    async def loop(i: int) -> None:
        nonlocal errors, first_error
        k = 0
        while (began := time.perf_counter()) < end:
            try:
                await op(i, k)
            except Exception as exc:
                errors += 1
                first_error = first_error or f"{type(exc).__name__}: {exc}"[:300]
                await asyncio.sleep(0.05)
            else:
                if began >= measured_from:
                    samples.append((time.perf_counter() - began) * 1000)
            k += 1

    await asyncio.gather(*(loop(i) for i in range(clients)))
    return Window(samples, len(samples), seconds, errors, first_error)


class Commands:
    def __init__(self, stack: Stack, http: httpx.AsyncClient, bare: Client, config: CommandConfig) -> None:
        self.stack = stack
        self.http = http
        self.bare = bare
        self.config = config
        self.tokens: dict[str, str] = {}
        self.cases: list[str] = []
        self.bare_handles: list[WorkflowHandle[Any, Any]] = []
        self.contact_on = datetime.now(UTC).astimezone(JST).date().isoformat()

    async def login(self, user: str) -> None:
        response = await self.http.post("/api/auth/token", data={"username": user, "password": DEMO_PASSWORD})
        response.raise_for_status()
        self.tokens[user] = response.json()["access_token"]

    async def post(self, user: str, url: str, body: dict[str, Any]) -> httpx.Response:
        response = await self.http.post(url, json=body, headers={"Authorization": f"Bearer {self.tokens[user]}"})
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{url}: {response.status_code} {response.text[:300]}")
        return response

    async def prepare(self) -> None:
        """The clients' cases, walked to SUPPORT_ACTIVE through the API, and the bare workflows."""
        for user in {user for user, _, _ in TO_SUPPORT_ACTIVE}:
            await self.login(user)
        count = max(self.config.levels) * self.config.cases_per_client
        progress(f"commands: opening {count} cases through the API and walking them to SUPPORT_ACTIVE")
        gate = asyncio.Semaphore(8)

        async def walk(index: int) -> str:
            async with gate:
                opened = await self.post("sw1", "/api/cases", {"municipality": "city-a", "topics": ["income"]})
                case_id: str = opened.json()["case_id"]
                for user, command, payload in TO_SUPPORT_ACTIVE:
                    body = {"command": command, "payload": payload, "command_id": uuid.uuid4().hex}
                    await self.post(user, f"/api/cases/{case_id}/commands", body)
                if (index + 1) % 16 == 0:
                    progress(f"commands: {index + 1}/{count} cases ready")
                return case_id

        self.cases = list(await asyncio.gather(*(walk(i) for i in range(count))))

    async def fresh_bare_workflows(self) -> None:
        """New bare workflows for a window (``start_bare_workflows``), the old ones finished."""
        await self.finish()
        self.bare_handles = await start_bare_workflows(self.bare, len(self.cases))

    def _mine(self, items: list[Any], i: int, k: int) -> Any:
        per = self.config.cases_per_client
        return items[i * per + k % per]

    def case_of(self, i: int, k: int) -> str:
        case_id: str = self._mine(self.cases, i, k)
        return case_id

    async def command(self, i: int, k: int) -> None:
        body = {"command": "record_contact", "payload": self.note(), "command_id": uuid.uuid4().hex}
        await self.post("sw1", f"/api/cases/{self.case_of(i, k)}/commands", body)

    def note(self) -> dict[str, Any]:
        return {"monitoring_note": {"contact_on": self.contact_on, "method": "phone", "content": "近況を確認"}}

    async def get_case(self, i: int, k: int) -> None:
        url = f"/api/cases/{self.case_of(i, k)}"
        response = await self.http.get(url, headers={"Authorization": f"Bearer {self.tokens['sw1']}"})
        response.raise_for_status()

    async def bare_update(self, i: int, k: int) -> None:
        handle: WorkflowHandle[Any, Any] = self._mine(self.bare_handles, i, k)
        await handle.execute_update(BareWorkflow.bump)

    async def finish(self) -> None:
        for handle in self.bare_handles:
            await handle.signal(BareWorkflow.finish)


class Direct:
    """``CaseService`` in this process with the product's encrypting client: commands without HTTP, and opening."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.engine = make_engine(stack.settings.effective_database_url)
        self.sessions = session_factory(self.engine)
        with self.sessions.begin() as session:
            accounts = AccountRepository(session)
            user = accounts.get_user("sw1")
            assert user is not None
            self.actor: Actor = accounts.actor(user)
        self._service: CaseService | None = None

    @property
    def service(self) -> CaseService:
        assert self._service is not None, "connect() first"
        return self._service

    async def connect(self) -> Self:
        client = await connect_temporal(self.stack.settings, data_keys(self.stack.settings, self.sessions))

        def rulebook() -> RuleBook:
            with self.sessions.begin() as session:
                return RulesetRepository(session).rulebook()

        self._service = CaseService(client, self.sessions, self.stack.settings.task_queue, rulebook, person_secret="-")
        return self

    def close(self) -> None:
        self.engine.dispose()

    async def open_case(self) -> str:
        outcome = await self.service.open(
            municipality="city-a", actor=self.actor, payload={}, command_id=uuid.uuid4().hex
        )
        return outcome.case_id


async def run(stack: Stack, config: CommandConfig) -> dict[str, Any]:
    bare_worker = stack.start_module("bare-worker", "bench.bare", "--address", stack.settings.temporal_address)
    bare = await Client.connect(stack.settings.temporal_address)
    assert stack.server is not None
    assert stack.worker is not None
    assert stack.api is not None
    meter = CpuMeter(
        {
            "temporal_server": stack.server.pid,
            "worker": stack.worker.pid,
            "api": stack.api.pid,
            "bare_worker": bare_worker.pid,
            "load_generator": os.getpid(),
        }
    )
    limits = httpx.Limits(max_connections=max(config.levels) * 2, max_keepalive_connections=max(config.levels) * 2)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=120, limits=limits) as http:
        bench = Commands(stack, http, bare, config)
        await bench.prepare()

        async def measure(label: str, clients: int, seconds: float, op: Op) -> dict[str, Any]:
            progress(f"commands: {clients} client(s), {label} for {seconds:.0f} s")
            meter.start()
            window = await drive(clients, seconds, config.warmup_seconds, op)
            figures = {**window.figures(), "cores": meter.stop()}
            progress(f"commands: {clients} client(s), {label}: {figures}")
            return figures

        levels: dict[str, Any] = {}
        for clients in config.levels:
            seconds = config.sustained_seconds if clients == max(config.levels) else config.seconds
            await bench.fresh_bare_workflows()
            bare_figures = await measure("bare updates", clients, seconds, bench.bare_update)
            command_figures = await measure("HTTP commands", clients, seconds, bench.command)
            levels[str(clients)] = {"command": command_figures, "bare_update": bare_figures}
        direct = await Direct(stack).connect()

        async def update(i: int, k: int) -> None:
            note = bench.note()
            await direct.service.send(bench.case_of(i, k), "record_contact", direct.actor, note, uuid.uuid4().hex)

        async def view(i: int, k: int) -> None:
            await direct.service.view(bench.case_of(i, k), direct.actor)

        half = config.seconds / 2
        breakdown = {
            "update_with_projection": await measure("update alone (CaseService.send, no HTTP)", 1, half, update),
            "view_query": await measure("view query alone", 1, half, view),
            "http_get_case": await measure("GET /api/cases/{id}", 1, half, bench.get_case),
        }
        direct.close()
        await bench.finish()
    return {"levels": levels, "breakdown_1_client": breakdown, "cases": len(bench.cases), "seconds": config.seconds}
