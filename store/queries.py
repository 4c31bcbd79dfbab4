"""The read side for the API: case lists, inboxes, claiming tasks, the pipeline and a case's history.

Every query takes ``visible``, the municipalities whose cases the caller may see: a case (or a task of a case) of
any other municipality is never returned, and is "not found" rather than "forbidden". Nothing here commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Generic, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, Select, Update, case, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from statemachines.case.record import STAGE_NAMES, STATES, CaseState, Stage
from statemachines.kernel.events import CaseSnapshotRow, TaskStatus
from store.errors import TaskConflictError, TaskNotFoundError, TaskRoleError
from store.models import CaseEventRecord, CaseRecord, RejectionRecord, TaskRecord
from store.repository import TaskRow

T = TypeVar("T")

InboxScope = Literal["mine", "role", "unassigned"]
AGING_BUCKETS: tuple[tuple[str, int | None], ...] = (("0-7", 8), ("8-30", 31), ("31-90", 91), ("90+", None))
"""(bucket, first whole day past it): a case is in the first bucket whose limit its whole days stay below."""


class Page(BaseModel, Generic[T]):
    model_config = ConfigDict(frozen=True)

    items: list[T]
    total: int
    limit: int
    offset: int


class InboxTask(TaskRow):
    """An open task with what the inbox shows of its case."""

    municipality: str
    case_state: str
    overdue: bool


class HistoryEntry(BaseModel):
    """One line of a case's history: an accepted event, or a command the case refused.

    For a refusal, ``from_state`` is the state the case was in; ``seq``, ``transition_id``, ``to_state`` and the
    hashes are None.
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["event", "rejected"]
    at: datetime
    actor_id: str
    actor_roles: list[str]
    command: str
    seq: int | None = None
    transition_id: str | None = None
    from_state: str | None = None
    to_state: str | None = None
    payload_summary: list[str] = []
    hash: str | None = None
    prev_hash: str | None = None
    reasons: list[dict[str, str]] = []


# -- cases ----------------------------------------------------------------------------------------------------


def list_cases(
    session: Session,
    *,
    visible: set[str],
    stage: str | None = None,
    state: str | None = None,
    assignee: str | None = None,
    municipality: str | None = None,
    overdue: bool | None = None,
    opened_from: datetime | None = None,
    opened_to: datetime | None = None,
    now: datetime,
    limit: int = 50,
    offset: int = 0,
) -> Page[CaseSnapshotRow]:
    """Visible cases, newest first. ``opened_from`` is inclusive, ``opened_to`` exclusive."""
    _check_page(limit, offset)
    conditions: list[ColumnElement[bool]] = [
        CaseRecord.municipality.in_(visible),
        *_overdue(CaseRecord.next_due_at, overdue, now),
    ]
    for column, value in (
        (CaseRecord.stage, stage),
        (CaseRecord.state, state),
        (CaseRecord.assignee, assignee),
        (CaseRecord.municipality, municipality),
    ):
        if value is not None:
            conditions.append(column == value)
    if opened_from is not None:
        conditions.append(CaseRecord.opened_at >= opened_from)
    if opened_to is not None:
        conditions.append(CaseRecord.opened_at < opened_to)
    stmt = select(CaseRecord).where(*conditions)
    total = _count(session, stmt)
    stmt = stmt.order_by(CaseRecord.opened_at.desc(), CaseRecord.case_id).limit(limit).offset(offset)
    items = [CaseSnapshotRow.model_validate(r, from_attributes=True) for r in session.scalars(stmt)]
    return Page[CaseSnapshotRow](items=items, total=total, limit=limit, offset=offset)


def case_row(session: Session, case_id: str, visible: set[str]) -> CaseSnapshotRow | None:
    """The case, or None if there is none or it is not visible."""
    stmt = select(CaseRecord).where(CaseRecord.case_id == case_id, CaseRecord.municipality.in_(visible))
    record = session.scalars(stmt).one_or_none()
    return None if record is None else CaseSnapshotRow.model_validate(record, from_attributes=True)


