"""ProgramRepository against real SQLite and PostgreSQL databases (see tests/dbfixtures.py): an enrolment's chain of
events and the tasks they open and close on the case, as the projection run in a command's workflow task writes
them (issue 16)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from statemachines.kernel.events import GENESIS_HASH, CaseEvent, TaskStatus
from statemachines.programs.tasks import EnrolmentRow, ProgramProjection
from store.errors import ChainConflictError
from store.programs import ProgramRepository
from store.repository import CaseRepository
from tests.store.projections import CASE_ID, T0, apply, make_event, make_task, three_projections

ENROLMENT = f"program-{CASE_ID}-hello_work-1"


def _projection(event: CaseEvent, *, close: tuple[str, ...] = (), opened: tuple[str, ...] = ()) -> ProgramProjection:
    row = EnrolmentRow(
        enrolment_id=ENROLMENT,
        case_id=CASE_ID,
        municipality="131016",
        program="hello_work",
        state=event.to_state,
        started_at=T0,
        updated_at=event.at,
        last_seq=event.seq,
    )
    tasks = [make_task(f"{ENROLMENT}:{event.seq}:{kind}", kind) for kind in opened]
    return ProgramProjection(enrolment=row, event=event, close_task_kinds=list(close), open_tasks=tasks)


def _apply(sessions: sessionmaker[Session], projection: ProgramProjection, *, supersede: bool = False) -> bool:
    with sessions.begin() as session:
        return ProgramRepository(session).apply(projection, supersede=supersede)


def _state(sessions: sessionmaker[Session]) -> tuple[EnrolmentRow | None, list[CaseEvent], list[tuple[str, str]]]:
    with sessions() as session:
        repo = ProgramRepository(session)
        tasks = CaseRepository(session).list_tasks(CASE_ID)
        return repo.enrolment(ENROLMENT), repo.events(ENROLMENT), [(t.task_id, t.status.value) for t in tasks]


@pytest.fixture
def opened(sessions: sessionmaker[Session]) -> CaseEvent:
    """The case (its own task ``case-0001-intake`` open) and the enrolment's first event, opening ``hw_request``."""
    apply(sessions, three_projections()[0])
    first = make_event(1, GENESIS_HASH, command="hello_work.request", to_state="REQUESTED")
    assert _apply(sessions, _projection(first, opened=("hw_request",))) is True
    return first


def test_the_projection_in_the_workflow_task_supersedes_what_an_unrecorded_task_wrote(
    sessions: sessionmaker[Session], opened: CaseEvent
) -> None:
    """A worker killed after its local activity wrote seq 2 but before Temporal recorded the task: the task runs
    again at a later time, so seq 2 comes back with another hash; the store keeps the one history holds, the tasks
    the lost event opened and closed as if it had never been, the case's own tasks untouched."""
    lost = make_event(2, opened.hash, command="hello_work.book", to_state="BOOKED")
    _apply(sessions, _projection(lost, close=("hw_request",), opened=("hw_attend",)))
    again = make_event(2, opened.hash, command="hello_work.book", to_state="BOOKED", at=T0 + timedelta(days=1))

    assert _apply(sessions, _projection(again, opened=("hw_visit",)), supersede=True) is True

    row, events, tasks = _state(sessions)
    assert row is not None
    assert (row.last_seq, row.updated_at) == (2, again.at)
    assert events == [opened, again]
    assert sorted(tasks) == [
        (f"{CASE_ID}-intake", TaskStatus.OPEN.value),
        (f"{ENROLMENT}:1:hw_request", TaskStatus.OPEN.value),
        (f"{ENROLMENT}:2:hw_visit", TaskStatus.OPEN.value),
    ]


def test_a_lost_task_s_late_write_never_supersedes_the_event_history_keeps(
    sessions: sessionmaker[Session], opened: CaseEvent
) -> None:
    """The retried task's event (later) is written first; the lost task's local activity, finishing late, tries its
    own (earlier) event at the same seq: refused, the event history keeps stays."""
    kept = make_event(2, opened.hash, command="hello_work.book", to_state="BOOKED", at=T0 + timedelta(days=1))
    _apply(sessions, _projection(kept), supersede=True)
    lost = make_event(2, opened.hash, command="hello_work.book", to_state="BOOKED")

    with pytest.raises(ChainConflictError, match="already recorded"):
        _apply(sessions, _projection(lost), supersede=True)

    assert _state(sessions)[1] == [opened, kept]


def test_without_supersede_another_event_at_the_seq_is_a_conflict(
    sessions: sessionmaker[Session], opened: CaseEvent
) -> None:
    lost = make_event(2, opened.hash, command="hello_work.book", to_state="BOOKED")
    _apply(sessions, _projection(lost))
    again = make_event(2, opened.hash, command="hello_work.book", to_state="BOOKED", at=T0 + timedelta(days=1))

    with pytest.raises(ChainConflictError, match="already recorded"):
        _apply(sessions, _projection(again))
    unlinked = make_event(2, "0" * 64, command="hello_work.book", to_state="BOOKED", at=T0 + timedelta(days=2))
    with pytest.raises(ChainConflictError):
        _apply(sessions, _projection(unlinked), supersede=True)

    assert _state(sessions)[1] == [opened, lost]
