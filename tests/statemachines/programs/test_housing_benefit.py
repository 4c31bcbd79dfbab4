"""住居確保給付金 (statemachines/programs/housing_benefit): every (state, command) pair, the eligibility guards of the
施行規則, the extensions up to nine months, the monthly job-search obligations, and its timers, tasks and events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from statemachines.kernel.events import CaseEvent, first_broken_link
from statemachines.kernel.outcomes import CommandRejected
from statemachines.kernel.roles import SYSTEM_ACTOR, Actor
from statemachines.policy.scheduling import JST
from statemachines.programs.housing_benefit.effects import deadlines
from statemachines.programs.housing_benefit.guards import repayment_allowed_from
from statemachines.programs.housing_benefit.obligations import ObligationSet
from statemachines.programs.housing_benefit.records import HousingBenefitRecord, MonthlyEvidence, missing_obligations
from statemachines.programs.housing_benefit.table import HOUSING_BENEFIT
from statemachines.programs.tasks import program_projection
from tests.factories import ESW1, MUN1, MUN_AT_CONTRACTOR, SW1, SW2
from tests.statemachines.programs.program_spec import NOW, step

APPLICATION: dict[str, Any] = {
    "applied_on": "2026-04-01",
    "route": "job_loss",
    "job_loss_on": "2026-01-31",
    "main_earner": True,
    "household_income": 80_000,
    "base_amount": 78_000,
    "rent": 50_000,
    "rent_cap": 53_700,
    "household_assets": 300_000,
    "housing_lost": False,
    "hw_job_application": True,
}
HB_PAYLOADS: dict[str, dict[str, Any]] = {
    "submit_application": {"application": APPLICATION},
    "certify": {},
    "report_housed": {"moved_in_on": "2026-04-10", "reported_on": "2026-04-15"},
    "decide_payment": {"decided_on": "2026-04-01", "period_start": "2026-04-01"},
    "reject": {},
    "start_payment": {},
    "record_evidence": {
        "evidence": {"month": "2026-04", "agency_consultations": 4, "hw_consultations": 2, "applications": 5}
    },
    "report_employment": {"employed_on": "2026-05-01"},
    "request_extension": {"application": APPLICATION},
    "grant_extension": {},
    "refuse_extension": {},
    "stop": {"reason": "obligations_not_met"},
    "end_period": {},
    "mark_extension_due": {},
    "check_obligations": {"month": "2026-04"},
    "suspend": {"suspended_on": "2026-05-10", "cause": "illness"},
    "resume": {"resumed_on": "2026-08-03", "application": APPLICATION},
    "end_suspension": {},
}
HB_ACTORS: dict[str, Actor] = {
    "certify": MUN1,
    "decide_payment": MUN1,
    "reject": MUN1,
    "start_payment": MUN1,
    "grant_extension": MUN1,
    "refuse_extension": MUN1,
    "stop": MUN1,
    "end_period": SYSTEM_ACTOR,
    "mark_extension_due": SYSTEM_ACTOR,
    "check_obligations": SYSTEM_ACTOR,
    "suspend": MUN1,
    "resume": MUN1,
    "end_suspension": SYSTEM_ACTOR,
}
HB_PATHS: dict[str, list[str]] = {
    "APPLIED": [],
    "REVIEW": ["submit_application"],
    "REJECTED": ["submit_application", "reject"],
    "DECIDED": ["submit_application", "decide_payment"],
    "PAYING": ["submit_application", "decide_payment", "start_payment"],
}
HB_PATHS["EXTENSION_REQUESTED"] = [*HB_PATHS["PAYING"], "request_extension"]
HB_PATHS["STOPPED"] = [*HB_PATHS["PAYING"], "stop"]
HB_PATHS["ENDED"] = [*HB_PATHS["PAYING"], "end_period"]
HB_PATHS["SUSPENDED"] = [*HB_PATHS["PAYING"], "suspend"]


# Housing lost: the certificate path.
LOST = {"application": {**APPLICATION, "housing_lost": True}}
HB_LOST_PATHS: dict[str, list[tuple[str, dict[str, Any] | None]]] = {
    "CERTIFIED": [("submit_application", LOST), ("certify", {})],
    "HOUSED": [("submit_application", LOST), ("certify", {}), ("report_housed", None)],
}


HB_EXPECTED: dict[str, dict[str, str | frozenset[str]]] = {
    "APPLIED": {"submit_application": "REVIEW"},
    "REVIEW": {"certify": frozenset({"G-H-LOST"}), "decide_payment": "DECIDED", "reject": "REJECTED"},
    "REJECTED": {},
    "CERTIFIED": {"report_housed": "HOUSED"},
    "HOUSED": {"decide_payment": "DECIDED"},
    "DECIDED": {"start_payment": "PAYING"},
    "PAYING": {
        "record_evidence": "same",
        "report_employment": "same",
        "request_extension": "EXTENSION_REQUESTED",
        "stop": "STOPPED",
        "end_period": "ENDED",
        "mark_extension_due": "same",
        "check_obligations": "same",
        "suspend": "SUSPENDED",
    },
    "EXTENSION_REQUESTED": {
        "record_evidence": "same",
        "report_employment": "same",
        "grant_extension": "PAYING",
        "refuse_extension": "ENDED",
        "stop": "STOPPED",
        "check_obligations": "same",
        "suspend": "SUSPENDED",
    },
    "SUSPENDED": {"resume": "PAYING", "stop": "STOPPED", "end_suspension": "ENDED"},
    "STOPPED": {},
    "ENDED": {},
}


def hb_reach(state: str) -> HousingBenefitRecord:
    record = HOUSING_BENEFIT.start(enrolment_id="e1", case_id="c1", municipality="city-a", now=NOW)
    steps = HB_LOST_PATHS.get(state) or [(t, None) for t in HB_PATHS[state]]
    for trigger, payload in steps:
        record = step(HOUSING_BENEFIT, record, trigger, payload, HB_ACTORS, HB_PAYLOADS)
    assert record.state == state
    return record


HB_PAIRS = [(s, t) for s in HOUSING_BENEFIT.states for t in HOUSING_BENEFIT.triggers]


@pytest.mark.parametrize(("state", "trigger"), HB_PAIRS, ids=[f"{s}-{t}" for s, t in HB_PAIRS])
def test_housing_benefit_state_command_pair(state: str, trigger: str) -> None:
    record = hb_reach(state)
    expected = HB_EXPECTED[state].get(trigger)
    unmet = HOUSING_BENEFIT.check(record, trigger, HB_ACTORS.get(trigger, SW1), HB_PAYLOADS[trigger], NOW)
    if expected is None:
        assert [u.id for u in unmet] == ["STATE"]
    elif isinstance(expected, frozenset):
        assert {u.id for u in unmet} == expected
    else:
        assert unmet == []
        moved = step(HOUSING_BENEFIT, record, trigger, None, HB_ACTORS, HB_PAYLOADS)
        assert moved.state == (state if expected == "same" else expected)


def test_the_third_extension_is_refused_at_nine_months() -> None:
    record = hb_reach("PAYING")
    assert record.period_end == date(2026, 6, 30)
    for expected_end in (date(2026, 9, 30), date(2026, 12, 31)):
        moment = datetime.combine(record.period_end - timedelta(days=3), datetime.min.time(), UTC)
        record = step(HOUSING_BENEFIT, record, "request_extension", None, HB_ACTORS, HB_PAYLOADS, moment)
        assert record.renewals[-1] == record.application
        record = step(HOUSING_BENEFIT, record, "grant_extension", None, HB_ACTORS, HB_PAYLOADS, moment)
        assert record.period_end == expected_end
    assert record.months_granted == 9
    renewal = HB_PAYLOADS["request_extension"]
    unmet = HOUSING_BENEFIT.check(record, "request_extension", SW1, renewal, datetime(2026, 12, 20, tzinfo=UTC))
    assert [u.id for u in unmet] == ["G-H-CAP"]


def test_an_extension_after_the_last_day_of_the_period_is_late() -> None:
    record = hb_reach("PAYING")
    late = datetime(2026, 7, 1, 1, tzinfo=UTC)
    renewal = HB_PAYLOADS["request_extension"]
    assert [u.id for u in HOUSING_BENEFIT.check(record, "request_extension", SW1, renewal, late)] == ["G-H-DEADLINE"]
    on_time = datetime(2026, 6, 30, 14, tzinfo=UTC)  # 23:00 JST on the last day
    assert HOUSING_BENEFIT.check(record, "request_extension", SW1, renewal, on_time) == []


@pytest.mark.parametrize(
    ("change", "guard"),
    [
        ({"job_loss_on": "2024-03-31"}, "G-H1"),
        ({"main_earner": False}, "G-H2"),
        ({"household_income": 131_701}, "G-H3"),
        ({"household_assets": 468_001}, "G-H4"),
    ],
)
def test_each_eligibility_guard_refuses_the_decision(change: dict[str, Any], guard: str) -> None:
    record = step(
        HOUSING_BENEFIT,
        hb_reach("APPLIED"),
        "submit_application",
        {"application": {**APPLICATION, **change}},
        HB_ACTORS,
        HB_PAYLOADS,
    )
    unmet = HOUSING_BENEFIT.check(record, "decide_payment", MUN1, HB_PAYLOADS["decide_payment"], NOW)
    assert [u.id for u in unmet] == [guard]
    assert "施行規則" in unmet[0].basis


def test_days_unable_to_seek_work_extend_the_window_up_to_four_years() -> None:
    application = {**APPLICATION, "job_loss_on": "2024-03-01", "days_unable_to_seek": 60}
    record = step(
        HOUSING_BENEFIT, hb_reach("APPLIED"), "submit_application", {"application": application}, HB_ACTORS, HB_PAYLOADS
    )
    assert HOUSING_BENEFIT.check(record, "decide_payment", MUN1, HB_PAYLOADS["decide_payment"], NOW) == []


def test_a_new_application_within_a_year_of_the_last_payment_is_locked() -> None:
    recent = {**APPLICATION, "previous_payment_ended_on": "2025-12-31", "repayment_exception": "dismissal"}
    unmet = HOUSING_BENEFIT.check(hb_reach("APPLIED"), "submit_application", SW1, {"application": recent}, NOW)
    assert [u.id for u in unmet] == ["G-H-LOCK"]
    older = {**recent, "previous_payment_ended_on": "2025-03-31"}
    assert HOUSING_BENEFIT.check(hb_reach("APPLIED"), "submit_application", SW1, {"application": older}, NOW) == []
    no_reason = {**older, "repayment_exception": None}
    unmet = HOUSING_BENEFIT.check(hb_reach("APPLIED"), "submit_application", SW1, {"application": no_reason}, NOW)
    assert [u.id for u in unmet] == ["G-H-LOCK"]


# --- G-H-DATE: the 申請日 that decides the legal limits is checked against the system's day (issue 15) ------------


def test_a_future_application_date_cannot_move_the_repayment_lock() -> None:
    """The same person, paid until 2026-03-31, dated the application 2028-08-31 with a dismissal: today (2026-04-01)
    it would pass the 1-year lock (G-H-LOCK counts from the 申請日) and go to review."""
    future = {
        **APPLICATION,
        "applied_on": "2028-08-31",
        "previous_payment_ended_on": "2026-03-31",
        "repayment_exception": "dismissal",
    }
    record = hb_reach("APPLIED")
    [unmet] = HOUSING_BENEFIT.check(record, "submit_application", SW1, {"application": future}, NOW)
    assert unmet.id == "G-H-DATE"
    assert unmet.message_ja == "申請日（2028-08-31）が受付の日（2026-04-01）より後です。"
    with pytest.raises(CommandRejected):
        HOUSING_BENEFIT.apply(record, "submit_application", SW1, {"application": future}, now=NOW, command_id="x")
    today = {**future, "applied_on": "2026-04-01"}
    assert [u.id for u in HOUSING_BENEFIT.check(record, "submit_application", SW1, {"application": today}, NOW)] == [
        "G-H-LOCK"
    ]


def test_a_backdated_application_cannot_bring_a_job_loss_back_within_two_years() -> None:
    """Lost the job on 2024-03-01, more than 2 years before today; an application dated 2025-12-31 (before this
    enrolment began) would put it back inside the window of G-H1."""
    backdated = {**APPLICATION, "job_loss_on": "2024-03-01", "applied_on": "2025-12-31"}
    record = hb_reach("APPLIED")
    [unmet] = HOUSING_BENEFIT.check(record, "submit_application", SW1, {"application": backdated}, NOW)
    assert unmet.message_ja == "申請日（2025-12-31）がこの事業の利用開始（2026-04-01）より前です。"
    assert "利用申込" not in unmet.message_ja  # none was taken with the 利用申込: the 利用開始 is the earliest day
    honest = step(
        HOUSING_BENEFIT,
        record,
        "submit_application",
        {"application": {**backdated, "applied_on": "2026-04-01"}},
        HB_ACTORS,
        HB_PAYLOADS,
    )
    decide = HB_PAYLOADS["decide_payment"]
    assert [u.id for u in HOUSING_BENEFIT.check(honest, "decide_payment", MUN1, decide, NOW)] == ["G-H1"]


def test_an_application_dated_before_the_job_loss_it_declares_is_refused() -> None:
    early = {**APPLICATION, "job_loss_on": "2026-04-02"}
    [unmet] = HOUSING_BENEFIT.check(hb_reach("APPLIED"), "submit_application", SW1, {"application": early}, NOW)
    assert unmet.message_ja == "申請日（2026-04-01）が離職・廃業の日（2026-04-02）より前です。"
    income_drop = {"application": {**early, "route": "income_drop"}}  # no job loss to follow
    assert HOUSING_BENEFIT.check(hb_reach("APPLIED"), "submit_application", SW1, income_drop, NOW) == []


def test_a_period_the_municipality_ends_early_ends_today_not_on_its_last_day() -> None:
    """end_period on 2026-04-01 for a period running to 2026-06-30: the 再支給 lock counts from the day paid last."""
    record = hb_reach("PAYING")
    assert record.period_end == date(2026, 6, 30)
    ended = HOUSING_BENEFIT.apply(record, "end_period", MUN1, {}, now=NOW, command_id="x").record
    assert ended.ended_on == date(2026, 4, 1)
    at_the_end = datetime(2026, 7, 1, tzinfo=JST)  # the timer, at midnight after the last day
    by_timer = HOUSING_BENEFIT.apply(record, "end_period", SYSTEM_ACTOR, {}, now=at_the_end, command_id="t").record
    assert by_timer.ended_on == date(2026, 6, 30)


def test_an_extension_refused_before_the_period_ends_ends_the_payment_that_day() -> None:
    """延長不承認 on 2026-04-01, the period running to 2026-06-30: the lock counts from the event's day (§3.1)."""
    requested = hb_reach("EXTENSION_REQUESTED")
    assert requested.period_end == date(2026, 6, 30)
    refused = HOUSING_BENEFIT.apply(requested, "refuse_extension", MUN1, {}, now=NOW, command_id="x").record
    assert refused.ended_on == date(2026, 4, 1)
    after_the_end = datetime(2026, 7, 3, 10, tzinfo=JST)  # the period ran out while the request waited
    late = HOUSING_BENEFIT.apply(requested, "refuse_extension", MUN1, {}, now=after_the_end, command_id="y").record
    assert late.ended_on == date(2026, 6, 30)


