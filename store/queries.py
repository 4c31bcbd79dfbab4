"""The read side for the API: case lists, the pipeline, a case's history, and the pages every list query returns.

Every query takes ``visible``, the municipalities whose cases the caller may see: a case of any other municipality is
never returned, and is "not found" rather than "forbidden". Nothing here commits. The task queues (inboxes, claims)
are in :mod:`store.task_queue`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, Select, Subquery, and_, case, func, or_, select, union_all
from sqlalchemy.orm import Session

from statemachines.case.record import STAGE_NAMES, STATES, CaseState, Stage
from statemachines.kernel.events import CaseSnapshotRow
from store.day_counts import CaseDayCountRecord, Measure, entered_column, utc_date
from store.models import CaseEventRecord, CaseRecord, RejectionRecord

T = TypeVar("T")

AGING_BUCKETS: tuple[tuple[str, int | None], ...] = (("0-7", 8), ("8-30", 31), ("31-90", 91), ("90+", None))
"""(bucket, first whole day past it): a case is in the first bucket whose limit its whole days stay below."""


class Page(BaseModel, Generic[T]):
    """A page of a list. ``next_cursor``: pass it back (``cursor=``) for the page after this one (None: the last);
    it finds its place by the sort key, so a list as deep as a nation's stays as fast on page 1,000 as on page 1,
    and rows added or closed meanwhile shift nothing (``offset`` still works, counting rows)."""

    model_config = ConfigDict(frozen=True)

    items: list[T]
    total: int
    limit: int
    offset: int
    next_cursor: str | None = None


class PageKey(BaseModel):
    """Where a page ends: the sort key of its last row (a time, None for "no date", and the row's id), sent to the
    caller as an opaque cursor (base64 of JSON: it is not meant to be read or made by hand)."""

    model_config = ConfigDict(frozen=True)

    at: datetime | None
    id: str

    def encode(self) -> str:
        raw = json.dumps([None if self.at is None else self.at.isoformat(), self.id], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> PageKey:
        """The key of ``cursor``; :class:`ValueError` (with a message a person can act on) if it is not one."""
        try:
            at, id_ = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            key = cls(at=at, id=id_)
        except (ValueError, TypeError, binascii.Error):
            raise ValueError(CURSOR_UNREADABLE) from None
        if key.at is not None and key.at.utcoffset() is None:
            raise ValueError(CURSOR_UNREADABLE)
        return key


CURSOR_UNREADABLE = (
    "ページの位置（cursor）が読めません。前のページの next_cursor をそのまま渡すか、cursor を外してください。"
)


def next_key(rows: list[Any], limit: int, key: Callable[[Any], PageKey]) -> tuple[list[Any], str | None]:
    """The page's rows (``limit + 1`` were fetched) and the cursor of the page after it, if there is one."""
    if len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    return page, key(page[-1]).encode()


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
    after: PageKey | None = None,
) -> Page[CaseSnapshotRow]:
    """Visible cases, newest first (then by id). ``opened_from`` is inclusive, ``opened_to`` exclusive. ``after``: the
    page after the row of that key (from ``next_cursor``), instead of ``offset``."""
    check_page(limit, offset, after)
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
    if after is not None:
        assert after.at is not None, "every case has its opening time"
        newer = and_(CaseRecord.opened_at == after.at, CaseRecord.case_id > after.id)
        stmt = stmt.where(or_(CaseRecord.opened_at < after.at, newer))
    stmt = stmt.order_by(CaseRecord.opened_at.desc(), CaseRecord.case_id).limit(limit + 1).offset(offset)
    records, cursor = next_key(list(session.scalars(stmt)), limit, lambda r: PageKey(at=r.opened_at, id=r.case_id))
    items = [CaseSnapshotRow.model_validate(r, from_attributes=True) for r in records]
    return Page[CaseSnapshotRow](items=items, total=total, limit=limit, offset=offset, next_cursor=cursor)


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

    Every stage and every state appears, in process order, zeros included. One consultant's cases are counted one by
    one (a few hundred, from the covering index ``ix_cases_municipality_assignee_pipeline``); a whole municipality's
    from its counts per day of entering the state (:mod:`store.state_days`), with only the cases of the days that
    hold a bucket's edge and the overdue ones counted one by one.
    """
    municipalities = visible if municipality is None else visible & {municipality}
    if assignee is not None:
        counts = _counted_case_by_case(session, municipalities, assignee, now)
    else:
        counts = _counted_by_day(session, municipalities, now)
    return {"stages": [_stage_entry(stage, counts) for stage in Stage]}


Counts = dict[str, tuple[dict[str, int], int]]
"""Per state: its cases per aging bucket, and how many of them are overdue."""


def _counted_case_by_case(session: Session, municipalities: set[str], assignee: str | None, now: datetime) -> Counts:
    """Every case of ``municipalities`` (of ``assignee``, if given) counted into its state and bucket."""
    conditions: list[ColumnElement[bool]] = [CaseRecord.municipality.in_(municipalities)]
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
    counts: Counts = {}
    for state, bucket, count, overdue in session.execute(stmt):
        by_bucket, late = counts.get(state, ({}, 0))
        counts[state] = ({**by_bucket, bucket: int(count)}, late + int(overdue or 0))
    return counts


def _counted_by_day(session: Session, municipalities: set[str], now: datetime) -> Counts:
    """The same counts as :func:`_counted_case_by_case` without an assignee, from the counts per day
    (:mod:`store.day_counts`).

    A bucket's edge (``now`` less its days) falls inside one UTC day: the days before it are wholly older, the days
    after it wholly newer, and the cases of that one day are counted one by one by their time of entering; the months
    before the oldest edge's month are read as months. In the same way the cases due on a day before today are
    overdue (the months before this one read as months), and of today's those due before ``now``, counted one by one.
    """
    edges = {label: utc_date(now - timedelta(days=days)) for label, days in AGING_BUCKETS if days is not None}
    today = utc_date(now)
    rows = CaseDayCountRecord
    day = rows.day
    bucket = case(*[(day > edge, label) for label, edge in edges.items()], else_=AGING_BUCKETS[-1][0])
    # the months wholly before the month of the oldest edge are all "90+" (their rows' day is before every edge)
    days_from = min(edges.values()).replace(day=1)
    ours = rows.municipality.in_(municipalities)
    entered_days = _each_range(
        select(rows.state, bucket.label("bucket"), rows.cases),
        and_(ours, rows.measure == Measure.ENTERED_MONTH.value, day < days_from),
        and_(ours, rows.measure == Measure.ENTERED.value, day >= days_from, day.not_in(list(edges.values()))),
    )
    by_days = select(entered_days.c.state, entered_days.c.bucket, func.sum(entered_days.c.cases)).group_by(
        entered_days.c.state, entered_days.c.bucket
    )
    # Each day's cases are a range of ``ix_cases_municipality_state_entered_at``; a case without its time of entering,
    # from before there was one, ages from its last update, in the same index.
    entered, updated = CaseRecord.state_entered_at, CaseRecord.updated_at
    mine = CaseRecord.municipality.in_(municipalities)
    ranges = [and_(mine, _within(entered, edge)) for edge in edges.values()]
    ranges += [and_(mine, entered.is_(None), _within(updated, edge)) for edge in edges.values()]
    edge_cases = _each_range(select(CaseRecord.state.label("state"), _aging_bucket(now).label("bucket")), *ranges)
    by_cases = select(edge_cases.c.state, edge_cases.c.bucket, func.count()).group_by(
        edge_cases.c.state, edge_cases.c.bucket
    )
    by_state: dict[str, dict[str, int]] = {}
    for state, label, count in [*session.execute(by_days), *session.execute(by_cases)]:
        buckets = by_state.setdefault(state, {})
        buckets[label] = buckets.get(label, 0) + int(count)

    this_month = today.replace(day=1)
    due_days = _each_range(
        select(rows.state, rows.cases),
        and_(ours, rows.measure == Measure.DUE_MONTH.value, day < this_month),
        and_(ours, rows.measure == Measure.DUE.value, day >= this_month, day < today),
    )
    due_before_today = select(due_days.c.state, func.sum(due_days.c.cases)).group_by(due_days.c.state)
    due_today = (
        select(CaseRecord.state, func.count())
        .where(mine, _within(CaseRecord.next_due_at, today))
        .where(CaseRecord.next_due_at < now)
        .group_by(CaseRecord.state)
    )
    late: dict[str, int] = {}
    for state, count in [*session.execute(due_before_today), *session.execute(due_today)]:
        late[state] = late.get(state, 0) + int(count)
    return {state: (by_state.get(state, {}), late.get(state, 0)) for state in by_state.keys() | late.keys()}


def _each_range(query: Select[*tuple[Any, ...]], *ranges: ColumnElement[bool]) -> Subquery:
    """``query`` over each of ``ranges``, read one by one (``UNION ALL``): PostgreSQL answers an OR of index ranges
    with a bitmap scan that fetches every row from the table, each range alone from the index."""
    return union_all(*[query.where(r) for r in ranges]).subquery()


def _within(column: Any, day: date) -> ColumnElement[bool]:
    """``column`` on the UTC ``day``."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return and_(column >= midnight, column < midnight + timedelta(days=1))


