"""The task queues: a user's inbox of open tasks, and claiming a task or giving it back to its role's queue.

Every query takes ``visible``, the municipalities whose cases the caller may see: a task of a case of any other
municipality is never returned, and is "not found" rather than "forbidden". Nothing here commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, Row, Select, Update, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from statemachines.kernel.events import TaskRow, TaskStatus
from store.errors import TaskConflictError, TaskNotFoundError, TaskRoleError
from store.models import CaseRecord, TaskRecord
from store.queries import Page, PageKey, check_page, count_rows, next_key, overdue_conditions

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
    after: PageKey | None = None,
) -> Page[InboxTask]:
    """Open tasks: ``mine`` (assigned to the user), ``role`` (for a role they hold) or ``unassigned`` (and free).

    By due time, none last, then by id (the overdue ones come first, being due earliest). ``due_before`` is
    exclusive. ``after``: the page after the task of that key (from ``next_cursor``), instead of ``offset``.

    Found by the task's own municipality (``ix_tasks_status_municipality_role_due_at``): the page of a
    municipality's queue and its count are index scans, whatever the size of the country's.
    """
    check_page(limit, offset, after)
    conditions = [
        TaskRecord.status == TaskStatus.OPEN.value,
        TaskRecord.municipality.in_(visible),
        *_scope(scope, user_id, roles),
        *overdue_conditions(TaskRecord.due_at, overdue, now),
    ]
    if due_before is not None:
        conditions.append(TaskRecord.due_at < due_before)
    if municipality is not None:
        conditions.append(TaskRecord.municipality == municipality)
    total = count_rows(session, select(TaskRecord.task_id).where(*conditions))
    if offset:
        order = (TaskRecord.due_at.asc().nulls_last(), TaskRecord.task_id)
        stmt = _inbox_select().where(*conditions).order_by(*order).limit(limit + 1).offset(offset)
        rows = list(session.execute(stmt))
    else:
        rows = _rows_after(session, conditions, after, limit + 1)
    rows, cursor = next_key(rows, limit, lambda row: PageKey(at=row[0].due_at, id=row[0].task_id))
    items = [_inbox_task(record, state, number, person, now) for record, state, number, person in rows]
    return Page[InboxTask](items=items, total=total, limit=limit, offset=offset, next_cursor=cursor)


def _rows_after(
    session: Session, conditions: list[ColumnElement[bool]], after: PageKey | None, wanted: int
) -> list[Row[TaskRecord, str, str | None, str | None]]:
    """Up to ``wanted`` rows after ``after`` in (due_at NULLS LAST, task_id) order, read as two ranges: the dated
    tasks past the key, then the undated ones. Each range is one index range in due order (an ``OR`` across the two
    would be a filter over the whole queue on PostgreSQL), and the second is read only when the first runs out."""
    ranges: list[list[ColumnElement[bool]]] = []
    if after is None or after.at is not None:
        dated: list[ColumnElement[bool]] = [TaskRecord.due_at.is_not(None)]
        if after is not None and after.at is not None:
            later = or_(TaskRecord.due_at > after.at, TaskRecord.task_id > after.id)
            dated = [TaskRecord.due_at >= after.at, later]
        ranges.append(dated)
        ranges.append([TaskRecord.due_at.is_(None)])
    else:
        ranges.append([TaskRecord.due_at.is_(None), TaskRecord.task_id > after.id])
    rows: list[Row[TaskRecord, str, str | None, str | None]] = []
    for where in ranges:
        stmt = _inbox_select().where(*conditions, *where).order_by(TaskRecord.due_at, TaskRecord.task_id)
        rows += session.execute(stmt.limit(wanted - len(rows))).all()
        if len(rows) >= wanted:
            break
    return rows


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
            TaskRecord.municipality.in_(visible),
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
            TaskRecord.municipality.in_(visible),
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


def _inbox_select() -> Select[TaskRecord, str, str | None, str | None]:
    """A task with what the inbox shows of its case (joined for the rows of one page only)."""
    return select(TaskRecord, CaseRecord.state, CaseRecord.case_number, CaseRecord.person_id).join(
        CaseRecord, TaskRecord.case_id == CaseRecord.case_id
    )


def _inbox_task(
    record: TaskRecord, state: str, number: str | None, person_id: str | None, now: datetime | None
) -> InboxTask:
    overdue = now is not None and record.due_at is not None and record.due_at < now
    task = TaskRow.model_validate(record).model_dump()
    return InboxTask(
        **task,
        municipality=record.municipality,
        case_state=state,
        overdue=overdue,
        case_number=number,
        person_id=person_id,
    )


def _updated(session: Session, stmt: Update) -> bool:
    result = cast(CursorResult[Any], session.execute(stmt.execution_options(synchronize_session=False)))
    return result.rowcount == 1


def _visible_row(session: Session, task_id: str, visible: set[str]) -> tuple[TaskRecord, str, str | None, str | None]:
    stmt = (
        _inbox_select()
        .where(TaskRecord.task_id == task_id, TaskRecord.municipality.in_(visible))
        .execution_options(populate_existing=True)
    )
    row = session.execute(stmt).one_or_none()
    if row is None:
        raise TaskNotFoundError(task_id)
    record, state, number, person_id = row
    return record, state, number, person_id


def _raise_if_closed(record: TaskRecord) -> None:
    if record.status != TaskStatus.OPEN.value:
        raise TaskConflictError(record.task_id, f"既に終了しています（{record.status}）。", status=record.status)
