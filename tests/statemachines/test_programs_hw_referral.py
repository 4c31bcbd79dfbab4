"""ハローワーク同行 (hello_work) and 関係機関へのつなぎ (referral): every (state, command) pair, guards and timers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from statemachines.kernel.outcomes import CommandRejected, PayloadInvalid
from statemachines.kernel.roles import SYSTEM_ACTOR, Actor
from statemachines.policy.scheduling import JST
from statemachines.programs.hello_work.effects import deadlines as hw_deadlines
from statemachines.programs.hello_work.records import HelloWorkRecord, HelloWorkRules
from statemachines.programs.hello_work.table import HELLO_WORK
from statemachines.programs.referral.effects import deadlines as rf_deadlines
from statemachines.programs.referral.table import REFERRAL
from statemachines.programs.registry import BY_ID, START_PATCHES
from statemachines.programs.tasks import ProgramProjection, program_projection
from tests.factories import CSW1, ESW1, HHSW1, MUN1, SW1
from tests.statemachines.program_spec import NOW, Spec, Step

JOINT_AT = "2026-04-10T10:00:00+09:00"
SYSTEM_TRIGGERS = {"remind_appointment", "mark_no_show", "follow_up_due", "no_answer"}
TO_SUPPORT: list[Step] = ["consent", "send_request", "schedule_joint_interview", "record_attendance", "start_support"]
TO_RETENTION: list[Step] = [*TO_SUPPORT, "report_employment", "start_retention"]
FOLLOWED_UP: list[Step] = []
for _n in (1, 2, 3):
    FOLLOWED_UP += [("follow_up_due", {"number": _n}), "record_follow_up"]

HW = Spec(
    HELLO_WORK,
    payloads={
        "consent": {"consented_on": "2026-04-01", "policy_version": "取扱規程 2025-04", "signed_by_client": True},
        "send_request": {"office_id": "hw-okayama", "sent_on": "2026-04-02"},
        "schedule_joint_interview": {"appointment_id": "ji1", "starts_at": JOINT_AT, "navigator": "ナビゲーターA"},
        "start_support": {"menu": ["job_counselling", "interview_coaching"]},
        "record_appointment": {"appointment_id": "a1", "starts_at": "2026-04-20T14:00:00+09:00"},
        "record_attendance": {"appointment_id": "ji1", "attendance": "attended"},
        "cancel_appointment": {"appointment_id": "ji1"},
        "record_outcome": {"applications": 2, "interviews": 1},
        "report_employment": {"employment": {"employer_kind": "private_company", "started_on": "2026-05-01"}},
        "start_retention": {},
        "record_follow_up": {"follow_up": {"contacted_on": "2026-06-01", "still_employed": True}},
        "end": {"note": "定着"},
        "withdraw": {"reason": "本人の辞退"},
        "remind_appointment": {"appointment_id": "ji1"},
        "mark_no_show": {"appointment_id": "ji1"},
        "follow_up_due": {"number": 1},
    },
    actors=dict.fromkeys(SYSTEM_TRIGGERS, SYSTEM_ACTOR),
    default=ESW1,
    paths={
        "CANDIDATE": [],
        "CONSENTED": ["consent"],
        "REQUEST_SENT": ["consent", "send_request"],
        "JOINT_INTERVIEW": ["consent", "send_request", "schedule_joint_interview"],
        "IN_SUPPORT": TO_SUPPORT,
        "EMPLOYED": [*TO_SUPPORT, "report_employment"],
        "RETENTION_FOLLOWUP": TO_RETENTION,
        "ENDED": [*TO_RETENTION, *FOLLOWED_UP, "end"],
        "WITHDRAWN": ["withdraw"],
    },
    expected={
        "CANDIDATE": {"consent": "CONSENTED", "withdraw": "WITHDRAWN"},
        "CONSENTED": {"send_request": "REQUEST_SENT", "withdraw": "WITHDRAWN"},
        "REQUEST_SENT": {"schedule_joint_interview": "JOINT_INTERVIEW", "withdraw": "WITHDRAWN"},
        "JOINT_INTERVIEW": {
            "start_support": frozenset({"G-HW2"}),  # the joint interview is booked, not yet attended
            "record_appointment": "same",
            "record_attendance": "same",
            "cancel_appointment": "same",
            "record_outcome": "same",
            "withdraw": "WITHDRAWN",
            "remind_appointment": "same",
            "mark_no_show": frozenset({"G-HW4"}),  # no no-show recorded
        },
        "IN_SUPPORT": {
            "record_appointment": "same",
            "record_attendance": "same",  # the same attendance again is a no-op
            "cancel_appointment": frozenset({"G-HW4"}),  # attended: no longer cancellable
            "record_outcome": "same",
            "report_employment": "EMPLOYED",
            "withdraw": "WITHDRAWN",
            "remind_appointment": frozenset({"G-HW4"}),  # attended: nothing to remind
            "mark_no_show": frozenset({"G-HW4"}),
        },
        "EMPLOYED": {"start_retention": "RETENTION_FOLLOWUP", "withdraw": "WITHDRAWN"},
        "RETENTION_FOLLOWUP": {
            "record_follow_up": frozenset({"G-HW7"}),  # no follow-up due yet
            "end": frozenset({"G-HW3"}),
            "withdraw": "WITHDRAWN",
            "follow_up_due": "same",
        },
        "ENDED": {},
        "WITHDRAWN": {},
    },
)

INSTITUTION = {"institution_id": "inst-houkatsu-kita", "reason": "介護保険の相談", "accepts_referrals": True}
RF = Spec(
    REFERRAL,
    payloads={
        "send": INSTITUTION,
        "accept": {"answered_on": "2026-04-05"},
        "decline": {"answered_on": "2026-04-05", "note": "定員超過"},
        "record_follow_up": {"note": "電話で確認、来週回答予定"},
        "confirm_outcome": {"confirmed_on": "2026-04-20", "connected": True},
        "close": {"reason": "本人が希望しない"},
        "no_answer": {},
    },
    actors={"no_answer": SYSTEM_ACTOR},
    default=SW1,
    paths={
        "DRAFT": [],
        "SENT": ["send"],
        "ACCEPTED": ["send", "accept"],
        "DECLINED": ["send", "decline"],
        "OUTCOME_CONFIRMED": ["send", "accept", "confirm_outcome"],
        "CLOSED": ["close"],
    },
    expected={
        "DRAFT": {"send": "SENT", "close": "CLOSED"},
        "SENT": {"accept": "ACCEPTED", "decline": "DECLINED", "record_follow_up": "same", "no_answer": "same"},
        "ACCEPTED": {"confirm_outcome": "OUTCOME_CONFIRMED"},
        "DECLINED": {"send": frozenset({"G-RF2"}), "close": "CLOSED"},  # the same institution declined already
        "OUTCOME_CONFIRMED": {},
        "CLOSED": {},
    },
)

SPECS = {"hello_work": HW, "referral": RF}
PAIRS = [(p, s, t) for p, spec in SPECS.items() for s in spec.defn.states for t in spec.defn.triggers]


def test_every_state_has_a_path_and_an_expectation() -> None:
    for spec in SPECS.values():
        assert set(spec.paths) == set(spec.defn.states) == set(spec.expected)
        assert {t for row in spec.expected.values() for t in row} <= {t.value for t in spec.defn.triggers}
        assert set(spec.payloads) == {t.value for t in spec.defn.triggers}


@pytest.mark.parametrize(("program", "state", "trigger"), PAIRS, ids=[f"{p}-{s}-{t}" for p, s, t in PAIRS])
def test_state_command_pair(program: str, state: str, trigger: str) -> None:
    spec = SPECS[program]
    record = spec.reach(state)
    expected = spec.expected[state].get(trigger)
    unmet = spec.unmet(record, trigger)
    if expected is None:
        assert unmet == {"STATE"}
    elif isinstance(expected, frozenset):
        assert unmet == expected
        with pytest.raises(CommandRejected):
            spec.step(record, trigger)
    else:
        assert unmet == set()
        assert spec.step(record, trigger).state == (state if expected == "same" else expected)


@pytest.mark.parametrize("program", list(SPECS))
def test_started_by_staff_sharing_data_and_not_by_the_decision(program: str) -> None:
    defn = SPECS[program].defn
    assert BY_ID[program] is defn
    assert defn.started_by_staff
    assert defn.shares_personal_data
    assert program not in START_PATCHES


@pytest.mark.parametrize("program", list(SPECS))
def test_staff_commands_by_consultants_and_timers_by_the_system_only(program: str) -> None:
    spec = SPECS[program]
    for t in spec.defn.transitions:
        if t.trigger in SYSTEM_TRIGGERS:
            assert t.roles == SYSTEM_ACTOR.roles
            assert t.timer is not None
        else:
            assert {r.value for r in t.roles} == {"ESW", "SW", "CSW"}  # a referral: no municipal decision
            assert t.timer is None
    first = spec.defn.transitions[0].trigger
    record = spec.reach(spec.defn.initial)
    for actor in (ESW1, SW1, CSW1):
        assert {u.id for u in spec.defn.check(record, first, actor, spec.payloads[first], NOW)} == set()
    for actor in (MUN1, HHSW1, SYSTEM_ACTOR):
        assert {u.id for u in spec.defn.check(record, first, actor, spec.payloads[first], NOW)} == {"ROLE"}


@pytest.mark.parametrize(
    ("program", "state", "trigger", "actor", "payload", "reason"),
    [
        ("hello_work", "CANDIDATE", "consent", MUN1, HW.payloads["consent"], "ROLE"),
        ("hello_work", "CANDIDATE", "consent", ESW1, {**HW.payloads["consent"], "signed_by_client": False}, "G-HW1"),
        ("hello_work", "JOINT_INTERVIEW", "remind_appointment", ESW1, {"appointment_id": "ji1"}, "ROLE"),
        ("hello_work", "ENDED", "record_outcome", ESW1, {"offers": 1}, "STATE"),
        ("referral", "DRAFT", "send", SW1, {**INSTITUTION, "accepts_referrals": False}, "G-RF1"),
        ("referral", "SENT", "no_answer", SW1, {}, "ROLE"),
    ],
)
def test_a_rejected_command_leaves_the_record_unchanged(
    program: str, state: str, trigger: str, actor: Actor, payload: dict[str, Any], reason: str
) -> None:
    spec = SPECS[program]
    record = spec.reach(state)
    before = record.model_dump()
    with pytest.raises(CommandRejected) as rejected:
        spec.defn.apply(record, trigger, actor, payload, now=NOW, command_id="x")
    assert [u.id for u in rejected.value.unmet] == [reason]
    with pytest.raises(PayloadInvalid):
        spec.defn.apply(record, trigger, actor, {"unexpected": 1}, now=NOW, command_id="y")
    assert record.model_dump() == before


# --- ハローワーク同行 -------------------------------------------------------------------------------------------------


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
    from statemachines.programs.hello_work.effects import upcoming

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
    attended = HW.step(record, "record_attendance")
    assert attended.appointments[0].status == "attended"
    assert attended.appointments[0].attendance_recorded_at == NOW


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
    attended, closing = HW.project(reminded, "record_attendance", now=ji_reminder + timedelta(days=1))
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
    missed = HW.step(record, "record_attendance", {"appointment_id": "a1", "attendance": "no_show"})
    corrected = HW.step(missed, "record_attendance", {"appointment_id": "a1", "attendance": "attended"})
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


# --- 関係機関へのつなぎ ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "unmet"),
    [
        (INSTITUTION, set()),
        ({**INSTITUTION, "accepts_referrals": False}, {"G-RF1"}),
        ({"reason": "介護保険の相談", "accepts_referrals": True}, {"G-RF1"}),
        ({**INSTITUTION, "institution_id": ""}, {"G-RF1"}),
    ],
)
def test_referral_goes_to_a_chosen_institution_that_accepts_referrals(body: dict[str, Any], unmet: set[str]) -> None:
    assert RF.unmet(RF.reach("DRAFT"), "send", body) == unmet


def test_referral_declined_may_go_to_another_institution() -> None:
    declined = RF.reach("DECLINED")
    other = {**INSTITUTION, "institution_id": "inst-shakyo"}
    assert RF.unmet(declined, "send") == {"G-RF2"}
    assert RF.unmet(declined, "send", {**other, "accepts_referrals": False}) == {"G-RF1"}
    assert RF.unmet(declined, "send", other) == set()
    resent = RF.step(declined, "send", other)
    assert resent.state == "SENT"
    assert [(s.institution_id, s.answer) for s in resent.sendings] == [
        ("inst-houkatsu-kita", "declined"),
        ("inst-shakyo", None),
    ]
    confirmed = RF.step(RF.step(resent, "accept"), "confirm_outcome")
    assert (confirmed.state, confirmed.outcome_connected) == ("OUTCOME_CONFIRMED", True)


def test_referral_no_answer_after_fourteen_days_opens_a_follow_up_once_per_sending() -> None:
    sent = RF.reach("SENT")
    due = NOW + timedelta(days=14)
    assert [(d.kind, d.at, d.trigger) for d in rf_deadlines(sent)] == [("no_answer", due, "no_answer")]
    assert due == datetime(2026, 4, 15, 1, 0, tzinfo=UTC)
    flagged, projection = RF.project(sent, "no_answer", now=due)
    assert flagged.state == "SENT"
    assert [(t.kind, t.role, t.command) for t in projection.open_tasks] == [("rf_no_answer", "SW", "record_follow_up")]
    assert rf_deadlines(flagged) == []
    assert RF.unmet(flagged, "no_answer") == {"G-RF3"}
    followed, closing = RF.project(flagged, "record_follow_up", now=due + timedelta(days=1))
    assert closing.close_task_kinds == ["rf_no_answer"]
    assert followed.follow_ups == ["電話で確認、来週回答予定"]
    declined = RF.step(followed, "decline", now=due + timedelta(days=2))
    assert rf_deadlines(declined) == []
    later = due + timedelta(days=3)
    resent = RF.step(declined, "send", {**INSTITUTION, "institution_id": "inst-shakyo"}, now=later)
    assert [d.at for d in rf_deadlines(resent)] == [later + timedelta(days=14)]
    assert RF.unmet(resent, "no_answer") == set()


def test_referral_answer_stops_the_timer() -> None:
    assert rf_deadlines(RF.reach("ACCEPTED")) == []
    assert rf_deadlines(RF.reach("DRAFT")) == []


def test_describe_lists_hello_work_and_referral() -> None:
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "statemachines", "describe"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    processes = json.loads(out)["processes"]
    assert processes["hello_work"]["rules"]["retention_follow_ups"]["default"] == ["P1M", "P3M", "P6M"]
    assert "[BK]" in processes["hello_work"]["rules"]["retention_follow_ups"]["source"]
    assert processes["referral"]["rules"]["answer_within"]["default"] == "P14D"
    for program, spec in SPECS.items():
        described = processes[program]
        assert described["initial"] == spec.defn.initial
        assert {s["id"] for s in described["states"]} == set(spec.defn.states)
        assert {g["id"] for g in described["guards"]} == set(spec.defn.guards)
        assert all(g["basis"] for g in described["guards"])
        assert {t["id"] for t in described["timers"]} == {t.timer for t in spec.defn.transitions if t.timer}


def test_hello_work_a_cancelled_appointment_is_neither_reminded_nor_followed_up() -> None:
    record = HW.reach("IN_SUPPORT")
    booked = HW.step(record, "record_appointment")
    cancelled = HW.step(booked, "cancel_appointment", {"appointment_id": "a1"})
    assert HW.unmet(cancelled, "remind_appointment", {"appointment_id": "a1"}) == {"G-HW4"}
    assert HW.unmet(cancelled, "record_attendance", {"appointment_id": "a1", "attendance": "no_show"}) == {"G-HW4"}
    assert HW.unmet(cancelled, "cancel_appointment", {"appointment_id": "a1"}) == {"G-HW4"}
    assert [d.kind for d in hw_deadlines(cancelled) if d.payload.get("appointment_id") == "a1"] == []