def _aging_bucket(now: datetime) -> ColumnElement[str]:
    """Whole days since entering the state (falling back to the last update), as a bucket label."""
    entered = entered_column()
    whens = [(entered > now - timedelta(days=limit), label) for label, limit in AGING_BUCKETS if limit is not None]
    return case(*whens, else_=AGING_BUCKETS[-1][0])


def _stage_entry(stage: Stage, counts: Counts) -> dict[str, Any]:
    states = [_state_entry(s, *counts.get(s.value, ({}, 0))) for s in CaseState if STATES[s].stage is stage]
    return {
        "id": stage.value,
        "name_ja": STAGE_NAMES[stage][0],
        "count": sum(s["count"] for s in states),
        "overdue": sum(s["overdue"] for s in states),
        "states": states,
    }


def _state_entry(state: CaseState, by_bucket: dict[str, int], overdue: int) -> dict[str, Any]:
    return {
        "id": state.value,
        "name_ja": STATES[state].name_ja,
        "count": sum(by_bucket.values()),
        "overdue": overdue,
        "aging": {label: by_bucket.get(label, 0) for label, _ in AGING_BUCKETS},
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


def check_page(limit: int, offset: int, after: PageKey | None = None) -> None:
    if limit < 1 or offset < 0:
        raise ValueError(f"limit must be at least 1 and offset at least 0 (got {limit}, {offset})")
    if after is not None and offset:
        raise ValueError("a page is found by its cursor or by its offset, not both")


def count_rows(session: Session, stmt: Select[*tuple[Any, ...]]) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def overdue_conditions(column: Any, overdue: bool | None, now: datetime) -> list[ColumnElement[bool]]:
    if overdue is None:
        return []
    if overdue:
        return [column < now]
    return [or_(column.is_(None), column >= now)]