@pytest.mark.parametrize(
    ("decision", "said"),
    [
        (
            {"decided_on": "2026-04-02", "period_start": "2026-04-01"},
            "支給決定日（2026-04-02）が今日（2026-04-01）より後です。",
        ),
        (
            {"decided_on": "2026-03-31", "period_start": "2026-04-01"},
            "支給決定日（2026-03-31）が申請日（2026-04-01）より前です。",
        ),
        (
            {"decided_on": "2026-04-01", "period_start": "2026-03-31"},
            "支給開始日（2026-03-31）が申請月（2026-04）より前です。",
        ),
        (
            {"decided_on": "2026-04-01", "period_start": "9999-12-01"},
            "支給開始日（9999-12-01）が翌月より後です（今日は2026-04-01）。",
        ),
    ],
)
def test_a_payment_decision_is_dated_between_the_application_and_today(decision: dict[str, str], said: str) -> None:
    [unmet] = HOUSING_BENEFIT.check(hb_reach("REVIEW"), "decide_payment", MUN1, decision, NOW)
    assert (unmet.id, unmet.message_ja) == ("G-H-DECIDED-ON", said)
    assert HOUSING_BENEFIT.guards["G-H-DECIDED-ON"].patch == "payment-decision-dates-checked"
    next_month = {"decided_on": "2026-04-01", "period_start": "2026-05-01"}
    assert HOUSING_BENEFIT.check(hb_reach("REVIEW"), "decide_payment", MUN1, next_month, NOW) == []


