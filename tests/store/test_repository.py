"""CaseRepository against real SQLite and PostgreSQL databases (see tests/dbfixtures.py): the hash chain of events,
the tasks they open and close, and refused commands."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, delete, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from statemachines.kernel.events import Rejection, TaskStatus
from store.errors import ChainConflictError
from store.models import CaseEventRecord
from store.repository import CaseRepository
from tests.store.projections import (
    CASE_ID,
    JST,
    T0,
    apply,
    apply_all,
    make_event,
    make_projection,
    make_task,
    row_counts,
    snapshot,
    three_projections,
    verify,
)


def test_a_chain_of_three_events_builds_case_events_and_tasks(sessions: sessionmaker[Session]) -> None:
    projections = three_projections()
    apply_all(sessions, projections)

    case, events, tasks = snapshot(sessions)
    assert case == projections[-1].case
    assert events == [p.event for p in projections]
    assert [t.task_id for t in tasks] == [f"{CASE_ID}-{s}" for s in ("intake", "assess", "consent", "plan")]
    assert row_counts(sessions) == {"cases": 1, "case_events": 3, "tasks": 4, "case_rejections": 0}
    assert verify(sessions) is None


def test_reapplying_a_projection_is_a_no_op(sessions: sessionmaker[Session]) -> None:
    projections = three_projections()
    apply_all(sessions, projections)
    before = (row_counts(sessions), snapshot(sessions))

    for projection in projections:
        assert apply(sessions, projection) is False

    assert (row_counts(sessions), snapshot(sessions)) == before


def test_a_case_row_older_than_the_stored_one_is_not_written(sessions: sessionmaker[Session]) -> None:
    p1, p2, p3 = three_projections()
    apply_all(sessions, [p1, p2])

    assert apply(sessions, p3.model_copy(update={"case": p1.case})) is True

    with sessions() as session:
        repo = CaseRepository(session)
        assert repo.get_case(CASE_ID) == p2.case
        assert [e.seq for e in repo.list_events(CASE_ID)] == [1, 2, 3]


def test_a_different_event_at_an_existing_seq_is_a_conflict(sessions: sessionmaker[Session]) -> None:
    p1, p2, _ = three_projections()
    apply_all(sessions, [p1, p2])
    other = make_event(2, p1.event.hash, from_state="intake", to_state="closed", command="close_case")

    with pytest.raises(ChainConflictError, match="already recorded") as info, sessions.begin() as session:
        CaseRepository(session).apply_projection(make_projection(other))

    assert (info.value.case_id, info.value.seq) == (CASE_ID, 2)
    assert verify(sessions) is None
    assert row_counts(sessions)["case_events"] == 2


def test_the_projection_in_the_workflow_task_supersedes_what_an_unrecorded_task_wrote(
    sessions: sessionmaker[Session],
) -> None:
    """A worker killed after its local activity wrote seq 2 (and 3) but before Temporal recorded the workflow task:
    the task runs again at a later time, so seq 2 comes back with another hash; the store keeps the one history
    holds (issue 16), the tasks the lost events opened and closed as if they had never been."""
    p1, p2, p3 = three_projections()
    apply_all(sessions, [p1, p2, p3])
    again = make_event(2, p1.event.hash, from_state="intake", to_state="assessment", at=T0 + timedelta(days=1))
    superseding = make_projection(again, close=["intake_interview"], tasks=[make_task(f"{CASE_ID}-again", "again")])

    with sessions.begin() as session:
        assert CaseRepository(session).apply_projection(superseding, supersede=True) is True

    case, events, tasks = snapshot(sessions)
    assert case == superseding.case
    assert events == [p1.event, again]
    assert [(t.task_id, t.status) for t in tasks] == [
        (f"{CASE_ID}-intake", TaskStatus.DONE),
        (f"{CASE_ID}-again", TaskStatus.OPEN),
    ]
    assert verify(sessions) is None


def test_a_lost_task_s_late_write_never_supersedes_the_event_history_keeps(sessions: sessionmaker[Session]) -> None:
    """After a server crash with two workers: the retried task's event (later) was written, then the lost task's
    local activity, still running, tries to write its own (earlier) event at the same seq. It is refused, and the
    event history keeps stays with what came after it (before this, the late write undid both)."""
    p1, _, _ = three_projections()
    apply(sessions, p1)
    lost = make_event(2, p1.event.hash, from_state="intake", to_state="assessment", at=T0 + timedelta(hours=1))
    kept = make_event(2, p1.event.hash, from_state="intake", to_state="assessment", at=T0 + timedelta(hours=2))
    after = make_event(3, kept.hash, from_state="assessment", to_state="consent", at=T0 + timedelta(hours=3))
    for projection in (make_projection(kept), make_projection(after)):
        with sessions.begin() as session:
            assert CaseRepository(session).apply_projection(projection, supersede=True) is True

    with pytest.raises(ChainConflictError, match="already recorded"), sessions.begin() as session:
        CaseRepository(session).apply_projection(make_projection(lost), supersede=True)

    assert snapshot(sessions)[1] == [p1.event, kept, after]
    assert verify(sessions) is None


def test_a_superseding_event_must_link_to_the_same_predecessor(sessions: sessionmaker[Session]) -> None:
    p1, p2, _ = three_projections()
    apply_all(sessions, [p1, p2])
    unlinked = make_event(2, "0" * 64, from_state="intake", to_state="closed", command="close_case")

    with pytest.raises(ChainConflictError), sessions.begin() as session:
        CaseRepository(session).apply_projection(make_projection(unlinked), supersede=True)

    assert snapshot(sessions)[1] == [p1.event, p2.event]


def test_concurrent_appends_at_one_seq_do_not_both_win(engine: Engine, sessions: sessionmaker[Session]) -> None:
    p1, p2, _ = three_projections()
    apply(sessions, p1)
    rival = make_projection(make_event(2, p1.event.hash, from_state="intake", to_state="closed", command="close"))
    outcome: list[object] = []

    def apply_rival() -> None:
        try:
            outcome.append(apply(sessions, rival))
        except Exception as err:
            outcome.append(err)

    with sessions.begin() as session:
        assert CaseRepository(session).apply_projection(p2) is True
        thread = threading.Thread(target=apply_rival)
        thread.start()
        thread.join(timeout=0.3)  # the rival now waits for this transaction's lock
    thread.join(timeout=30)

    [result] = outcome
    # PostgreSQL: the rival waits on the predecessor's row lock, then sees seq 2 taken. SQLite: its stale read
    # snapshot cannot write (a retryable "database is locked"), or it started after the commit.
    expected: tuple[type[Exception], ...] = (ChainConflictError,)
    if engine.dialect.name == "sqlite":
        expected = (ChainConflictError, OperationalError)
    assert isinstance(result, expected), result
    assert verify(sessions) is None
    assert snapshot(sessions)[1] == [p1.event, p2.event]


def test_a_gap_in_the_chain_is_refused(sessions: sessionmaker[Session]) -> None:
    p1, _, p3 = three_projections()
    apply(sessions, p1)

    with pytest.raises(ChainConflictError, match="seq 2 is not recorded") as info:
        apply(sessions, p3)

    assert info.value.seq == 3
    assert row_counts(sessions) == {"cases": 1, "case_events": 1, "tasks": 1, "case_rejections": 0}


def test_a_first_event_must_follow_genesis(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(ChainConflictError, match="prev_hash") as info:
        apply(sessions, make_projection(make_event(1, "a" * 64)))
    assert info.value.seq == 1
    assert row_counts(sessions)["cases"] == 0


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        pytest.param(
            lambda prev: make_event(2, "f" * 64, from_state="intake", to_state="assessment"),
            "prev_hash does not match",
            id="wrong-prev-hash",
        ),
        pytest.param(
            lambda prev: make_event(2, prev.hash, to_state="assessment").model_copy(update={"hash": "e" * 64}),
            "hash does not match the event content",
            id="forged-hash",
        ),
        pytest.param(
            lambda prev: make_event(2, prev.hash, at=datetime(2025, 4, 1, 12, 0, tzinfo=JST)),
            "not in UTC",
            id="non-utc-time",
        ),
    ],
)
def test_an_event_that_does_not_link_is_refused(sessions: sessionmaker[Session], build: Any, reason: str) -> None:
    p1, _, _ = three_projections()
    apply(sessions, p1)

    with pytest.raises(ChainConflictError, match=reason) as info:
        apply(sessions, make_projection(build(p1.event)))

    assert info.value.seq == 2
    assert row_counts(sessions)["case_events"] == 1


def test_tasks_close_by_kind_and_open(sessions: sessionmaker[Session]) -> None:
    projections = three_projections()
    other_case = three_projections("case-0002")
    apply_all(sessions, [*projections[:2], other_case[0], projections[2]])

    with sessions() as session:
        tasks = {t.task_id: t for t in CaseRepository(session).list_tasks(CASE_ID)}
        open_ids = [t.task_id for t in CaseRepository(session).list_tasks(CASE_ID, status="open")]
        done_ids = [t.task_id for t in CaseRepository(session).list_tasks(CASE_ID, TaskStatus.DONE)]
        other = CaseRepository(session).list_tasks("case-0002")

    intake, assess, consent = (
        tasks[f"{CASE_ID}-intake"],
        tasks[f"{CASE_ID}-assess"],
        tasks[f"{CASE_ID}-consent"],
    )
    assert (intake.status, intake.closed_seq, intake.closed_at) == ("done", 2, projections[1].event.at)
    assert (assess.status, assess.opened_seq, assess.closed_seq) == ("done", 2, 3)
    assert assess.closed_at == projections[2].event.at
    assert (consent.status, consent.closed_seq, consent.closed_at) == ("open", None, None)
    assert consent.opened_at == projections[1].event.at
    assert consent.case_id == CASE_ID
    assert consent.title_ja == "consentを行う"
    assert open_ids == [f"{CASE_ID}-consent", f"{CASE_ID}-plan"]
    assert done_ids == [f"{CASE_ID}-intake", f"{CASE_ID}-assess"]
    # Closing a kind on one case leaves the other case's task of that kind open.
    assert [(t.kind, t.status) for t in other] == [("intake_interview", TaskStatus.OPEN)]


def test_reopening_an_existing_task_id_leaves_it(sessions: sessionmaker[Session]) -> None:
    projections = three_projections()
    apply_all(sessions, projections)
    e4 = make_event(4, projections[2].event.hash, from_state="planning", to_state="planning", command="remind")
    renamed = make_task(f"{CASE_ID}-consent", "consent").model_copy(update={"title_ja": "別名"})

    assert apply(sessions, make_projection(e4, tasks=[renamed])) is True

    with sessions() as session:
        [consent] = [t for t in CaseRepository(session).list_tasks(CASE_ID) if t.kind == "consent"]
    assert (consent.title_ja, consent.opened_seq, consent.status) == ("consentを行う", 2, "open")


def test_rejections_are_stored(sessions: sessionmaker[Session]) -> None:
    rejections = [
        Rejection(
            case_id=CASE_ID,
            at=T0 + timedelta(minutes=i),
            actor_id="staff-09",
            actor_roles=["clerk"],
            command="approve_plan",
            command_id=f"cmd-r{i}",
            state=state,
            reasons=[{"code": "role", "message_ja": "権限がありません", "message_en": "Not permitted"}],
        )
        for i, state in enumerate(["planning", None])
    ]
    with sessions.begin() as session:
        for rejection in rejections:
            CaseRepository(session).record_rejection(rejection)

    with sessions() as session:
        assert CaseRepository(session).list_rejections(CASE_ID) == rejections
        assert CaseRepository(session).list_rejections("case-other") == []


def test_verify_chain_finds_an_altered_row(sessions: sessionmaker[Session]) -> None:
    apply_all(sessions, three_projections())

    with sessions.begin() as session:
        session.execute(
            text("UPDATE case_events SET payload = :payload WHERE case_id = :case_id AND seq = 2"),
            {"payload": json.dumps({"note": "改ざん"}), "case_id": CASE_ID},
        )

    assert verify(sessions) == 2


def test_verify_chain_finds_report_facts_that_are_not_what_the_payload_says(sessions: sessionmaker[Session]) -> None:
    apply_all(sessions, three_projections())
    with sessions.begin() as session:
        assert CaseRepository(session).first_wrong_facts(CASE_ID) is None
        session.execute(
            text("UPDATE case_events SET facts = :facts WHERE case_id = :case_id AND seq = 2"),
            {"facts": json.dumps({"employed": True}), "case_id": CASE_ID},
        )

    assert verify(sessions) == 2


@pytest.mark.parametrize(("deleted", "broken"), [(2, 2), (3, 3), (1, 1)])
def test_verify_chain_finds_a_deleted_row(sessions: sessionmaker[Session], deleted: int, broken: int) -> None:
    apply_all(sessions, three_projections())

    with sessions.begin() as session:
        session.execute(
            delete(CaseEventRecord).where(CaseEventRecord.case_id == CASE_ID, CaseEventRecord.seq == deleted)
        )

    assert verify(sessions) == broken


def test_verify_chain_of_an_unknown_case_is_intact(sessions: sessionmaker[Session]) -> None:
    assert verify(sessions, "case-none") is None
