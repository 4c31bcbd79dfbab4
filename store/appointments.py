"""Offices and appointments (ハローワーク同行 and the like), booked against the rules of
:mod:`statemachines.policy.scheduling`. The repository works inside the caller's transaction and never commits.

Booking is safe against a concurrent double booking: :meth:`AppointmentRepository.book` first takes a lock per
staff member (PostgreSQL: a transaction-scoped advisory lock; SQLite: the database's single writer lock), then
re-reads that staff member's appointments and checks the rules inside the same transaction (:mod:`store.booking`).
The tables and their rows are in :mod:`store.appointment_records`.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from statemachines.policy.scheduling import (
    AppointmentStatus,
    Office,
    Slot,
    attendance_problems,
    status_change_allowed,
)
from store.appointment_records import AppointmentRecord, AppointmentRow, OfficeRecord, OfficeRow, office_row
from store.booking import Booking, check_slot, lock_staff, occupied_around, same_booking
from store.errors import (
    AppointmentNotFoundError,
    AppointmentStatusError,
    AttendanceRefusedError,
    DuplicateOfficeError,
    UnknownCaseError,
    UnknownOfficeError,
)
from store.models import CaseRecord


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
        return office_row(record)

    def get_office(self, office_id: str) -> OfficeRow | None:
        record = self._session.get(OfficeRecord, office_id)
        return None if record is None else office_row(record)

    def list_offices(self, municipality: str | None = None) -> builtins.list[OfficeRow]:
        stmt = select(OfficeRecord).order_by(OfficeRecord.municipality, OfficeRecord.office_id)
        if municipality is not None:
            stmt = stmt.where(OfficeRecord.municipality == municipality)
        return [office_row(r) for r in self._session.scalars(stmt)]

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
        lock_staff(self._session, booking.staff_user_id)
        slot = booking.slot(appointment_id)
        if appointment_id is not None:
            earlier = self._session.get(AppointmentRecord, appointment_id)
            if earlier is not None:
                return same_booking(earlier, booking, slot)
        office = self._office(booking.office_id)
        if self._session.get(CaseRecord, booking.case_id) is None:
            raise UnknownCaseError(booking.case_id)
        existing = occupied_around(self._session, slot) if slot.is_aware else []  # a naive slot: SCHED-SHAPE
        check_slot(slot, office, existing, now)
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
        self,
        appointment_id: str,
        status: AppointmentStatus,
        *,
        visible: Collection[str] | None = None,
        now: datetime | None = None,
    ) -> AppointmentRow:
        """Record attendance, a no-show or a cancellation (see :data:`statemachines.scheduling.STATUS_CHANGES`).

        :class:`AppointmentNotFoundError` if there is none (or, with ``visible``, its case's municipality is not
        one of them); :class:`AppointmentStatusError` if the change is not allowed; with ``now``,
        :class:`AttendanceRefusedError` for attendance or a no-show before the appointment begins (SCHED-NOT-YET).
        The row is locked meanwhile.
        """
        stmt = self._select(visible).where(AppointmentRecord.appointment_id == appointment_id).with_for_update()
        record = self._session.scalars(stmt).one_or_none()
        if record is None:
            raise AppointmentNotFoundError(appointment_id)
        current = AppointmentStatus(record.status)
        if not status_change_allowed(current, status):
            raise AppointmentStatusError(appointment_id, current.value, status.value)
        problems = [] if now is None or status == current else attendance_problems(record.starts_at, status, now)
        if problems:
            raise AttendanceRefusedError(problems)
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
        now: datetime | None = None,
    ) -> tuple[AppointmentRow, AppointmentRow]:
        """Move a booked appointment (and perhaps to another office) by the same rules as a booking, itself aside.

        Returns the appointment before and after. :class:`AppointmentNotFoundError`; :class:`AppointmentStatusError`
        unless it is still booked (attended, missed and cancelled ones stay as they were: book a new one);
        :class:`BookingRefusedError` with every scheduling problem of the new slot.
        """
        found = self.get(appointment_id, visible=visible)
        if found is None:
            raise AppointmentNotFoundError(appointment_id)
        lock_staff(self._session, found.staff_user_id)
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
        occupied = occupied_around(self._session, slot) if slot.is_aware else []
        check_slot(slot, office, [s for s in occupied if s.appointment_id != appointment_id], now)
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


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC, as it reads back from the database (a naive one is left for UTCDateTime to refuse)."""
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment
