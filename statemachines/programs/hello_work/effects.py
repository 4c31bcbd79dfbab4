"""What each command of ハローワーク同行 records, and its timers: the reminder the day before an appointment, the
follow-up of a no-show, and the 定着支援 follow-ups after the first day of work."""

from __future__ import annotations

from datetime import datetime, timedelta

from statemachines.kernel.roles import Actor
from statemachines.kernel.rules import add_duration
from statemachines.kernel.table import effect
from statemachines.policy.scheduling import JST, REMINDER_TIME, AppointmentKind, AppointmentStatus
from statemachines.programs.definition import ProgramDeadline
from statemachines.programs.hello_work.records import (
    Appointment,
    AppointmentRef,
    Attendance,
    Consent,
    FollowUpDue,
    HelloWorkRecord,
    HelloWorkState,
    HelloWorkTrigger,
    HwConsent,
    HwPlan,
    JointInterview,
    Outcome,
    RecordAppointment,
    RecordFollowUp,
    ReportEmployment,
    SendRequest,
)
from statemachines.programs.payloads import Note, Reason

ACTIVE = (HelloWorkState.JOINT_INTERVIEW, HelloWorkState.IN_SUPPORT)


@effect(Consent)
def consent(r: HelloWorkRecord, p: Consent, a: Actor, now: datetime) -> None:
    r.consent = HwConsent(consented_on=p.consented_on, policy_version=p.policy_version)


@effect(SendRequest)
def request(r: HelloWorkRecord, p: SendRequest, a: Actor, now: datetime) -> None:
    r.office_id, r.request_sent_on = p.office_id, p.sent_on


def _book(r: HelloWorkRecord, appointment_id: str, starts_at: datetime, kind: AppointmentKind) -> None:
    found = r.appointment(appointment_id)
    if found is None:
        r.appointments.append(Appointment(appointment_id=appointment_id, kind=kind, starts_at=starts_at))
    else:  # moved: remind again for the new time
        found.kind, found.starts_at, found.reminded = kind, starts_at, False


def _booked(r: HelloWorkRecord, appointment_id: str) -> Appointment:
    found = r.appointment(appointment_id)
    assert found is not None  # G-HW4
    return found


@effect(JointInterview)
def joint(r: HelloWorkRecord, p: JointInterview, a: Actor, now: datetime) -> None:
    _book(r, p.appointment_id, p.starts_at, AppointmentKind.JOINT_INTERVIEW)
    if p.navigator:
        r.navigator = p.navigator


@effect(HwPlan)
def plan(r: HelloWorkRecord, p: HwPlan, a: Actor, now: datetime) -> None:
    r.hw_plan = list(p.menu)


@effect(RecordAppointment)
def appointment(r: HelloWorkRecord, p: RecordAppointment, a: Actor, now: datetime) -> None:
    _book(r, p.appointment_id, p.starts_at, p.kind)


@effect(Attendance)
def attendance(r: HelloWorkRecord, p: Attendance, a: Actor, now: datetime) -> None:
    found = _booked(r, p.appointment_id)
    found.status = AppointmentStatus.ATTENDED if p.attendance == "attended" else AppointmentStatus.NO_SHOW
    found.attendance_recorded_at = now


@effect(AppointmentRef)
def cancelled(r: HelloWorkRecord, p: AppointmentRef, a: Actor, now: datetime) -> None:
    _booked(r, p.appointment_id).status = AppointmentStatus.CANCELLED


@effect(AppointmentRef)
def reminded(r: HelloWorkRecord, p: AppointmentRef, a: Actor, now: datetime) -> None:
    _booked(r, p.appointment_id).reminded = True


@effect(AppointmentRef)
def no_show_followed(r: HelloWorkRecord, p: AppointmentRef, a: Actor, now: datetime) -> None:
    _booked(r, p.appointment_id).no_show_followed = True


@effect(Outcome)
def outcome(r: HelloWorkRecord, p: Outcome, a: Actor, now: datetime) -> None:
    r.outcomes.applications += p.applications
    r.outcomes.interviews += p.interviews
    r.outcomes.offers += p.offers


@effect(ReportEmployment)
def employed(r: HelloWorkRecord, p: ReportEmployment, a: Actor, now: datetime) -> None:
    r.employment = p.employment
    r.outcomes.employments += 1


@effect(FollowUpDue)
def follow_up_opened(r: HelloWorkRecord, p: FollowUpDue, a: Actor, now: datetime) -> None:
    r.follow_ups_opened = p.number


@effect(RecordFollowUp)
def follow_up(r: HelloWorkRecord, p: RecordFollowUp, a: Actor, now: datetime) -> None:
    r.follow_ups.append(p.follow_up)


@effect(Note)
def end(r: HelloWorkRecord, p: Note, a: Actor, now: datetime) -> None:
    r.end_note = p.note


@effect(Reason)
def withdraw(r: HelloWorkRecord, p: Reason, a: Actor, now: datetime) -> None:
    r.end_note = p.reason


def upcoming(record: HelloWorkRecord) -> list[Appointment]:
    """The booked appointments (attendance not yet recorded), soonest first."""
    return sorted((a for a in record.appointments if a.status is AppointmentStatus.BOOKED), key=lambda a: a.starts_at)


def reminder_at(appointment: Appointment) -> datetime:
    """09:00 JST on the day before the appointment (its day taken in JST)."""
    day_before = appointment.starts_at.astimezone(JST).date() - timedelta(days=1)
    return datetime.combine(day_before, REMINDER_TIME, tzinfo=JST)


def follow_up_times(record: HelloWorkRecord) -> list[datetime]:
    """The 定着支援 follow-ups: 09:00 JST on the first day of work plus each rule offset, in time order."""
    if record.employment is None:
        return []
    start = datetime.combine(record.employment.started_on, REMINDER_TIME, tzinfo=JST)
    return sorted(add_duration(start, offset) for offset in record.rules.retention_follow_ups)


def _appointment_deadlines(r: HelloWorkRecord) -> list[ProgramDeadline]:
    reminders = [
        ProgramDeadline(
            kind="appointment_reminder",
            at=reminder_at(a),
            trigger=HelloWorkTrigger.REMIND_APPOINTMENT,
            payload={"appointment_id": a.appointment_id},
        )
        for a in upcoming(r)
        if not a.reminded
    ]
    no_shows = [
        ProgramDeadline(
            kind="no_show_follow_up",
            at=a.attendance_recorded_at,
            trigger=HelloWorkTrigger.MARK_NO_SHOW,
            payload={"appointment_id": a.appointment_id},
        )
        for a in r.appointments
        if a.status is AppointmentStatus.NO_SHOW and not a.no_show_followed and a.attendance_recorded_at
    ]
    return reminders + no_shows


def deadlines(r: HelloWorkRecord) -> list[ProgramDeadline]:
    found: list[ProgramDeadline] = []
    if r.state in ACTIVE:
        found += _appointment_deadlines(r)
    if r.state is HelloWorkState.RETENTION_FOLLOWUP:
        found += [
            ProgramDeadline(
                kind="retention_follow_up", at=at, trigger=HelloWorkTrigger.FOLLOW_UP_DUE, payload={"number": n}
            )
            for n, at in enumerate(follow_up_times(r), start=1)
            if n > r.follow_ups_opened
        ]
    return sorted(found, key=lambda d: d.at)
