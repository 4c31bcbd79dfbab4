"""The nightly integrity pass over the read model, in bulk and without Temporal: for every case, its hash chain (each
event's hash, link and numbering, the report facts beside it, no event cut off the end) and the pure machine's
rebuild of every event (``statemachines.case.rebuild.first_wrong_step``: each event one the table makes, from the state
the events before it left, its payload readable and applied), and the case row's state the one the events end in.

A batch of cases is read in three statements (the cases, all their events in (case, seq) order, the rule sets they
pinned), not three per case, so the pass is bound by the CPU of hashing and rebuilding. :func:`run_pass` spreads the
batches over processes, each with its own connection, for a whole country in one night; the nightly
``IntegrityWorkflow``'s activity checks one batch with :func:`check_cases`.

SDK replay of the Temporal histories (the determinism audit of today's code) is the other check; it needs the
histories and the SDK, and lives in ``services.determinism_audit``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from statemachines.case.rebuild import first_wrong_step
from statemachines.kernel.events import CaseEvent, first_broken_link
from statemachines.kernel.rules import DEFAULT_RULESET, RuleSet
from statemachines.policy.statistics import facts_of
from store.db import make_engine, session_factory
from store.integrity import CaseCheck
from store.models import CaseEventRecord, CaseRecord
from store.rulesets import RulesetRepository

EVENT_COLUMNS = [c for c in CaseEventRecord.__table__.columns if c.name != "id"]


@dataclass(frozen=True)
class _CaseRow:
    case_id: str
    municipality: str
    state: str
    last_seq: int
    ruleset_id: str


def check_cases(session: Session, case_ids: Sequence[str]) -> list[CaseCheck]:
    """Each case's check, in the order given: ``broken_seq`` the first seq found wrong (None: intact), ``finding``
    what was wrong there (``chain``: the stored rows; ``rebuild``: the machine does not make that event)."""
    return check_loaded(load_cases(session, case_ids))


@dataclass(frozen=True)
class Loaded:
    """What a batch's check reads, read in one short transaction (the checking, CPU, happens after it)."""

    case_ids: Sequence[str]
    cases: dict[str, _CaseRow]
    events: dict[str, list[dict[str, Any]]]
    rulesets: dict[str, RuleSet]


def load_cases(session: Session, case_ids: Sequence[str]) -> Loaded:
    if not case_ids:
        return Loaded(case_ids, {}, {}, {})
    cases = {
        row.case_id: _CaseRow(row.case_id, row.municipality, row.state, row.last_seq, row.ruleset_id)
        for row in session.execute(
            select(
                CaseRecord.case_id, CaseRecord.municipality, CaseRecord.state, CaseRecord.last_seq,
                CaseRecord.ruleset_id,
            ).where(CaseRecord.case_id.in_(case_ids))
        )
    }  # fmt: skip
    stmt = (
        select(*EVENT_COLUMNS)
        .where(CaseEventRecord.case_id.in_(case_ids))
        .order_by(CaseEventRecord.case_id, CaseEventRecord.seq)
    )
    events: dict[str, list[dict[str, Any]]] = {}
    for row in session.execute(stmt).mappings():
        events.setdefault(row["case_id"], []).append(dict(row))
    return Loaded(case_ids, cases, events, _rulesets(session, {c.ruleset_id for c in cases.values()}))


def check_loaded(loaded: Loaded) -> list[CaseCheck]:
    return [
        _check(loaded.cases.get(case_id), case_id, loaded.events.get(case_id, []), loaded.rulesets)
        for case_id in loaded.case_ids
    ]


def _rulesets(session: Session, ids: set[str]) -> dict[str, RuleSet]:
    """The rule sets the cases pinned; the national default for one the store does not hold (the durations it sets
    change no state, which is what the rebuild checks)."""
    repo = RulesetRepository(session)
    return {ruleset_id: repo.get(ruleset_id) or DEFAULT_RULESET for ruleset_id in ids}


def _check(case: _CaseRow | None, case_id: str, rows: list[dict[str, Any]], rulesets: dict[str, RuleSet]) -> CaseCheck:
    if case is None:
        return CaseCheck(case_id=case_id, broken_seq=1, finding="chain")
    events = [CaseEvent.model_validate(row) for row in rows]
    chain = first_broken_link(events)
    facts = next(
        (e.seq for e, row in zip(events, rows, strict=True) if not e.payload_erased and _wrong_facts(row)), None
    )
    cut = len(events) + 1 if len(events) < case.last_seq else None
    broken = min((s for s in (chain, facts, cut) if s is not None), default=None)
    if broken is not None:
        return CaseCheck(case_id=case_id, broken_seq=broken, finding="chain")
    wrong = first_wrong_step(events, municipality=case.municipality, ruleset=rulesets[case.ruleset_id])
    if wrong is None and events and events[-1].to_state != case.state:
        wrong = events[-1].seq  # the row says the case is where its events do not take it
    return CaseCheck(case_id=case_id, broken_seq=wrong, finding="rebuild" if wrong is not None else None)


def _wrong_facts(row: dict[str, Any]) -> bool:
    return (row["facts"] or {}) != facts_of(row["command"], row["payload"] or {})


