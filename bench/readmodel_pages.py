"""The server render of the inbox and pipeline pages over the read-model benchmark's database (:mod:`bench.readmodel`):
what a consultant and an operations officer wait for at 1,000,000 and 10,000,000 cases.

The app is the product's (``api.create_app``) on the benchmark's database, asked in process over ASGI, so the figure
is the app's own time: signing the session in, the queries, the names, the Jinja render. Staff accounts are added for
the municipalities drawn (the generator's assignees, ``m001-sw3``, so a consultant's 「自分の担当」 holds their
tasks). The two pages read no Temporal: the app gets a client that never connects (``lazy``), and a page that tried
would fail the run rather than pass unnoticed.
"""

from __future__ import annotations

import asyncio
import base64
import math
import random
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client

from api import create_app
from bench.common import percentile, progress
from bench.pages import login
from bench.readmodel_generator import CASES_PER_STAFF, Generated
from settings import Settings
from statemachines.kernel.roles import OrgKind, Role
from store.accounts import AccountRepository
from store.db import make_engine, session_factory

PAGES: tuple[tuple[str, str], ...] = (("/inbox", "SW"), ("/pipeline", "OPS"), ("/pipeline/board", "OPS"))
"""Each page and the role of who opens it."""
PASSWORD = secrets.token_urlsafe(16)  # the staff added here (the demo password signs in only in demo mode)
TOWNS = 12  # municipalities signed in to (the largest among them), drawn by caseload
LARGEST_ROUNDS = 20


def _towns(generated: Generated, rng: random.Random) -> list[str]:
    """The largest municipality and others drawn by their share of the cases (distinct)."""
    largest = generated.municipality_cases.most_common(1)[0][0]
    names = list(generated.municipality_cases)
    weights = [generated.municipality_cases[m] for m in names]
    chosen = [largest]
    while len(chosen) < min(TOWNS, len(names)):
        town = rng.choices(names, weights=weights)[0]
        if town not in chosen:
            chosen.append(town)
    return chosen


def _add_staff(url: str, generated: Generated, towns: list[str], rng: random.Random) -> dict[tuple[str, str], str]:
    """A municipality and a consultant (one of its generated assignees) and an operations officer in each town."""
    engine = make_engine(url)
    users: dict[tuple[str, str], str] = {}
    try:
        with session_factory(engine).begin() as session:
            accounts = AccountRepository(session)
            for town in towns:
                accounts.add_organisation(town, OrgKind.MUNICIPALITY, f"{town}市", [])
                staff = max(1, math.ceil(generated.municipality_cases[town] / CASES_PER_STAFF))
                for role, user_id, display in (
                    ("SW", f"{town}-sw{rng.randrange(staff)}", "相談支援員"),
                    ("OPS", f"{town}-ops0", "運用担当"),
                ):
                    accounts.add_user(user_id, PASSWORD, {Role(role)}, town, f"{town} {display}")
                    users[(town, role)] = user_id
    finally:
        engine.dispose()
    return users


@contextmanager
def _settings(url: str) -> Iterator[Settings]:
    with tempfile.TemporaryDirectory(prefix="yorisoi-bench-pages-") as tmp:
        yield Settings(
            _env_prefix="YORISOI_BENCH_PAGES_UNUSED_",  # only what is given here
            data_dir=Path(tmp),
            database_url=url,
            master_key=base64.b64encode(secrets.token_bytes(32)).decode("ascii"),
            secret_key=secrets.token_hex(32),
            demo=False,
            secure_cookies=False,
        )


async def _measure(url: str, generated: Generated, samples: int) -> dict[str, Any]:
    rng = random.Random(11)
    towns = _towns(generated, rng)
    users = _add_staff(url, generated, towns, rng)
    weights = [generated.municipality_cases[t] for t in towns]
    with _settings(url) as settings:
        client = await Client.connect(settings.temporal_address, lazy=True)
        app = create_app(settings, client=client)
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app)
            browsers: dict[tuple[str, str], httpx.AsyncClient] = {}
            for key, user_id in users.items():
                http = await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://b"))
                await login(http, user_id, PASSWORD)
                browsers[key] = http
            results: dict[str, Any] = {}
            for path, role in PAGES:
                await _get(browsers[(towns[0], role)], path)  # warm: templates compiled, statements cached
                drawn = [await _get(browsers[(t, role)], path) for t in rng.choices(towns, weights, k=samples)]
                largest = [await _get(browsers[(towns[0], role)], path) for _ in range(LARGEST_ROUNDS)]
                results[path] = {
                    "p50_ms": round(percentile(drawn, 50), 1),
                    "p95_ms": round(percentile(drawn, 95), 1),
                    "largest_municipality_p95_ms": round(percentile(largest, 95), 1),
                }
                progress(f"read model: page {path} {results[path]}")
    return {"municipalities_signed_in": len(towns), "samples": samples, **results}


async def _get(http: httpx.AsyncClient, path: str) -> float:
    started = time.perf_counter()
    response = await http.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:300]}")
    return elapsed


def measure_pages(url: str, generated: Generated, samples: int) -> dict[str, Any]:
    """p50/p95 of each page's server render for staff drawn by caseload, and p95 for the largest municipality."""
    return asyncio.run(_measure(url, generated, samples))
