"""The bulk integrity pass (store/integrity_pass.py) on SQLite and PostgreSQL, over cases made of the recorded
histories' events: intact cases pass, a tampered event row is a chain finding, an event the machine does not make (its
chain rehashed to hide it) and a case row its events do not lead to are rebuild findings; over processes too."""

from __future__ import annotations

import pytest
import pytest_asyncio
from sqlalchemy import Engine, insert, update
from sqlalchemy.orm import Session, sessionmaker

from bench.integrity import case_row, event_rows, recorded_case_events, rekeyed
from statemachines.kernel.events import CaseEvent
from store.integrity_pass import check_cases, run_pass
from store.models import CaseEventRecord, CaseRecord


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def recorded() -> list[list[CaseEvent]]:
    return await recorded_case_events()


def store(sessions: sessionmaker[Session], events: list[CaseEvent], **row: object) -> str:
    with sessions.begin() as session:
        session.execute(insert(CaseRecord), [{**case_row(events, "city-a"), **row}])
        session.execute(insert(CaseEventRecord), event_rows(events))
    return events[0].case_id


@pytest.fixture
def lifecycle(recorded: list[list[CaseEvent]]) -> list[CaseEvent]:
    return max(recorded, key=len)


def check(sessions: sessionmaker[Session], *case_ids: str) -> list[tuple[str, int | None, str | None]]:
    with sessions.begin() as session:
        return [(c.case_id, c.broken_seq, c.finding) for c in check_cases(session, case_ids)]


def test_every_recorded_case_passes(sessions: sessionmaker[Session], recorded: list[list[CaseEvent]]) -> None:
    ids = [store(sessions, rekeyed(events, f"case-{n:02d}")) for n, events in enumerate(recorded)]
    assert check(sessions, *ids) == [(case_id, None, None) for case_id in ids]


def test_a_tampered_event_is_a_chain_finding_at_its_seq(
    sessions: sessionmaker[Session], lifecycle: list[CaseEvent]
) -> None:
    case_id = store(sessions, rekeyed(lifecycle, "case-tampered"))
    intact = store(sessions, rekeyed(lifecycle, "case-intact"))
    with sessions.begin() as session:
        session.execute(
            update(CaseEventRecord)
            .where(CaseEventRecord.case_id == case_id, CaseEventRecord.seq == 9)
            .values(actor_id="someone-else")
        )
    assert check(sessions, case_id, intact) == [(case_id, 9, "chain"), (intact, None, None)]


def test_a_missing_last_event_is_a_chain_finding(sessions: sessionmaker[Session], lifecycle: list[CaseEvent]) -> None:
    case_id = store(sessions, rekeyed(lifecycle, "case-cut")[:-1], last_seq=len(lifecycle))
    assert check(sessions, case_id) == [(case_id, len(lifecycle), "chain")]


def test_an_event_the_machine_does_not_make_is_a_rebuild_finding_though_its_chain_verifies(
    sessions: sessionmaker[Session], lifecycle: list[CaseEvent]
) -> None:
    seq = 5
    wrong_state = "CLOSED" if lifecycle[seq - 1].to_state != "CLOSED" else "INTAKE"
    moved = rekeyed(lifecycle, "case-moved", {seq: {"to_state": wrong_state}})
    unknown = rekeyed(lifecycle, "case-unknown", {seq + 1: {"transition_id": "T99"}})
    ids = [store(sessions, moved), store(sessions, unknown)]
    assert check(sessions, *ids) == [(ids[0], seq, "rebuild"), (ids[1], seq + 1, "rebuild")]


def test_a_case_row_its_events_do_not_lead_to_is_a_rebuild_finding(
    sessions: sessionmaker[Session], lifecycle: list[CaseEvent]
) -> None:
    events = rekeyed(lifecycle, "case-row")
    assert events[-1].to_state != "PLAN_CHECK"
    case_id = store(sessions, events, state="PLAN_CHECK")
    assert check(sessions, case_id) == [(case_id, len(events), "rebuild")]


@pytest.fixture
def url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.mark.parametrize("processes", [1, 2])
def test_the_pass_over_processes_finds_the_same(
    sessions: sessionmaker[Session], url: str, recorded: list[list[CaseEvent]], processes: int
) -> None:
    ids = [store(sessions, rekeyed(recorded[n % len(recorded)], f"case-{n:03d}")) for n in range(30)]
    with sessions.begin() as session:
        session.execute(update(CaseEventRecord).where(CaseEventRecord.case_id == ids[17]).values(command_id="x"))

    result = run_pass(url, processes=processes, batch=4)

    assert result.checked == 30
    assert result.processes == (1 if url.startswith("sqlite") else processes)  # SQLite: one process
    assert [(c.case_id, c.broken_seq, c.finding) for c in result.broken] == [(ids[17], 1, "chain")]
