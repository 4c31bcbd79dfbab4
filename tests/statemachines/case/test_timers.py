"""The durable timers as pure functions of the record (statemachines/case/timers.py): the deadlines each state runs,
when each comes due and what it fires, and the follow-ups after a closure."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from statemachines.case.record import NO_CONTACT_STATES, CaseRecord, CaseState
from statemachines.case.timers import deadlines, next_deadline, plan_period_end
from statemachines.case.transitions import Trigger
from statemachines.kernel.rules import DEFAULT_RULESET, RuleSet, add_duration
from tests.factories import meeting, plan
from tests.statemachines.case.timed import fire, kinds
from tests.statemachines.paths import reach, step

S = CaseState
T = Trigger
JST = timezone(timedelta(hours=9))


EXPECTED_TIMERS: dict[CaseState, set[str]] = {
    S.IDENTIFIED: set(),
    S.INTAKE: set(),
    S.SCREENING: set(),
    S.ENDED_INFO_ONLY: set(),
    S.REFERRED_OUT: set(),
    S.APPLIED: set(),
    S.ASSESSMENT: {"no_contact"},
    S.PLAN_DRAFTING: {"no_contact"},
    S.PLAN_CHECK: {"no_contact"},
    S.PLAN_CONSENTED: {"no_contact"},
    S.MEETING_PENDING: set(),
    S.MEETING_REVIEW: set(),
    S.DECISION_PENDING: set(),
    S.SUPPORT_ACTIVE: {"monitoring", "plan_period_end", "no_contact"},
    S.CONTACT_LOST: set(),
    S.EVALUATION: set(),
    S.CLOSURE_REVIEW: set(),
    S.CLOSED: {"follow_up"},
    S.FOLLOW_UP: set(),
    S.INTERRUPTED: set(),
}
"""Written out by hand from process.md §1.6–§1.7 and T26's sources."""


def support_active_with(submitted_plan: dict[str, Any]) -> CaseRecord:
    case = step(reach(S.PLAN_DRAFTING), T.SUBMIT_PLAN, {"plan": submitted_plan})
    for trigger in (T.CHECK_PLAN, T.RECORD_PLAN_CONSENT, T.PUT_ON_AGENDA, T.OPEN_MEETING_ITEM, T.APPROVE_PLAN):
        case = step(case, trigger)
    case = step(case, T.DECIDE_SUPPORT)
    assert case.state is S.SUPPORT_ACTIVE
    return case


# --- deadlines per state -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", list(CaseState), ids=[s.value for s in CaseState])
def test_each_state_runs_exactly_its_timers(state: CaseState) -> None:
    assert set(kinds(reach(state))) == EXPECTED_TIMERS[state]


def test_the_no_contact_timer_runs_exactly_in_the_no_contact_states() -> None:
    assert {s for s, timers in EXPECTED_TIMERS.items() if "no_contact" in timers} == set(NO_CONTACT_STATES)


def test_there_is_no_timer_at_intake() -> None:
    case = reach(S.INTAKE)
    assert deadlines(case) == []
    assert next_deadline(case) is None


@pytest.mark.parametrize("state", sorted(NO_CONTACT_STATES), ids=[s.value for s in sorted(NO_CONTACT_STATES)])
def test_the_no_contact_deadline_counts_from_the_last_contact(state: CaseState) -> None:
    case = reach(state)
    assert kinds(case)["no_contact"] == add_duration(case.last_contact_at, DEFAULT_RULESET.no_contact_threshold)


def test_support_active_monitors_from_the_last_contact_and_ends_the_plan_period_from_support_start() -> None:
    case = reach(S.SUPPORT_ACTIVE)
    assert case.support_started_at is not None
    assert case.last_contact_at < case.support_started_at  # the meeting and the decision are not contacts
    timers = kinds(case)
    assert timers["monitoring"] == add_duration(case.last_contact_at, "P30D")
    assert timers["no_contact"] == add_duration(case.last_contact_at, "P60D")
    assert timers["plan_period_end"] == add_duration(case.support_started_at, "P6M")
    assert [d.kind for d in deadlines(case)] == ["monitoring", "no_contact", "plan_period_end"]


def test_the_plan_s_own_end_date_ends_the_plan_period_at_the_next_jst_midnight() -> None:
    case = support_active_with(plan(period_end=date(2026, 6, 30)))
    assert kinds(case)["plan_period_end"] == datetime(2026, 7, 1, 0, 0, tzinfo=JST)
    assert plan_period_end(case) == datetime(2026, 7, 1, 0, 0, tzinfo=JST)


def test_each_timer_fires_its_own_command() -> None:
    triggers = {d.kind: d.trigger for d in deadlines(reach(S.SUPPORT_ACTIVE))}
    assert triggers == {
        "monitoring": T.MARK_MONITORING_DUE,
        "plan_period_end": T.MARK_EVALUATION_DUE,
        "no_contact": T.LOSE_CONTACT,
    }


def test_next_deadline_is_the_earliest() -> None:
    case = reach(S.SUPPORT_ACTIVE)
    earliest = next_deadline(case)
    assert earliest is not None
    assert earliest.kind == "monitoring"
    assert earliest.at == min(d.at for d in deadlines(case))


