"""/api/appointments, /api/offices and /api/staff/{user_id}/calendar.ics: book ハローワーク同行 and other
appointments by the rules of :mod:`statemachines.policy.scheduling`, record attendance, and give each staff member an
iCalendar (RFC 5545) feed.

The feed carries no personal data of clients: the summary is the kind of appointment, the location the office,
the description only the case's 受付番号. An appointment's note is free text that may hold anything about the
client: the API shows it only to roles that see 要配慮 fields (``statemachines.policy.sensitivity``), and writes
each such read to ``access_log``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response
from icalendar import STATUS, Alarm, Calendar, Event
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from statemachines.kernel.outcomes import CommandRejected, PayloadInvalid
from statemachines.kernel.permissions import Permission, allowed
from statemachines.kernel.roles import Actor
from statemachines.kernel.sensitivity import Sensitivity
from statemachines.policy.scheduling import (
    KIND_NAMES_JA,
    OCCUPYING_STATUSES,
    AppointmentKind,
    AppointmentStatus,
    reminder_at,
)
from statemachines.policy.sensitivity import visible_to
from statemachines.programs.tasks import EnrolmentRow
from store import queries
from store.access_log import AccessLog
from store.accounts import AccountRepository
from store.appointment_records import AppointmentRow, OfficeRow
from store.appointments import AppointmentRepository
from store.booking import Booking
from store.names import case_numbers, user_names
from store.programs import ProgramRepository
from web.core.deps import ActorDep, Services, ServicesDep
from web.core.errors import CalendarNotVisibleError, NotVisibleError
from web.core.permissions import Require

router = APIRouter(prefix="/api", tags=["appointments"])

FEED_PAST = timedelta(days=90)
FEED_REFRESH = timedelta(hours=1)
EARLIEST_YEAR, LATEST_YEAR = 2000, 2199
ICALENDAR = "text/calendar; charset=utf-8"


def _plain(value: str) -> str:
    """Refuse what no database column should hold: NUL (PostgreSQL) and lone surrogates (not encodable)."""
    if any(ch == "\x00" or "\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError("使用できない文字が含まれています。")
    return value


def _service_years(value: datetime) -> datetime:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"{EARLIEST_YEAR}年から{LATEST_YEAR}年までの日時を指定してください。")
    return value


Identifier = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_plain)]
Moment = Annotated[AwareDatetime, AfterValidator(_service_years)]


class BookingRequest(Booking):
    """A staff member's appointment for a case. Times need a time zone (e.g. ``2026-12-01T10:00:00+09:00``)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    case_id: Identifier
    staff_user_id: Identifier
    office_id: Identifier
    starts_at: Moment
    ends_at: Moment
    kind: AppointmentKind
    note: Annotated[str, Field(max_length=2000), AfterValidator(_plain)] | None = None
    enrolment_id: Identifier | None = Field(
        default=None, description="the case's hello_work enrolment: the appointment is recorded there too"
    )


class AttendanceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["attended", "no_show", "cancelled"]


