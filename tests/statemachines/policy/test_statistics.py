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


TRANSITIONS = {
    "open_consultation": "T1",
    "reopen": "T29",
    "decide_support": "T18",
    "approve_plan": "T16",
    "replan": "T22",
    "propose_closure": "T23",
}


def ev(
    case: str, seq: int, command: str, at: datetime = IN, transition: str = "", person: str = "", **facts: bool
) -> CountedEvent:
    tid = transition or TRANSITIONS.get(command, "")
    return CountedEvent(case_id=case, seq=seq, at=at, command=command, facts=facts, transition_id=tid, person=person)


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
        "income_increased": 0,  # c is counted once, as employed; d is not a 就労支援対象
        "employed_or_income_increased": 1,
        "evaluated_plan_holders": 2,
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
    assert shown["new_consultations"].target is None  # FY2026 has no published 目安値: none is carried forward
    assert shown["new_consultations"].target_note
    fy2017 = {f.key: f for f in figures(count_month(events, [], START, END), 120_000, NATIONAL_TARGETS, "c", "2017-05")}
    assert fy2017["new_consultations"].target == 24
    assert fy2017["new_consultations"].meets_target is True
    assert fy2017["plans_created"].per_100k == 0.0
    assert fy2017["plans_created"].meets_target is False
    assert shown["employment_income_rate"].value is None
    assert shown["employment_income_rate"].meets_target is None
    assert figures(count_month(events, [], START, END), None, [], "city-a", "2026-05")[0].per_100k is None


def test_an_event_at_midnight_in_japan_belongs_to_the_new_month() -> None:
    midnight = datetime(2026, 5, 31, 15, 0, tzinfo=UTC)  # 2026-06-01 00:00 JST
    assert count_month([ev("m", 1, "open_consultation", at=midnight)], [], START, END).new_consultations == 0


# -- issue 18 items 12–15 (process.md §4.1), each on the pure engine --------------------------------------------------


def test_item12_new_consultations_count_each_episode_once_never_t0_and_t1() -> None:
    """§4.1 新規相談受付件数: one per consultation episode (T1, T29). The 把握 (T0) of an outreach followed by its
    相談受付 (T1 from 把握) is one consultation, not two; a 再相談 (T29) of a closed case is a new one."""
    events = [
        ev("o", 1, "open_consultation", transition="T0"),  # 把握 (IDENTIFIED)
        ev("o", 2, "open_consultation", transition="T1"),  # 相談受付 from 把握
        ev("n", 1, "open_consultation", transition="T0"),  # 把握 only: not a consultation yet
        ev("r", 1, "open_consultation", at=BEFORE),
        ev("r", 2, "end_with_information", at=BEFORE),
        ev("r", 3, "reopen"),  # T29
    ]
    assert count_month(events, [], START, END).new_consultations == 2
    assert count_month(events, [], *month_bounds("2026-04")).new_consultations == 1  # r's first episode


def test_item13_a_plan_is_the_first_approval_of_each_episode() -> None:
    """§4.1 プラン作成件数 and 就労支援対象者数: the first approval of each episode (T17, or T18 after T16), not the
    decision events: a T19 refusal is no plan, a re-plan's approval is no new plan, a reopened episode's plan is one,
    with the 就労支援対象 flag of that episode's own assessment."""
    events = [
        ev("k", 1, "open_consultation", at=BEFORE),
        ev("k", 2, "complete_assessment", at=BEFORE, employment_support_target=True),
        ev("k", 3, "approve_plan", at=BEFORE, transition="T17"),  # April's plan
        ev("k", 4, "replan", evaluated=True),
        ev("k", 5, "approve_plan", transition="T17"),  # the re-plan's approval: no new plan
        ev("k", 6, "propose_closure", evaluated=True),
        ev("k", 7, "reopen"),  # T29: a new episode
        ev("k", 8, "complete_assessment", employment_support_target=False),
        ev("k", 9, "approve_plan", transition="T16"),
        ev("k", 10, "decide_support", transition="T19"),  # refused: no plan
        ev("k", 11, "approve_plan", transition="T16"),
        ev("k", 12, "decide_support", transition="T18"),  # the reopened episode's plan
    ]
    may = count_month(events, [], START, END)
    assert (may.plans_created, may.employment_support_targets) == (1, 0)
    april = count_month(events, [], *month_bounds("2026-04"))
    assert (april.plans_created, april.employment_support_targets) == (1, 1)


