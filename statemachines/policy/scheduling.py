"""Booking rules for appointments (ハローワーク同行, 合同面接, 面談): office hours, closed days, double booking and
the travel buffer between offices.

Pure: no I/O, no clock. The calendar of public holidays is passed in as ``is_holiday`` (the store wraps a maintained
holiday package), so the rules are the same in the API, an activity and a test. A refused booking is never a silent
False: :func:`booking_problems` returns every problem, each with its id, Japanese and English message and basis.
Times are compared in 日本標準時 (JST, a fixed UTC+9: Japan keeps no daylight saving time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

JST = timezone(timedelta(hours=9), "JST")
REMINDER_TIME = time(9, 0)
MAX_TRAVEL_BUFFER_MINUTES = 24 * 60

HolidayPredicate = Callable[[date], bool]


class Weekday(StrEnum):
    """In the order of :meth:`date.weekday`."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


WEEKDAYS = tuple(Weekday)
WEEKDAY_NAMES_JA = ("月", "火", "水", "木", "金", "土", "日")


class AppointmentKind(StrEnum):
    JOINT_INTERVIEW = "joint_interview"  # ハローワークとの合同面接（就職支援ナビゲーター＋就労支援員）
    ACCOMPANIMENT = "accompaniment"  # ハローワーク同行
    CONSULTATION = "consultation"  # 面談
    OTHER = "other"


KIND_NAMES_JA: dict[AppointmentKind, str] = {
    AppointmentKind.JOINT_INTERVIEW: "ハローワーク合同面接",
    AppointmentKind.ACCOMPANIMENT: "ハローワーク同行",
    AppointmentKind.CONSULTATION: "就労支援面談",
    AppointmentKind.OTHER: "就労支援の予定",
}


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


OCCUPYING_STATUSES = frozenset({AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED})
"""Appointments that take up the staff member's time (and appear in their calendar)."""

STATUS_CHANGES: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    AppointmentStatus.BOOKED: frozenset(
        {AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED}
    ),
    # A mistaken attendance record may be corrected; a cancellation is final (book again instead).
    AppointmentStatus.ATTENDED: frozenset({AppointmentStatus.NO_SHOW}),
    AppointmentStatus.NO_SHOW: frozenset({AppointmentStatus.ATTENDED}),
    AppointmentStatus.CANCELLED: frozenset(),
}


def status_change_allowed(current: AppointmentStatus, new: AppointmentStatus) -> bool:
    """Whether an appointment in ``current`` may be recorded as ``new`` (the same status again is a no-op)."""
    return new == current or new in STATUS_CHANGES[current]


class DayHours(BaseModel):
    """Opening and closing time of one weekday, in the office's local time (JST)."""

    model_config = ConfigDict(frozen=True)

    opens: time
    closes: time

    @model_validator(mode="after")
    def _opens_before_closing(self) -> DayHours:
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("office hours are local (JST) wall times: give them without a time zone")
        if self.opens >= self.closes:
            raise ValueError("an office must open before it closes")
        return self


STANDARD_DAY = DayHours(opens=time(8, 30), closes=time(17, 15))


class OfficeHours(BaseModel):
    """When an office is open, per weekday; None is a closed day. Default: weekdays 08:30–17:15."""

    model_config = ConfigDict(frozen=True)

    mon: DayHours | None = STANDARD_DAY
    tue: DayHours | None = STANDARD_DAY
    wed: DayHours | None = STANDARD_DAY
    thu: DayHours | None = STANDARD_DAY
    fri: DayHours | None = STANDARD_DAY
    sat: DayHours | None = None
    sun: DayHours | None = None

    def on(self, day: date) -> DayHours | None:
        hours: DayHours | None = getattr(self, WEEKDAYS[day.weekday()].value)
        return hours


