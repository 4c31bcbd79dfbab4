"""The tables of offices and appointments, and the rows the API reads back from them.

No personal data: an appointment names its case, its staff member and its office; its note is for staff only.
The repository that books and changes them is :class:`store.appointments.AppointmentRepository`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from statemachines.policy.scheduling import AppointmentKind, AppointmentStatus, Office, OfficeHours, Slot
from store.models import Base

_KINDS = ", ".join(f"'{k.value}'" for k in AppointmentKind)
_STATUSES = ", ".join(f"'{s.value}'" for s in AppointmentStatus)


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


def office_row(record: OfficeRecord) -> OfficeRow:
    return OfficeRow(
        office_id=record.office_id,
        municipality=record.municipality,
        name_ja=record.name_ja,
        hours=OfficeHours.model_validate(record.hours),
        travel_buffer_minutes=record.travel_buffer_minutes,
    )
