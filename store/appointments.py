"""Offices and appointments (ハローワーク同行 and the like), booked against the rules of
:mod:`statemachines.policy.scheduling`. The repository works inside the caller's transaction and never commits.

Booking is safe against a concurrent double booking: :meth:`AppointmentRepository.book` first takes a lock per
staff member (PostgreSQL: a transaction-scoped advisory lock; SQLite: the database's single writer lock), then
re-reads that staff member's appointments and checks the rules inside the same transaction.
"""

from __future__ import annotations

import builtins
import threading
import uuid
from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from holidays.countries.japan import Japan
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    Select,
    String,
    Text,
    false,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from statemachines.policy.scheduling import (
    OCCUPYING_STATUSES,
    AppointmentKind,
    AppointmentStatus,
    Office,
    OfficeHours,
    Slot,
    booking_problems,
    status_change_allowed,
)
from store.errors import (
    AppointmentNotFoundError,
    AppointmentStatusError,
    BookingRefusedError,
    DuplicateAppointmentError,
    DuplicateOfficeError,
    UnknownCaseError,
    UnknownOfficeError,
)
from store.models import Base, CaseRecord

_KINDS = ", ".join(f"'{k.value}'" for k in AppointmentKind)
_STATUSES = ", ".join(f"'{s.value}'" for s in AppointmentStatus)
NEIGHBOURHOOD = timedelta(days=2)
"""How far around a new slot the staff member's appointments are read: more than the longest appointment (a day)
plus the longest travel buffer (a day)."""


class OfficeRecord(Base):
    """An office appointments happen at, with its opening hours and the travel buffer to other offices."""

    __tablename__ = "offices"
    __table_args__ = (Index("ix_offices_municipality", "municipality"),)

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    municipality: Mapped[str] = mapped_column(String(64))
    name_ja: Mapped[str]
    hours: Mapped[dict[str, Any]] = mapped_column(JSON)
    travel_buffer_minutes: Mapped[int]