def test_the_housing_report_is_due_within_seven_days() -> None:
    record = hb_reach("CERTIFIED")
    late = {"moved_in_on": "2026-04-10", "reported_on": "2026-04-18"}
    assert [u.id for u in HOUSING_BENEFIT.check(record, "report_housed", SW1, late, NOW)] == ["G-H-REPORT"]


def test_only_municipal_staff_decide_the_benefit() -> None:
    record = hb_reach("REVIEW")
    for actor in (SW1, ESW1):
        unmet = HOUSING_BENEFIT.check(record, "decide_payment", actor, HB_PAYLOADS["decide_payment"], NOW)
        assert "ROLE" in {u.id for u in unmet}
    unmet = HOUSING_BENEFIT.check(record, "decide_payment", MUN_AT_CONTRACTOR, HB_PAYLOADS["decide_payment"], NOW)
    assert [u.id for u in unmet] == ["G7"]  # a contractor's user given the MUN role: the role alone is not enough
    assert [u.id for u in HOUSING_BENEFIT.check(record, "reject", SW2, {}, NOW)] == ["ROLE", "SCOPE", "G7"]


def test_missing_job_search_evidence_is_named() -> None:
    evidence = MonthlyEvidence(month="2026-05", agency_consultations=3, hw_consultations=2, applications=2)
    assert missing_obligations(
        evidence, HOUSING_BENEFIT.record_type().rules if False else hb_reach("PAYING").rules
    ) == ["自立相談支援機関での面談（月4回以上）", "企業等への応募（週1回以上）"]


def test_a_rejected_program_command_leaves_the_record_untouched() -> None:
    record = hb_reach("PAYING")
    before = record.model_dump()
    with pytest.raises(CommandRejected):
        HOUSING_BENEFIT.apply(record, "grant_extension", MUN1, {}, now=NOW, command_id="x")
    assert record.model_dump() == before


def test_events_of_a_program_chain_their_hashes() -> None:
    record = HOUSING_BENEFIT.start(enrolment_id="e1", case_id="c1", municipality="city-a", now=NOW)
    events: list[CaseEvent] = []
    for trigger in HB_PATHS["PAYING"]:
        applied = HOUSING_BENEFIT.apply(
            record,
            trigger,
            HB_ACTORS.get(trigger, SW1),
            HB_PAYLOADS[trigger],
            now=NOW,
            command_id=trigger,
        )
        record, events = applied.record, [*events, applied.event]
    assert first_broken_link(events) is None
    assert events[-1].command == "housing_benefit.start_payment"


def test_explain_lists_program_commands_for_the_actor() -> None:
    options = {o.command: o for o in HOUSING_BENEFIT.explain(hb_reach("REVIEW"), MUN1, NOW)}
    assert options["decide_payment"].allowed
    assert not options["start_payment"].allowed


def test_housing_benefit_timers_follow_the_period() -> None:
    record = hb_reach("PAYING")
    found = {d.kind: d for d in deadlines(record)}
    assert found["extension_warning"].at == datetime(2026, 6, 16, tzinfo=JST)
    assert found["period_end"].at == datetime(2026, 7, 1, tzinfo=JST)
    assert found["monthly_obligations"].payload == {"month": "2026-04"}
    assert found["monthly_obligations"].at == datetime(2026, 5, 8, tzinfo=JST)
    record = step(HOUSING_BENEFIT, record, "record_evidence", None, HB_ACTORS, HB_PAYLOADS)
    assert {d.kind: d for d in deadlines(record)}["monthly_obligations"].payload == {"month": "2026-05"}


