"""The read side for the API: case lists, the pipeline, a case's history, and the pages every list query returns.

Every query takes ``visible``, the municipalities whose cases the caller may see: a case of any other municipality is
never returned, and is "not found" rather than "forbidden". Nothing here commits. The task queues (inboxes, claims)
are in :mod:`store.task_queue`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import Session

from statemachines.case.record import STAGE_NAMES, STATES, CaseState, Stage
from statemachines.kernel.events import CaseSnapshotRow
from store.models import CaseEventRecord, CaseRecord, RejectionRecord

T = TypeVar("T")

AGING_BUCKETS: tuple[tuple[str, int | None], ...] = (("0-7", 8), ("8-30", 31), ("31-90", 91), ("90+", None))
"""(bucket, first whole day past it): a case is in the first bucket whose limit its whole days stay below."""


class Page(BaseModel, Generic[T]):
    model_config = ConfigDict(frozen=True)

    items: list[T]
    total: int
    limit: int
    offset: int


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
    command_id: str | None = None  # an event's (a sitting names the commands it sent by their ids)
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
    number: str | None = None,
    overdue: bool | None = None,
    opened_from: datetime | None = None,
    opened_to: datetime | None = None,
    now: datetime,
    limit: int = 50,
    offset: int = 0,
) -> Page[CaseSnapshotRow]:
    """Visible cases, newest first. ``opened_from`` is inclusive, ``opened_to`` exclusive."""
    check_page(limit, offset)
    conditions: list[ColumnElement[bool]] = [
        CaseRecord.municipality.in_(visible),
        *overdue_conditions(CaseRecord.next_due_at, overdue, now),
    ]
    for column, value in (
        (CaseRecord.stage, stage),
        (CaseRecord.state, state),
        (CaseRecord.assignee, assignee),
        (CaseRecord.municipality, municipality),
        (CaseRecord.case_number, number.strip() if number is not None else None),
    ):
        if value is not None:
            conditions.append(column == value)
    if opened_from is not None:
        conditions.append(CaseRecord.opened_at >= opened_from)
    if opened_to is not None:
        conditions.append(CaseRecord.opened_at < opened_to)
    stmt = select(CaseRecord).where(*conditions)
    total = count_rows(session, stmt)
    stmt = stmt.order_by(CaseRecord.opened_at.desc(), CaseRecord.case_id).limit(limit).offset(offset)
    items = [CaseSnapshotRow.model_validate(r, from_attributes=True) for r in session.scalars(stmt)]
    return Page[CaseSnapshotRow](items=items, total=total, limit=limit, offset=offset)


def case_row(session: Session, case_id: str, visible: set[str]) -> CaseSnapshotRow | None:
    """The case, or None if there is none or it is not visible."""
    stmt = select(CaseRecord).where(CaseRecord.case_id == case_id, CaseRecord.municipality.in_(visible))
    record = session.scalars(stmt).one_or_none()
    return None if record is None else CaseSnapshotRow.model_validate(record, from_attributes=True)


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
        command_id=e.command_id,
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


# -- pages and filters (the task queues use them too) ---------------------------------------------------------


def check_page(limit: int, offset: int) -> None:
    if limit < 1 or offset < 0:
        raise ValueError(f"limit must be at least 1 and offset at least 0 (got {limit}, {offset})")


def count_rows(session: Session, stmt: Select[*tuple[Any, ...]]) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def overdue_conditions(column: Any, overdue: bool | None, now: datetime) -> list[ColumnElement[bool]]:
    if overdue is None:
        return []
    if overdue:
        return [column < now]
    return [or_(column.is_(None), column >= now)]