def test_item14_employment_and_income_are_per_person_per_fiscal_year_at_the_event() -> None:
    """§4.1 就労者数 ② / 増収者数 ③: persons of the year's 就労支援対象者数 ① with a 就労 or 増収 after their plan,
    in the month of the event (an evaluation or a ハローワーク/住居確保給付金 就職の報告), once per person per fiscal
    year, in one column; so (②+③)/① never exceeds 1, where a month once showed 2.0."""
    june = month_bounds("2026-06")
    events = [
        # p: two cases of one person, both plans 就労支援対象 in May; employed in June at both, counted once
        ev("p1", 1, "complete_assessment", person="P", employment_support_target=True),
        ev("p1", 2, "approve_plan", transition="T17", person="P"),
        ev("p2", 1, "complete_assessment", person="P", employment_support_target=True),
        ev("p2", 2, "approve_plan", transition="T17", person="P"),
        ev("p1", 3, "replan", at=june[0], person="P", evaluated=True, employed=True),
        ev("p2", 3, "propose_closure", at=june[0] + timedelta(days=1), person="P", evaluated=True, employed=True),
        # q: employed at the 就職の報告 in May, then two evaluations recording it: counted once, in May
        ev("q", 1, "complete_assessment", employment_support_target=True),
        ev("q", 2, "approve_plan", transition="T17"),
        ev("q", 3, "replan", at=june[0], evaluated=True, employed=True, income_increased=True),
        ev("q", 4, "propose_closure", at=june[0] + timedelta(days=2), evaluated=True, employed=True),
        # x: a plan of the previous fiscal year: not in this year's ①, so not in its ②
        ev("x", 1, "complete_assessment", at=BEFORE - timedelta(days=60), employment_support_target=True),
        ev("x", 2, "approve_plan", at=BEFORE - timedelta(days=60), transition="T17"),
        ev("x", 3, "replan", evaluated=True, employed=True),
    ]
    program = [ev("q", 1, "hello_work.report_employment", at=IN + timedelta(days=1))]
    may, in_june = count_month(events, program, START, END), count_month(events, program, *june)
    assert (may.employed, may.income_increased, in_june.employed, in_june.income_increased) == (1, 0, 1, 0)
    year = count_month(events, program, datetime(2026, 4, 1, tzinfo=JST), june[1])
    assert (year.employment_support_targets, year.employed_or_income_increased) == (3, 2)
    assert year.employment_income_rate == round(2 / 3, 4)
    # the month that showed 2.0: one new 就労支援対象 plan, two earlier plan holders employed; now bounded
    old_holders = [
        *(ev(c, 1, "complete_assessment", at=BEFORE, employment_support_target=True) for c in ("a", "b")),
        *(ev(c, 2, "approve_plan", at=BEFORE, transition="T17") for c in ("a", "b")),
        *(ev(c, 3, "replan", evaluated=True, employed=True) for c in ("a", "b")),
        ev("c", 1, "complete_assessment", employment_support_target=True),
        ev("c", 2, "approve_plan", transition="T17"),
    ]
    ytd = count_month(old_holders, [], datetime(2026, 4, 1, tzinfo=JST), END)
    assert ytd.employment_income_rate == round(2 / 3, 4)
    assert ytd.employment_income_rate <= 1


def test_item15_improvement_is_a_share_of_evaluated_plan_holders_without_pre_plan_evaluations() -> None:
    """自立に向けた改善が見られた者の割合 (新たな評価指標, S8): a share of the plan holders evaluated (T22/T23 after the
    episode's plan), each person once per fiscal year; the 終結の提案 from アセスメント (T9) is not a plan holder's."""
    events = [
        ev("pre", 1, "complete_assessment"),
        ev("pre", 2, "propose_closure", transition="T9", evaluated=True, improved=True),  # no plan: not counted
        ev("a", 1, "approve_plan", transition="T17"),
        ev("a", 2, "replan", evaluated=True, improved=False),
        ev("a", 3, "approve_plan", transition="T17"),
        ev("a", 4, "propose_closure", evaluated=True, improved=True),  # a: evaluated once, improved
        ev("b", 1, "approve_plan", transition="T17"),
        ev("b", 2, "replan", evaluated=True, improved=False),
    ]
    counts = count_month(events, [], START, END)
    assert (counts.evaluated_plan_holders, counts.improved, counts.improvement_rate) == (2, 1, 0.5)
    shown = {f.key: f for f in figures(counts, None, [], "city-a", "2026-05", counts)}
    assert shown["improvement_rate"].value == 0.5
    assert shown["improved"].value == 1