def test_the_program_projection_opens_and_closes_tasks() -> None:
    record = hb_reach("PAYING")
    applied = HOUSING_BENEFIT.apply(record, "mark_extension_due", SYSTEM_ACTOR, {}, now=NOW, command_id="t")
    projection = program_projection(HOUSING_BENEFIT, record, applied.record, applied.event, assignee="sw1", summary={})
    assert [(t.kind, t.assignee, t.command) for t in projection.open_tasks] == [
        ("hb_extension_due", "sw1", "request_extension")
    ]
    assert projection.enrolment.next_due_kind == "monthly_obligations"


# --- issue 18 item 5: the §16 lock and the §10 window count by the calendar ------------------------------------------


def _applied_between(first: datetime, application: dict[str, Any]) -> HousingBenefitRecord:
    """An enrolment begun at ``first`` whose application, received the day it is dated, is under review."""
    record = HOUSING_BENEFIT.start(enrolment_id="e1", case_id="c1", municipality="city-a", now=first)
    received = datetime.combine(date.fromisoformat(application["applied_on"]), datetime.min.time(), JST)
    body = {"application": application}
    return HOUSING_BENEFIT.apply(record, "submit_application", SW1, body, now=received, command_id="a").record


def test_H16_lock_counts_from_month_after_last_paid() -> None:
    """施行規則§16 (process.md §3.1 "Re-payment restriction", S6): no new payment until one year has passed from the
    month after the last month paid. Paid until 2025-03-15: the month after begins 2025-04-01, so a new application
    is possible from 2026-04-01 (not 2026-03-16, a year after the last day)."""
    first = datetime(2026, 3, 16, 1, tzinfo=UTC)
    record = HOUSING_BENEFIT.start(enrolment_id="e1", case_id="c1", municipality="city-a", now=first)
    earlier = {**APPLICATION, "previous_payment_ended_on": "2025-03-15", "repayment_exception": "dismissal"}
    for day in ("2026-03-16", "2026-03-31"):
        body = {"application": {**earlier, "applied_on": day}}
        [unmet] = HOUSING_BENEFIT.check(record, "submit_application", SW1, body, datetime(2026, 4, 2, tzinfo=UTC))
        assert unmet.id == "G-H-LOCK"
        assert "2026-04-01から申請できます" in unmet.message_ja
        assert "第16条" in unmet.basis
    on_time = {"application": {**earlier, "applied_on": "2026-04-01"}}
    assert HOUSING_BENEFIT.check(record, "submit_application", SW1, on_time, datetime(2026, 4, 2, tzinfo=UTC)) == []
    rules = record.rules
    assert repayment_allowed_from(date(2024, 12, 31), rules) == date(2026, 1, 1)  # across the year's end
    assert repayment_allowed_from(date(2024, 2, 1), rules) == date(2025, 3, 1)


