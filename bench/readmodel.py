"""The inbox (``store.task_queue``) and the pipeline (``store.queries``), what ``/api/tasks``, ``/api/pipeline`` and
the pages call, over a nationwide read model: 1,000,000 cases, 10,000,000 events, 3,000,000 tasks in PostgreSQL;
100,000 cases on SQLite.

The rows are generated straight into the database, not through workflows: cases and tasks are streamed by ``COPY``
(PostgreSQL) or ``executemany`` (SQLite) from a seeded generator, the events by one ``INSERT … SELECT`` over the
cases. The PostgreSQL database is made for the run (``yorisoi_bench_<hex>``) and dropped at the end; no other
database is touched. Its indexes and constraints (the ones ``create_schema`` makes) are dropped during the load and
made again after it, then the tables are vacuumed and analysed, as autovacuum would have done on a live system.

Distributions: 900 福祉事務所設置自治体 with a Zipf-like share of cases (exponent 0.7: the largest holds about 4.5 %,
like a 政令市); 73 % of the cases ended (相談・情報提供のみ, つなぎ, 終結, 中断), the rest spread over the open states
with モニタリング the largest; one consultant per 200 cases of a municipality, a few cases unassigned; events per
case from 1 (just opened) to about 25 (終結 after a long support), 10 on average; tasks about 3 per case, the open
ones (about 12 %) on open cases, due from 30 days overdue to 60 days ahead, most for SW, then CSW, MUN, ESW, HHSW.

Each query is timed as the API runs it: a session from ``store.db``'s factory, the ``store`` query function, the
rows turned into the API's models. Callers are drawn with the municipalities' weight (staff follow caseload).
"""

from __future__ import annotations

import functools
import math
import random
import sqlite3
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from bench.common import percentile, progress
from statemachines.case.record import STATES, CaseState
from store import queries, task_queue
from store.db import create_schema, make_engine, session_factory

S = CaseState
STATE_MIX: dict[CaseState, tuple[float, int]] = {
    # state: (share of all cases in %, mean events)
    S.ENDED_INFO_ONLY: (35.0, 3),
    S.REFERRED_OUT: (12.0, 3),
    S.CLOSED: (18.0, 22),
    S.INTERRUPTED: (5.0, 14),
    S.FOLLOW_UP: (3.0, 24),
    S.IDENTIFIED: (0.5, 1),
    S.INTAKE: (2.0, 1),
    S.SCREENING: (2.0, 2),
    S.APPLIED: (1.0, 3),
    S.ASSESSMENT: (3.0, 4),
    S.PLAN_DRAFTING: (3.0, 6),
    S.PLAN_CHECK: (1.0, 7),
    S.PLAN_CONSENTED: (1.0, 8),
    S.MEETING_PENDING: (1.0, 9),
    S.MEETING_REVIEW: (0.5, 10),
    S.DECISION_PENDING: (0.5, 11),
    S.SUPPORT_ACTIVE: (9.0, 15),
    S.CONTACT_LOST: (2.0, 14),
    S.EVALUATION: (1.0, 18),
    S.CLOSURE_REVIEW: (0.5, 20),
}
ENDED = frozenset({S.ENDED_INFO_ONLY, S.REFERRED_OUT, S.CLOSED, S.INTERRUPTED})
UNASSIGNED_STATES = frozenset({S.IDENTIFIED, S.INTAKE, S.SCREENING})
TASK_KINDS: list[tuple[str, str, str, str, str, int]] = [
    # kind, role, command, title_ja, title_en, weight
    ("monitoring_due", "SW", "record_contact", "モニタリング（本人との連絡）", "Monitoring contact is due", 40),
    ("assessment", "SW", "complete_assessment", "アセスメント", "Assessment", 15),
    ("plan_drafting", "SW", "submit_plan", "プランの作成", "Draft the plan", 10),
    ("plan_check", "CSW", "check_plan", "プランの確認", "Check the plan", 10),
    ("meeting", "MUN", "approve_plan", "支援調整会議", "Coordination meeting", 5),
    ("decision", "MUN", "decide_support", "支援決定", "Decide on support", 5),
    ("employment", "ESW", "record_contact", "就労支援", "Employment support", 10),
    ("household", "HHSW", "record_contact", "家計改善支援", "Household budget support", 5),
]
CASES_PER_STAFF = 200
MUNICIPALITIES = 900
ZIPF_EXPONENT = 0.7
CASE_COLUMNS = [
    "case_id", "municipality", "stage", "state", "emergency_active", "assignee", "opened_at", "updated_at",
    "state_entered_at", "closed_at", "next_due_at", "next_due_kind", "ruleset_id", "plan_version", "last_seq",
]  # fmt: skip
TASK_COLUMNS = [
    "task_id", "case_id", "kind", "title_ja", "title_en", "role", "assignee", "due_at", "command", "status",
    "opened_seq", "closed_seq", "opened_at", "closed_at",
]  # fmt: skip