class Office(BaseModel):
    """A place appointments happen at (a ハローワーク, the 自立相談支援機関, ...)."""

    model_config = ConfigDict(frozen=True)

    office_id: str = Field(min_length=1, max_length=64)
    name_ja: str = Field(min_length=1, max_length=200)
    hours: OfficeHours = OfficeHours()
    travel_buffer_minutes: int = Field(default=30, ge=0, le=MAX_TRAVEL_BUFFER_MINUTES)
    timezone: Literal["Asia/Tokyo"] = "Asia/Tokyo"

    @property
    def travel_buffer(self) -> timedelta:
        """The time a staff member needs between this office and an appointment at another one."""
        return timedelta(minutes=self.travel_buffer_minutes)


class Slot(BaseModel):
    """A staff member's time at an office. Datetimes must be timezone-aware (naive ones are a SCHED-SHAPE problem)."""

    model_config = ConfigDict(frozen=True)

    staff_user_id: str = Field(min_length=1, max_length=64)
    office_id: str = Field(min_length=1, max_length=64)
    starts_at: datetime
    ends_at: datetime
    appointment_id: str | None = None  # set for booked appointments: named in problems, skipped when re-checked

    @property
    def is_aware(self) -> bool:
        return _aware(self.starts_at) and _aware(self.ends_at)


class Problem(BaseModel):
    """Why a slot cannot be booked."""

    model_config = ConfigDict(frozen=True)

    id: str
    message_ja: str
    message_en: str
    basis: str
    conflicts_with: str | None = None  # the appointment this one collides with, when it is one


BASIS_SHAPE = "予約の形式（開始・終了は時刻帯付き、終了は開始より後、1日以内）"
BASIS_HOURS = "事業所の開庁時間（事業所ごとに定める。標準は平日 8:30〜17:15）"
BASIS_HOLIDAY = "行政機関の休日に関する法律 第1条（土日・国民の祝日・年末年始は閉庁）・国民の祝日に関する法律"
BASIS_DOUBLE = "担当職員の予定の重複（同じ時間帯に二つの予定は入れられない）"
BASIS_BUFFER = "事業所間の移動時間（事業所ごとの設定、既定 30 分）"
BASIS_PAST = "予約は今後の日時に入れる（過去の面談は支援経過記録に記録する）"
BASIS_NOT_YET = "出欠（来所・不参加）は予定の開始時刻が来てから記録する（取りやめはキャンセル）"


# -- the rules --------------------------------------------------------------------------------------------------


def booking_problems(
    slot: Slot,
    office: Office,
    existing: Sequence[Slot],
    is_holiday: HolidayPredicate,
    now: datetime | None = None,
) -> list[Problem]:
    """Every reason ``slot`` cannot be booked at ``office``, given the appointments that already hold time.

    ``existing`` may hold anyone's appointments: only those of the slot's staff member count (and not the slot
    itself, by ``appointment_id``). A slot of the wrong shape gets only its SCHED-SHAPE problems, since nothing
    else can be judged. The travel buffer is the booked office's. With ``now``, a slot that has already begun is
    SCHED-PAST (a meeting that took place is a 支援経過記録, not a booking).
    """
    shape = _shape_problems(slot)
    if shape:
        return shape
    others = [o for o in existing if _competes(slot, o)]
    past = now is not None and slot.starts_at < now
    return [
        *([_past_problem(slot)] if past else []),
        *_calendar_problems(slot, office, is_holiday),
        *_double_bookings(slot, others),
        *_buffer_problems(slot, office, others),
    ]


def attendance_problems(starts_at: datetime, status: AppointmentStatus, now: datetime) -> list[Problem]:
    """Why ``status`` cannot be recorded for an appointment starting at ``starts_at`` now: attendance (来所) or a
    no-show (不参加) of an appointment that has not begun is SCHED-NOT-YET; a cancellation may come any time."""
    if status not in (AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW) or starts_at <= now:
        return []
    return [not_yet_problem(starts_at)]


def not_yet_problem(starts_at: datetime) -> Problem:
    start = starts_at.astimezone(JST).strftime("%Y-%m-%d %H:%M")
    return _problem(
        "SCHED-NOT-YET",
        f"この予定の開始日時（{start}）はまだ来ていません。出欠は開始後に記録してください"
        "（予定を取りやめる場合はキャンセルにしてください）。",
        f"The appointment starts at {start} JST, which has not come yet: record attendance once it has begun "
        "(or cancel it).",
        BASIS_NOT_YET,
    )