class MoveRequest(BaseModel):
    """A new time (and perhaps office) for a booked appointment. Times need a time zone."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    starts_at: Moment
    ends_at: Moment
    office_id: Identifier | None = Field(default=None, description="another office; default: the same one")


# -- routes -------------------------------------------------------------------------------------------------------


@router.get("/appointments", response_model=list[AppointmentRow])
def list_appointments(
    actor: Annotated[Actor, Require(Permission.CASE_READ)],
    svc: ServicesDep,
    staff: Annotated[Identifier | None, Query()] = None,
    case_id: Annotated[Identifier | None, Query()] = None,
    from_: Annotated[Moment | None, Query(alias="from")] = None,
    to: Annotated[Moment | None, Query()] = None,
    appointment_status: Annotated[AppointmentStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AppointmentRow]:
    """Appointments of cases of the municipalities one serves, by start time (``from`` inclusive, ``to`` not); the
    notes only for roles that see 要配慮 fields."""
    with svc.sessions.begin() as session:
        rows = AppointmentRepository(session).list(
            visible=actor.serves,
            staff_user_id=staff,
            case_id=case_id,
            from_=from_,
            to=to,
            statuses=None if appointment_status is None else [appointment_status],
            limit=limit,
        )
    return shown_notes(svc, actor, rows, "read_appointments")


@router.post("/appointments", response_model=AppointmentRow, status_code=status.HTTP_201_CREATED)
async def book_appointment(
    body: BookingRequest, actor: Annotated[Actor, Require(Permission.APPOINTMENT_BOOK)], svc: ServicesDep
) -> AppointmentRow:
    """Book by the scheduling rules: 409 lists every problem (office hours, closed days, double booking, travel)."""
    with svc.sessions.begin() as session:
        case = queries.case_row(session, body.case_id, set(actor.serves))
        if case is None:
            raise NotVisibleError("ケースが見つかりません。")
        _check_staff(session, body.staff_user_id, case.municipality)
        enrolment = _check_enrolment(session, body.case_id, body.enrolment_id) if body.enrolment_id else None
    # A transaction of its own, which the booking begins with its per-staff lock.
    with svc.sessions.begin() as session:
        booked = AppointmentRepository(session).book(body, created_by=actor.user_id, now=svc.clock())
    if enrolment is not None:
        # The joint interview an enrolment awaits (REQUEST_SENT) is its HW3; any other booking is HW5.
        joint = booked.kind is AppointmentKind.JOINT_INTERVIEW and enrolment.state == "REQUEST_SENT"
        payload: dict[str, Any] = {"appointment_id": booked.appointment_id, "starts_at": booked.starts_at.isoformat()}
        if joint:
            await _tell_enrolment(svc, actor, booked, "schedule_joint_interview", payload, undo=None)
        else:
            payload["kind"] = booked.kind.value
            await _tell_enrolment(svc, actor, booked, "record_appointment", payload, undo=None)
    return shown_notes(svc, actor, [booked], "appointment_command")[0]


@router.post("/appointments/{appointment_id}/move", response_model=AppointmentRow)
async def move_appointment(
    appointment_id: str,
    body: MoveRequest,
    actor: Annotated[Actor, Require(Permission.APPOINTMENT_MOVE)],
    svc: ServicesDep,
) -> AppointmentRow:
    """Move a booked appointment: 409 lists every scheduling problem of the new time, or says it is no longer
    booked. Its ハローワーク enrolment hears of it (the reminder follows the new day)."""
    with svc.sessions.begin() as session:
        before, moved = AppointmentRepository(session).move(
            appointment_id, body.starts_at, body.ends_at, body.office_id, visible=actor.serves, now=svc.clock()
        )
    if moved.enrolment_id is not None:
        payload = {
            "appointment_id": moved.appointment_id,
            "starts_at": moved.starts_at.isoformat(),
            "kind": moved.kind.value,
        }
        await _tell_enrolment(svc, actor, moved, "record_appointment", payload, undo=before)
    return shown_notes(svc, actor, [moved], "appointment_command")[0]


@router.post("/appointments/{appointment_id}/attendance", response_model=AppointmentRow)
async def record_attendance(
    appointment_id: str,
    body: AttendanceRequest,
    actor: Annotated[Actor, Require(Permission.APPOINTMENT_ATTENDANCE)],
    svc: ServicesDep,
) -> AppointmentRow:
    """「来所」「不参加」「キャンセル」: attended and no-show may correct each other, once the appointment has begun
    (before it, 409 SCHED-NOT-YET); a cancellation is final."""
    with svc.sessions.begin() as session:
        repo = AppointmentRepository(session)
        before = repo.get(appointment_id, visible=actor.serves)
        row = repo.set_status(appointment_id, AppointmentStatus(body.status), visible=actor.serves, now=svc.clock())
    if row.enrolment_id is None or before is None or before.status is row.status:
        return shown_notes(svc, actor, [row], "appointment_command")[0]
    if row.status is AppointmentStatus.CANCELLED:
        await _tell_enrolment(
            svc, actor, row, "cancel_appointment", {"appointment_id": row.appointment_id}, undo=before
        )
    else:
        payload = {"appointment_id": row.appointment_id, "attendance": row.status.value}
        await _tell_enrolment(svc, actor, row, "record_attendance", payload, undo=before)
    return shown_notes(svc, actor, [row], "appointment_command")[0]


@router.get("/offices", response_model=list[OfficeRow])
def list_offices(actor: Annotated[Actor, Require(Permission.DIRECTORY_READ)], svc: ServicesDep) -> list[OfficeRow]:
    """The offices (ハローワーク and others) of the municipalities one serves, with their hours."""
    with svc.sessions.begin() as session:
        offices = AppointmentRepository(session).list_offices()
    return [o for o in offices if o.municipality in actor.serves]


@router.get(
    "/staff/{user_id}/calendar.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}}, "description": "iCalendar"}},
)
def staff_calendar(user_id: str, actor: ActorDep, svc: ServicesDep) -> Response:
    """The staff member's booked and attended appointments (from 90 days back) as an iCalendar feed, each with a
    reminder at 09:00 the day before. For the staff member themself, or CSW/MUN/OPS serving their municipalities."""
    with svc.sessions.begin() as session:
        _check_calendar_reader(session, actor, user_id)
        repo = AppointmentRepository(session)
        rows = repo.list(
            visible=actor.serves,
            staff_user_id=user_id,
            from_=svc.clock() - FEED_PAST,
            statuses=OCCUPYING_STATUSES,
        )
        offices = {o.office_id: o for o in repo.list_offices()}
        numbers = case_numbers(session, {r.case_id for r in rows})
        name = user_names(session, [user_id]).get(user_id, user_id)
    return Response(
        content=calendar_feed(name, user_id, rows, offices, numbers),
        media_type=ICALENDAR,
        headers={"Cache-Control": "private, no-store"},
    )


# -- access -------------------------------------------------------------------------------------------------------


def shown_notes(svc: Services, actor: Actor, rows: list[AppointmentRow], purpose: str) -> list[AppointmentRow]:
    """``rows`` with their notes for a reader whose roles see 要配慮 fields, each case whose notes were shown written
    to ``access_log`` (``appointments[].note``); for anyone else, without the notes."""
    if Sensitivity.SPECIAL_CARE not in visible_to(actor.roles):
        return [r.model_copy(update={"note": None}) if r.note else r for r in rows]
    shown = sorted({r.case_id for r in rows if r.note})
    if shown:
        with svc.sessions.begin() as session:
            log = AccessLog(session)
            for case_id in shown:
                log.record(
                    user_id=actor.user_id,
                    case_id=case_id,
                    fields=["appointments[].note"],
                    purpose=purpose,
                    now=svc.clock(),
                )
    return rows


def _check_staff(session: Session, staff_user_id: str, municipality: str) -> None:
    """The staff member booked must be an active user serving the case's municipality (else 422)."""
    accounts = AccountRepository(session)
    user = accounts.get_user(staff_user_id)
    if user is None or not user.active or municipality not in accounts.actor(user).serves:
        raise HTTPException(
            422,
            [
                {
                    "loc": ["body", "staff_user_id"],
                    "msg": f"{staff_user_id} はこのケースの自治体を担当する職員ではありません。",
                    "type": "unknown_staff",
                }
            ],
        )