def test_H1_two_years_count_by_calendar_date() -> None:
    """施行規則§10 (process.md §3.1 G-H1, S6): the application is made within two years of the job loss. Two years
    are counted by the calendar, so the same day two years on is inside, leap day or not (730 days fell a day short
    across 2024-02-29); with days unable to seek work the window never passes four calendar years."""
    first = datetime(2025, 2, 1, tzinfo=UTC)

    def check(record: HousingBenefitRecord, now: datetime) -> list[str]:
        decide = {**HB_PAYLOADS["decide_payment"], "decided_on": now.date().isoformat()}  # dated that day
        decide["period_start"] = now.date().replace(day=1).isoformat()  # G-H-DECIDED-ON: from the application's month
        return [u.id for u in HOUSING_BENEFIT.check(record, "decide_payment", MUN1, decide, now)]

    inside = _applied_between(first, {**APPLICATION, "job_loss_on": "2023-03-01", "applied_on": "2025-03-01"})
    assert check(inside, datetime(2025, 3, 2, tzinfo=UTC)) == []
    late = _applied_between(first, {**APPLICATION, "job_loss_on": "2023-03-01", "applied_on": "2025-03-02"})
    assert check(late, datetime(2025, 3, 3, tzinfo=UTC)) == ["G-H1"]
    widest = {**APPLICATION, "job_loss_on": "2021-03-01", "days_unable_to_seek": 1460, "applied_on": "2025-03-01"}
    capped = _applied_between(first, widest)
    assert check(capped, datetime(2025, 3, 2, tzinfo=UTC)) == []
    past = _applied_between(first, {**widest, "applied_on": "2025-03-02"})
    assert check(past, datetime(2025, 3, 3, tzinfo=UTC)) == ["G-H1"]


def test_H16_H1_records_counted_in_days_still_load() -> None:
    """An enrolment started before the calendar rules carried its windows in days: its record still loads (and
    replays) with the calendar rules in their place."""
    old = hb_reach("APPLIED").model_dump(mode="json")
    old["rules"] = {
        **{k: v for k, v in old["rules"].items() if k not in {"job_loss_window", "job_loss_window_max"}},
        "job_loss_window_days": 730,
        "job_loss_window_max_days": 1460,
        "repayment_lock_days": 365,
    }
    del old["rules"]["repayment_lock"]
    assert HousingBenefitRecord.model_validate(old).rules.repayment_lock == "P1Y"


# --- issue 18 item 7: the ハローワーク 求職申込, the extension's requirements, obligations by route and period --------


def _reviewed(application: dict[str, Any]) -> HousingBenefitRecord:
    record = step(
        HOUSING_BENEFIT, hb_reach("APPLIED"), "submit_application", {"application": application}, HB_ACTORS, HB_PAYLOADS
    )
    assert isinstance(record, HousingBenefitRecord)
    return record


def test_H1_hw_job_application_is_checked_before_the_decision() -> None:
    """process.md §3.1 H1 (申請書 … ; HW 求職申込) and the recipient obligations (S16, S17): a person who lost work
    applies for a job at ハローワーク at application; a self-employed person rebuilding a business (休業等) registers
    with a 経営相談先 instead. Without it the 支給決定 is refused (it was recorded and never checked)."""
    decide = HB_PAYLOADS["decide_payment"]
    unregistered = _reviewed({**APPLICATION, "hw_job_application": False})
    [unmet] = HOUSING_BENEFIT.check(unregistered, "decide_payment", MUN1, decide, NOW)
    assert (unmet.id, "S16" in unmet.basis) == ("G-H-HW", True)
    assert "ハローワークへの求職申込" in unmet.message_ja
    business = {**APPLICATION, "hw_job_application": False, "activity_route": "business"}
    assert [u.id for u in HOUSING_BENEFIT.check(_reviewed(business), "decide_payment", MUN1, decide, NOW)] == ["G-H-HW"]
    advised = _reviewed({**business, "management_advice_registered": True})
    assert HOUSING_BENEFIT.check(advised, "decide_payment", MUN1, decide, NOW) == []