def reminder_at(slot: Slot) -> datetime:
    """When to remind staff and client: 09:00 JST on the day before the appointment (JST)."""
    if not _aware(slot.starts_at):
        raise ValueError("a reminder needs a timezone-aware start")
    day_before = slot.starts_at.astimezone(JST).date() - timedelta(days=1)
    return datetime.combine(day_before, REMINDER_TIME, tzinfo=JST)


def next_free_slots(
    office: Office,
    existing: Sequence[Slot],
    is_holiday: HolidayPredicate,
    *,
    staff_user_id: str,
    after: datetime,
    duration: timedelta,
    count: int = 3,
    step: timedelta = timedelta(minutes=15),
    horizon_days: int = 31,
) -> list[Slot]:
    """Up to ``count`` bookable slots of ``duration`` at ``office``, starting at or after ``after``.

    Candidates start at the opening time and every ``step`` after it, on the open days of the next
    ``horizon_days`` days (JST).
    """
    if not _aware(after) or duration <= timedelta(0) or step <= timedelta(0):
        raise ValueError("next_free_slots needs an aware start, a positive duration and a positive step")
    found: list[Slot] = []
    for starts_at in _candidate_starts(office, is_holiday, after, duration, step, horizon_days):
        slot = Slot(
            staff_user_id=staff_user_id, office_id=office.office_id, starts_at=starts_at, ends_at=starts_at + duration
        )
        if not booking_problems(slot, office, existing, is_holiday):
            found.append(slot)
            if len(found) == count:
                break
    return found


# -- the pieces -------------------------------------------------------------------------------------------------


def _aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None


def _competes(slot: Slot, other: Slot) -> bool:
    """Whether ``other`` holds the same staff member's time (and is another, well-formed appointment)."""
    if other.staff_user_id != slot.staff_user_id or not other.is_aware:
        return False
    return slot.appointment_id is None or other.appointment_id != slot.appointment_id


def _past_problem(slot: Slot) -> Problem:
    start = slot.starts_at.astimezone(JST).strftime("%Y-%m-%d %H:%M")
    return _problem(
        "SCHED-PAST",
        f"開始日時（{start}）が過ぎています。今後の日時を指定してください。",
        f"The start ({start} JST) has passed: choose a time ahead.",
        BASIS_PAST,
    )


def _shape_problems(slot: Slot) -> list[Problem]:
    if not slot.is_aware:
        return [
            _problem(
                "SCHED-SHAPE",
                "開始・終了の日時にタイムゾーンがありません（例: 2026-12-01T10:00:00+09:00）。",
                "The start and end need a time zone (e.g. 2026-12-01T10:00:00+09:00).",
                BASIS_SHAPE,
            )
        ]
    if slot.ends_at <= slot.starts_at:
        return [
            _problem(
                "SCHED-SHAPE",
                "終了時刻が開始時刻より前（または同じ）です。",
                "The appointment ends before (or when) it starts.",
                BASIS_SHAPE,
            )
        ]
    if slot.ends_at - slot.starts_at > timedelta(days=1):
        return [
            _problem(
                "SCHED-SHAPE",
                "予約は1日以内にしてください。",
                "An appointment cannot be longer than a day.",
                BASIS_SHAPE,
            )
        ]
    return []


def _calendar_problems(slot: Slot, office: Office, is_holiday: HolidayPredicate) -> list[Problem]:
    """SCHED-HOLIDAY for a public holiday or a closed weekday, SCHED-HOURS outside the day's opening hours."""
    start = slot.starts_at.astimezone(JST)
    day = start.date()
    hours = office.hours.on(day)
    holiday = is_holiday(day)
    problems: list[Problem] = []
    if hours is None or holiday:
        problems.append(_closed_day(office, day, holiday=holiday))
    if hours is not None:
        opens = datetime.combine(day, hours.opens, tzinfo=JST)
        closes = datetime.combine(day, hours.closes, tzinfo=JST)
        if slot.starts_at < opens or slot.ends_at > closes:
            problems.append(_outside_hours(office, slot, hours))
    return problems