# -- inbox and claims -----------------------------------------------------------------------------------------


def inbox(
    session: Session,
    *,
    user_id: str,
    roles: set[str],
    visible: set[str],
    scope: InboxScope,
    overdue: bool | None = None,
    due_before: datetime | None = None,
    municipality: str | None = None,
    now: datetime,
    limit: int = 50,
    offset: int = 0,
) -> Page[InboxTask]:
    """Open tasks: ``mine`` (assigned to the user), ``role`` (for a role they hold) or ``unassigned`` (and free).

    Overdue ones first, then by due time (none last), then by id. ``due_before`` is exclusive.
    """
    _check_page(limit, offset)
    conditions = [
        TaskRecord.status == TaskStatus.OPEN.value,
        *_scope(scope, user_id, roles),
        *_overdue(TaskRecord.due_at, overdue, now),
    ]
    if due_before is not None:
        conditions.append(TaskRecord.due_at < due_before)
    if municipality is not None:
        conditions.append(CaseRecord.municipality == municipality)
    stmt = _inbox_select(visible).where(*conditions)
    total = _count(session, stmt)
    stmt = stmt.order_by(
        case((TaskRecord.due_at < now, 0), else_=1),
        case((TaskRecord.due_at.is_(None), 1), else_=0),
        TaskRecord.due_at,
        TaskRecord.task_id,
    )
    rows = session.execute(stmt.limit(limit).offset(offset)).all()
    items = [_inbox_task(record, place, state, now) for record, place, state in rows]
    return Page[InboxTask](items=items, total=total, limit=limit, offset=offset)


def claim_task(
    session: Session,
    *,
    task_id: str,
    user_id: str,
    roles: set[str],
    visible: set[str],
    now: datetime | None = None,
) -> InboxTask:
    """Make the user the task's assignee, atomically: only an open task, free or already theirs, of their roles.

    The returned task's ``overdue`` is computed against ``now`` (False without it).

    :class:`TaskNotFoundError` if there is no such task or it is not visible, :class:`TaskRoleError` if its role is
    not one of ``roles``, :class:`TaskConflictError` if it is closed or someone else holds it.
    """
    stmt = (
        update(TaskRecord)
        .where(
            TaskRecord.task_id == task_id,
            TaskRecord.status == TaskStatus.OPEN.value,
            or_(TaskRecord.assignee.is_(None), TaskRecord.assignee == user_id),
            TaskRecord.role.in_(roles),
            TaskRecord.case_id.in_(_visible_case_ids(visible)),
        )
        .values(assignee=user_id)
    )
    if _updated(session, stmt):
        return _inbox_task(*_visible_row(session, task_id, visible), now)
    record = _visible_row(session, task_id, visible)[0]
    if record.role not in roles:
        raise TaskRoleError(task_id, record.role)
    _raise_if_closed(record)
    if record.assignee is not None and record.assignee != user_id:
        raise TaskConflictError(task_id, f"{record.assignee} さんが担当しています。", holder=record.assignee)
    raise TaskConflictError(task_id, "同時に変更されました。もう一度お試しください。", holder=record.assignee)


def release_task(
    session: Session, *, task_id: str, user_id: str, visible: set[str], now: datetime | None = None
) -> InboxTask:
    """Give the task back to its role's queue; only its current assignee may, and only while it is open."""
    stmt = (
        update(TaskRecord)
        .where(
            TaskRecord.task_id == task_id,
            TaskRecord.status == TaskStatus.OPEN.value,
            TaskRecord.assignee == user_id,
            TaskRecord.case_id.in_(_visible_case_ids(visible)),
        )
        .values(assignee=None)
    )
    if _updated(session, stmt):
        return _inbox_task(*_visible_row(session, task_id, visible), now)
    record = _visible_row(session, task_id, visible)[0]
    _raise_if_closed(record)
    if record.assignee is None:
        raise TaskConflictError(task_id, "誰も担当していません。", holder=None)
    raise TaskConflictError(task_id, f"{record.assignee} さんが担当しています。", holder=record.assignee)


