"""The inbox (``store.task_queue``) and the pipeline (``store.queries``), what ``/api/tasks``, ``/api/pipeline`` and
the pages call, over a nationwide read model: 1,000,000 cases, 10,000,000 events, 3,000,000 tasks in PostgreSQL, then
10,000,000 cases and 30,000,000 tasks (their events not written); 100,000 cases on SQLite. On PostgreSQL the inbox and
pipeline pages' server render is timed too (:mod:`bench.readmodel_pages`).

The rows are generated (:mod:`bench.readmodel_generator`, which gives the distributions) straight into the database
(:mod:`bench.readmodel_load`), not through workflows. The PostgreSQL database is made for the run
(``yorisoi_bench_<hex>``) and dropped at the end; no other database is touched. Each query is then timed as the API
runs it (:mod:`bench.readmodel_queries`), with the product's indexes and then with candidate ones.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import progress
from bench.readmodel_generator import Generated, Volume
from bench.readmodel_load import load_postgres, load_sqlite
from bench.readmodel_pages import measure_pages
from bench.readmodel_queries import PG_CANDIDATES, SQLITE_CANDIDATES, measure_with_candidates
from store.db import make_engine


@dataclass(frozen=True)
class ReadModelConfig:
    postgres_url: str | None
    pg_volume: Volume = field(default_factory=lambda: Volume(cases=1_000_000))
    sqlite_volume: Volume = field(default_factory=lambda: Volume(cases=100_000))
    samples: int = 200
    page_samples: int = 100
    pg_large_volume: Volume | None = field(default_factory=lambda: Volume(cases=10_000_000, load_events=False))
    """The country at ten times the size (no event rows: see ``Volume.load_events``); None: not measured."""


def run_postgres(config: ReadModelConfig, volume: Volume, now: datetime) -> dict[str, Any]:
    assert config.postgres_url is not None
    server = config.postgres_url
    name = f"yorisoi_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        started = time.perf_counter()
        generated = load_postgres(url, volume, now)
        load_seconds = time.perf_counter() - started
        engine = make_engine(url)
        try:
            figures = measure_with_candidates(engine, generated, now, config.samples, PG_CANDIDATES)
            with engine.connect() as conn:
                size = conn.execute(text("SELECT pg_size_pretty(pg_database_size(current_database()))")).scalar()
        finally:
            engine.dispose()
        figures["pages"] = measure_pages(url, generated, config.page_samples)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
        progress(f"read model: dropped the database {name}")
    return {**_volume(generated), "database_size": size, "load_seconds": round(load_seconds), **figures}


def run_sqlite(config: ReadModelConfig, now: datetime) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="yorisoi-bench-rm-") as tmp:
        path = Path(tmp) / "readmodel.sqlite3"
        progress(f"read model: SQLite, {config.sqlite_volume.cases:,} cases")
        started = time.perf_counter()
        generated = load_sqlite(path, config.sqlite_volume, now)
        load_seconds = time.perf_counter() - started
        engine = make_engine(f"sqlite:///{path}")
        try:
            size = f"{path.stat().st_size / 2**20:.0f} MB"
            figures = measure_with_candidates(engine, generated, now, config.samples, SQLITE_CANDIDATES)
        finally:
            engine.dispose()
    return {**_volume(generated), "database_size": size, "load_seconds": round(load_seconds), **figures}


def _volume(generated: Generated) -> dict[str, int]:
    return {
        "cases": generated.cases,
        "events": generated.events,
        "tasks": generated.tasks,
        "open_tasks": generated.open_tasks,
        "municipalities": len(generated.municipality_cases),
    }


def run(config: ReadModelConfig) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    results: dict[str, Any] = {"sqlite": run_sqlite(config, now)}
    if config.postgres_url:
        results["postgresql"] = run_postgres(config, config.pg_volume, now)
        if config.pg_large_volume is not None:
            results["postgresql_large"] = run_postgres(config, config.pg_large_volume, now)
    else:
        progress("read model: no PostgreSQL URL, the PostgreSQL figures are skipped")
    return results