def test_H7_extension_rechecks_the_requirements() -> None:
    """施行規則§12 (process.md §3.1 "Durations", S6): an extension is possible when it is needed for finding work
    and the requirements still hold; the HW 求職申込 is asked again at each extension (S16). The 延長申請 brings
    its 申請書 and is refused when income, assets or the registration no longer meet them."""
    record = hb_reach("PAYING")
    before_end = datetime(2026, 6, 20, tzinfo=UTC)
    [missing] = HOUSING_BENEFIT.check(record, "request_extension", SW1, {}, before_end)
    assert (missing.id, missing.message_ja) == (
        "G-H-RENEW",
        "延長申請の申請書（現在の収入・資産・求職申込の状況）がありません。",
    )
    richer = {"application": {**APPLICATION, "household_income": 200_000, "hw_job_application": False}}
    [unmet] = HOUSING_BENEFIT.check(record, "request_extension", SW1, richer, before_end)
    assert unmet.id == "G-H-RENEW"
    assert "世帯収入が基準額と家賃の合計を超えています" in unmet.message_ja
    assert "ハローワークへの求職申込" in unmet.message_ja
    assert HOUSING_BENEFIT.check(record, "request_extension", SW1, HB_PAYLOADS["request_extension"], before_end) == []


def test_H6_obligations_are_set_per_route_and_period() -> None:
    """process.md §3.1 "Recipient obligations" (S16, S17): 離職・廃業 → 面談 月4回, HW職業相談 月2回, 応募 週1回;
    休業等 → 面談 月4回, 経営相談 月1回, 収入を得る活動 月1回; the figures may differ between 初回 (1–3), 延長 (4–6)
    and 再延長 (7–9), so each set applies from its first paid month and a rule set can replace them."""
    rules = hb_reach("PAYING").rules
    business_month = MonthlyEvidence(month="2026-05", agency_consultations=4, hw_consultations=0, applications=0)
    assert missing_obligations(business_month, rules, route="business") == [
        "経営相談（月1回以上）",
        "収入を得るための活動（月1回以上）",
    ]
    met = business_month.model_copy(update={"business_consultations": 1, "income_activities": 1})
    assert missing_obligations(met, rules, route="business") == []
    assert missing_obligations(met, rules, route="job_search") == [
        "ハローワークでの職業相談（月2回以上）",
        "企業等への応募（週1回以上）",
    ]
    stricter = ObligationSet(route="job_search", from_month=4, hw_consultations_per_month=4, applications_per_week=2)
    versioned = rules.model_copy(update={"obligations": (*rules.obligations, stricter)})
    month = MonthlyEvidence(month="2026-08", agency_consultations=4, hw_consultations=2, applications=4)
    assert missing_obligations(month, versioned, month=3) == []
    assert missing_obligations(month, versioned, month=4) == [
        "ハローワークでの職業相談（月4回以上）",
        "企業等への応募（週2回以上）",
    ]


def test_H1_an_application_taken_with_the_riyou_moushikomi_may_carry_its_date() -> None:
    """process.md §3.1 H0/H1 and G-H-DATE (issue 15): the application taken with the 利用申込 may be dated that day,
    though the consultant starts its enrolment later; a day before the 利用申込 is still refused."""
    record = HOUSING_BENEFIT.start(
        enrolment_id="e1", case_id="c1", municipality="city-a", now=NOW, application_taken_on=date(2026, 3, 25)
    )
    taken = {"application": {**APPLICATION, "applied_on": "2026-03-25", "job_loss_on": "2026-01-31"}}
    assert HOUSING_BENEFIT.check(record, "submit_application", SW1, taken, NOW) == []
    earlier = {"application": {**APPLICATION, "applied_on": "2026-03-24"}}
    [unmet] = HOUSING_BENEFIT.check(record, "submit_application", SW1, earlier, NOW)
    assert unmet.message_ja == "申請日（2026-03-24）が利用申込の日（2026-03-25）より前です。"  # not the 利用開始


