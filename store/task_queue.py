"""The task queues: a user's inbox of open tasks, and claiming a task or giving it back to its role's queue.

Every query takes ``visible``, the municipalities whose cases the caller may see: a task of a case of any other
municipality is never returned, and is "not found" rather than "forbidden". Nothing here commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, Select, Update, case, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from statemachines.kernel.events import TaskRow, TaskStatus
from store.errors import TaskConflictError, TaskNotFoundError, TaskRoleError
from store.models import CaseRecord, TaskRecord
from store.queries import Page, check_page, count_rows, overdue_conditions

InboxScope = Literal["mine", "role", "unassigned"]


class InboxTask(TaskRow):
    """An open task with what the inbox shows of its case."""

    municipality: str
    case_state: str
    overdue: bool
    case_number: str | None = None  # 受付番号
    person_id: str | None = None  # the 相談者, whose name a page may show to roles that may see it


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
    check_page(limit, offset)
    conditions = [
        TaskRecord.status == TaskStatus.OPEN.value,
        *_scope(scope, user_id, roles),
        *overdue_conditions(TaskRecord.due_at, overdue, now),
    ]
    if due_before is not None:
        conditions.append(TaskRecord.due_at < due_before)
    if municipality is not None:
        conditions.append(CaseRecord.municipality == municipality)
    stmt = _inbox_select(visible).where(*conditions)
    total = count_rows(session, stmt)
    stmt = stmt.order_by(
        case((TaskRecord.due_at < now, 0), else_=1),
        case((TaskRecord.due_at.is_(None), 1), else_=0),
        TaskRecord.due_at,
        TaskRecord.task_id,
    )
    rows = session.execute(stmt.limit(limit).offset(offset)).all()
    items = [_inbox_task(record, place, state, number, person, now) for record, place, state, number, person in rows]
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


def _scope(scope: InboxScope, user_id: str, roles: set[str]) -> list[ColumnElement[bool]]:
    if scope == "mine":
        return [TaskRecord.assignee == user_id]
    if scope == "role":
        return [TaskRecord.role.in_(roles)]
    if scope == "unassigned":
        return [TaskRecord.role.in_(roles), TaskRecord.assignee.is_(None)]
    raise ValueError(f"unknown inbox scope {scope!r}")


def _inbox_select(visible: set[str]) -> Select[TaskRecord, str, str, str | None, str | None]:
    return (
        select(TaskRecord, CaseRecord.municipality, CaseRecord.state, CaseRecord.case_number, CaseRecord.person_id)
        .join(CaseRecord, TaskRecord.case_id == CaseRecord.case_id)
        .where(CaseRecord.municipality.in_(visible))
    )


def _inbox_task(
    record: TaskRecord,
    municipality: str,
    state: str,
    number: str | None,
    person_id: str | None,
    now: datetime | None,
) -> InboxTask:
    overdue = now is not None and record.due_at is not None and record.due_at < now
    task = TaskRow.model_validate(record).model_dump()
    return InboxTask(
        **task,
        municipality=municipality,
        case_state=state,
        overdue=overdue,
        case_number=number,
        person_id=person_id,
    )


def _visible_case_ids(visible: set[str]) -> Select[str]:
    return select(CaseRecord.case_id).where(CaseRecord.municipality.in_(visible))


def _updated(session: Session, stmt: Update) -> bool:
    result = cast(CursorResult[Any], session.execute(stmt.execution_options(synchronize_session=False)))
    return result.rowcount == 1


def _visible_row(
    session: Session, task_id: str, visible: set[str]
) -> tuple[TaskRecord, str, str, str | None, str | None]:
    stmt = _inbox_select(visible).where(TaskRecord.task_id == task_id).execution_options(populate_existing=True)
    row = session.execute(stmt).one_or_none()
    if row is None:
        raise TaskNotFoundError(task_id)
    record, municipality, state, number, person_id = row
    return record, municipality, state, number, person_id


def _raise_if_closed(record: TaskRecord) -> None:
    if record.status != TaskStatus.OPEN.value:
        raise TaskConflictError(record.task_id, f"既に終了しています（{record.status}）。", status=record.status)
