"""How many of a municipality's cases in each state entered it on each day, and fall due on each day: the pipeline's
counts, kept as the cases move, so that the pipeline of a whole municipality never counts its cases one by one.

At 10,000,000 cases the largest municipality holds about 440,000, and counting each of them into its state, aging
bucket and overdue flag took 150 ms however the index was laid out (an index-only scan and a hash aggregate over every
row). These rows hold the same counts by (municipality, measure, UTC day, state), a measure being

- ``entered``: the day the case entered its state (a case without that time, from before there was one, by its last
  update, as the pipeline ages it). A bucket of whole days in the state is a sum of days, exact but on the one day
  that holds the bucket's edge, whose cases the pipeline counts one by one by their time.
- ``due``: the day the case's next deadline falls on (cases with one). The cases due before today are overdue; of
  today's, those due before now, which the pipeline counts one by one.
- ``entered_month`` and ``due_month``: the same by month (the row's ``day`` is the month's first). The months wholly
  before the oldest bucket's edge are all "90+", and the months before this one all overdue: a sum of a few dozen
  months instead of every day of three years.

(``store.queries.pipeline``). The one writer of ``cases`` (``CaseRepository._upsert_case``) calls :func:`move` with the
case's keys before and after; :func:`recount` rebuilds the table from ``cases`` (the migration's backfill, a bulk
load); :func:`mismatches` compares it with them (a count found missing when a case leaves it is logged, not raised: the
projection of a case never fails on it). A row that falls to zero goes, so the table holds only days that
still have a case. The pipeline of a municipality reads at most a few thousand rows, whatever its size.

On PostgreSQL a row is locked from its update to the commit: two projections of the same municipality, state and day
wait for each other (a short wait: the projection's transaction is one event). Each projection changes its rows in key
order, so two of them never wait for each other crosswise.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import NamedTuple, Protocol

from sqlalchemy import (
    ColumnElement,
    Date,
    Index,
    Select,
    String,
    bindparam,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from store.models import Base, CaseRecord

log = logging.getLogger(__name__)


class Measure(StrEnum):
    """What a row counts by: a day, or (``_month``) the month of it, whose row's ``day`` is the month's first."""

    ENTERED = "entered"
    ENTERED_MONTH = "entered_month"
    DUE = "due"
    DUE_MONTH = "due_month"


class CaseDayCountRecord(Base):
    """The number of a municipality's cases in ``state`` whose ``measure`` falls on ``day`` (UTC), never zero."""

    __tablename__ = "case_day_counts"
    __table_args__ = (
        # The pipeline sums a municipality's days of one measure from this index alone (index-only on PostgreSQL).
        Index("ix_case_day_counts_covering", "municipality", "measure", "day", "state", "cases"),
    )

    municipality: Mapped[str] = mapped_column(String, primary_key=True)
    measure: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    state: Mapped[str] = mapped_column(String, primary_key=True)
    cases: Mapped[int]


class DayKey(NamedTuple):
    """Where a case is counted for one measure."""

    municipality: str
    measure: str
    day: date
    state: str