def test_H12_2_suspension_and_resumption_do_not_count_the_months_between() -> None:
    """施行規則§12② (process.md §3.1 "Durations", S6): a person who stops meeting the job-seeking requirement through
    illness or injury, and meets the requirements again within two years, may be paid again, nine months in total at
    most. The months between are neither paid nor counted: the period's months left are paid from the resumption,
    and the monthly 求職活動 check skips them. A resumption after two years, or without the requirements, is
    refused (G-H-RESUME)."""
    paying = hb_reach("PAYING")  # 2026-04 to 2026-06, 3 months granted
    suspended = step(HOUSING_BENEFIT, paying, "suspend", None, HB_ACTORS, HB_PAYLOADS)
    assert (suspended.state, suspended.months_left_at_suspension) == ("SUSPENDED", 1)  # 2026-04, 05 paid; 06 left
    assert [d.kind for d in deadlines(suspended)] == ["suspension_limit"]  # HB18, below
    assert HOUSING_BENEFIT.monitoring(suspended) is None
    late = {**HB_PAYLOADS["resume"], "resumed_on": "2028-05-11"}
    [unmet] = HOUSING_BENEFIT.check(suspended, "resume", MUN1, late, NOW)
    assert (unmet.id, "第12条第2項" in unmet.basis) == ("G-H-RESUME", True)
    unfit = {**HB_PAYLOADS["resume"], "application": {**APPLICATION, "hw_job_application": False}}
    assert [u.id for u in HOUSING_BENEFIT.check(suspended, "resume", MUN1, unfit, NOW)] == ["G-H-RESUME"]
    resumed = step(HOUSING_BENEFIT, suspended, "resume", None, HB_ACTORS, HB_PAYLOADS)
    assert resumed.state == "PAYING"
    assert resumed.months_granted == 3  # not counted again
    assert resumed.period_end == date(2026, 8, 31)  # the one month left, paid in 2026-08
    assert resumed.suspended_months == ["2026-06", "2026-07"]
    evidence = [
        {"month": m, "agency_consultations": 4, "hw_consultations": 2, "applications": 5}
        for m in ("2026-04", "2026-05")
    ]
    for item in evidence:
        resumed = step(HOUSING_BENEFIT, resumed, "record_evidence", {"evidence": item}, HB_ACTORS, HB_PAYLOADS)
    check = next(d for d in deadlines(resumed) if d.kind == "monthly_obligations")
    assert check.payload == {"month": "2026-08"}  # the suspended months are skipped


def test_H12_2_a_suspension_not_resumed_within_two_years_ends_the_benefit() -> None:
    """施行規則§12② (process.md §3.1 "Durations", S6): payment may resume only if the requirements are met again
    within 2 years of the suspension, so a suspension that lasts longer ends the benefit. The window is the rule
    set's ``resume_within`` (P2Y, with its source), counted by the calendar like G-H-RESUME: the last day it may
    resume is 2028-05-10, and at 00:00 JST the next day the timer fires HB18 (SUSPENDED → ENDED), behind its patch.
    The benefit ended with the suspension's month, the last one paid: the 1-year 再支給 lock (§16) counts from it."""
    suspended = step(HOUSING_BENEFIT, hb_reach("PAYING"), "suspend", None, HB_ACTORS, HB_PAYLOADS)  # 2026-05-10
    [limit] = deadlines(suspended)
    assert (limit.kind, limit.trigger, limit.patch) == (
        "suspension_limit",
        "end_suspension",
        "housing-benefit-suspension-limit",
    )
    assert limit.at == datetime(2028, 5, 11, tzinfo=JST)
    on_the_last_day = {**HB_PAYLOADS["resume"], "resumed_on": "2028-05-10"}
    assert HOUSING_BENEFIT.check(suspended, "resume", MUN1, on_the_last_day, NOW) == []  # the same window
    assert "§12②" in HOUSING_BENEFIT.rules["resume_within"][1]
    [unmet] = HOUSING_BENEFIT.check(suspended, "end_suspension", MUN1, {}, NOW)  # the timer's, not a person's
    assert unmet.kind.value == "role"
    ended = step(HOUSING_BENEFIT, suspended, "end_suspension", None, HB_ACTORS, HB_PAYLOADS)
    assert (ended.state, ended.ended_on) == ("ENDED", date(2026, 5, 31))
    assert deadlines(ended) == []
    assert repayment_allowed_from(ended.ended_on, ended.rules) == date(2027, 6, 1)
