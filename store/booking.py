"""The checks a booking passes, inside the booking's transaction: one booking of a staff member at a time (a lock per
staff member), the appointments already around the new slot, the holiday calendar of 行政機関, and the scheduling
rules of :mod:`statemachines.policy.scheduling` over them.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from functools import lru_cache

from holidays.countries.japan import Japan
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import false, func, select, update
from sqlalchemy.orm import Session

from statemachines.policy.scheduling import OCCUPYING_STATUSES, AppointmentKind, Office, Slot, booking_problems
from store.appointment_records import AppointmentRecord, AppointmentRow
from store.errors import BookingRefusedError, DuplicateAppointmentError

NEIGHBOURHOOD = timedelta(days=2)
"""How far around a new slot the staff member's appointments are read: more than the longest appointment (a day)
plus the longest travel buffer (a day)."""


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


# -- the checks -------------------------------------------------------------------------------------------------


def lock_staff(session: Session, staff_user_id: str) -> None:
    """Serialise bookings of one staff member until the transaction ends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        key = func.hashtextextended(f"yorisoi.appointments:{staff_user_id}", 0)
        session.execute(select(func.pg_advisory_xact_lock(key)))
    else:
        # SQLite has one writer: a write that matches nothing takes the lock (waiting up to the busy timeout).
        session.execute(
            update(AppointmentRecord)
            .where(false())
            .values(status=AppointmentRecord.status)
            .execution_options(synchronize_session=False)
        )


def occupied_around(session: Session, slot: Slot) -> list[Slot]:
    """The staff member's booked or attended appointments around ``slot``."""
    stmt = select(AppointmentRecord).where(
        AppointmentRecord.staff_user_id == slot.staff_user_id,
        AppointmentRecord.status.in_([s.value for s in OCCUPYING_STATUSES]),
        AppointmentRecord.starts_at >= slot.starts_at - NEIGHBOURHOOD,
        AppointmentRecord.starts_at < slot.ends_at + NEIGHBOURHOOD,
    )
    return [AppointmentRow.model_validate(r).slot() for r in session.scalars(stmt)]


def check_slot(slot: Slot, office: Office, existing: list[Slot], now: datetime | None = None) -> None:
    """:class:`BookingRefusedError` with every scheduling problem of ``slot`` at ``office`` beside ``existing`` (and,
    with ``now``, a start that has passed)."""
    problems = booking_problems(slot, office, existing, japanese_holiday, now)
    if problems:
        raise BookingRefusedError(problems)


def same_booking(record: AppointmentRecord, booking: Booking, slot: Slot) -> AppointmentRow:
    """The stored booking if it is this one again (a retry), else :class:`DuplicateAppointmentError`."""
    row = AppointmentRow.model_validate(record)
    if row.slot() != slot or (row.case_id, row.kind) != (booking.case_id, booking.kind):
        raise DuplicateAppointmentError(record.appointment_id)
    return row
