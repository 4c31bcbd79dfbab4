"""How many of a municipality's cases entered their current state on each day: the pipeline's counts, kept as the
cases move, so that the pipeline of a whole municipality never counts its cases one by one.

At 10,000,000 cases the largest municipality holds about 440,000, and counting each of them into its state and aging
bucket took 150 ms however the index was laid out (an index-only scan and a hash aggregate over every row). These rows
hold the same counts by (municipality, state, UTC day the case entered the state): a few rows a day per state instead
of every case, and a bucket of whole days in the state is a sum of days, exact except on the one day that holds its
edge, which the pipeline counts from the cases themselves (``store.queries.pipeline``).

The one writer of ``cases`` (``CaseRepository._upsert_case``) calls :func:`move` with the case's day key before and
after; :func:`recount` rebuilds the table from ``cases`` (the migration's backfill, a bulk load). A row that falls to
zero goes, so the table holds only days that still have a case.

On PostgreSQL a row is locked from its update to the commit: two projections of the same municipality, state and day
wait for each other (a short wait: the projection's transaction is one event). Each projection changes its two rows in
key order, so two of them never wait for each other crosswise.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import NamedTuple, Protocol

from sqlalchemy import ColumnElement, Date, String, delete, func, insert, literal_column, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from store.models import Base, CaseRecord


class CaseStateDayRecord(Base):
    """The number of a municipality's cases in ``state`` that entered it on ``entered_on`` (UTC), never zero."""

    __tablename__ = "case_state_days"

    municipality: Mapped[str] = mapped_column(String, primary_key=True)
    state: Mapped[str] = mapped_column(String, primary_key=True)
    entered_on: Mapped[date] = mapped_column(Date, primary_key=True)
    cases: Mapped[int]


class DayKey(NamedTuple):
    """Where a case is counted: its municipality, its state and the UTC day it entered it."""

    municipality: str
    state: str
    entered_on: date


def entered(state_entered_at: datetime | None, updated_at: datetime) -> datetime:
    """When the case entered its state, as the pipeline ages it: a case without that time ages from its last update."""
    return state_entered_at if state_entered_at is not None else updated_at


def entered_column() -> ColumnElement[datetime]:
    """:func:`entered` in SQL."""
    return func.coalesce(CaseRecord.state_entered_at, CaseRecord.updated_at)


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


def day_key(case: Counted) -> DayKey:
    return DayKey(case.municipality, case.state, entered(case.state_entered_at, case.updated_at).astimezone(UTC).date())


def move(session: Session, before: DayKey | None, after: DayKey | None) -> None:
    """A case counted under ``before`` (None: it is new) is now counted under ``after``, in key order."""
    if before == after:
        return
    changes = sorted(((k, d) for k, d in ((before, -1), (after, 1)) if k is not None), key=lambda change: change[0])
    for key, delta in changes:
        _add(session, key, delta)


def _add(session: Session, key: DayKey, delta: int) -> None:
    row = CaseStateDayRecord
    values = {"municipality": key.municipality, "state": key.state, "entered_on": key.entered_on}
    if delta > 0:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(row).values(**values, cases=delta)
        session.execute(
            stmt.on_conflict_do_update(index_elements=list(values), set_={"cases": row.cases + stmt.excluded.cases})
        )
        return
    at_key = [row.municipality == key.municipality, row.state == key.state, row.entered_on == key.entered_on]
    left = session.scalar(update(row).where(*at_key).values(cases=row.cases + delta).returning(row.cases))
    if left is None:
        raise LookupError(f"no case is counted on {key}: the table no longer matches cases (store.state_days.recount)")
    if left <= 0:
        session.execute(delete(row).where(*at_key, row.cases <= 0))


def utc_day(session: Session, moment: ColumnElement[datetime]) -> ColumnElement[date]:
    """The UTC day of a stored time in SQL: PostgreSQL keeps a time zone; SQLite keeps the UTC wall time as text."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(literal_column("'UTC'"), moment), type_=Date)
    return func.date(moment, type_=Date)


def recount(session: Session) -> None:
    """Count every case again into the table (after a bulk load of ``cases``, or to mend it)."""
    session.execute(delete(CaseStateDayRecord))
    day = utc_day(session, entered_column()).label("entered_on")
    counted = select(CaseRecord.municipality, CaseRecord.state, day, func.count()).group_by(
        CaseRecord.municipality, CaseRecord.state, day
    )
    session.execute(insert(CaseStateDayRecord).from_select(["municipality", "state", "entered_on", "cases"], counted))


def mismatches(session: Session) -> list[tuple[DayKey, int, int]]:
    """Each day key whose stored count differs from the cases' own: (key, stored, counted); empty when they agree."""
    day = utc_day(session, entered_column())
    counted_rows = session.execute(
        select(CaseRecord.municipality, CaseRecord.state, day, func.count()).group_by(
            CaseRecord.municipality, CaseRecord.state, day
        )
    )
    counted = {DayKey(m, s, _as_date(d)): int(n) for m, s, d, n in counted_rows}
    stored = {
        DayKey(r.municipality, r.state, r.entered_on): r.cases for r in session.scalars(select(CaseStateDayRecord))
    }
    return [
        (k, stored.get(k, 0), counted.get(k, 0))
        for k in sorted(counted.keys() | stored.keys())
        if stored.get(k, 0) != counted.get(k, 0)
    ]


def _as_date(value: date | str) -> date:
    """SQLite's ``date()`` answers text."""
    return value if isinstance(value, date) else date.fromisoformat(value)
