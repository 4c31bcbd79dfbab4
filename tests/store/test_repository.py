"""CaseRepository against real SQLite and PostgreSQL databases (see tests/dbfixtures.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.exc import OperationalError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from statemachines.kernel.events import (
    GENESIS_HASH,
    CaseEvent,
    CaseSnapshotRow,
    Projection,
    Rejection,
    TaskSpec,
    TaskStatus,
    canonical_event_content,
    chain_hash,
)
from store.db import SQLITE_BUSY_TIMEOUT_MS, make_engine
from store.errors import ChainConflictError
from store.models import Base, CaseEventRecord, CaseRecord, RejectionRecord, TaskRecord
from store.repository import CaseRepository

CASE_ID = "case-0001"
T0 = datetime(2025, 4, 1, 0, 30, 15, 123456, tzinfo=UTC)
JST = timezone(timedelta(hours=9), "JST")

# -- builders ---------------------------------------------------------------------------------------------


def make_event(
    seq: int,
    prev_hash: str,
    *,
    case_id: str = CASE_ID,
    from_state: str | None = None,
    to_state: str = "intake",
    command: str = "open_case",
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> CaseEvent:
    """An event whose hash is right for ``prev_hash`` (which may itself be wrong)."""
    content: dict[str, Any] = {
        "case_id": case_id,
        "seq": seq,
        "at": at if at is not None else T0 + timedelta(hours=seq),
        "actor_id": "staff-07",
        "actor_roles": ["consultant", "supervisor"],
        "command": command,
        "command_id": f"cmd-{case_id}-{seq}",
        "transition_id": f"t-{command}",
        "from_state": from_state,
        "to_state": to_state,
        "payload": payload if payload is not None else {},
    }
    return CaseEvent(**content, prev_hash=prev_hash, hash=chain_hash(prev_hash, canonical_event_content(**content)))


def make_case(event: CaseEvent, *, stage: str = "intake", assignee: str | None = "staff-07") -> CaseSnapshotRow:
    return CaseSnapshotRow(
        case_id=event.case_id,
        municipality="131016",
        stage=stage,
        state=event.to_state,
        emergency_active=False,
        assignee=assignee,
        opened_at=T0,
        updated_at=event.at,
        closed_at=None,
        next_due_at=event.at + timedelta(days=7),
        next_due_kind="review",
        ruleset_id="rules-2025.04",
        plan_version=event.seq - 1,
        last_seq=event.seq,
    )


def make_task(task_id: str, kind: str, *, due_at: datetime | None = None) -> TaskSpec:
    return TaskSpec(
        task_id=task_id,
        kind=kind,
        title_ja=f"{kind}を行う",
        title_en=f"Do {kind}",
        role="consultant",
        assignee=None,
        due_at=due_at,
        command=f"complete_{kind}",
    )


def make_projection(event: CaseEvent, close: Sequence[str] = (), tasks: Sequence[TaskSpec] = ()) -> Projection:
    return Projection(case=make_case(event), event=event, close_task_kinds=list(close), open_tasks=list(tasks))


def three_projections(case_id: str = CASE_ID) -> list[Projection]:
    """open_case → record_intake → complete_assessment, each closing the previous task kind."""
    e1 = make_event(1, GENESIS_HASH, case_id=case_id, payload={"channel": "窓口"})
    e2 = make_event(
        2,
        e1.hash,
        case_id=case_id,
        from_state="intake",
        to_state="assessment",
        command="record_intake",
        payload={"note": "初回面談を実施", "household": {"size": 3, "ratio": 0.5}, "flags": [True, None]},
    )
    e3 = make_event(
        3,
        e2.hash,
        case_id=case_id,
        from_state="assessment",
        to_state="planning",
        command="complete_assessment",
    )
    due = datetime(2025, 4, 8, 17, 0, tzinfo=JST)
    return [
        make_projection(e1, tasks=[make_task(f"{case_id}-intake", "intake_interview", due_at=due)]),
        make_projection(
            e2,
            close=["intake_interview"],
            tasks=[make_task(f"{case_id}-assess", "assessment"), make_task(f"{case_id}-consent", "consent")],
        ),
        make_projection(e3, close=["assessment"], tasks=[make_task(f"{case_id}-plan", "plan_draft")]),
    ]


# -- helpers ----------------------------------------------------------------------------------------------


def apply(sessions: sessionmaker[Session], projection: Projection) -> bool:
    with sessions.begin() as session:
        return CaseRepository(session).apply_projection(projection)


def apply_all(sessions: sessionmaker[Session], projections: Sequence[Projection]) -> None:
    for projection in projections:
        assert apply(sessions, projection) is True


def row_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (CaseRecord, CaseEventRecord, TaskRecord, RejectionRecord)
        }


def snapshot(sessions: sessionmaker[Session], case_id: str = CASE_ID) -> tuple[Any, ...]:
    with sessions() as session:
        repo = CaseRepository(session)
        return repo.get_case(case_id), repo.list_events(case_id), repo.list_tasks(case_id)


def verify(sessions: sessionmaker[Session], case_id: str = CASE_ID) -> int | None:
    with sessions() as session:
        return CaseRepository(session).verify_chain(case_id)


# -- tests ------------------------------------------------------------------------------------------------


def test_schema_follows_the_naming_convention(engine: Engine) -> None:
    names = {c.name for t in Base.metadata.tables.values() for c in t.constraints} | {
        i.name for t in Base.metadata.tables.values() for i in t.indexes
    }
    assert {"pk_cases", "uq_case_events_case_id_seq", "fk_tasks_case_id_cases", "ck_tasks_status"} <= names
    assert {
        "ix_tasks_status_role_due_at",
        "ix_tasks_status_assignee_due_at",
        "ix_case_events_case_id",
    } <= names


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}")
    try:
        with engine.connect() as conn:
            pragmas = [conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in ("journal_mode", "foreign_keys")]
            busy_timeout = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    finally:
        engine.dispose()
    assert pragmas == ["wal", 1]
    assert busy_timeout == SQLITE_BUSY_TIMEOUT_MS


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


def test_datetimes_come_back_tz_aware_utc(sessions: sessionmaker[Session]) -> None:
    projections = three_projections()
    apply_all(sessions, projections)

    with sessions() as session:
        repo = CaseRepository(session)
        case = repo.get_case(CASE_ID)
        events = repo.list_events(CASE_ID)
        tasks = repo.list_tasks(CASE_ID)

    assert case is not None
    stamps = [case.opened_at, case.updated_at, case.next_due_at]
    stamps += [e.at for e in events] + [t.opened_at for t in tasks] + [t.closed_at for t in tasks if t.closed_at]
    assert stamps
    assert all(s is not None and s.tzinfo is UTC for s in stamps)
    # A due time given in JST comes back as the same instant, in UTC.
    due = tasks[0].due_at
    assert due is not None
    assert due.tzinfo is UTC
    assert due == datetime(2025, 4, 8, 17, 0, tzinfo=JST)
    assert due.hour == 8
    assert events[0].at.microsecond == T0.microsecond


def test_naive_datetimes_are_refused(sessions: sessionmaker[Session]) -> None:
    p1, _, _ = three_projections()
    naive_time = datetime(2025, 4, 1, 9, 0)  # noqa: DTZ001 - the naive datetime under test
    naive = p1.model_copy(update={"case": p1.case.model_copy(update={"opened_at": naive_time})})

    with pytest.raises(StatementError) as info:
        apply(sessions, naive)

    assert isinstance(info.value.orig, ValueError)
    assert row_counts(sessions)["cases"] == 0
