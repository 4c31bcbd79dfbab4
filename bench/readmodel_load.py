"""Loading the generated read model (:mod:`bench.readmodel_generator`) straight into a database, not through
workflows: cases and tasks are streamed by ``COPY`` (PostgreSQL) or ``executemany`` (SQLite), the events by one
``INSERT … SELECT`` over the cases. On PostgreSQL the big tables' indexes and constraints (the ones ``create_schema``
makes) are dropped during the load and made again after it, then the tables are vacuumed and analysed, as autovacuum
would have done on a live system; SQLite's statistics are made as after any bulk load (``store.db.refresh_statistics``).
The pipeline's counts per day (``case_day_counts``) are counted from the loaded cases (``store.day_counts.recount``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.common import progress
from bench.readmodel_generator import CASE_COLUMNS, TASK_COLUMNS, Generated, Generator, Volume
from store import day_counts
from store.db import create_schema, make_engine, refresh_statistics

EVENTS_SQL = """
INSERT INTO case_events (case_id, seq, at, actor_id, actor_roles, command, command_id, transition_id, from_state,
                         to_state, payload, payload_sha256, payload_erased, facts, prev_hash, hash)
SELECT c.case_id, n.n, CASE WHEN n.n = 1 THEN c.opened_at ELSE c.updated_at END, coalesce(c.assignee, 'intake'),
       '["SW"]', CASE WHEN n.n = 1 THEN 'open_consultation' ELSE 'record_contact' END, {command_id},
       CASE WHEN n.n = 1 THEN 'T1' ELSE 'T20' END, CASE WHEN n.n = 1 THEN NULL ELSE 'SUPPORT_ACTIVE' END,
       CASE WHEN n.n = c.last_seq THEN c.state ELSE 'SUPPORT_ACTIVE' END,
       '{{"monitoring_note": {{"method": "phone", "content": "近況を確認した"}}}}', {hash}, {false}, '{{}}', {hash},
       {hash}
FROM cases c JOIN bench_numbers n ON n.n <= c.last_seq
"""
PG_EVENTS = EVENTS_SQL.format(
    command_id="md5(c.case_id || n.n::text)", hash="md5(random()::text) || md5(random()::text)", false="false"
)
SQLITE_EVENTS = EVENTS_SQL.format(command_id="lower(hex(randomblob(16)))", hash="lower(hex(randomblob(32)))", false="0")


def _copy(conn: psycopg.Connection[Any], table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for n, row in enumerate(rows, start=1):
            copy.write_row(row)
            if n % 500_000 == 0:
                progress(f"read model: {table} {n:,} rows")


def _numbers(max_seq: int) -> list[tuple[int]]:
    return [(n,) for n in range(1, max_seq + 1)]


BIG_TABLES = ("cases", "tasks", "case_events")


def _pg_definitions(conn: psycopg.Connection[Any]) -> tuple[list[str], list[str]]:
    """(drop statements, create statements) of the big tables' constraints and indexes, to load without them."""
    constraints = conn.execute(
        "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE (conrelid::regclass::text = ANY(%s) AND contype IN ('p', 'u', 'f', 'c')) "
        "OR (contype = 'f' AND confrelid::regclass::text = ANY(%s))",  # other tables' keys into them too
        [list(BIG_TABLES), list(BIG_TABLES)],
    ).fetchall()
    indexes = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint)",
        [list(BIG_TABLES)],
    ).fetchall()
    order = "fcup"  # foreign keys dropped first, so that the keys they refer to can go; made again last
    ordered = sorted(constraints, key=lambda row: order.index(row[2]))
    drops = [f'ALTER TABLE {table} DROP CONSTRAINT "{name}"' for table, name, _, _ in ordered]
    drops += [f'DROP INDEX "{name}"' for name, _ in indexes]
    creates = [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, kind, d in reversed(ordered) if kind != "f"]
    creates += [definition for _, definition in indexes]
    creates += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, kind, d in ordered if kind == "f"]
    return drops, creates


def load_postgres(url: str, volume: Volume, now: datetime) -> Generated:
    """Create the schema, stream the rows, index, vacuum and analyse."""
    engine = make_engine(url)
    create_schema(engine)
    engine.dispose()
    generator = Generator(volume, now)
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute("SET synchronous_commit = off")  # this session only: the data is thrown away afterwards
        conn.execute("SET maintenance_work_mem = '512MB'")
        drops, creates = _pg_definitions(conn)
        for statement in drops:
            conn.execute(statement)
        progress(f"read model: PostgreSQL, {volume.cases:,} cases")
        _copy(conn, "cases", CASE_COLUMNS, generator.cases())
        progress(f"read model: PostgreSQL, about {volume.cases * volume.tasks_per_case:,.0f} tasks")
        _copy(conn, "tasks", TASK_COLUMNS, generator.tasks())
        if volume.load_events:
            progress(f"read model: PostgreSQL, about {volume.cases * volume.events_per_case:,.0f} events (SQL)")
            conn.execute("CREATE TABLE bench_numbers (n integer PRIMARY KEY)")
            with conn.cursor() as cursor:
                cursor.executemany("INSERT INTO bench_numbers VALUES (%s)", _numbers(generator.max_seq()))
            generator.generated.events = conn.execute(PG_EVENTS).rowcount
            conn.execute("DROP TABLE bench_numbers")
        progress("read model: PostgreSQL, indexes and constraints")
        for statement in creates:
            conn.execute(statement)
        progress("read model: PostgreSQL, the pipeline's counts per day")
        _recount_day_counts(url)
        progress("read model: PostgreSQL, VACUUM ANALYZE")
        for table in (*BIG_TABLES, "case_day_counts"):
            conn.execute(f"VACUUM (ANALYZE) {table}")
    return generator.generated


def _recount_day_counts(url: str) -> None:
    """The cases were written around the projection: count them into ``case_day_counts`` as it would have."""
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            day_counts.recount(session)
    finally:
        engine.dispose()


def load_sqlite(path: Path, volume: Volume, now: datetime) -> Generated:
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    engine.dispose()
    generator = Generator(volume, now)
    conn = sqlite3.connect(path)
    try:
        with conn:
            marks = ", ".join("?" * len(CASE_COLUMNS))
            conn.executemany(f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) VALUES ({marks})", generator.cases())
            marks = ", ".join("?" * len(TASK_COLUMNS))
            conn.executemany(f"INSERT INTO tasks ({', '.join(TASK_COLUMNS)}) VALUES ({marks})", generator.tasks())
            conn.execute("CREATE TEMP TABLE bench_numbers (n integer PRIMARY KEY)")
            conn.executemany("INSERT INTO bench_numbers VALUES (?)", _numbers(generator.max_seq()))
            generator.generated.events = conn.execute(SQLITE_EVENTS).rowcount
    finally:
        conn.close()
    _recount_day_counts(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            refresh_statistics(connection)  # as after any bulk load: the planner knows the indexes
    finally:
        engine.dispose()
    return generator.generated


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
