"""ハローワーク同行 (statemachines/programs/hello_work): the person's consent and the request to the office, support
only after the joint interview was attended, appointments with their reminders and no-shows, outcomes and employment,
and the retention follow-ups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from statemachines.kernel.outcomes import PayloadInvalid
from statemachines.kernel.roles import SYSTEM_ACTOR
from statemachines.policy.scheduling import JST
from statemachines.programs.hello_work.effects import deadlines as hw_deadlines
from statemachines.programs.hello_work.effects import upcoming
from statemachines.programs.hello_work.records import HelloWorkRecord, HelloWorkRules
from statemachines.programs.hello_work.table import HELLO_WORK
from statemachines.programs.tasks import ProgramProjection, program_projection
from tests.factories import ESW1
from tests.statemachines.programs.program_spec import NOW
from tests.statemachines.programs.tables import ATTENDED_AT, HW, JOINT_AT, TO_RETENTION


@pytest.mark.parametrize(("signed", "unmet"), [(True, set()), (False, {"G-HW1"})])
def test_hello_work_consent_must_be_signed_by_the_person(signed: bool, unmet: set[str]) -> None:
    body = {**HW.payloads["consent"], "signed_by_client": signed}
    assert HW.unmet(HW.reach("CANDIDATE"), "consent", body) == unmet


def test_hello_work_consent_and_request_are_recorded() -> None:
    record = HW.reach("REQUEST_SENT")
    assert record.consent is not None
    assert (str(record.consent.consented_on), record.consent.policy_version) == ("2026-04-01", "取扱規程 2025-04")
    assert (record.office_id, str(record.request_sent_on)) == ("hw-okayama", "2026-04-02")
    with pytest.raises(PayloadInvalid):
        HELLO_WORK.check(HW.reach("CONSENTED"), "send_request", ESW1, {"sent_on": "2026-04-02"}, NOW)


def test_hello_work_support_starts_only_after_the_joint_interview_was_attended() -> None:
    record = HW.reach("JOINT_INTERVIEW")
    assert record.navigator == "ナビゲーターA"
    assert HW.unmet(record, "start_support") == {"G-HW2"}
    missed = HW.step(record, "record_attendance", {"appointment_id": "ji1", "attendance": "no_show"})
    assert HW.unmet(missed, "start_support") == {"G-HW2"}
    corrected = HW.step(missed, "record_attendance")  # a mistaken no-show may be corrected
    assert HW.unmet(corrected, "start_support") == set()
    assert HW.step(corrected, "start_support").hw_plan == ["job_counselling", "interview_coaching"]


def test_hello_work_appointments_are_kept_in_the_future_and_moved_only_while_booked() -> None:
    record = HW.reach("IN_SUPPORT")
    past = {"appointment_id": "a0", "starts_at": "2026-04-01T09:59:00+09:00"}
    assert HW.unmet(record, "record_appointment", past) == {"G-HW5"}
    assert HW.unmet(record, "record_appointment", {**past, "starts_at": "2026-04-01T10:00:00+09:00"}) == {"G-HW5"}
    with pytest.raises(PayloadInvalid):  # a naive time
        HELLO_WORK.check(record, "record_appointment", ESW1, {**past, "starts_at": "2026-04-20T14:00:00"}, NOW)
    assert HW.unmet(record, "record_appointment", {"appointment_id": "ji1", "starts_at": JOINT_AT}) == {"G-HW6"}
    record = HW.step(record, "record_appointment")
    record = HW.step(record, "record_appointment", {"appointment_id": "a2", "starts_at": "2026-04-15T09:00:00+09:00"})
    assert [a.appointment_id for a in upcoming(record)] == ["a2", "a1"]
    moved = HW.step(record, "record_appointment", {"appointment_id": "a1", "starts_at": "2026-04-13T09:00:00+09:00"})
    assert [a.appointment_id for a in upcoming(moved)] == ["a1", "a2"]
    assert len(moved.appointments) == 3


def test_hello_work_attendance_only_for_a_recorded_appointment() -> None:
    record = HW.reach("JOINT_INTERVIEW")
    assert HW.unmet(record, "record_attendance", {"appointment_id": "zz", "attendance": "attended"}) == {"G-HW4"}
    attended = HW.step(record, "record_attendance")  # at ATTENDED_AT, an hour after the joint interview began
    assert attended.appointments[0].status == "attended"
    assert attended.appointments[0].attendance_recorded_at == ATTENDED_AT


def test_hello_work_attendance_waits_for_the_appointment_to_begin() -> None:
    """G-HW9 (SCHED-NOT-YET's rule): 出席・欠席 of an appointment not yet begun is refused, from its start it is
    recorded; a cancellation may come before."""
    record = HW.reach("JOINT_INTERVIEW")
    start = datetime.fromisoformat(JOINT_AT)
    for attendance in ("attended", "no_show"):
        body = {"appointment_id": "ji1", "attendance": attendance}
        assert HW.unmet(record, "record_attendance", body, now=start - timedelta(minutes=1)) == {"G-HW9"}
        assert HW.unmet(record, "record_attendance", body, now=start) == set()
    [unmet] = HELLO_WORK.check(
        record, "record_attendance", ESW1, {"appointment_id": "ji1", "attendance": "attended"}, NOW
    )
    assert "まだ来ていません" in unmet.message_ja
    assert HW.unmet(record, "cancel_appointment", now=NOW) == set()


def test_hello_work_outcomes_add_up_and_employment_is_reported_separately() -> None:
    record = HW.reach("IN_SUPPORT")
    record = HW.step(record, "record_outcome")
    record = HW.step(record, "record_outcome", {"applications": 1, "interviews": 2, "offers": 1})
    assert record.outcomes.model_dump() == {"applications": 3, "interviews": 3, "offers": 1, "employments": 0}
    with pytest.raises(PayloadInvalid):
        HELLO_WORK.check(record, "record_outcome", ESW1, {}, NOW)
    with pytest.raises(PayloadInvalid):
        HELLO_WORK.check(record, "record_outcome", ESW1, {"employments": 1}, NOW)
    employed = HW.step(record, "report_employment")
    assert employed.state == "EMPLOYED"
    assert employed.outcomes.employments == 1
    assert employed.employment is not None
    assert (employed.employment.employer_kind, str(employed.employment.started_on)) == (
        "private_company",
        "2026-05-01",
    )


def test_hello_work_reminder_at_nine_jst_the_day_before_each_appointment() -> None:
    record = HW.reach("JOINT_INTERVIEW")
    # 00:30 JST on 11 April is still 10 April in UTC: the day before is taken in JST
    record = HW.step(record, "record_appointment", {"appointment_id": "a1", "starts_at": "2026-04-10T15:30:00Z"})
    ji_reminder = datetime(2026, 4, 9, 9, 0, tzinfo=JST)
    a1_reminder = datetime(2026, 4, 10, 9, 0, tzinfo=JST)
    assert ji_reminder == datetime(2026, 4, 9, 0, 0, tzinfo=UTC)
    assert [(d.kind, d.at, d.trigger, d.payload) for d in hw_deadlines(record)] == [
        ("appointment_reminder", ji_reminder, "remind_appointment", {"appointment_id": "ji1"}),
        ("appointment_reminder", a1_reminder, "remind_appointment", {"appointment_id": "a1"}),
    ]
    reminded, projection = HW.project(record, "remind_appointment", now=ji_reminder)
    assert reminded.appointments[0].reminded
    assert [(t.kind, t.role, t.command, t.assignee) for t in projection.open_tasks] == [
        ("hw_appointment_reminder", "ESW", "record_attendance", "esw1")
    ]
    assert (projection.enrolment.next_due_kind, projection.enrolment.next_due_at) == (
        "appointment_reminder",
        a1_reminder,
    )
    assert [d.payload for d in hw_deadlines(reminded)] == [{"appointment_id": "a1"}]
    assert HW.unmet(reminded, "remind_appointment", now=ji_reminder) == {"G-HW4"}  # once per appointment
    attended, closing = HW.project(reminded, "record_attendance", now=ATTENDED_AT)
    assert "hw_appointment_reminder" in closing.close_task_kinds
    assert [d.payload for d in hw_deadlines(attended)] == [{"appointment_id": "a1"}]


def test_hello_work_moving_an_appointment_reminds_again() -> None:
    record = HW.step(HW.reach("JOINT_INTERVIEW"), "remind_appointment")
    assert hw_deadlines(record) == []
    body = {"appointment_id": "ji1", "starts_at": "2026-04-14T10:00:00+09:00"}
    moved = HW.step(record, "record_appointment", {**body, "kind": "joint_interview"})
    assert [d.at for d in hw_deadlines(moved)] == [datetime(2026, 4, 13, 9, 0, tzinfo=JST)]


def test_hello_work_no_show_opens_a_follow_up_task() -> None:
    record = HW.step(HW.reach("IN_SUPPORT"), "record_appointment")
    missed_at = datetime(2026, 4, 20, 6, 0, tzinfo=UTC)
    missed, projection = HW.project(
        record, "record_attendance", {"appointment_id": "a1", "attendance": "no_show"}, missed_at
    )
    assert projection.open_tasks == []
    assert (projection.enrolment.next_due_kind, projection.enrolment.next_due_at) == ("no_show_follow_up", missed_at)
    [due] = hw_deadlines(missed)
    assert (due.trigger, due.payload) == ("mark_no_show", {"appointment_id": "a1"})
    applied = HELLO_WORK.apply(missed, due.trigger, SYSTEM_ACTOR, due.payload, now=due.at, command_id="t1")
    opened: ProgramProjection = program_projection(
        HELLO_WORK, missed, applied.record, applied.event, assignee="esw1", summary={}
    )
    assert [(t.kind, t.role, t.command, t.assignee) for t in opened.open_tasks] == [
        ("hw_no_show_follow_up", "ESW", "record_appointment", "esw1")
    ]
    assert opened.enrolment.next_due_at is None
    assert hw_deadlines(applied.record) == []
    assert HW.unmet(applied.record, "mark_no_show", {"appointment_id": "a1"}) == {"G-HW4"}  # once
    rebooked, closing = HW.project(
        applied.record, "record_appointment", {"appointment_id": "a3", "starts_at": "2026-04-27T14:00:00+09:00"}
    )
    assert closing.close_task_kinds == ["hw_no_show_follow_up"]
    assert [a.appointment_id for a in rebooked.appointments] == ["ji1", "a1", "a3"]


def test_hello_work_no_show_corrected_before_the_timer_opens_no_task() -> None:
    record = HW.step(HW.reach("IN_SUPPORT"), "record_appointment")
    after = datetime(2026, 4, 20, 15, 0, tzinfo=JST)  # a1 began at 14:00
    missed = HW.step(record, "record_attendance", {"appointment_id": "a1", "attendance": "no_show"}, after)
    corrected = HW.step(missed, "record_attendance", {"appointment_id": "a1", "attendance": "attended"}, after)
    assert hw_deadlines(corrected) == []


def test_hello_work_retention_follow_ups_at_one_three_and_six_months() -> None:
    employed = HW.reach("EMPLOYED")
    assert hw_deadlines(employed) == []
    record = HW.step(employed, "start_retention")
    expected = [datetime(2026, m, 1, 9, 0, tzinfo=JST) for m in (6, 8, 11)]
    assert [(d.kind, d.at, d.trigger, d.payload) for d in hw_deadlines(record)] == [
        ("retention_follow_up", at, "follow_up_due", {"number": n}) for n, at in enumerate(expected, start=1)
    ]
    assert HW.unmet(record, "follow_up_due", {"number": 2}) == {"G-HW8"}  # in order
    for n, at in enumerate(expected, start=1):
        assert HW.unmet(record, "end") == {"G-HW3"}
        assert HW.unmet(record, "record_follow_up") == {"G-HW7"}
        record, projection = HW.project(record, "follow_up_due", {"number": n}, at)
        assert [(t.kind, t.role, t.command) for t in projection.open_tasks] == [
            ("hw_retention_follow_up", "ESW", "record_follow_up")
        ]
        assert [d.at for d in hw_deadlines(record)] == expected[n:]
        record, closing = HW.project(record, "record_follow_up", now=at + timedelta(days=2))
        assert closing.close_task_kinds == ["hw_retention_follow_up"]
    assert HW.unmet(record, "follow_up_due", {"number": 4}) == {"G-HW8"}
    assert HW.unmet(record, "record_follow_up") == {"G-HW7"}
    assert HW.unmet(record, "end") == set()
    assert HW.step(record, "end").state == "ENDED"


def test_hello_work_follow_up_offsets_are_rule_set_values() -> None:
    record = HELLO_WORK.start(
        enrolment_id="e2",
        case_id="c1",
        municipality="city-a",
        now=NOW,
        rules=HelloWorkRules(retention_follow_ups=["P3M", "P2W"]),
    )
    assert isinstance(record, HelloWorkRecord)
    for trigger in TO_RETENTION:
        assert isinstance(trigger, str)
        record = HW.step(record, trigger)
    first_day = datetime(2026, 5, 1, 9, 0, tzinfo=JST)
    assert [d.at for d in hw_deadlines(record)] == [first_day + timedelta(weeks=2), datetime(2026, 8, 1, 9, tzinfo=JST)]
    with pytest.raises(ValueError, match="duration"):
        HelloWorkRules(retention_follow_ups=["P0D"])


def test_hello_work_reminders_stop_outside_the_support_states() -> None:
    record = HW.step(HW.reach("IN_SUPPORT"), "record_appointment")
    assert [d.kind for d in hw_deadlines(record)] == ["appointment_reminder"]
    assert hw_deadlines(HW.step(record, "report_employment")) == []
    assert hw_deadlines(HW.step(record, "withdraw")) == []


def test_hello_work_a_cancelled_appointment_is_neither_reminded_nor_followed_up() -> None:
    record = HW.reach("IN_SUPPORT")
    booked = HW.step(record, "record_appointment")
    cancelled = HW.step(booked, "cancel_appointment", {"appointment_id": "a1"})
    assert HW.unmet(cancelled, "remind_appointment", {"appointment_id": "a1"}) == {"G-HW4"}
    after = datetime(2026, 4, 20, 15, 0, tzinfo=JST)  # a1 began at 14:00
    no_show = {"appointment_id": "a1", "attendance": "no_show"}
    assert HW.unmet(cancelled, "record_attendance", no_show, after) == {"G-HW4"}
    assert HW.unmet(cancelled, "cancel_appointment", {"appointment_id": "a1"}) == {"G-HW4"}
    assert [d.kind for d in hw_deadlines(cancelled) if d.payload.get("appointment_id") == "a1"] == []