@dataclass(frozen=True)
class Volume:
    cases: int
    events_per_case: float = 10.0
    tasks_per_case: float = 3.0


@dataclass
class Generated:
    """What the generator made, for choosing callers and reporting."""

    municipality_cases: Counter[str]
    cases: int = 0
    tasks: int = 0
    open_tasks: int = 0
    events: int = 0


def _stamp(moment: datetime) -> str:
    """UTC wall time in SQLAlchemy's SQLite format, which PostgreSQL reads as a timestamp in the session's UTC."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


class Generator:
    """Seeded rows for ``cases`` and ``tasks``; the municipality of each case is drawn once, up front."""

    def __init__(self, volume: Volume, now: datetime, seed: int = 4) -> None:
        self.volume = volume
        self.now = now
        self.rng = random.Random(seed)
        names = [f"m{k:03d}" for k in range(1, MUNICIPALITIES + 1)]
        weights = [1 / k**ZIPF_EXPONENT for k in range(1, MUNICIPALITIES + 1)]
        self.case_municipality = self.rng.choices(names, weights=weights, k=volume.cases)
        states = list(STATE_MIX)
        self.case_state = self.rng.choices(states, weights=[STATE_MIX[s][0] for s in states], k=volume.cases)
        mean_events = sum(STATE_MIX[s][0] * STATE_MIX[s][1] for s in states) / sum(STATE_MIX[s][0] for s in states)
        self.event_scale = volume.events_per_case / mean_events
        self.generated = Generated(municipality_cases=Counter(self.case_municipality))
        self.staff = {m: max(1, math.ceil(n / CASES_PER_STAFF)) for m, n in self.generated.municipality_cases.items()}
        self.task_table = [(k[:5], k[5]) for k in TASK_KINDS]
        self._case_rows: list[tuple[str, str, CaseState, str | None, datetime, datetime, int]] = []

    def case_id(self, i: int) -> str:
        return f"{(i * 2654435761) % 2**32:08x}{i:08x}"  # random order, like the product's uuid-derived ids

    def cases(self) -> Iterator[tuple[Any, ...]]:
        for i in range(self.volume.cases):
            yield self._case(i)

    def _case(self, i: int) -> tuple[Any, ...]:
        rng, now = self.rng, self.now
        municipality, state = self.case_municipality[i], self.case_state[i]
        ended = state in ENDED
        age = timedelta(days=rng.uniform(0, 1095 if ended or state is S.FOLLOW_UP else 400))
        opened = now - age
        entered = opened + age * rng.uniform(0.1, 0.9)
        updated = entered + (now - entered) * rng.uniform(0, 0.5)
        unassigned = state in UNASSIGNED_STATES and rng.random() < 0.3
        assignee = None if unassigned else f"{municipality}-sw{rng.randrange(self.staff[municipality])}"
        due = None if ended else now + timedelta(days=rng.uniform(-30, 90))
        seq = max(1, round(STATE_MIX[state][1] * self.event_scale * rng.uniform(0.5, 1.5)))
        case_id = self.case_id(i)
        self._case_rows.append((case_id, municipality, state, assignee, opened, updated, seq))
        self.generated.cases += 1
        return (
            case_id, municipality, STATES[state].stage.value, state.value, (not ended) and rng.random() < 0.02,
            assignee, _stamp(opened), _stamp(updated), _stamp(entered), _stamp(entered) if ended else None,
            _stamp(due) if due else None, "monitoring" if due else None, "default", 1, seq,
        )  # fmt: skip

    def tasks(self) -> Iterator[tuple[Any, ...]]:
        """About ``tasks_per_case`` per case, in proportion to its events; the last one or two of an open case open."""
        per_event = self.volume.tasks_per_case / self.volume.events_per_case
        for case_id, municipality, state, assignee, opened, updated, seq in self._case_rows:
            count = max(1, round(seq * per_event * self.rng.uniform(0.5, 1.5)))
            still_open = 0 if state in ENDED else (2 if self.rng.random() < 0.3 else 1)
            for t in range(count):
                yield self._task(case_id, municipality, assignee, opened, updated, seq, t, t >= count - still_open)

    def _task(
        self,
        case_id: str,
        municipality: str,
        case_assignee: str | None,
        opened: datetime,
        updated: datetime,
        seq: int,
        t: int,
        is_open: bool,
    ) -> tuple[Any, ...]:
        rng = self.rng
        (kind, role, command, title_ja, title_en), _ = rng.choices(
            self.task_table, weights=[w for _, w in self.task_table]
        )[0]
        assignee = self._task_assignee(role, municipality, case_assignee)
        opened_seq = min(seq, 1 + t)
        task_opened = opened + (updated - opened) * rng.random()
        self.generated.tasks += 1
        if is_open:
            self.generated.open_tasks += 1
            due = None if rng.random() < 0.05 else self.now + timedelta(days=rng.uniform(-30, 60))
            closed_at, status, closed_seq = None, "open", None
        else:
            due = task_opened + timedelta(days=rng.uniform(7, 30))
            closed_at, closed_seq = _stamp(task_opened + (updated - task_opened) * rng.random()), seq
            status = "done" if rng.random() < 0.9 else "cancelled"
        return (
            f"{case_id}:{opened_seq}:{kind}:{t}", case_id, kind, title_ja, title_en, role, assignee,
            _stamp(due) if due else None, command, status, opened_seq, closed_seq, _stamp(task_opened), closed_at,
        )  # fmt: skip

    def _task_assignee(self, role: str, municipality: str, case_assignee: str | None) -> str | None:
        rng = self.rng
        if role == "SW":
            return case_assignee if rng.random() < 0.85 else None
        if role in ("ESW", "HHSW"):
            return f"{municipality}-{role.lower()}{rng.randrange(max(1, self.staff[municipality] // 4))}"
        return f"{municipality}-{role.lower()}0" if rng.random() < 0.3 else None  # CSW, MUN: mostly the role's queue


# -- loading --------------------------------------------------------------------------------------------------

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
        progress(f"read model: PostgreSQL, about {volume.cases * volume.events_per_case:,.0f} events (SQL)")
        max_seq = max(row[6] for row in generator._case_rows)
        conn.execute("CREATE TABLE bench_numbers (n integer PRIMARY KEY)")
        with conn.cursor() as cursor:
            cursor.executemany("INSERT INTO bench_numbers VALUES (%s)", _numbers(max_seq))
        generator.generated.events = conn.execute(PG_EVENTS).rowcount
        conn.execute("DROP TABLE bench_numbers")
        progress("read model: PostgreSQL, indexes and constraints")
        for statement in creates:
            conn.execute(statement)
        progress("read model: PostgreSQL, VACUUM ANALYZE")
        for table in BIG_TABLES:
            conn.execute(f"VACUUM (ANALYZE) {table}")
    return generator.generated


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
            conn.executemany("INSERT INTO bench_numbers VALUES (?)", _numbers(max(r[6] for r in generator._case_rows)))
            generator.generated.events = conn.execute(SQLITE_EVENTS).rowcount
    finally:
        conn.close()
    return generator.generated


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# -- measuring ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    municipality: str
    user_id: str
    roles: frozenset[str]


Query = Callable[[Any, Caller, datetime], object]

QUERIES: dict[str, tuple[str, Query]] = {
    # name: (role of the caller, the call)
    "inbox_mine": ("SW", lambda s, c, now: task_queue.inbox(s, user_id=c.user_id, roles=set(c.roles),
                                                         visible={c.municipality}, scope="mine", now=now)),
    "inbox_unassigned": ("SW", lambda s, c, now: task_queue.inbox(s, user_id=c.user_id, roles=set(c.roles),
                                                               visible={c.municipality}, scope="unassigned", now=now)),
    "inbox_role": ("CSW", lambda s, c, now: task_queue.inbox(s, user_id=c.user_id, roles=set(c.roles),
                                                          visible={c.municipality}, scope="role", now=now)),
    "pipeline": ("OPS", lambda s, c, now: queries.pipeline(s, visible={c.municipality}, now=now)),
    "pipeline_assignee": ("OPS", lambda s, c, now: queries.pipeline(s, visible={c.municipality},
                                                                    assignee=f"{c.municipality}-sw0", now=now)),
}  # fmt: skip


def _caller(municipality: str, role: str, staff: int, rng: random.Random) -> Caller:
    user = f"{municipality}-sw{rng.randrange(staff)}" if role == "SW" else f"{municipality}-{role.lower()}0"
    return Caller(municipality, user, frozenset({role}))


def _time(sessions: Any, query: Query, caller: Caller, now: datetime) -> float:
    started = time.perf_counter()
    with sessions.begin() as session:
        query(session, caller, now)
    return (time.perf_counter() - started) * 1000


def measure(engine: Engine, generated: Generated, now: datetime, samples: int) -> dict[str, Any]:
    """p50/p95 of each query over callers drawn by caseload, and over the largest municipality alone."""
    sessions = session_factory(engine)
    rng = random.Random(7)
    towns = list(generated.municipality_cases)
    weights = [generated.municipality_cases[m] for m in towns]
    largest = generated.municipality_cases.most_common(1)[0][0]
    staff = {m: max(1, math.ceil(n / CASES_PER_STAFF)) for m, n in generated.municipality_cases.items()}
    results: dict[str, Any] = {}
    for name, (role, query) in QUERIES.items():
        callers = [_caller(m, role, staff[m], rng) for m in rng.choices(towns, weights=weights, k=samples)]
        _time(sessions, query, callers[0], now)  # warm: statement compiled, connection open
        mixed = [_time(sessions, query, c, now) for c in callers]
        big = [_time(sessions, query, _caller(largest, role, staff[largest], rng), now) for _ in range(20)]
        results[name] = {
            "p50_ms": round(percentile(mixed, 50), 1),
            "p95_ms": round(percentile(mixed, 95), 1),
            "largest_municipality_p95_ms": round(percentile(big, 95), 1),
        }
        progress(f"read model: {name} {results[name]}")
    return {"largest_municipality": largest, "largest_cases": generated.municipality_cases[largest], **results}


def _statements(engine: Engine, call: Callable[[], object]) -> list[tuple[str, Any]]:
    """The SELECT statements (with their parameters) that ``call`` sends through ``engine``."""
    sent: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return sent


def explain(engine: Engine, generated: Generated, now: datetime) -> dict[str, str]:
    """The plans of each query for the largest municipality: the statements the query functions send, explained."""
    largest = generated.municipality_cases.most_common(1)[0][0]
    staff = max(1, math.ceil(generated.municipality_cases[largest] / CASES_PER_STAFF))
    sessions = session_factory(engine)
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    plans: dict[str, str] = {}
    for name, (role, query) in QUERIES.items():
        caller = _caller(largest, role, staff, random.Random(1))
        sent = _statements(engine, functools.partial(_time, sessions, query, caller, now))
        with engine.connect() as conn:
            lines = []
            for statement, parameters in sent:
                rows = conn.exec_driver_sql(prefix + statement, parameters).all()
                lines.append("\n".join(" | ".join(str(v) for v in row) for row in rows))
        plans[name] = "\n--\n".join(lines)
    return plans


PG_CANDIDATES: list[tuple[str, list[str]]] = [
    (
        "covering indexes: cases by municipality, open tasks by role",
        [
            "CREATE INDEX bench_cases_municipality_cover ON cases (municipality, assignee) "
            "INCLUDE (case_id, state, state_entered_at, updated_at, next_due_at)",
            "CREATE INDEX bench_tasks_open_role ON tasks (role, case_id) INCLUDE (assignee, due_at) "
            "WHERE status = 'open'",
            "VACUUM (ANALYZE) cases",
            "VACUUM (ANALYZE) tasks",
        ],
    )
]
SQLITE_CANDIDATES: list[tuple[str, list[str]]] = [
    ("ANALYZE (planner statistics; the product never runs it)", ["ANALYZE"]),
    (
        "ANALYZE and covering indexes: cases by municipality, open tasks by role",
        [
            "CREATE INDEX bench_cases_municipality_cover ON cases "
            "(municipality, assignee, case_id, state, state_entered_at, updated_at, next_due_at)",
            "CREATE INDEX bench_tasks_open_role ON tasks (role, case_id, assignee, due_at) WHERE status = 'open'",
            "ANALYZE",
        ],
    ),
]
"""Indexes the schema does not have, tried after the product's own figures (which are the headline): each step
adds to the previous one, and the same query functions are measured again."""


def _run_ddl(engine: Engine, statements: list[str]) -> None:
    """PostgreSQL outside a transaction (VACUUM needs it); SQLite in one (its engine always begins one)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
        return
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def measure_with_candidates(
    engine: Engine, generated: Generated, now: datetime, samples: int, candidates: list[tuple[str, list[str]]]
) -> dict[str, Any]:
    figures = measure(engine, generated, now, samples)
    figures["plans"] = explain(engine, generated, now)
    tried = []
    for label, statements in candidates:
        progress(f"read model: trying {label}")
        _run_ddl(engine, statements)
        again = measure(engine, generated, now, samples)
        again["plans"] = explain(engine, generated, now)
        tried.append({"step": label, "ddl": statements, **again})
    figures["candidate_indexes"] = tried
    return figures


@dataclass(frozen=True)
class ReadModelConfig:
    postgres_url: str | None
    pg_volume: Volume = Volume(cases=1_000_000)
    sqlite_volume: Volume = Volume(cases=100_000)
    samples: int = 200


def run_postgres(config: ReadModelConfig, now: datetime) -> dict[str, Any]:
    assert config.postgres_url is not None
    server = config.postgres_url
    name = f"yorisoi_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        started = time.perf_counter()
        generated = load_postgres(url, config.pg_volume, now)
        load_seconds = time.perf_counter() - started
        engine = make_engine(url)
        try:
            figures = measure_with_candidates(engine, generated, now, config.samples, PG_CANDIDATES)
            with engine.connect() as conn:
                size = conn.execute(text("SELECT pg_size_pretty(pg_database_size(current_database()))")).scalar()
        finally:
            engine.dispose()
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
        results["postgresql"] = run_postgres(config, now)
    else:
        progress("read model: no PostgreSQL URL, the PostgreSQL figures are skipped")
    return results
