"""The booking rules on their own: office hours, closed days, double booking, travel buffer and the slot's shape."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from statemachines.policy.scheduling import (
    JST,
    AppointmentStatus,
    DayHours,
    HolidayPredicate,
    Office,
    OfficeHours,
    Slot,
    booking_problems,
    next_free_slots,
    reminder_at,
    status_change_allowed,
)

TUESDAY = date(2026, 11, 24)
LABOR_THANKSGIVING = date(2026, 11, 23)  # 勤労感謝の日 (a Monday)
NAIVE_10 = datetime.combine(TUESDAY, time(10))  # no time zone: wall time, but where?
NAIVE_11 = datetime.combine(TUESDAY, time(11))
HW = Office(office_id="hw-a", name_ja="ハローワークA")
HW_STATION = Office(office_id="hw-a2", name_ja="ハローワークA 駅前出張所")


def no_holidays(day: date) -> bool:
    return False


def holiday_calendar(day: date) -> bool:
    return day == LABOR_THANKSGIVING


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=JST)


def slot(
    start: datetime, end: datetime, *, office: Office = HW, staff: str = "esw1", appointment_id: str | None = None
) -> Slot:
    return Slot(
        staff_user_id=staff, office_id=office.office_id, starts_at=start, ends_at=end, appointment_id=appointment_id
    )


def ids(
    s: Slot, existing: list[Slot] | None = None, office: Office = HW, calendar: HolidayPredicate = holiday_calendar
) -> list[str]:
    return [p.id for p in booking_problems(s, office, existing or [], calendar)]


# -- office hours ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param((8, 30), (9, 30), [], id="opening-0830-ok"),
        pytest.param((8, 29), (9, 30), ["SCHED-HOURS"], id="0829-too-early"),
        pytest.param((16, 15), (17, 15), [], id="ending-1715-ok"),
        pytest.param((16, 16), (17, 16), ["SCHED-HOURS"], id="ending-1716-too-late"),
        pytest.param((17, 0), (18, 0), ["SCHED-HOURS"], id="crossing-closing-time"),
        pytest.param((18, 0), (19, 0), ["SCHED-HOURS"], id="after-closing"),
    ],
)
def test_office_hours_edges(start: tuple[int, int], end: tuple[int, int], expected: list[str]) -> None:
    assert ids(slot(at(TUESDAY, *start), at(TUESDAY, *end))) == expected


def test_hours_are_judged_in_japan_time_whatever_the_offset_given() -> None:
    # 08:30 JST is 23:30 UTC the day before.
    start = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    assert ids(slot(start, start + timedelta(hours=1))) == []
    assert ids(slot(start - timedelta(minutes=1), start + timedelta(hours=1))) == ["SCHED-HOURS"]


def test_an_appointment_running_past_midnight_is_outside_hours() -> None:
    assert ids(slot(at(TUESDAY, 16), at(TUESDAY + timedelta(days=1), 9))) == ["SCHED-HOURS"]


def test_an_office_may_keep_other_hours() -> None:
    late = Office(
        office_id="hw-late",
        name_ja="ハローワーク夜間窓口",
        hours=OfficeHours(tue=DayHours(opens=time(10), closes=time(19))),
    )
    assert ids(slot(at(TUESDAY, 18), at(TUESDAY, 19), office=late), office=late) == []
    assert ids(slot(at(TUESDAY, 9), at(TUESDAY, 10), office=late), office=late) == ["SCHED-HOURS"]


def test_office_hours_must_open_before_they_close() -> None:
    with pytest.raises(ValidationError):
        DayHours(opens=time(17), closes=time(9))


# -- closed days ----------------------------------------------------------------------------------------------


def test_a_weekend_is_a_closed_day() -> None:
    saturday, sunday = date(2026, 11, 28), date(2026, 11, 29)
    for day in (saturday, sunday):
        [problem] = booking_problems(slot(at(day, 10), at(day, 11)), HW, [], no_holidays)
        assert problem.id == "SCHED-HOLIDAY"
        assert "閉庁日" in problem.message_ja


def test_a_public_holiday_is_refused_by_the_calendar_given() -> None:
    s = slot(at(LABOR_THANKSGIVING, 10), at(LABOR_THANKSGIVING, 11))
    [problem] = booking_problems(s, HW, [], holiday_calendar)
    assert problem.id == "SCHED-HOLIDAY"
    assert "祝日" in problem.message_ja
    assert "行政機関の休日に関する法律" in problem.basis
    assert booking_problems(s, HW, [], no_holidays) == []


# -- double booking and travel --------------------------------------------------------------------------------


def test_overlapping_appointments_of_one_staff_member_are_a_double_booking() -> None:
    taken = slot(at(TUESDAY, 10), at(TUESDAY, 11), appointment_id="apt-1")
    [problem] = booking_problems(slot(at(TUESDAY, 10, 30), at(TUESDAY, 11, 30)), HW, [taken], no_holidays)
    assert (problem.id, problem.conflicts_with) == ("SCHED-DOUBLE", "apt-1")
    assert "10:00〜11:00" in problem.message_ja


def test_back_to_back_at_one_office_and_other_staff_are_no_conflict() -> None:
    taken = slot(at(TUESDAY, 10), at(TUESDAY, 11))
    assert ids(slot(at(TUESDAY, 11), at(TUESDAY, 12)), [taken]) == []
    assert ids(slot(at(TUESDAY, 9), at(TUESDAY, 10)), [taken]) == []
    assert ids(slot(at(TUESDAY, 10), at(TUESDAY, 11), staff="esw2"), [taken]) == []


def test_an_appointment_does_not_conflict_with_itself() -> None:
    taken = slot(at(TUESDAY, 10), at(TUESDAY, 11), appointment_id="apt-1")
    assert ids(taken, [taken]) == []


def test_the_travel_buffer_applies_between_different_offices() -> None:
    elsewhere = slot(at(TUESDAY, 10), at(TUESDAY, 11), office=HW_STATION, appointment_id="apt-st")
    assert ids(slot(at(TUESDAY, 11, 29), at(TUESDAY, 12)), [elsewhere]) == ["SCHED-BUFFER"]
    assert ids(slot(at(TUESDAY, 11, 30), at(TUESDAY, 12)), [elsewhere]) == []
    # before the other appointment as well
    [problem] = booking_problems(slot(at(TUESDAY, 9), at(TUESDAY, 9, 45)), HW, [elsewhere], no_holidays)
    assert (problem.id, problem.conflicts_with) == ("SCHED-BUFFER", "apt-st")
    assert "15 分" in problem.message_ja


def test_the_buffer_is_the_booked_offices() -> None:
    far = Office(office_id="hw-far", name_ja="ハローワーク遠方", travel_buffer_minutes=90)
    elsewhere = slot(at(TUESDAY, 10), at(TUESDAY, 11), office=HW)
    assert ids(slot(at(TUESDAY, 12), at(TUESDAY, 13), office=far), [elsewhere], office=far) == ["SCHED-BUFFER"]
    assert ids(slot(at(TUESDAY, 12, 30), at(TUESDAY, 13, 30), office=far), [elsewhere], office=far) == []


# -- several problems and the shape ---------------------------------------------------------------------------


def test_every_problem_is_returned_at_once() -> None:
    existing = [
        slot(at(LABOR_THANKSGIVING, 7), at(LABOR_THANKSGIVING, 8), appointment_id="apt-1"),
        slot(at(LABOR_THANKSGIVING, 8, 10), at(LABOR_THANKSGIVING, 9), office=HW_STATION, appointment_id="apt-2"),
    ]
    problems = booking_problems(
        slot(at(LABOR_THANKSGIVING, 7, 30), at(LABOR_THANKSGIVING, 8)), HW, existing, holiday_calendar
    )
    assert [(p.id, p.conflicts_with) for p in problems] == [
        ("SCHED-HOLIDAY", None),
        ("SCHED-HOURS", None),
        ("SCHED-DOUBLE", "apt-1"),
        ("SCHED-BUFFER", "apt-2"),
    ]
    assert all(p.message_ja and p.message_en and p.basis for p in problems)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        pytest.param(at(TUESDAY, 11), at(TUESDAY, 10), id="ends-before-it-starts"),
        pytest.param(at(TUESDAY, 10), at(TUESDAY, 10), id="no-duration"),
        pytest.param(at(TUESDAY, 9), at(TUESDAY, 9) + timedelta(days=1, minutes=1), id="longer-than-a-day"),
        pytest.param(NAIVE_10, NAIVE_11, id="naive"),
        pytest.param(at(TUESDAY, 10), NAIVE_11, id="naive-end"),
    ],
)
def test_a_slot_of_the_wrong_shape_gets_only_its_shape_problem(start: datetime, end: datetime) -> None:
    taken = slot(at(TUESDAY, 10), at(TUESDAY, 11))
    assert ids(slot(start, end), [taken]) == ["SCHED-SHAPE"]


def test_existing_appointments_of_a_wrong_shape_are_ignored() -> None:
    naive = slot(NAIVE_10, NAIVE_11)
    assert ids(slot(at(TUESDAY, 10), at(TUESDAY, 11)), [naive]) == []


# -- reminders, status changes, free slots ----------------------------------------------------------------------


def test_the_reminder_is_at_nine_the_day_before_in_japan() -> None:
    assert reminder_at(slot(at(TUESDAY, 8, 30), at(TUESDAY, 9))) == at(date(2026, 11, 23), 9)
    # 00:30 UTC on the 24th is 09:30 JST on the 24th
    utc_start = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)
    assert reminder_at(slot(utc_start, utc_start + timedelta(hours=1))) == at(date(2026, 11, 23), 9)
    with pytest.raises(ValueError, match="aware"):
        reminder_at(slot(NAIVE_10, NAIVE_11))


def test_status_changes() -> None:
    booked, attended, no_show, cancelled = AppointmentStatus
    assert all(status_change_allowed(booked, s) for s in AppointmentStatus)
    assert status_change_allowed(attended, no_show)
    assert status_change_allowed(no_show, attended)
    assert not status_change_allowed(attended, booked)
    assert not status_change_allowed(cancelled, attended)
    assert status_change_allowed(cancelled, cancelled)


def test_next_free_slots_skip_holidays_weekends_and_taken_time() -> None:
    friday = date(2026, 11, 20)
    taken = [slot(at(friday, 16), at(friday, 17))]
    found = next_free_slots(
        HW,
        taken,
        holiday_calendar,
        staff_user_id="esw1",
        after=at(friday, 15, 50),
        duration=timedelta(hours=1),
        count=2,
    )
    # Friday has no hour left after 16:00; the weekend and 勤労感謝の日 are closed.
    assert [s.starts_at for s in found] == [at(TUESDAY, 8, 30), at(TUESDAY, 8, 45)]


def test_attendance_waits_for_the_start_and_a_cancellation_does_not() -> None:
    from statemachines.policy.scheduling import JST, AppointmentStatus, attendance_problems

    start = datetime.combine(TUESDAY, time(10), tzinfo=JST)
    for status in (AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW):
        [problem] = attendance_problems(start, status, start - timedelta(seconds=1))
        assert problem.id == "SCHED-NOT-YET"
        assert problem.message_ja.startswith("この予定の開始日時（2026-11-24 10:00）はまだ来ていません。")
        assert attendance_problems(start, status, start) == []
    assert attendance_problems(start, AppointmentStatus.CANCELLED, start - timedelta(days=1)) == []