def _closed_day(office: Office, day: date, *, holiday: bool) -> Problem:
    label = f"{day.isoformat()}（{WEEKDAY_NAMES_JA[day.weekday()]}）"
    if holiday:
        return _problem(
            "SCHED-HOLIDAY",
            f"{label} は祝日・休日のため {office.name_ja} は閉庁しています。",
            f"{day.isoformat()} is a public holiday: {office.office_id} is closed.",
            BASIS_HOLIDAY,
        )
    return _problem(
        "SCHED-HOLIDAY",
        f"{label} は {office.name_ja} の閉庁日です。",
        f"{office.office_id} is closed on {WEEKDAYS[day.weekday()].value} ({day.isoformat()}).",
        BASIS_HOLIDAY,
    )


def _outside_hours(office: Office, slot: Slot, hours: DayHours) -> Problem:
    opening = f"{hours.opens:%H:%M}〜{hours.closes:%H:%M}"
    return _problem(
        "SCHED-HOURS",
        f"{_span(slot)} は {office.name_ja} の開庁時間（{opening}）外にかかっています。",
        f"{_span(slot)} is outside the opening hours of {office.office_id} ({opening} JST).",
        BASIS_HOURS,
    )


def _double_bookings(slot: Slot, others: Sequence[Slot]) -> list[Problem]:
    return [
        _problem(
            "SCHED-DOUBLE",
            f"{slot.staff_user_id} さんは {_span(other)} に別の予定があります。",
            f"{slot.staff_user_id} already has an appointment at {_span(other)} JST.",
            BASIS_DOUBLE,
            conflicts_with=other.appointment_id,
        )
        for other in others
        if other.starts_at < slot.ends_at and slot.starts_at < other.ends_at
    ]


def _buffer_problems(slot: Slot, office: Office, others: Sequence[Slot]) -> list[Problem]:
    """Less than the travel buffer between this slot and an appointment at another office, before or after it."""
    buffer = office.travel_buffer
    problems: list[Problem] = []
    for other in others:
        if other.office_id == slot.office_id:
            continue
        gap = slot.starts_at - other.ends_at if other.ends_at <= slot.starts_at else other.starts_at - slot.ends_at
        if timedelta(0) <= gap < buffer:
            problems.append(
                _problem(
                    "SCHED-BUFFER",
                    f"{_span(other)} の他事業所での予定との間に移動時間 {office.travel_buffer_minutes} 分が"
                    f"取れません（間隔 {_minutes(gap)} 分）。",
                    f"Only {_minutes(gap)} min between this and the appointment at {other.office_id} at "
                    f"{_span(other)} JST; travel needs {office.travel_buffer_minutes} min.",
                    BASIS_BUFFER,
                    conflicts_with=other.appointment_id,
                )
            )
    return problems


def _candidate_starts(
    office: Office,
    is_holiday: HolidayPredicate,
    after: datetime,
    duration: timedelta,
    step: timedelta,
    horizon_days: int,
) -> Iterator[datetime]:
    first_day = after.astimezone(JST).date()
    for offset in range(horizon_days):
        day = first_day + timedelta(days=offset)
        hours = office.hours.on(day)
        if hours is None or is_holiday(day):
            continue
        starts_at = datetime.combine(day, hours.opens, tzinfo=JST)
        closes = datetime.combine(day, hours.closes, tzinfo=JST)
        while starts_at + duration <= closes:
            if starts_at >= after:
                yield starts_at
            starts_at += step


def _span(slot: Slot) -> str:
    start = slot.starts_at.astimezone(JST)
    end = slot.ends_at.astimezone(JST)
    end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%m/%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M}〜{end_text}"


def _minutes(gap: timedelta) -> int:
    return int(gap.total_seconds() // 60)


def _problem(
    problem_id: str, message_ja: str, message_en: str, basis: str, *, conflicts_with: str | None = None
) -> Problem:
    return Problem(
        id=problem_id, message_ja=message_ja, message_en=message_en, basis=basis, conflicts_with=conflicts_with
    )