class AppointmentRecord(Base):
    """A staff member's appointment for a case. No personal data: the note is for staff and never leaves the API."""

    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_KINDS})", name="kind"),
        CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_appointments_staff_user_id_starts_at", "staff_user_id", "starts_at"),
        Index("ix_appointments_case_id", "case_id"),
    )

    appointment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"))
    staff_user_id: Mapped[str] = mapped_column(String(64))
    office_id: Mapped[str] = mapped_column(ForeignKey("offices.office_id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    enrolment_id: Mapped[str | None] = mapped_column(String(200))  # the ハローワーク enrolment it belongs to
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class OfficeRow(Office):
    """An :class:`Office` and the municipality whose directory lists it."""

    municipality: str


class Booking(BaseModel):
    """What is asked for: a staff member's time at an office for a case."""

    model_config = ConfigDict(frozen=True)

    case_id: str = Field(min_length=1, max_length=64)
    staff_user_id: str = Field(min_length=1, max_length=64)
    office_id: str = Field(min_length=1, max_length=64)
    starts_at: datetime
    ends_at: datetime
    kind: AppointmentKind
    note: str | None = Field(default=None, max_length=2000)
    enrolment_id: str | None = Field(default=None, max_length=200)

    def slot(self, appointment_id: str | None = None) -> Slot:
        return Slot(
            staff_user_id=self.staff_user_id,
            office_id=self.office_id,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            appointment_id=appointment_id,
        )


class AppointmentRow(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    appointment_id: str
    case_id: str
    staff_user_id: str
    office_id: str
    starts_at: datetime
    ends_at: datetime
    kind: AppointmentKind
    status: AppointmentStatus
    note: str | None
    created_by: str
    created_at: datetime
    enrolment_id: str | None = None

    def slot(self) -> Slot:
        return Slot(
            staff_user_id=self.staff_user_id,
            office_id=self.office_id,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            appointment_id=self.appointment_id,
        )


# -- the holiday calendar ---------------------------------------------------------------------------------------

_JAPAN = Japan()
_JAPAN_LOCK = threading.Lock()  # the calendar fills in a year on first use


@lru_cache(maxsize=4096)
def japanese_holiday(day: date) -> bool:
    """Whether government offices are closed on ``day`` besides weekends (行政機関の休日に関する法律 第1条):
    国民の祝日 and 休日 (振替休日, 国民の休日) from the ``holidays`` package, and 年末年始 (12/29–1/3)."""
    if (day.month, day.day) >= (12, 29) or (day.month, day.day) <= (1, 3):
        return True
    with _JAPAN_LOCK:
        return day in _JAPAN


# -- the repository ---------------------------------------------------------------------------------------------


class AppointmentRepository:
    """Offices and appointments, inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # -- offices ------------------------------------------------------------------------------------------------

    def add_office(self, office: Office, municipality: str) -> OfficeRow:
        """Add ``office`` to ``municipality``'s directory; :class:`DuplicateOfficeError` if its id is taken."""
        if self._session.get(OfficeRecord, office.office_id) is not None:
            raise DuplicateOfficeError(office.office_id)
        record = OfficeRecord(
            office_id=office.office_id,
            municipality=municipality,
            name_ja=office.name_ja,
            hours=office.hours.model_dump(mode="json"),
            travel_buffer_minutes=office.travel_buffer_minutes,
        )
        try:
            with self._session.begin_nested():
                self._session.add(record)
        except IntegrityError as exc:
            raise DuplicateOfficeError(office.office_id) from exc
        return _office_row(record)

    def get_office(self, office_id: str) -> OfficeRow | None:
        record = self._session.get(OfficeRecord, office_id)
        return None if record is None else _office_row(record)

    def list_offices(self, municipality: str | None = None) -> builtins.list[OfficeRow]:
        stmt = select(OfficeRecord).order_by(OfficeRecord.municipality, OfficeRecord.office_id)
        if municipality is not None:
            stmt = stmt.where(OfficeRecord.municipality == municipality)
        return [_office_row(r) for r in self._session.scalars(stmt)]

    # -- booking ------------------------------------------------------------------------------------------------

    def book(
        self, booking: Booking, *, created_by: str, now: datetime, appointment_id: str | None = None
    ) -> AppointmentRow:
        """Book the slot, or raise :class:`BookingRefusedError` with every scheduling problem.

        Call it first in its transaction (on SQLite a transaction that has already read cannot take the writer
        lock once another booking has committed). The same ``appointment_id`` again returns the first booking
        (an activity may retry); an id taken by another booking is :class:`DuplicateAppointmentError`.
        :class:`UnknownCaseError` / :class:`UnknownOfficeError` for a case or office that is not stored.
        """
        self._lock_staff(booking.staff_user_id)
        slot = booking.slot(appointment_id)
        if appointment_id is not None:
            earlier = self._session.get(AppointmentRecord, appointment_id)
            if earlier is not None:
                return _same_booking(earlier, booking, slot)
        office = self._office(booking.office_id)
        if self._session.get(CaseRecord, booking.case_id) is None:
            raise UnknownCaseError(booking.case_id)
        existing = self._occupied(slot) if slot.is_aware else []  # a naive slot is refused as SCHED-SHAPE
        problems = booking_problems(slot, office, existing, japanese_holiday)
        if problems:
            raise BookingRefusedError(problems)
        record = AppointmentRecord(
            **booking.model_dump(exclude={"starts_at", "ends_at", "kind"}),
            appointment_id=appointment_id or uuid.uuid4().hex,
            starts_at=_utc(booking.starts_at),
            ends_at=_utc(booking.ends_at),
            kind=booking.kind.value,
            status=AppointmentStatus.BOOKED.value,
            created_by=created_by,
            created_at=_utc(now),
        )
        self._session.add(record)
        self._session.flush()
        return AppointmentRow.model_validate(record)

    def set_status(
        self, appointment_id: str, status: AppointmentStatus, *, visible: Collection[str] | None = None
    ) -> AppointmentRow:
        """Record attendance, a no-show or a cancellation (see :data:`statemachines.scheduling.STATUS_CHANGES`).

        :class:`AppointmentNotFoundError` if there is none (or, with ``visible``, its case's municipality is not
        one of them); :class:`AppointmentStatusError` if the change is not allowed. The row is locked meanwhile.
        """
        stmt = self._select(visible).where(AppointmentRecord.appointment_id == appointment_id).with_for_update()
        record = self._session.scalars(stmt).one_or_none()
        if record is None:
            raise AppointmentNotFoundError(appointment_id)
        current = AppointmentStatus(record.status)
        if not status_change_allowed(current, status):
            raise AppointmentStatusError(appointment_id, current.value, status.value)
        record.status = status.value
        self._session.flush()
        return AppointmentRow.model_validate(record)

    def move(
        self,
        appointment_id: str,
        starts_at: datetime,
        ends_at: datetime,
        office_id: str | None = None,
        *,
        visible: Collection[str] | None = None,
    ) -> tuple[AppointmentRow, AppointmentRow]:
        """Move a booked appointment (and perhaps to another office) by the same rules as a booking, itself aside.

        Returns the appointment before and after. :class:`AppointmentNotFoundError`; :class:`AppointmentStatusError`
        unless it is still booked (attended, missed and cancelled ones stay as they were: book a new one);
        :class:`BookingRefusedError` with every scheduling problem of the new slot.
        """
        found = self.get(appointment_id, visible=visible)
        if found is None:
            raise AppointmentNotFoundError(appointment_id)
        self._lock_staff(found.staff_user_id)
        record = self._session.get_one(AppointmentRecord, appointment_id, populate_existing=True)
        before = AppointmentRow.model_validate(record)
        if before.status is not AppointmentStatus.BOOKED:
            raise AppointmentStatusError(appointment_id, before.status.value, "moved")
        office = self._office(office_id or before.office_id)
        slot = Slot(
            staff_user_id=before.staff_user_id,
            office_id=office.office_id,
            starts_at=starts_at,
            ends_at=ends_at,
            appointment_id=appointment_id,
        )
        existing = [s for s in self._occupied(slot) if s.appointment_id != appointment_id] if slot.is_aware else []
        problems = booking_problems(slot, office, existing, japanese_holiday)
        if problems:
            raise BookingRefusedError(problems)
        record.starts_at, record.ends_at, record.office_id = _utc(starts_at), _utc(ends_at), office.office_id
        self._session.flush()
        return before, AppointmentRow.model_validate(record)

    def restore(self, row: AppointmentRow) -> AppointmentRow:
        """Put back an appointment's time, office and status as ``row`` had them (undoing a change its
        ハローワーク enrolment refused). No rule is checked: ``row`` is what was stored a moment ago."""
        record = self._session.get_one(AppointmentRecord, row.appointment_id, populate_existing=True)
        record.starts_at, record.ends_at, record.office_id = row.starts_at, row.ends_at, row.office_id
        record.status = row.status.value
        self._session.flush()
        return AppointmentRow.model_validate(record)

    # -- reads --------------------------------------------------------------------------------------------------

    def get(self, appointment_id: str, *, visible: Collection[str] | None = None) -> AppointmentRow | None:
        stmt = self._select(visible).where(AppointmentRecord.appointment_id == appointment_id)
        record = self._session.scalars(stmt).one_or_none()
        return None if record is None else AppointmentRow.model_validate(record)

    def list(
        self,
        *,
        visible: Collection[str] | None = None,
        staff_user_id: str | None = None,
        case_id: str | None = None,
        from_: datetime | None = None,
        to: datetime | None = None,
        statuses: Collection[AppointmentStatus] | None = None,
        limit: int | None = None,
    ) -> builtins.list[AppointmentRow]:
        """Appointments by start time. ``from_`` is inclusive and ``to`` exclusive, both on the start time.

        ``visible``: only appointments of cases of these municipalities (None: every case, for internal callers).
        """
        conditions: builtins.list[ColumnElement[bool]] = []
        if staff_user_id is not None:
            conditions.append(AppointmentRecord.staff_user_id == staff_user_id)
        if case_id is not None:
            conditions.append(AppointmentRecord.case_id == case_id)
        if from_ is not None:
            conditions.append(AppointmentRecord.starts_at >= from_)
        if to is not None:
            conditions.append(AppointmentRecord.starts_at < to)
        if statuses is not None:
            conditions.append(AppointmentRecord.status.in_([s.value for s in statuses]))
        stmt = (
            self._select(visible)
            .where(*conditions)
            .order_by(AppointmentRecord.starts_at, AppointmentRecord.appointment_id)
            .limit(limit)
        )
        return [AppointmentRow.model_validate(r) for r in self._session.scalars(stmt)]

    # -- helpers ------------------------------------------------------------------------------------------------

    def _select(self, visible: Collection[str] | None) -> Select[AppointmentRecord]:
        stmt = select(AppointmentRecord)
        if visible is not None:
            stmt = stmt.join(CaseRecord, CaseRecord.case_id == AppointmentRecord.case_id).where(
                CaseRecord.municipality.in_(list(visible))
            )
        return stmt

    def _office(self, office_id: str) -> OfficeRow:
        office = self.get_office(office_id)
        if office is None:
            raise UnknownOfficeError(office_id)
        return office

    def _occupied(self, slot: Slot) -> builtins.list[Slot]:
        """The staff member's booked or attended appointments around ``slot``."""
        stmt = select(AppointmentRecord).where(
            AppointmentRecord.staff_user_id == slot.staff_user_id,
            AppointmentRecord.status.in_([s.value for s in OCCUPYING_STATUSES]),
            AppointmentRecord.starts_at >= slot.starts_at - NEIGHBOURHOOD,
            AppointmentRecord.starts_at < slot.ends_at + NEIGHBOURHOOD,
        )
        return [AppointmentRow.model_validate(r).slot() for r in self._session.scalars(stmt)]

    def _lock_staff(self, staff_user_id: str) -> None:
        """Serialise bookings of one staff member until the transaction ends."""
        dialect = self._session.get_bind().dialect.name
        if dialect == "postgresql":
            key = func.hashtextextended(f"yorisoi.appointments:{staff_user_id}", 0)
            self._session.execute(select(func.pg_advisory_xact_lock(key)))
        else:
            # SQLite has one writer: a write that matches nothing takes the lock (waiting up to the busy timeout).
            self._session.execute(
                update(AppointmentRecord)
                .where(false())
                .values(status=AppointmentRecord.status)
                .execution_options(synchronize_session=False)
            )


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC, as it reads back from the database (a naive one is left for UTCDateTime to refuse)."""
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment


def _office_row(record: OfficeRecord) -> OfficeRow:
    return OfficeRow(
        office_id=record.office_id,
        municipality=record.municipality,
        name_ja=record.name_ja,
        hours=OfficeHours.model_validate(record.hours),
        travel_buffer_minutes=record.travel_buffer_minutes,
    )


def _same_booking(record: AppointmentRecord, booking: Booking, slot: Slot) -> AppointmentRow:
    """The stored booking if it is this one again (a retry), else :class:`DuplicateAppointmentError`."""
    row = AppointmentRow.model_validate(record)
    if row.slot() != slot or (row.case_id, row.kind) != (booking.case_id, booking.kind):
        raise DuplicateAppointmentError(record.appointment_id)
    return row