# -- pipeline -------------------------------------------------------------------------------------------------


def pipeline(
    session: Session,
    *,
    visible: set[str],
    municipality: str | None = None,
    assignee: str | None = None,
    now: datetime,
) -> dict[str, Any]:
    """Case counts per stage and state, with overdue counts and the whole days spent in the state, by bucket.

    Every stage and every state appears, in process order, zeros included. Counted in SQL by (state, bucket).
    """
    conditions: list[ColumnElement[bool]] = [CaseRecord.municipality.in_(visible)]
    if municipality is not None:
        conditions.append(CaseRecord.municipality == municipality)
    if assignee is not None:
        conditions.append(CaseRecord.assignee == assignee)
    flags = (
        select(
            CaseRecord.state.label("state"),
            _aging_bucket(now).label("bucket"),
            case((CaseRecord.next_due_at < now, 1), else_=0).label("overdue"),
        )
        .where(*conditions)
        .subquery()
    )
    stmt = select(flags.c.state, flags.c.bucket, func.count(), func.sum(flags.c.overdue)).group_by(
        flags.c.state, flags.c.bucket
    )
    counts: dict[str, dict[str, tuple[int, int]]] = {}
    for state, bucket, count, overdue in session.execute(stmt):
        counts.setdefault(state, {})[bucket] = (int(count), int(overdue or 0))
    return {"stages": [_stage_entry(stage, counts) for stage in Stage]}


def _aging_bucket(now: datetime) -> ColumnElement[str]:
    """Whole days since entering the state (falling back to the last update), as a bucket label."""
    entered = func.coalesce(CaseRecord.state_entered_at, CaseRecord.updated_at)
    whens = [(entered > now - timedelta(days=limit), label) for label, limit in AGING_BUCKETS if limit is not None]
    return case(*whens, else_=AGING_BUCKETS[-1][0])


def _stage_entry(stage: Stage, counts: dict[str, dict[str, tuple[int, int]]]) -> dict[str, Any]:
    states = [_state_entry(s, counts.get(s.value, {})) for s in CaseState if STATES[s].stage is stage]
    return {
        "id": stage.value,
        "name_ja": STAGE_NAMES[stage][0],
        "count": sum(s["count"] for s in states),
        "overdue": sum(s["overdue"] for s in states),
        "states": states,
    }


def _state_entry(state: CaseState, by_bucket: dict[str, tuple[int, int]]) -> dict[str, Any]:
    return {
        "id": state.value,
        "name_ja": STATES[state].name_ja,
        "count": sum(count for count, _ in by_bucket.values()),
        "overdue": sum(overdue for _, overdue in by_bucket.values()),
        "aging": {label: by_bucket.get(label, (0, 0))[0] for label, _ in AGING_BUCKETS},
    }


# -- history --------------------------------------------------------------------------------------------------


def history(session: Session, case_id: str) -> list[HistoryEntry]:
    """The case's events and refused commands, by time (events before refusals at the same instant), then seq.

    The caller checks that the case is visible (:func:`case_row`).
    """
    events = session.scalars(select(CaseEventRecord).where(CaseEventRecord.case_id == case_id))
    rejections = session.scalars(select(RejectionRecord).where(RejectionRecord.case_id == case_id))
    keyed = [((e.at, 0, e.seq), _event_entry(e)) for e in events]
    keyed += [((r.at, 1, r.id), _rejection_entry(r)) for r in rejections]
    return [entry for _, entry in sorted(keyed, key=lambda pair: pair[0])]


