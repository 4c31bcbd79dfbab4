"""The counting model: each figure from the events' skeleton, by event time in Japan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from statemachines.policy.scheduling import JST
from statemachines.policy.statistics import (
    NATIONAL_TARGETS,
    CountedEvent,
    count_month,
    facts_of,
    figures,
    fiscal_year,
    month_bounds,
)

START, END = month_bounds("2026-05")
IN = START + timedelta(days=3)
BEFORE = START - timedelta(days=20)


TRANSITIONS = {"decide_support": "T18", "approve_plan": "T16"}


def ev(case: str, seq: int, command: str, at: datetime = IN, transition: str = "", **facts: bool) -> CountedEvent:
    tid = transition or TRANSITIONS.get(command, "")
    return CountedEvent(case_id=case, seq=seq, at=at, command=command, facts=facts, transition_id=tid)


def test_month_bounds_are_japan_s_months() -> None:
    assert datetime(2026, 5, 1, tzinfo=JST) == START
    assert datetime(2026, 6, 1, tzinfo=JST) == END
    assert month_bounds("2026-12")[1] == datetime(2027, 1, 1, tzinfo=JST)
    assert (fiscal_year("2026-03"), fiscal_year("2026-04")) == (2025, 2026)


def test_facts_hold_only_the_coded_flags_the_counts_need() -> None:
    assert facts_of("complete_assessment", {"assessment": {"employment_support_target": True, "health": "腰痛"}}) == {
        "employment_support_target": True
    }
    assert facts_of("refer_out", {"referral": {"institution": "X", "to_public_assistance": True}}) == {
        "to_public_assistance": True
    }
    evaluation = {"employed": False, "income_increased": True, "improvements": {"housing": False, "health": True}}
    assert facts_of("replan", {"evaluation": {**evaluation, "summary": "本人の言葉"}}) == {
        "evaluated": True,
        "employed": False,
        "income_increased": True,
        "improved": True,
    }
    assert facts_of("complete_intake", {"intake": {"client": {"name": "寄添花子"}}}) == {}


def test_each_figure_counts_what_its_definition_says() -> None:
    events = [
        ev("a", 1, "open_consultation"),
        ev("a", 2, "end_with_information"),
        ev("b", 1, "open_consultation"),
        ev("b", 2, "refer_out", to_public_assistance=True),
        ev("c", 1, "open_consultation", at=BEFORE),  # opened last month
        ev("c", 2, "complete_assessment", at=BEFORE, employment_support_target=True),
        ev("c", 3, "decide_support"),
        ev("c", 4, "propose_closure", evaluated=True, employed=True, income_increased=True, improved=True),
        ev("d", 1, "open_consultation"),
        ev("d", 2, "complete_assessment", employment_support_target=False),
        ev("d", 3, "decide_support"),
        ev("d", 4, "replan", evaluated=True, income_increased=True, improved=False),
        ev("d", 5, "decide_support"),  # the re-plan's decision: not a new plan
        ev("e", 1, "open_consultation", at=END),  # next month
    ]
    program = [
        ev("c", 3, "housing_benefit.decide_payment"),
        ev("c", 4, "housing_benefit.grant_extension"),
        ev("c", 5, "housing_benefit.stop", at=END + timedelta(hours=1)),
    ]
    counts = count_month(events, program, START, END)
    assert counts.model_dump() == {
        "new_consultations": 3,
        "ended_with_information": 1,
        "referred_out": 1,
        "referred_to_public_assistance": 1,
        "plans_created": 2,
        "employment_support_targets": 1,
        "employed": 1,
        "income_increased": 1,  # d's increase is not counted: d is not a 就労支援対象
        "employed_or_income_increased": 1,
        "improved": 1,
        "housing_benefit_new_decisions": 1,
        "housing_benefit_extensions": 1,
        "housing_benefit_stops": 0,
    }
    assert counts.employment_income_rate == 1.0


def test_a_plan_counts_when_it_is_confirmed_for_support_not_when_a_decision_is_made() -> None:
    """Ten consented plans, counted by hand: six go to a 支援決定 (one refused, then decided again the next month), four
    are approved by the 支援調整会議 without needing one (T17)."""
    events = []
    for i in range(5):  # T16 then T18: one plan each
        events += [ev(f"d{i}", 1, "approve_plan", transition="T16"), ev(f"d{i}", 2, "decide_support")]
    events += [ev("r", 1, "approve_plan", transition="T16"), ev("r", 2, "decide_support", transition="T19")]
    events += [ev("r", 3, "decide_support", at=END + timedelta(days=2))]  # confirmed next month
    for i in range(4):  # T17: approved, no 支援決定 needed
        events += [ev(f"a{i}", 1, "complete_assessment", employment_support_target=i < 2)]
        events += [ev(f"a{i}", 2, "approve_plan", transition="T17")]
    counts = count_month(events, [], START, END)
    assert counts.plans_created == 9  # 5 decided + 4 approved; the refused one is not a plan this month
    assert counts.employment_support_targets == 2
    assert count_month(events, [], END, month_bounds("2026-06")[1]).plans_created == 1  # r, in June


def test_per_100k_and_the_target_in_force() -> None:
    events = [ev(f"x{i}", 1, "open_consultation") for i in range(30)]
    shown = {
        f.key: f for f in figures(count_month(events, [], START, END), 120_000, NATIONAL_TARGETS, "city-a", "2026-05")
    }
    assert shown["new_consultations"].per_100k == 25.0
    assert shown["new_consultations"].target == 24  # FY2017's, the latest known
    assert shown["new_consultations"].meets_target is True
    assert shown["plans_created"].per_100k == 0.0
    assert shown["plans_created"].meets_target is False
    assert shown["employment_income_rate"].value is None
    assert shown["employment_income_rate"].meets_target is None
    assert figures(count_month(events, [], START, END), None, [], "city-a", "2026-05")[0].per_100k is None


def test_an_event_at_midnight_in_japan_belongs_to_the_new_month() -> None:
    midnight = datetime(2026, 5, 31, 15, 0, tzinfo=UTC)  # 2026-06-01 00:00 JST
    assert count_month([ev("m", 1, "open_consultation", at=midnight)], [], START, END).new_consultations == 0