def test_a_contact_moves_the_monitoring_and_no_contact_deadlines() -> None:
    case = reach(S.SUPPORT_ACTIVE)
    before = kinds(case)
    contact_at = case.state_entered_at + timedelta(days=20)
    after = kinds(fire(case, T.RECORD_CONTACT, contact_at).record)
    assert after["monitoring"] == add_duration(contact_at, "P30D")
    assert after["no_contact"] == add_duration(contact_at, "P60D")
    assert after["monitoring"] > before["monitoring"]
    assert after["plan_period_end"] == before["plan_period_end"]


def test_a_fired_monitoring_timer_comes_due_again_one_interval_later() -> None:
    case = reach(S.SUPPORT_ACTIVE)
    due = kinds(case)["monitoring"]
    marked = fire(case, T.MARK_MONITORING_DUE, due).record
    assert kinds(marked)["monitoring"] == add_duration(due, "P30D")
    assert kinds(marked)["no_contact"] == kinds(case)["no_contact"]  # a reminder is not a contact


def test_a_fired_monitoring_timer_never_comes_due_again_at_the_same_moment() -> None:
    try:
        zero = RuleSet(ruleset_id="zero", effective_from=date(2025, 4, 1), monitoring_interval="P0D")
    except ValidationError:
        return  # refusing a zero interval is one way to fix it
    case = reach(S.SUPPORT_ACTIVE, ruleset=zero)
    due = kinds(case)["monitoring"]
    marked = fire(case, T.MARK_MONITORING_DUE, due).record
    assert kinds(marked)["monitoring"] > due


def test_the_plan_period_timer_stops_once_it_has_fired() -> None:
    case = reach(S.SUPPORT_ACTIVE)
    marked = fire(case, T.MARK_EVALUATION_DUE, kinds(case)["plan_period_end"]).record
    assert "plan_period_end" not in kinds(marked)


def test_a_new_support_period_restarts_the_plan_period_timer() -> None:
    case = reach(S.SUPPORT_ACTIVE)
    marked = fire(case, T.MARK_EVALUATION_DUE, kinds(case)["plan_period_end"]).record
    case = step(step(marked, T.START_EVALUATION), T.REPLAN)
    for trigger in (T.SUBMIT_PLAN, T.CHECK_PLAN, T.RECORD_PLAN_CONSENT, T.PUT_ON_AGENDA, T.OPEN_MEETING_ITEM):
        case = step(case, trigger)
    restarted = step(step(case, T.APPROVE_PLAN), T.DECIDE_SUPPORT)
    assert restarted.support_started_at is not None
    assert kinds(restarted)["plan_period_end"] == add_duration(restarted.support_started_at, "P6M")


# --- follow-ups after closure --------------------------------------------------------------------------------------


def test_follow_up_offsets_are_consumed_in_order_from_the_closure() -> None:
    case = reach(S.CLOSED)
    closed_at = case.closed_at
    assert closed_at is not None
    seen: list[datetime] = []
    for _ in DEFAULT_RULESET.follow_up_offsets:
        (follow_up,) = deadlines(case)
        assert follow_up.kind == "follow_up"
        assert follow_up.trigger is T.START_FOLLOW_UP
        seen.append(follow_up.at)
        following = fire(case, T.START_FOLLOW_UP, follow_up.at).record
        assert following.state is S.FOLLOW_UP
        assert deadlines(following) == []
        case = fire(following, T.COMPLETE_FOLLOW_UP, follow_up.at + timedelta(days=1)).record
        assert case.state is S.CLOSED
    assert seen == [add_duration(closed_at, offset) for offset in ("P1M", "P3M", "P6M")]
    assert deadlines(case) == []


def test_no_follow_up_timer_when_the_closure_wants_none() -> None:
    no_follow_up = {"closure": {"reason": "EMPLOYED", "meeting": meeting("closure_confirmed"), "follow_up": False}}
    case = step(reach(S.CLOSURE_REVIEW), T.CONFIRM_CLOSURE, no_follow_up)
    assert case.state is S.CLOSED
    assert deadlines(case) == []


def test_item10_follow_ups_after_closure_are_opt_in() -> None:
    """Issue 18 item 10: 「支援が終了した場合であっても、必要なフォローアップをすること自体は差し支えない」 (WAM NET
    Q&A, S12; process.md §1.3 14a "Optional", §7 followup_after_closure default null): a 終結 that does not choose
    follow-ups starts none (before, it did unless declined); one that chooses them does; staff may still start one
    by hand (T25)."""
    closure = {"reason": "EMPLOYED", "meeting": meeting("closure_confirmed")}
    silent = step(reach(S.CLOSURE_REVIEW), T.CONFIRM_CLOSURE, {"closure": closure})
    assert silent.closure is not None
    assert silent.closure.follow_up is False
    assert deadlines(silent) == []
    chosen = step(reach(S.CLOSURE_REVIEW), T.CONFIRM_CLOSURE, {"closure": {**closure, "follow_up": True}})
    assert set(kinds(chosen)) == {"follow_up"}
    assert step(silent, T.START_FOLLOW_UP).state is S.FOLLOW_UP
