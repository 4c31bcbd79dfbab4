"""The nightly integrity pass at scale (``store.integrity_pass``: hash chain and the pure machine's rebuild of every
event, no SDK) in cases/s, over a read model of real histories: the events the recorded histories of
``tests/histories`` projected (lifecycle and contact-lost cases, 8 to 31 events each), given new case ids and
chained again, so every case is one the machine made and every chain verifies. Loaded straight into a PostgreSQL
database made for the run and dropped after it (and into SQLite), timed with one process and with one per core.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from temporalio.client import WorkflowHistory

from bench.common import fresh_postgres, progress
from statemachines.kernel.events import GENESIS_HASH, CaseEvent, chain_hash
from statemachines.kernel.rules import DEFAULT_RULESET
from statemachines.policy.statistics import facts_of
from store.db import create_schema, make_engine, refresh_statistics
from store.integrity_pass import PassResult, run_pass
from store.models import CaseEventRecord, CaseRecord
from workflows.case_workflow import workflow_id
from workflows.history import projected_events

HISTORIES = Path(__file__).resolve().parent.parent / "tests" / "histories"
INSERT_BATCH = 2_000


@dataclass(frozen=True)
class IntegrityConfig:
    postgres_url: str | None
    cases: int = 100_000
    sqlite_cases: int = 20_000
    processes: int = os.cpu_count() or 1


def recorded_histories() -> list[WorkflowHistory]:
    return [
        WorkflowHistory.from_json(workflow_id(p.stem), p.read_text("utf-8")) for p in sorted(HISTORIES.glob("*.json"))
    ]


async def recorded_case_events() -> list[list[CaseEvent]]:
    """Each recorded history's projected events, in seq order."""
    found = []
    for history in recorded_histories():
        events = await projected_events([history])
        found.append([events[seq] for seq in sorted(events)])
    return found


def rekeyed(events: list[CaseEvent], case_id: str, changes: dict[int, dict[str, Any]] | None = None) -> list[CaseEvent]:
    """The events as case ``case_id``'s, each with the ``changes`` of its seq, chained again from the genesis."""
    chained, prev = [], GENESIS_HASH
    for event in events:
        moved = event.model_copy(update={"case_id": case_id, "prev_hash": prev, **(changes or {}).get(event.seq, {})})
        moved = moved.model_copy(update={"hash": chain_hash(prev, moved.canonical_content())})
        chained.append(moved)
        prev = moved.hash
    return chained


def case_row(events: list[CaseEvent], municipality: str) -> dict[str, Any]:
    """The ``cases`` row the projection leaves after ``events`` (what the pass reads of it)."""
    first, last = events[0], events[-1]
    return {
        "case_id": last.case_id, "municipality": municipality, "stage": "support", "state": last.to_state,
        "emergency_active": False, "assignee": first.actor_id, "opened_at": first.at, "updated_at": last.at,
        "state_entered_at": last.at, "closed_at": None, "next_due_at": None, "next_due_kind": None,
        "ruleset_id": DEFAULT_RULESET.ruleset_id, "plan_version": 0, "last_seq": last.seq,
    }  # fmt: skip


def event_rows(events: list[CaseEvent]) -> list[dict[str, Any]]:
    return [{**e.model_dump(), "facts": facts_of(e.command, e.payload)} for e in events]


def generated(recorded: list[list[CaseEvent]], cases: int) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """``cases`` (case row, event rows), the recorded histories in turn under new ids, over 900 municipalities."""
    for n, events in zip(range(cases), itertools.cycle(recorded), strict=False):
        again = rekeyed(events, f"{(n * 2654435761) % 2**32:08x}{n:08x}")
        yield case_row(again, f"m{n % 900:03d}"), event_rows(again)


def load(url: str, recorded: list[list[CaseEvent]], cases: int) -> int:
    """The cases and their events into the read model at ``url`` (made there); how many events."""
    engine = make_engine(url)
    events = 0
    try:
        create_schema(engine)
        rows = generated(recorded, cases)
        while batch := list(itertools.islice(rows, INSERT_BATCH)):
            with engine.begin() as conn:
                conn.execute(insert(CaseRecord), [case for case, _ in batch])
                conn.execute(insert(CaseEventRecord), [e for _, es in batch for e in es])
            events += sum(len(es) for _, es in batch)
        with engine.begin() as conn:
            refresh_statistics(conn)
    finally:
        engine.dispose()
    return events


def _timed(url: str, processes: int) -> dict[str, Any]:
    def report(r: PassResult) -> None:
        if r.checked % 20_000 < 500:
            progress(f"integrity: {r.checked:,} cases, {r.per_s:,.0f}/s ({processes} processes)")

    result = run_pass(url, processes=processes, progress=report)
    if result.broken:
        raise AssertionError(f"{len(result.broken)} generated cases do not verify: {result.broken[:3]}")
    return {
        "cases": result.checked, "seconds": round(result.seconds, 1), "per_s": round(result.per_s),
        "cpu_seconds": round(result.cpu_seconds, 1), "per_cpu_s": round(result.per_cpu_s),
        "cpu_us_per_event": None,
    }  # fmt: skip


def measure(url: str, recorded: list[list[CaseEvent]], cases: int, processes: int) -> dict[str, Any]:
    started = time.perf_counter()
    events = load(url, recorded, cases)
    load_seconds = time.perf_counter() - started
    progress(f"integrity: {cases:,} cases, {events:,} events loaded in {load_seconds:.0f} s")
    load_before = [round(v, 1) for v in os.getloadavg()]
    one = _timed(url, 1)
    many = _timed(url, processes) if processes > 1 and not url.startswith("sqlite") else one
    for timed in (one, many):
        timed["cpu_us_per_event"] = round(timed["cpu_seconds"] / events * 1e6) if events else None
    return {
        "cases": cases,
        "events": events,
        "load_seconds": round(load_seconds),
        "loadavg_before": load_before,
        "one_process": one,
        f"{processes}_processes": many,
        "processes": processes,
        "per_s": max(one["per_s"], many["per_s"]),
        "per_cpu_s": one["per_cpu_s"],
    }


def run(config: IntegrityConfig) -> dict[str, Any]:
    recorded = asyncio.run(recorded_case_events())
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="yorisoi-bench-integrity-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'integrity.sqlite3'}"
        results["sqlite"] = measure(url, recorded, config.sqlite_cases, config.processes)
    if config.postgres_url is None:
        progress("integrity: no PostgreSQL URL, the PostgreSQL figures are skipped")
        return results
    with fresh_postgres(config.postgres_url) as url:
        results["postgresql"] = measure(url, recorded, config.cases, config.processes)
    return results
