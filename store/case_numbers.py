"""Allocating 受付番号 (``statemachines.case.numbers``): once per case, in order, per municipality and 年度.

The policy on gaps and failures (README, "The 受付番号"):

- A number is allocated when an opening has passed its checks (a refused opening takes none), in the transaction
  that records it against the case id, and the case id is derived from the opening's ``command_id``: an opening
  sent again (a retry after a timeout, a double click) gets the number it got the first time.
- The counter and the allocation are one transaction: a failure before it commits takes no number, so allocation
  itself leaves no gap and two openings never share one (the counter row is updated under its row lock on
  PostgreSQL, under SQLite's write lock there; the allocation's unique keys refuse a second row either way).
- A number allocated to an opening whose workflow then never started (Temporal down, and the opening never sent
  again) stays allocated and is never given to another case: ``unused`` lists such numbers for the register, so a
  gap in the numbers is always explained.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Integer, String, UniqueConstraint, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from statemachines.case.numbers import case_number, default_prefix, fiscal_year
from store.models import Base, CaseRecord, OrganisationRecord


class CaseNumberCounterRecord(Base):
    """The last number given in one municipality's 年度."""

    __tablename__ = "case_number_counters"

    municipality: Mapped[str] = mapped_column(String(64), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int]


class CaseNumberRecord(Base):
    """One allocated 受付番号, with the case it belongs to (whether or not that case's workflow started)."""

    __tablename__ = "case_numbers"
    __table_args__ = (UniqueConstraint("municipality", "fiscal_year", "seq"),)

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    municipality: Mapped[str] = mapped_column(String(64))
    fiscal_year: Mapped[int]
    seq: Mapped[int]
    allocated_at: Mapped[datetime]


def prefix_of(session: Session, municipality: str) -> str:
    """The municipality's prefix: the one configured on its organisation, else its name up to the first space."""
    org = session.get(OrganisationRecord, municipality)
    if org is not None and org.case_number_prefix:
        return org.case_number_prefix
    return default_prefix(org.name_ja if org is not None else None, municipality)


def _ensure_counter(session: Session, municipality: str, year: int) -> None:
    values = {"municipality": municipality, "fiscal_year": year, "last": 0}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(CaseNumberCounterRecord).values(**values).on_conflict_do_nothing())


def allocate(session: Session, *, case_id: str, municipality: str, day: date, now: datetime) -> str:
    """The case's 受付番号: the one it already has, or the next of ``day``'s 年度 in ``municipality``.

    Inside the caller's transaction; commit it before the case's workflow starts.
    """
    existing = session.get(CaseNumberRecord, case_id)
    if existing is not None:
        return existing.number
    year = fiscal_year(day)
    _ensure_counter(session, municipality, year)
    seq = session.execute(
        update(CaseNumberCounterRecord)
        .where(CaseNumberCounterRecord.municipality == municipality, CaseNumberCounterRecord.fiscal_year == year)
        .values(last=CaseNumberCounterRecord.last + 1)
        .returning(CaseNumberCounterRecord.last)
    ).scalar_one()
    number = case_number(prefix_of(session, municipality), year, seq)
    session.add(
        CaseNumberRecord(
            case_id=case_id, number=number, municipality=municipality, fiscal_year=year, seq=seq, allocated_at=now
        )
    )
    session.flush()
    return number


def allocate_in(sessions: sessionmaker[Session], *, case_id: str, municipality: str, day: date, now: datetime) -> str:
    """``allocate`` in a transaction of its own, committed on return. Two openings of the same case at once (the
    same ``command_id`` sent twice concurrently): the second's row is refused by the key, and it reads the first's."""
    try:
        with sessions.begin() as session:
            return allocate(session, case_id=case_id, municipality=municipality, day=day, now=now)
    except IntegrityError:
        with sessions.begin() as session:
            number = number_of(session, case_id)
        if number is None:
            raise
        return number


def number_of(session: Session, case_id: str) -> str | None:
    record = session.get(CaseNumberRecord, case_id)
    return None if record is None else record.number


def unused(session: Session, municipality: str, year: int) -> list[str]:
    """Numbers allocated in the 年度 whose case never opened (its workflow did not start): the register's gaps."""
    stmt = (
        select(CaseNumberRecord.number)
        .outerjoin(CaseRecord, CaseRecord.case_id == CaseNumberRecord.case_id)
        .where(
            CaseNumberRecord.municipality == municipality,
            CaseNumberRecord.fiscal_year == year,
            CaseRecord.case_id.is_(None),
        )
        .order_by(CaseNumberRecord.seq)
    )
    return list(session.scalars(stmt))