def _check_calendar_reader(session: Session, actor: Actor, user_id: str) -> None:
    """Oneself, or a holder of CALENDAR_READ serving one of the staff member's municipalities; else "not found"."""
    if actor.user_id == user_id:
        return
    accounts = AccountRepository(session)
    user = accounts.get_user(user_id) if allowed(actor, Permission.CALENDAR_READ) else None
    if user is None or not (accounts.actor(user).serves & actor.serves):
        raise CalendarNotVisibleError("予定表が見つかりません。")


# -- the iCalendar feed -------------------------------------------------------------------------------------------


def calendar_feed(
    name: str,
    user_id: str,
    appointments: Iterable[AppointmentRow],
    offices: Mapping[str, OfficeRow],
    numbers: Mapping[str, str | None],
) -> bytes:
    """An RFC 5545 calendar with one VEVENT per appointment: UID ``<appointment_id>@yorisoi``, times in UTC, the
    case named by its 受付番号 (its id before numbering), the calendar by the staff member's display name."""
    calendar = Calendar.new(
        prodid="-//Yorisoi//寄り添い 予定表//JA",
        uid=f"staff-{user_id}@yorisoi",
        name=f"{name} の予定（寄り添い）",
        refresh_interval=FEED_REFRESH,
    )
    for row in appointments:
        calendar.add_component(_event(row, offices.get(row.office_id), numbers.get(row.case_id) or row.case_id))
    feed: bytes = calendar.to_ical()
    return feed


def _event(row: AppointmentRow, office: OfficeRow | None, case_label: str) -> Event:
    summary = KIND_NAMES_JA[row.kind]
    reminder = Alarm.new_display(
        description=f"明日 {summary}",
        trigger=reminder_at(row.slot()) - row.starts_at,  # relative to DTSTART: 09:00 JST the day before
    )
    return Event.new(
        uid=f"{row.appointment_id}@yorisoi",
        stamp=row.created_at,
        start=row.starts_at,
        end=row.ends_at,
        summary=summary,
        location=office.name_ja if office is not None else row.office_id,
        description=f"受付番号 {case_label}",
        status=STATUS.CONFIRMED,
        subcomponents=[reminder],
    )


def _check_enrolment(session: Session, case_id: str, enrolment_id: str) -> EnrolmentRow:
    enrolments = {e.enrolment_id: e for e in ProgramRepository(session).enrolments(case_id)}
    found = enrolments.get(enrolment_id)
    if found is None or found.program != "hello_work":
        raise PayloadInvalid(
            "book",
            [
                {
                    "type": "unknown_enrolment",
                    "loc": ["enrolment_id"],
                    "msg": "このケースのハローワーク同行支援ではありません。",
                }
            ],
        )
    return found


async def _tell_enrolment(
    svc: Services,
    actor: Actor,
    row: AppointmentRow,
    command: str,
    payload: dict[str, Any],
    *,
    undo: AppointmentRow | None,
) -> None:
    """The hello_work enrolment keeps its own appointments (reminder the day before, no-show follow-up).

    If it refuses, the store is put back so both agree: a new booking is cancelled, a move or a status change is
    undone (``undo``: the row as it was). The refusal then reaches the caller (409 with the guard, or 422).
    """
    assert row.enrolment_id is not None
    command_id = f"{command}:{row.appointment_id}:{row.status.value}:{row.starts_at.isoformat()}"
    try:
        await svc.cases.programs.send(row.case_id, row.enrolment_id, "hello_work", command, actor, payload, command_id)
    except (CommandRejected, PayloadInvalid):
        with svc.sessions.begin() as session:
            repo = AppointmentRepository(session)
            if undo is None:
                repo.set_status(row.appointment_id, AppointmentStatus.CANCELLED)
            else:
                repo.restore(undo)
        raise
