"""The API in-process (httpx over ASGI) against a real worker on the time-skipping server and a real SQLite file."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment

from api import create_app
from deploy.demo import seed_demo_world
from deploy.logs import log_handler
from settings import Settings
from statemachines.case.timers import JST
from statemachines.case.transitions import Trigger
from statemachines.kernel.roles import OrgKind, Role
from store.accounts import DEMO_PASSWORD, AccountRepository
from store.policies import EVERY_MUNICIPALITY, PrivacyPolicy, PrivacyPolicyRepository
from tests.workflows.harness import Harness, running_harness
from web.core.request_log import RequestFields


@dataclass
class Api:
    http: httpx.AsyncClient
    worker: Harness
    tokens: dict[str, str] = field(default_factory=dict)
    app: FastAPI | None = None  # what a test reads of the app itself (its services)

    async def login(self, user: str, password: str = DEMO_PASSWORD) -> httpx.Response:
        return await self.http.post("/api/auth/token", data={"username": user, "password": password})

    async def headers(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            response = await self.login(user)
            assert response.status_code == 200, response.text
            self.tokens[user] = response.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    async def get(self, user: str, url: str, **params: Any) -> httpx.Response:
        return await self.http.get(url, params=params, headers=await self.headers(user))

    async def post(self, user: str, url: str, body: Any = None) -> httpx.Response:
        return await self.http.post(url, json=body, headers=await self.headers(user))

    async def server_day(self) -> date:
        """Today on the Temporal server's clock (JST), as the newest case's opening shows it (the shared
        time-skipping server may be ahead of the wall clock; G-DATES judges declared dates by that clock); the wall
        clock's day before any case."""
        rows = (await self.get("sw1", "/api/cases")).json()["items"]
        if not rows:
            return datetime.now(JST).date()
        return max(datetime.fromisoformat(r["opened_at"]) for r in rows).astimezone(JST).date()

    async def open_case(self, user: str = "sw1", **body: Any) -> str:
        response = await self.post(user, "/api/cases", {"municipality": "city-a", **body})
        assert response.status_code == 201, response.text
        case_id: str = response.json()["case_id"]
        self.worker.handles.append(self.worker.client.get_workflow_handle(f"case-{case_id}"))
        return case_id

    async def contact(self, case_id: str, trigger: Trigger, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """``payload`` of ``trigger`` (the valid one by default), a contact dated the day the case opened (G-DATES)."""
        handle = self.worker.client.get_workflow_handle(f"case-{case_id}")
        return await self.worker.contact(handle, trigger, payload)

    async def command(
        self,
        user: str,
        case_id: str,
        command: str,
        payload: dict[str, Any] | None = None,
        command_id: str | None = None,
    ) -> httpx.Response:
        body = {"command": command, "payload": payload or {}, "command_id": command_id or uuid.uuid4().hex}
        return await self.post(user, f"/api/cases/{case_id}/commands", body)


@contextlib.asynccontextmanager
async def running_api(
    env: WorkflowEnvironment,
    tmp_path: Path,
    *,
    demo: bool = True,
    clock: Callable[[], datetime] | None = None,
    secure_cookies: bool = True,
) -> AsyncIterator[Api]:
    db = tmp_path / "api.sqlite3"
    async with running_harness(env.client, db) as worker:
        settings = Settings(
            data_dir=tmp_path,
            database_url=worker.database_url,
            task_queue=worker.task_queue,
            secret_key="test-signing-key-0123456789abcdef",
            demo=demo,
            secure_cookies=secure_cookies,
        )
        app = create_app(settings, client=worker.client, clock=clock)
        async with app.router.lifespan_context(app):
            seed_demo_world(worker.sessions)
            seed_test_policies(worker.sessions)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://yorisoi.test") as http:
                yield Api(http=http, worker=worker, app=app)


@contextlib.contextmanager
def json_log_lines(level: int = logging.INFO) -> Iterator[io.StringIO]:
    """What the API process writes (api.py's handler: JSON lines with each request's fields), captured."""
    stream = io.StringIO()
    handler = log_handler("json", stream=stream, filters=[RequestFields()])
    root = logging.getLogger()
    before = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(before)


def parsed_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    """Each line as the JSON object it must be."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


TEST_POLICY_VERSIONS = ("v3", "v4")  # what the consents of tests/factories.py name
TEST_POLICIES_FROM = date(2000, 4, 1)


def seed_test_policies(sessions: sessionmaker[Session]) -> None:
    """The 個人情報取扱規程 versions the tests' consents name, for every municipality, in force long ago."""
    with sessions.begin() as session:
        policies = PrivacyPolicyRepository(session)
        for version in TEST_POLICY_VERSIONS:
            policy = PrivacyPolicy(
                municipality=EVERY_MUNICIPALITY,
                version=version,
                title=f"個人情報取扱規程（テスト {version}）",
                effective_from=TEST_POLICIES_FROM,
                document_sha256=hashlib.sha256(f"test policy {version}".encode()).hexdigest(),
            )
            policies.add(policy, created_by="test", now=datetime.now(UTC))


@pytest_asyncio.fixture(loop_scope="session")
async def api(time_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(time_env, tmp_path) as a:
        yield a


@dataclass
class MovableClock:
    """The API's clock, set by the test (the Temporal server keeps its own): where the API judges a moment itself,
    such as whether an appointment has begun."""

    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.at

    def move_to(self, api: Api, moment: datetime) -> None:
        """Now is ``moment``; the tokens issued before are dropped (they may have expired meanwhile)."""
        self.at = moment
        api.tokens.clear()


@pytest_asyncio.fixture(loop_scope="session")
async def clocked_api(time_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[tuple[Api, MovableClock]]:
    clock = MovableClock()
    async with running_api(time_env, tmp_path, clock=clock) as a:
        yield a, clock


def seed_other_town(api: Api) -> None:
    """B町 (city-b) with one user of each role, ``<role>-b``: the other municipality of the access tests."""
    roles = {"sw": Role.SW, "csw": Role.CSW, "esw": Role.ESW, "mun": Role.MUN, "ops": Role.OPS, "aud": Role.AUD}
    with api.worker.sessions.begin() as session:
        accounts = AccountRepository(session)
        accounts.add_organisation("contractor-b", OrgKind.CONTRACTOR, "B町 委託先", ["city-b"])
        for role in ("sw", "csw", "esw", "mun", "ops", "aud", "admin"):
            org = "contractor-b" if role in ("sw", "csw", "esw") else "city-b"
            accounts.add_user(f"{role}-b", DEMO_PASSWORD, {roles.get(role, Role.ADMIN)}, org, f"{role}-b")
