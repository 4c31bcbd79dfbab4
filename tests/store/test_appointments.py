"""AppointmentRepository against SQLite and PostgreSQL: offices, booking by the scheduling rules, attendance."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from statemachines.policy.scheduling import JST, AppointmentKind, AppointmentStatus, DayHours, Office, OfficeHours
from store.appointment_records import AppointmentRecord, AppointmentRow
from store.appointments import AppointmentRepository
from store.booking import Booking
from store.errors import (
    AppointmentNotFoundError,
    AppointmentStatusError,
    BookingRefusedError,
    DuplicateAppointmentError,
    DuplicateOfficeError,
    UnknownCaseError,
    UnknownOfficeError,
)
from store.models import CaseRecord

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TUESDAY = date(2026, 11, 24)
HW_A = Office(office_id="hw-a", name_ja="ハローワークA")
HW_A2 = Office(office_id="hw-a2", name_ja="ハローワークA 駅前出張所", travel_buffer_minutes=45)
SATURDAY_OPEN = Office(
    office_id="hw-sat", name_ja="マザーズハローワーク", hours=OfficeHours(sat=DayHours(opens=time(10), closes=time(16)))
)


@pytest.fixture
def world(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Two ハローワーク offices of city-a, one of city-b, and a case in each municipality."""
    with sessions.begin() as session:
        repo = AppointmentRepository(session)
        repo.add_office(HW_A, "city-a")
        repo.add_office(HW_A2, "city-a")
        repo.add_office(SATURDAY_OPEN, "city-b")
        for case_id, municipality in (("case-a", "city-a"), ("case-b", "city-b")):
            session.add(
                CaseRecord(
                    case_id=case_id,
                    municipality=municipality,
                    stage="monitoring",
                    state="SUPPORT_ACTIVE",
                    emergency_active=False,
                    assignee="esw1",
                    opened_at=NOW,
                    updated_at=NOW,
                    ruleset_id="default",
                    plan_version=1,
                    last_seq=1,
                )
            )
    return sessions


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=JST)


def book(
    session: Session,
    start: datetime,
    minutes: int = 60,
    *,
    office_id: str = "hw-a",
    staff: str = "esw1",
    case_id: str = "case-a",
    appointment_id: str | None = None,
) -> AppointmentRow:
    booking = Booking(
        case_id=case_id,
        staff_user_id=staff,
        office_id=office_id,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        kind=AppointmentKind.ACCOMPANIMENT,
        note="求人票を持参",
    )
    return AppointmentRepository(session).book(booking, created_by="esw1", now=NOW, appointment_id=appointment_id)


def refused_ids(sessions: sessionmaker[Session], start: datetime, minutes: int = 60, **kwargs: str) -> list[str]:
    with pytest.raises(BookingRefusedError) as refused, sessions.begin() as session:
        book(session, start, minutes, **kwargs)
    return [p.id for p in refused.value.problems]


def count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(AppointmentRecord)) or 0


# -- offices ------------------------------------------------------------------------------------------------------


def test_offices_round_trip_with_their_hours(world: sessionmaker[Session]) -> None:
    with world() as session:
        repo = AppointmentRepository(session)
        saturday = repo.get_office("hw-sat")
        assert saturday is not None
        assert saturday.hours == SATURDAY_OPEN.hours
        assert saturday.municipality == "city-b"
        assert [o.office_id for o in repo.list_offices("city-a")] == ["hw-a", "hw-a2"]
        assert [o.travel_buffer_minutes for o in repo.list_offices("city-a")] == [30, 45]
        assert repo.get_office("hw-z") is None


def test_an_office_id_is_taken_once(world: sessionmaker[Session]) -> None:
    with pytest.raises(DuplicateOfficeError), world.begin() as session:
        AppointmentRepository(session).add_office(HW_A, "city-b")


# -- booking ------------------------------------------------------------------------------------------------------


def test_a_booking_is_stored_in_utc_and_listed(world: sessionmaker[Session]) -> None:
    with world.begin() as session:
        booked = book(session, at(TUESDAY, 10))
    with world() as session:
        repo = AppointmentRepository(session)
        [listed] = repo.list(staff_user_id="esw1", visible={"city-a"})
        assert repo.get(booked.appointment_id) == listed
    assert booked == listed  # the booking as returned is what reads back: in UTC
    assert listed.starts_at == at(TUESDAY, 10)
    assert listed.starts_at.tzinfo == UTC
    assert listed.ends_at == at(TUESDAY, 11)
    assert (listed.status, listed.kind, listed.note) == (
        AppointmentStatus.BOOKED,
        AppointmentKind.ACCOMPANIMENT,
        "求人票を持参",
    )


