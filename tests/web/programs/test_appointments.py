"""Booking ハローワーク appointments over HTTP and reading them back from the staff member's iCalendar feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar

from store.appointment_records import AppointmentRecord
from tests.web.apiharness import Api, MovableClock

# Far enough ahead that the feed (which starts 90 days back) keeps showing them.
TUESDAY_10 = "2030-12-03T10:00:00+09:00"
TUESDAY_11 = "2030-12-03T11:00:00+09:00"
COMING_OF_AGE_DAY = "2031-01-13T10:00:00+09:00"  # 成人の日
CLIENT_NAME = "寄添 花子"


def booking(case_id: str, starts_at: str = TUESDAY_10, ends_at: str = TUESDAY_11, **extra: Any) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "staff_user_id": "esw1",
        "office_id": "hw-city-a",
        "starts_at": starts_at,
        "ends_at": ends_at,
        "kind": "accompaniment",
        "note": "履歴書を持参",
        **extra,
    }


async def book(api: Api, case_id: str, **extra: Any) -> dict[str, Any]:
    response = await api.post("esw1", "/api/appointments", booking(case_id, **extra))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def begun(api: Api, appointment_id: str) -> None:
    """The appointment as if booked long ago and now under way (an hour before the API's clock to an hour after),
    written to the store directly: no booking can be made in the past, and attendance waits for the start."""
    assert api.app is not None
    now = api.app.state.services.clock()
    with api.worker.sessions.begin() as session:
        record = session.get(AppointmentRecord, appointment_id)
        assert record is not None
        record.starts_at, record.ends_at = now - timedelta(hours=1), now + timedelta(hours=1)


async def feed(api: Api, reader: str, staff: str = "esw1") -> Calendar:
    response = await api.get(reader, f"/api/staff/{staff}/calendar.ics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert CLIENT_NAME not in response.text
    return Calendar.from_ical(response.content)


async def test_a_booking_comes_back_in_the_staff_members_calendar_feed(api: Api) -> None:
    case_id = await api.open_case("sw1", client={"name": CLIENT_NAME, "phone": "090-0000-0000"})
    booked = await book(api, case_id)

    calendar = await feed(api, "esw1")
    [event] = calendar.walk("VEVENT")
    number = (await api.get("sw1", f"/api/cases/{case_id}")).json()["case_number"]
    assert str(event["DESCRIPTION"]) == f"受付番号 {number}"  # the number, not the hex id, and no client data
    assert "esw1" not in str(calendar.get("X-WR-CALNAME") or calendar.get("NAME") or "")
    assert event["UID"] == f"{booked['appointment_id']}@yorisoi"
    assert event.decoded("DTSTART") == datetime(2030, 12, 3, 1, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2030, 12, 3, 2, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "ハローワーク同行"
    assert str(event["LOCATION"]) == "ハローワークA（A公共職業安定所）"
    [alarm] = event.walk("VALARM")
    # 09:00 JST on 12-02 is 25 hours before a 10:00 JST start.
    assert alarm.decoded("TRIGGER") == -timedelta(hours=25)
    assert "履歴書" not in event.to_ical().decode()  # the staff note stays in the API


async def test_the_booking_is_listed_for_the_case(api: Api) -> None:
    case_id = await api.open_case("sw1")
    booked = await book(api, case_id)
    listed = await api.get("csw1", "/api/appointments", case_id=case_id, staff="esw1")
    assert listed.status_code == 200
    assert listed.json() == [booked]
    assert booked["status"] == "booked"
    assert booked["created_by"] == "esw1"
    assert datetime.fromisoformat(booked["starts_at"]) == datetime.fromisoformat(TUESDAY_10)
    assert (await api.get("sw2", "/api/appointments", case_id=case_id)).json() == []


async def test_a_holiday_booking_is_409_with_every_problem(api: Api) -> None:
    case_id = await api.open_case("sw1")
    response = await api.post(
        "esw1",
        "/api/appointments",
        booking(case_id, starts_at=COMING_OF_AGE_DAY, ends_at="2031-01-13T18:00:00+09:00"),
    )
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["code"] == "booking_refused"
    assert [p["id"] for p in body["problems"]] == ["SCHED-HOLIDAY", "SCHED-HOURS"]
    assert all(p["message_ja"] and p["message_en"] and p["basis"] for p in body["problems"])
    assert (await api.get("esw1", "/api/appointments", case_id=case_id)).json() == []


async def test_an_appointment_cannot_be_booked_or_moved_into_the_past(api: Api) -> None:
    """Issue 15 item 3: a booking (or a move) whose start has passed is 409 SCHED-PAST, and nothing is stored or
    changed: a meeting that took place is recorded as a 支援経過記録, not booked."""
    case_id = await api.open_case("sw1")
    past = booking(case_id, starts_at="2025-12-02T10:00:00+09:00", ends_at="2025-12-02T11:00:00+09:00")
    response = await api.post("esw1", "/api/appointments", past)
    assert response.status_code == 409, response.text
    assert [p["id"] for p in response.json()["problems"]] == ["SCHED-PAST"]
    assert "過ぎています" in response.json()["problems"][0]["message_ja"]
    assert (await api.get("esw1", "/api/appointments", case_id=case_id)).json() == []
    booked = await book(api, case_id)
    back = {"starts_at": "2025-12-02T10:00:00+09:00", "ends_at": "2025-12-02T11:00:00+09:00"}
    moved = await api.post("esw1", f"/api/appointments/{booked['appointment_id']}/move", back)
    assert moved.status_code == 409, moved.text
    assert [p["id"] for p in moved.json()["problems"]] == ["SCHED-PAST"]
    [kept] = (await api.get("esw1", "/api/appointments", case_id=case_id)).json()
    assert kept["starts_at"] == booked["starts_at"]


async def test_a_double_booking_names_the_appointment_it_collides_with(api: Api) -> None:
    case_id = await api.open_case("sw1")
    first = await book(api, case_id)
    response = await api.post("sw1", "/api/appointments", booking(case_id, starts_at="2030-12-03T10:30:00+09:00"))
    assert response.status_code == 409
    [problem] = response.json()["problems"]
    assert (problem["id"], problem["conflicts_with"]) == ("SCHED-DOUBLE", first["appointment_id"])


async def test_other_municipalities_and_other_roles_see_nothing(api: Api) -> None:
    case_id = await api.open_case("sw1")
    await book(api, case_id)
    assert (await api.get("sw2", "/api/staff/esw1/calendar.ics")).status_code == 404
    assert (await api.get("sw1", "/api/staff/esw1/calendar.ics")).status_code == 404  # a peer, not a CSW
    assert (await api.get("csw1", "/api/staff/nobody/calendar.ics")).status_code == 404
    assert len((await feed(api, "csw1")).walk("VEVENT")) == 1
    assert len((await feed(api, "mun1")).walk("VEVENT")) == 1
    assert (await api.post("sw2", "/api/appointments", booking(case_id))).status_code == 404
    assert (await api.post("aud1", "/api/appointments", booking(case_id))).status_code == 403


async def test_bad_input_is_422(api: Api) -> None:
    case_id = await api.open_case("sw1")
    for change in (
        {"starts_at": "2030-12-03T10:00:00"},  # no time zone
        {"kind": "party"},
        {"office_id": "hw-nowhere"},
        {"staff_user_id": "sw2"},  # does not serve city-a
        {"unexpected": True},
    ):
        response = await api.post("esw1", "/api/appointments", booking(case_id, **change))
        assert response.status_code == 422, (change, response.text)


async def test_attendance_is_recorded_and_a_cancelled_appointment_leaves_the_feed(
    clocked_api: tuple[Api, MovableClock],
) -> None:
    api, clock = clocked_api
    case_id = await api.open_case("sw1")
    morning = await book(api, case_id)
    afternoon = await book(api, case_id, starts_at="2030-12-03T14:00:00+09:00", ends_at="2030-12-03T15:00:00+09:00")
    url = "/api/appointments/{}/attendance"
    clock.move_to(api, datetime.fromisoformat("2030-12-03T10:30:00+09:00"))  # the morning's has begun

    no_show = await api.post("esw1", url.format(morning["appointment_id"]), {"status": "no_show"})
    assert no_show.status_code == 200
    assert no_show.json()["status"] == "no_show"
    attended = await api.post("esw1", url.format(morning["appointment_id"]), {"status": "attended"})
    assert attended.json()["status"] == "attended"
    cancelled = await api.post("esw1", url.format(afternoon["appointment_id"]), {"status": "cancelled"})
    assert cancelled.json()["status"] == "cancelled"

    again = await api.post("esw1", url.format(afternoon["appointment_id"]), {"status": "attended"})
    assert again.status_code == 409
    assert again.json()["code"] == "appointment_status"
    assert (await api.post("sw2", url.format(morning["appointment_id"]), {"status": "no_show"})).status_code == 404
    assert (await api.post("esw1", url.format(morning["appointment_id"]), {"status": "booked"})).status_code == 422
    calendar = await feed(api, "esw1")
    [event] = calendar.walk("VEVENT")
    number = (await api.get("sw1", f"/api/cases/{case_id}")).json()["case_number"]
    assert str(event["DESCRIPTION"]) == f"受付番号 {number}"  # the number, not the hex id, and no client data
    assert "esw1" not in str(calendar.get("X-WR-CALNAME") or calendar.get("NAME") or "")
    assert event["UID"] == f"{morning['appointment_id']}@yorisoi"


async def test_offices_are_listed_for_the_municipalities_one_serves(api: Api) -> None:
    city_a = (await api.get("esw1", "/api/offices")).json()
    assert {o["office_id"] for o in city_a} == {"hw-city-a", "hw-city-a-ekimae"}
    assert [o["office_id"] for o in (await api.get("sw2", "/api/offices")).json()] == ["hw-city-b"]


async def _note_reads(api: Api, case_id: str) -> list[tuple[str, str, list[str]]]:
    rows = (await api.get("aud1", "/api/audit/access-log", case_id=case_id)).json()["items"]
    return sorted((r["user_id"], r["purpose"], r["fields"]) for r in rows if "appointments[].note" in r["fields"])


async def test_a_note_is_shown_only_to_who_sees_special_care_fields_and_each_read_is_logged(api: Api) -> None:
    case_id = await api.open_case("sw1")
    await book(api, case_id)

    notes = {
        user: [a["note"] for a in (await api.get(user, "/api/appointments", case_id=case_id)).json()]
        for user in ("csw1", "mun1", "ops1", "admin")
    }

    assert notes == {"csw1": ["履歴書を持参"], "mun1": ["履歴書を持参"], "ops1": [None], "admin": [None]}
    assert await _note_reads(api, case_id) == [
        ("csw1", "read_appointments", ["appointments[].note"]),
        ("esw1", "appointment_command", ["appointments[].note"]),  # the booking's answer shows it too
        ("mun1", "read_appointments", ["appointments[].note"]),
    ]


async def test_appointments_without_a_note_are_read_without_a_log_line(api: Api) -> None:
    case_id = await api.open_case("sw1")
    await book(api, case_id, note=None)

    listed = await api.get("csw1", "/api/appointments", case_id=case_id)

    assert [a["note"] for a in listed.json()] == [None]
    assert await _note_reads(api, case_id) == []


async def test_attendance_of_an_appointment_not_yet_begun_is_409_sched_not_yet(
    clocked_api: tuple[Api, MovableClock],
) -> None:
    """来所・不参加 are recorded once the appointment has begun; before it, 409 with the reason, nothing changed (a
    cancellation may come any time)."""
    api, clock = clocked_api
    case_id = await api.open_case("sw1")
    booked = await book(api, case_id)  # 2030-12-03 10:00
    other = await book(api, case_id, starts_at="2030-12-03T14:00:00+09:00", ends_at="2030-12-03T15:00:00+09:00")
    url = f"/api/appointments/{booked['appointment_id']}/attendance"
    clock.move_to(api, datetime.fromisoformat("2030-12-03T09:59:00+09:00"))

    for status in ("attended", "no_show"):
        refused = await api.post("esw1", url, {"status": status})
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "attendance_refused"
        assert [p["id"] for p in refused.json()["problems"]] == ["SCHED-NOT-YET"]
        assert "2030-12-03 10:00" in refused.json()["detail"]
        assert "まだ来ていません" in refused.json()["detail"]
    [stored] = [
        a
        for a in (await api.get("esw1", "/api/appointments", case_id=case_id)).json()
        if a["appointment_id"] == booked["appointment_id"]
    ]
    assert stored["status"] == "booked"
    cancelled = await api.post(
        "esw1", f"/api/appointments/{other['appointment_id']}/attendance", {"status": "cancelled"}
    )
    assert cancelled.status_code == 200, cancelled.text

    clock.move_to(api, datetime.fromisoformat("2030-12-03T10:00:00+09:00"))  # its start: it has begun
    attended = await api.post("esw1", url, {"status": "attended"})
    assert (attended.status_code, attended.json()["status"]) == (200, "attended")