def case_ids_after(session: Session, after: str, limit: int) -> list[str]:
    """The next ``limit`` case ids after ``after``, in id order (how a pass walks the cases)."""
    stmt = select(CaseRecord.case_id).where(CaseRecord.case_id > after).order_by(CaseRecord.case_id).limit(limit)
    return list(session.scalars(stmt))


# -- the whole read model, over processes -----------------------------------------------------------------------------


@dataclass
class PassResult:
    checked: int = 0
    broken: list[CaseCheck] = field(default_factory=list)
    seconds: float = 0.0
    processes: int = 1
    cpu_seconds: float = 0.0  # the checking processes' own CPU time, summed (the pass's cost, whatever the load)

    @property
    def per_s(self) -> float:
        return self.checked / self.seconds if self.seconds else 0.0

    @property
    def per_cpu_s(self) -> float:
        """Cases per second of one core's CPU: what each process adds on a machine with cores to spare."""
        return self.checked / self.cpu_seconds if self.cpu_seconds else 0.0


_ENGINE: Engine | None = None


def _open(url: str) -> None:
    global _ENGINE
    _ENGINE = make_engine(url)


def _close() -> None:
    """The in-process pass's engine, disposed (its pooled connection closed, not left to the garbage collector)."""
    global _ENGINE
    if _ENGINE is not None:
        _ENGINE.dispose()
        _ENGINE = None


def _check_batch(case_ids: list[str]) -> tuple[list[CaseCheck], float]:
    """The batch's checks, and the CPU seconds this process spent on them (reading included)."""
    assert _ENGINE is not None, "the process was started without its engine"
    started = time.process_time()
    with session_factory(_ENGINE).begin() as session:  # read, and end the transaction (SQLite: its lock) ...
        loaded = load_cases(session, case_ids)
    return check_loaded(loaded), time.process_time() - started  # ... before the CPU work


def _batches(engine: Engine, size: int) -> Iterator[list[str]]:
    after = ""
    while True:
        with session_factory(engine).begin() as session:
            ids = case_ids_after(session, after, size)
        if not ids:
            return
        yield ids
        after = ids[-1]


def run_pass(
    url: str, *, processes: int = 1, batch: int = 500, progress: Callable[[PassResult], None] | None = None
) -> PassResult:
    """Check every case of the read model at ``url``: batches of ``batch`` cases over ``processes`` processes (1: in
    this one; always 1 on SQLite, the embedded store of one machine). ``progress`` is called after each batch with the
    counts so far."""
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        processes = 1  # every transaction takes SQLite's write lock (store.db): processes would only queue for it
    result = PassResult(processes=processes)
    started = time.perf_counter()
    try:
        if processes <= 1:
            _open(url)
            try:
                done: Iterator[tuple[list[CaseCheck], float]] = map(_check_batch, _batches(engine, batch))
                _collect(result, done, started, progress)
            finally:
                _close()
        else:
            with ProcessPoolExecutor(processes, initializer=_open, initargs=(url,)) as pool:
                # a bounded window of batches in flight: the ids are read as the pass goes, not all up front
                batches = _batches(engine, batch)
                window = [pool.submit(_check_batch, ids) for ids in itertools.islice(batches, processes * 2)]
                while window:
                    finished = window.pop(0).result()
                    window += [pool.submit(_check_batch, ids) for ids in itertools.islice(batches, 1)]
                    _collect(result, iter([finished]), started, progress)
    finally:
        engine.dispose()
    result.seconds = time.perf_counter() - started
    return result


def _collect(
    result: PassResult,
    done: Iterator[tuple[list[CaseCheck], float]],
    started: float,
    progress: Callable[[PassResult], None] | None,
) -> None:
    for checks, cpu in done:
        result.checked += len(checks)
        result.cpu_seconds += cpu
        result.broken += [c for c in checks if c.broken_seq is not None]
        result.seconds = time.perf_counter() - started
        if progress is not None:
            progress(result)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m store.integrity_pass [--url URL] [--processes N]``: the pass over a read model, with progress on
    stderr and the broken cases on stdout (case id, seq, finding); exit status 1 if any."""
    from store.migrate import default_url

    parser = argparse.ArgumentParser(prog="python -m store.integrity_pass", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=None, help="SQLAlchemy URL (default: the settings' database)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args(argv)
    shown = [0.0]

    def report(r: PassResult) -> None:
        if r.seconds - shown[0] >= 5:
            shown[0] = r.seconds
            sys.stderr.write(f"{r.checked:,} cases, {len(r.broken)} broken, {r.per_s:,.0f}/s\n")

    result = run_pass(args.url or default_url(), processes=args.processes, batch=args.batch, progress=report)
    for check in result.broken:
        sys.stdout.write(f"{check.case_id}\t{check.broken_seq}\t{check.finding}\n")
    sys.stderr.write(
        f"{result.checked:,} cases in {result.seconds:.1f} s ({result.per_s:,.0f}/s, {result.processes} processes; "
        f"{result.per_cpu_s:,.0f} per CPU second), {len(result.broken)} broken\n"
    )
    return 1 if result.broken else 0


if __name__ == "__main__":
    sys.exit(main())