def test_a_refused_booking_names_every_problem_and_stores_nothing(world: sessionmaker[Session]) -> None:
    # 2026-11-23 勤労感謝の日, 07:00–08:00 JST: before opening as well.
    assert refused_ids(world, at(date(2026, 11, 23), 7)) == ["SCHED-HOLIDAY", "SCHED-HOURS"]
    assert count(world) == 0


def test_a_staff_member_cannot_be_booked_twice_at_once(world: sessionmaker[Session]) -> None:
    with world.begin() as session:
        first = book(session, at(TUESDAY, 10))
    with pytest.raises(BookingRefusedError) as refused, world.begin() as session:
        book(session, at(TUESDAY, 10, 30), case_id="case-b")
    [problem] = refused.value.problems
    assert (problem.id, problem.conflicts_with) == ("SCHED-DOUBLE", first.appointment_id)
    with world.begin() as session:
        book(session, at(TUESDAY, 10, 30), staff="esw2")  # another staff member is free
    assert count(world) == 2


def test_the_travel_buffer_applies_between_offices_only(world: sessionmaker[Session]) -> None:
    with world.begin() as session:
        book(session, at(TUESDAY, 10))
        book(session, at(TUESDAY, 11))  # back to back at the same office
    assert refused_ids(world, at(TUESDAY, 12, 30), office_id="hw-a2") == ["SCHED-BUFFER"]  # 30 < 45 minutes
    with world.begin() as session:
        book(session, at(TUESDAY, 12, 45), office_id="hw-a2")
    assert count(world) == 3


def test_a_cancelled_appointment_frees_its_time(world: sessionmaker[Session]) -> None:
    with world.begin() as session:
        first = book(session, at(TUESDAY, 10))
        AppointmentRepository(session).set_status(first.appointment_id, AppointmentStatus.CANCELLED)
    with world.begin() as session:
        book(session, at(TUESDAY, 10))
    assert count(world) == 2


def test_a_move_keeps_the_rules_but_not_against_itself(world: sessionmaker[Session]) -> None:
    with world.begin() as session:
        first = book(session, at(TUESDAY, 10))
        other = book(session, at(TUESDAY, 13))
    with world.begin() as session:  # half an hour later overlaps only its own old time
        before, moved = AppointmentRepository(session).move(
            first.appointment_id, at(TUESDAY, 10, 30), at(TUESDAY, 11, 30)
        )
    assert (before.starts_at, moved.starts_at) == (at(TUESDAY, 10), at(TUESDAY, 10, 30))
    with pytest.raises(BookingRefusedError) as refused, world.begin() as session:
        AppointmentRepository(session).move(first.appointment_id, at(TUESDAY, 12, 30), at(TUESDAY, 13, 30))
    assert [(p.id, p.conflicts_with) for p in refused.value.problems] == [("SCHED-DOUBLE", other.appointment_id)]
    with pytest.raises(BookingRefusedError), world.begin() as session:  # another office, without travel time
        AppointmentRepository(session).move(first.appointment_id, at(TUESDAY, 12), at(TUESDAY, 12, 30), "hw-a2")
    with world.begin() as session:
        stored = AppointmentRepository(session).get(first.appointment_id)
    assert stored is not None
    assert stored.starts_at == at(TUESDAY, 10, 30)


def test_only_a_booked_appointment_moves_and_a_restore_puts_it_back(world: sessionmaker[Session]) -> None:
    with world.begin() as session:
        first = book(session, at(TUESDAY, 10))
        repo = AppointmentRepository(session)
        repo.set_status(first.appointment_id, AppointmentStatus.ATTENDED)
    with pytest.raises(AppointmentStatusError), world.begin() as session:
        AppointmentRepository(session).move(first.appointment_id, at(TUESDAY, 14), at(TUESDAY, 15))
    with pytest.raises(AppointmentNotFoundError), world.begin() as session:
        AppointmentRepository(session).move(first.appointment_id, at(TUESDAY, 14), at(TUESDAY, 15), visible={"city-b"})
    with world.begin() as session:
        restored = AppointmentRepository(session).restore(first)
    assert (restored.status, restored.starts_at) == (AppointmentStatus.BOOKED, at(TUESDAY, 10))