def _event_entry(e: CaseEventRecord) -> HistoryEntry:
    return HistoryEntry(
        kind="event",
        at=e.at,
        actor_id=e.actor_id,
        actor_roles=e.actor_roles,
        command=e.command,
        seq=e.seq,
        transition_id=e.transition_id,
        from_state=e.from_state,
        to_state=e.to_state,
        payload_summary=sorted(e.payload),
        hash=e.hash,
        prev_hash=e.prev_hash,
    )


def _rejection_entry(r: RejectionRecord) -> HistoryEntry:
    return HistoryEntry(
        kind="rejected",
        at=r.at,
        actor_id=r.actor_id,
        actor_roles=r.actor_roles,
        command=r.command,
        from_state=r.state,
        reasons=r.reasons,
    )


# -- helpers --------------------------------------------------------------------------------------------------


def _check_page(limit: int, offset: int) -> None:
    if limit < 1 or offset < 0:
        raise ValueError(f"limit must be at least 1 and offset at least 0 (got {limit}, {offset})")


def _count(session: Session, stmt: Select[*tuple[Any, ...]]) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def _overdue(column: Any, overdue: bool | None, now: datetime) -> list[ColumnElement[bool]]:
    if overdue is None:
        return []
    if overdue:
        return [column < now]
    return [or_(column.is_(None), column >= now)]


def _scope(scope: InboxScope, user_id: str, roles: set[str]) -> list[ColumnElement[bool]]:
    if scope == "mine":
        return [TaskRecord.assignee == user_id]
    if scope == "role":
        return [TaskRecord.role.in_(roles)]
    if scope == "unassigned":
        return [TaskRecord.role.in_(roles), TaskRecord.assignee.is_(None)]
    raise ValueError(f"unknown inbox scope {scope!r}")


def _inbox_select(visible: set[str]) -> Select[TaskRecord, str, str]:
    return (
        select(TaskRecord, CaseRecord.municipality, CaseRecord.state)
        .join(CaseRecord, TaskRecord.case_id == CaseRecord.case_id)
        .where(CaseRecord.municipality.in_(visible))
    )


def _inbox_task(record: TaskRecord, municipality: str, state: str, now: datetime | None) -> InboxTask:
    overdue = now is not None and record.due_at is not None and record.due_at < now
    task = TaskRow.model_validate(record).model_dump()
    return InboxTask(**task, municipality=municipality, case_state=state, overdue=overdue)


def _visible_case_ids(visible: set[str]) -> Select[str]:
    return select(CaseRecord.case_id).where(CaseRecord.municipality.in_(visible))


def _updated(session: Session, stmt: Update) -> bool:
    result = cast(CursorResult[Any], session.execute(stmt.execution_options(synchronize_session=False)))
    return result.rowcount == 1


def _visible_row(session: Session, task_id: str, visible: set[str]) -> tuple[TaskRecord, str, str]:
    stmt = _inbox_select(visible).where(TaskRecord.task_id == task_id).execution_options(populate_existing=True)
    row = session.execute(stmt).one_or_none()
    if row is None:
        raise TaskNotFoundError(task_id)
    record, municipality, state = row
    return record, municipality, state


def _raise_if_closed(record: TaskRecord) -> None:
    if record.status != TaskStatus.OPEN.value:
        raise TaskConflictError(record.task_id, f"既に終了しています（{record.status}）。", status=record.status)


def event_counts(session: Session, municipality: str, start: datetime, end: datetime) -> dict[str, int]:
    """How many times each command was applied to the municipality's cases in [start, end), by event time.

    Read from the events' skeleton (command, time, case), which crypto-shredding keeps: a count once made stays
    the same after the cases' payloads are erased.
    """
    stmt = (
        select(CaseEventRecord.command, func.count())
        .join(CaseRecord, CaseRecord.case_id == CaseEventRecord.case_id)
        .where(CaseRecord.municipality == municipality, CaseEventRecord.at >= start, CaseEventRecord.at < end)
        .group_by(CaseEventRecord.command)
    )
    return {str(row[0]): int(row[1]) for row in session.execute(stmt)}
