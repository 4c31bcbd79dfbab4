"""Hash-chained events, cases, tasks and projections built for the repository's tests, and helpers that apply them
and read them back (tests/store/test_repository.py, tests/store/test_models.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from statemachines.kernel.events import (
    GENESIS_HASH,
    CaseEvent,
    CaseSnapshotRow,
    Projection,
    TaskSpec,
    canonical_event_content,
    chain_hash,
)
from store.models import CaseEventRecord, CaseRecord, RejectionRecord, TaskRecord
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


# -- applying and reading back ----------------------------------------------------------------------------


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