def test_office_hours_and_closed_days_are_per_office(world: sessionmaker[Session]) -> None:
    saturday = date(2026, 11, 28)
    assert refused_ids(world, at(saturday, 10)) == ["SCHED-HOLIDAY"]
    assert refused_ids(world, at(saturday, 15, 30), office_id="hw-sat", case_id="case-b") == ["SCHED-HOURS"]
    with world.begin() as session:
        book(session, at(saturday, 10), office_id="hw-sat", case_id="case-b")


def test_the_same_appointment_id_again_is_the_first_booking(world: sessionmaker[Session]) -> None:
    with world.begin() as session:
        first = book(session, at(TUESDAY, 10), appointment_id="hw-visit-1")
    with world.begin() as session:
        assert book(session, at(TUESDAY, 10).astimezone(UTC), appointment_id="hw-visit-1") == first
    with pytest.raises(DuplicateAppointmentError), world.begin() as session:
        book(session, at(TUESDAY, 14), appointment_id="hw-visit-1")
    assert count(world) == 1


def test_an_unknown_office_or_case_is_refused(world: sessionmaker[Session]) -> None:
    with pytest.raises(UnknownOfficeError), world.begin() as session:
        book(session, at(TUESDAY, 10), office_id="hw-z")
    with pytest.raises(UnknownCaseError), world.begin() as session:
        book(session, at(TUESDAY, 10), case_id="case-z")
    assert count(world) == 0


def test_concurrent_bookings_of_one_slot_make_exactly_one(world: sessionmaker[Session]) -> None:
    outcome: list[object] = []

    def rival() -> None:
        try:
            with world.begin() as session:
                outcome.append(book(session, at(TUESDAY, 10, 30), case_id="case-b"))
        except BookingRefusedError as exc:
            outcome.append(exc)

    with world.begin() as session:
        book(session, at(TUESDAY, 10))  # the staff member's first appointment: no row to lock yet
        thread = threading.Thread(target=rival)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive(), "the rival booking must wait for this transaction"
    thread.join(timeout=30)

    [result] = outcome
    assert isinstance(result, BookingRefusedError)
    assert [p.id for p in result.problems] == ["SCHED-DOUBLE"]
    assert count(world) == 1


# -- reads and attendance -----------------------------------------------------------------------------------------


def test_lists_filter_by_case_time_and_visible_municipality(world: sessionmaker[Session]) -> None:
    with world.begin() as session:
        a1 = book(session, at(TUESDAY, 10))
        b1 = book(session, at(TUESDAY, 13), case_id="case-b")
        a2 = book(session, at(TUESDAY + timedelta(days=1), 10))
    with world() as session:
        repo = AppointmentRepository(session)
        assert repo.list() == [a1, b1, a2]
        assert repo.list(visible={"city-a"}) == [a1, a2]
        assert repo.list(visible={"city-b"}, staff_user_id="esw1") == [b1]
        assert repo.list(case_id="case-a", from_=at(TUESDAY, 10, 1)) == [a2]
        assert repo.list(to=at(TUESDAY, 13)) == [a1]
        assert repo.get(b1.appointment_id, visible={"city-a"}) is None


def test_attendance_is_recorded_and_a_cancellation_is_final(world: sessionmaker[Session]) -> None:
    with world.begin() as session:
        booked = book(session, at(TUESDAY, 10))
        other = book(session, at(TUESDAY, 14))
    with world.begin() as session:
        repo = AppointmentRepository(session)
        assert repo.set_status(booked.appointment_id, AppointmentStatus.NO_SHOW).status == AppointmentStatus.NO_SHOW
        # a mistaken record is corrected
        assert repo.set_status(booked.appointment_id, AppointmentStatus.ATTENDED).status == AppointmentStatus.ATTENDED
        repo.set_status(other.appointment_id, AppointmentStatus.CANCELLED)
    with pytest.raises(AppointmentStatusError) as refused, world.begin() as session:
        AppointmentRepository(session).set_status(other.appointment_id, AppointmentStatus.ATTENDED)
    assert (refused.value.current, refused.value.requested) == ("cancelled", "attended")


def test_attendance_of_an_invisible_or_unknown_appointment_is_not_found(world: sessionmaker[Session]) -> None:
    with world.begin() as session:
        booked = book(session, at(TUESDAY, 10), case_id="case-b")
    for appointment_id, visible in ((booked.appointment_id, {"city-a"}), ("nope", None)):
        with pytest.raises(AppointmentNotFoundError), world.begin() as session:
            AppointmentRepository(session).set_status(appointment_id, AppointmentStatus.ATTENDED, visible=visible)