class Counted(Protocol):
    """What a case is counted by (a ``cases`` row, or the projection's row for it)."""

    @property
    def municipality(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def state_entered_at(self) -> datetime | None: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def next_due_at(self) -> datetime | None: ...


def entered(case: Counted) -> datetime:
    """When the case entered its state, as the pipeline ages it: a case without that time ages from its last update."""
    return case.state_entered_at if case.state_entered_at is not None else case.updated_at


def entered_column() -> ColumnElement[datetime | None]:
    """:func:`entered` in SQL."""
    return func.coalesce(CaseRecord.state_entered_at, CaseRecord.updated_at)


def keys_of(case: Counted) -> frozenset[DayKey]:
    """Where ``case`` is counted: by the day and the month it entered its state, and it falls due if it does."""
    keys: set[DayKey] = set()
    for by_day, by_month, moment in (
        (Measure.ENTERED, Measure.ENTERED_MONTH, entered(case)),
        (Measure.DUE, Measure.DUE_MONTH, case.next_due_at),
    ):
        if moment is not None:
            day = utc_date(moment)
            keys.add(DayKey(case.municipality, by_day, day, str(case.state)))
            keys.add(DayKey(case.municipality, by_month, day.replace(day=1), str(case.state)))
    return frozenset(keys)


def utc_date(moment: datetime) -> date:
    """The UTC day of ``moment``, as the rows count it (and the pipeline's edges fall)."""
    return moment.astimezone(UTC).date()


def move(session: Session, before: frozenset[DayKey], after: frozenset[DayKey]) -> None:
    """A case counted under ``before`` (empty: it is new) is now counted under ``after``; rows changed in key order."""
    changes = sorted([(k, -1) for k in before - after] + [(k, 1) for k in after - before])  # one case: ±1
    for key, delta in changes:
        _add(session, key, delta)


_KEY = "municipality = :municipality AND measure = :measure AND day = :day AND state = :state"
# Written once as text: a Core statement built per call cost the projection more than the rest of its transaction
# (its construction and cache key, 11 % of the worker's CPU in the command profile); the SQL is the same on SQLite and
# PostgreSQL.
_INCREMENT = text(
    "INSERT INTO case_day_counts (municipality, measure, day, state, cases) "
    "VALUES (:municipality, :measure, :day, :state, 1) ON CONFLICT (municipality, measure, day, state) "
    "DO UPDATE SET cases = case_day_counts.cases + 1"
).bindparams(bindparam("day", type_=Date))
_DECREMENT = text(f"UPDATE case_day_counts SET cases = cases - 1 WHERE {_KEY} RETURNING cases").bindparams(
    bindparam("day", type_=Date)
)
_DROP_EMPTY = text(f"DELETE FROM case_day_counts WHERE {_KEY} AND cases <= 0").bindparams(bindparam("day", type_=Date))


def _add(session: Session, key: DayKey, delta: int) -> None:
    params = key._asdict()
    if delta > 0:
        session.execute(_INCREMENT, params)
        return
    left = session.scalar(_DECREMENT, params)
    if left is None:
        # The table no longer matches ``cases`` (rows written around the projection). A pipeline count off by one is
        # better than a case whose every command fails: say so, and go on.
        log.error(
            "no case is counted on %s: the pipeline's counts differ from cases; run store.day_counts.recount", key
        )
        return
    if left <= 0:
        session.execute(_DROP_EMPTY, params)


def utc_day(session: Session, moment: ColumnElement[datetime | None], *, month: bool = False) -> ColumnElement[date]:
    """The UTC day of a stored time in SQL (``month``: the first day of its month): PostgreSQL keeps a time zone;
    SQLite keeps the UTC wall time as text."""
    if session.get_bind().dialect.name == "postgresql":
        utc = func.timezone(literal_column("'UTC'"), moment)
        return func.date(func.date_trunc("month", utc) if month else utc, type_=Date)
    return func.date(moment, literal_column("'start of month'"), type_=Date) if month else func.date(moment, type_=Date)


def _counted(session: Session) -> list[Select[str, str, date, str, int]]:
    """One SELECT per measure: (municipality, measure, day, state, cases) counted from ``cases``."""
    moments: list[tuple[Measure, ColumnElement[datetime | None], bool]] = [
        (Measure.ENTERED, entered_column(), False),
        (Measure.ENTERED_MONTH, entered_column(), True),
        (Measure.DUE, CaseRecord.next_due_at.expression, False),
        (Measure.DUE_MONTH, CaseRecord.next_due_at.expression, True),
    ]
    selects = []
    for measure, moment, month in moments:
        day = utc_day(session, moment, month=month)
        selects.append(
            select(CaseRecord.municipality, literal(measure.value), day, CaseRecord.state, func.count())
            .where(moment.is_not(None))
            .group_by(CaseRecord.municipality, day, CaseRecord.state)
        )
    return selects


def recount(session: Session) -> None:
    """Count every case again into the table (after a bulk load of ``cases``, or to mend it)."""
    session.execute(delete(CaseDayCountRecord))
    for counted in _counted(session):
        session.execute(insert(CaseDayCountRecord).from_select([*DayKey._fields, "cases"], counted))


def mismatches(session: Session) -> list[tuple[DayKey, int, int]]:
    """Each key whose stored count differs from the cases' own: (key, stored, counted); empty when they agree."""
    counted: dict[DayKey, int] = {}
    for query in _counted(session):
        for municipality, measure, day, state, n in session.execute(query):
            counted[DayKey(municipality, measure, _as_date(day), state)] = int(n)
    stored = {
        DayKey(r.municipality, r.measure, r.day, r.state): r.cases for r in session.scalars(select(CaseDayCountRecord))
    }
    keys = sorted(counted.keys() | stored.keys())
    return [(k, stored.get(k, 0), counted.get(k, 0)) for k in keys if stored.get(k, 0) != counted.get(k, 0)]


def _as_date(value: date | str) -> date:
    """SQLite's ``date()`` answers text."""
    return value if isinstance(value, date) else date.fromisoformat(value)
