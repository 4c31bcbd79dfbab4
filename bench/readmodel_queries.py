"""The measured queries of the read-model benchmark: the inbox (``store.task_queue``) and the pipeline
(``store.queries``), each timed as the API runs it (a session from ``store.db``'s factory, the ``store`` query
function, the rows turned into the API's models) for callers drawn with the municipalities' weight (staff follow
caseload), with the plans of their statements, and again after each candidate index the schema does not have.
"""

from __future__ import annotations

import functools
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event

from bench.common import percentile, progress
from bench.readmodel_generator import CASES_PER_STAFF, Generated
from store import queries, task_queue
from store.db import session_factory


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
                                                                  visible={c.municipality}, scope="unassigned",
                                                                  now=now)),
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


PG_CANDIDATES: list[tuple[str, list[str]]] = []
SQLITE_CANDIDATES: list[tuple[str, list[str]]] = []
"""Indexes the schema does not have, tried after the product's own figures (which are the headline): each step
adds to the previous one, and the same query functions are measured again. None now: the ones the 2026-11-29 run
tried (covering indexes for the pipeline and the inbox, ``ANALYZE`` on SQLite) are the product's since revision 0015
(``tasks.municipality``, ``ix_tasks_status_municipality_role_due_at``, ``ix_cases_municipality_assignee_pipeline``)."""


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
