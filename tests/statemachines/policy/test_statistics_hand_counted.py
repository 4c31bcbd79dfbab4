"""The hand-counted statistics test (issue 18): twenty cases walked through every path, the figures counted by hand.

Each case is a list of (date in Japan, command, transition, facts); the person is the case unless named (c14 and c15
are one person, P14). The months are 2026-03 (FY2025), 2026-04, 2026-05 and 2026-06 (FY2026).

c01  T1 04-02 → T3 情報提供のみで終了 04-03
c02  T1 04-05 → T4 つなぎ（生活保護窓口）04-06
c03  T0 把握 04-01 → T1 相談受付 04-08 → T4 つなぎ 05-02                       (one consultation, not two)
c04  T0 把握 05-10 only                                                           (no consultation)
c05  T1 04-03 → 就労支援対象 04-10 → T16 04-20 → T18 05-01 → 住居確保給付金 支給決定 05-03
     → T22 再プラン 06-10 (就労, 改善) → T18 06-20 (the re-plan's: no new plan) → 延長決定 06-28
c06  T1 04-04 → 対象外 04-11 → T17 04-25 → T23 終結の提案 06-05 (就労, 改善なし) (就労 not counted: not 対象)
c07  T1 04-06 → 対象 04-12 → T16 04-26 → T19 拒否 04-28 → T16 05-15 → T18 05-20 → ハローワーク就職 06-03
     → T23 06-25 (就労・増収, 改善)                                                 (② once, at the 就職, in June)
c08  T1 03-10 → 対象 03-15 → T17 03-25 (FY2025) → T22 04-15 (就労, 改善) → T18 05-10 (re-plan)
     (its plan is FY2025's: not in FY2026's ①, so not in its ②; its evaluation counts for 改善)
c09  T1 04-07 → 対象 04-13 → T17 04-27 → T22 05-12 (増収, 改善なし) → T17 06-01 (re-plan) → T23 06-28 (就労, 改善)
     (③ in May; not again in ② in June; improved in June)
c10  T1 04-08 → 対象 04-14 → T17 04-28 → T23 05-20 (就労・増収, 改善) → T24 終結 05-30 → T29 再相談 06-02
     → 対象 06-05 → T17 06-15 (the reopened episode's plan) → 住居確保給付金 就職の報告 06-25 (already ② this year)
c11  T1 04-09 → T9 終結の提案 from アセスメント 04-20 (改善)                    (a pre-plan evaluation: not counted)
c12  T1 04-10 → 対象 04-15 → T16 04-29 → T19 05-05 → T16 06-10                  (no plan by June's end)
c13  T1 2026-01-10 → T3 01-11 → T29 再相談 04-12 → T3 04-20
c14  (P14) T1 04-11 → 対象 04-16 → T17 04-30 → T22 06-09 (就労, 改善)
c15  (P14) T1 05-01 → 対象 05-05 → T17 05-25 → T22 06-08 (就労, 改善)           (P14: ② once, evaluated once)
c16  T1 05-03 → 対象 05-06 → 住居確保給付金 就職の報告 05-20 → T17 05-26     (the 就職 came before the plan)
c17  T1 05-04 → 対象外 05-07 → T17 05-27 → T22 06-12 (増収, 改善なし)
c18  T1 06-01 → 対象 06-08 → T16 06-18 → T18 07-02                              (decided in July)
c19  T1 06-02 → T4 つなぎ（生活保護窓口）06-03 → T29 再相談 06-20            (two episodes in one month)
c20  T0 06-05 → T1 06-06 → T3 06-07

Counted by hand:

| figure                      | 2026-03 | 2026-04 | 2026-05 | 2026-06 | FY2026 to 06 |
|-----------------------------|---------|---------|---------|---------|--------------|
| 新規相談受付件数            | 1 (c08) | 12 (*)  | 3 (c15 c16 c17) | 5 (c10 c18 c19×2 c20) | 20 |
| 情報提供のみで終了          | 0       | 2 (c01 c13) | 0   | 1 (c20) | 3 |
| 他機関へのつなぎ            | 0       | 1 (c02) | 1 (c03) | 1 (c19) | 3 |
| うち生活保護窓口            | 0       | 1 (c02) | 0       | 1 (c19) | 2 |
| プラン作成件数              | 1 (c08) | 4 (c06 c09 c10 c14) | 5 (c05 c07 c15 c16 c17) | 1 (c10) | 10 |
| 就労支援対象者数 ①          | 1 (c08) | 3 (c09 c10 c14) | 4 (c05 c07 c15 c16) | 1 (c10) | 8 |
| 就労者数 ②                  | 0       | 0 (c08: last year's ①) | 1 (c10) | 3 (c05 c07 P14) | 4 |
| 増収者数 ③                  | 0       | 0       | 1 (c09) | 0       | 1 |
| 就労・増収率 (②+③)/①, FY to date | 0.0 (0/1) | 0.0 (0/3) | 0.2857 (2/7) | 0.625 (5/8) | 0.625 |
| 評価を受けたプラン作成者    | 0       | 1 (c08) | 2 (c09 c10) | 5 (c05 c06 c07 P14 c17) | 8 |
| うち改善が見られた者        | 0       | 1 (c08) | 1 (c10) | 4 (c05 c07 P14 c09) | 6 |
| 改善の割合, FY to date      | —       | 1.0 (1/1) | 0.6667 (2/3) | 0.75 (6/8) | 0.75 |
| プラン作成率, FY to date    | 0.5 (1/2) | 0.3333 (4/12) | 0.6 (9/15) | 0.5 (10/20) | 0.5 |
| 住居確保給付金 支給決定／延長 | 0/0   | 0/0     | 1/0 (c05) | 0/1 (c05) | 1/1 |

(*) c01 c02 c03 c05 c06 c07 c09 c10 c11 c12 c13 c14.
(2026-03's プラン作成率 is FY2025's to date: 1 plan of 2 new consultations, c13's in January and c08's.)
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from statemachines.policy.scheduling import JST
from statemachines.policy.statistics import CountedEvent, MonthlyCounts, count_month, fiscal_year_start, month_bounds

Step = tuple[str, str, str, dict[str, bool]]  # (MM-DD or YYYY-MM-DD, command, transition, facts)
T = {"employment_support_target": True}
NOT_T = {"employment_support_target": False}


def ev(facts: dict[str, bool] | None = None, **more: bool) -> dict[str, bool]:
    return {"evaluated": True, **(facts or {}), **more}


OPEN, REOPEN, ASSESS = "open_consultation", "reopen", "complete_assessment"
INFO, REFER, APPROVE, DECIDE = "end_with_information", "refer_out", "approve_plan", "decide_support"
REPLAN, PROPOSE, CLOSE = "replan", "propose_closure", "confirm_closure"
HB_DECIDE, HB_EXTEND = "housing_benefit.decide_payment", "housing_benefit.grant_extension"
HB_JOB, HW_JOB = "housing_benefit.report_employment", "hello_work.report_employment"

CASES: dict[str, tuple[str, list[Step]]] = {
    "c01": ("", [("04-02", OPEN, "T1", {}), ("04-03", INFO, "T3", {})]),
    "c02": ("", [("04-05", OPEN, "T1", {}), ("04-06", REFER, "T4", {"to_public_assistance": True})]),
    "c03": (
        "",
        [("04-01", OPEN, "T0", {}), ("04-08", OPEN, "T1", {}), ("05-02", REFER, "T4", {"to_public_assistance": False})],
    ),
    "c04": ("", [("05-10", OPEN, "T0", {})]),
    "c05": (
        "",
        [
            ("04-03", OPEN, "T1", {}),
            ("04-10", ASSESS, "T8", T),
            ("04-20", APPROVE, "T16", {}),
            ("05-01", DECIDE, "T18", {}),
            ("06-10", REPLAN, "T22", ev(employed=True, improved=True)),
            ("06-20", DECIDE, "T18", {}),
        ],
    ),
    "c06": (
        "",
        [
            ("04-04", OPEN, "T1", {}),
            ("04-11", ASSESS, "T8", NOT_T),
            ("04-25", APPROVE, "T17", {}),
            ("06-05", PROPOSE, "T23", ev(employed=True, improved=False)),
        ],
    ),
    "c07": (
        "",
        [
            ("04-06", OPEN, "T1", {}),
            ("04-12", ASSESS, "T8", T),
            ("04-26", APPROVE, "T16", {}),
            ("04-28", DECIDE, "T19", {}),
            ("05-15", APPROVE, "T16", {}),
            ("05-20", DECIDE, "T18", {}),
            ("06-25", PROPOSE, "T23", ev(employed=True, income_increased=True, improved=True)),
        ],
    ),
    "c08": (
        "",
        [
            ("03-10", OPEN, "T1", {}),
            ("03-15", ASSESS, "T8", T),
            ("03-25", APPROVE, "T17", {}),
            ("04-15", REPLAN, "T22", ev(employed=True, improved=True)),
            ("05-10", DECIDE, "T18", {}),
        ],
    ),
    "c09": (
        "",
        [
            ("04-07", OPEN, "T1", {}),
            ("04-13", ASSESS, "T8", T),
            ("04-27", APPROVE, "T17", {}),
            ("05-12", REPLAN, "T22", ev(income_increased=True, improved=False)),
            ("06-01", APPROVE, "T17", {}),
            ("06-28", PROPOSE, "T23", ev(employed=True, improved=True)),
        ],
    ),
    "c10": (
        "",
        [
            ("04-08", OPEN, "T1", {}),
            ("04-14", ASSESS, "T8", T),
            ("04-28", APPROVE, "T17", {}),
            ("05-20", PROPOSE, "T23", ev(employed=True, income_increased=True, improved=True)),
            ("05-30", CLOSE, "T24", {}),
            ("06-02", REOPEN, "T29", {}),
            ("06-05", ASSESS, "T8", T),
            ("06-15", APPROVE, "T17", {}),
        ],
    ),
    "c11": ("", [("04-09", OPEN, "T1", {}), ("04-20", PROPOSE, "T9", ev(improved=True))]),
    "c12": (
        "",
        [
            ("04-10", OPEN, "T1", {}),
            ("04-15", ASSESS, "T8", T),
            ("04-29", APPROVE, "T16", {}),
            ("05-05", DECIDE, "T19", {}),
            ("06-10", APPROVE, "T16", {}),
        ],
    ),
    "c13": (
        "",
        [
            ("2026-01-10", OPEN, "T1", {}),
            ("2026-01-11", INFO, "T3", {}),
            ("04-12", REOPEN, "T29", {}),
            ("04-20", INFO, "T3", {}),
        ],
    ),
    "c14": (
        "P14",
        [
            ("04-11", OPEN, "T1", {}),
            ("04-16", ASSESS, "T8", T),
            ("04-30", APPROVE, "T17", {}),
            ("06-09", REPLAN, "T22", ev(employed=True, improved=True)),
        ],
    ),
    "c15": (
        "P14",
        [
            ("05-01", OPEN, "T1", {}),
            ("05-05", ASSESS, "T8", T),
            ("05-25", APPROVE, "T17", {}),
            ("06-08", REPLAN, "T22", ev(employed=True, improved=True)),
        ],
    ),
    "c16": ("", [("05-03", OPEN, "T1", {}), ("05-06", ASSESS, "T8", T), ("05-26", APPROVE, "T17", {})]),
    "c17": (
        "",
        [
            ("05-04", OPEN, "T1", {}),
            ("05-07", ASSESS, "T8", NOT_T),
            ("05-27", APPROVE, "T17", {}),
            ("06-12", REPLAN, "T22", ev(income_increased=True, improved=False)),
        ],
    ),
    "c18": (
        "",
        [
            ("06-01", OPEN, "T1", {}),
            ("06-08", ASSESS, "T8", T),
            ("06-18", APPROVE, "T16", {}),
            ("07-02", DECIDE, "T18", {}),
        ],
    ),
    "c19": (
        "",
        [
            ("06-02", OPEN, "T1", {}),
            ("06-03", REFER, "T4", {"to_public_assistance": True}),
            ("06-20", REOPEN, "T29", {}),
        ],
    ),
    "c20": ("", [("06-05", OPEN, "T0", {}), ("06-06", OPEN, "T1", {}), ("06-07", INFO, "T3", {})]),
}
PROGRAM = [
    ("c05", "05-03", HB_DECIDE),
    ("c05", "06-28", HB_EXTEND),
    ("c07", "06-03", HW_JOB),
    ("c10", "06-25", HB_JOB),
    ("c16", "05-20", HB_JOB),
]


def at(day: str) -> datetime:
    full = day if len(day) == 10 else f"2026-{day}"
    return datetime.combine(date.fromisoformat(full), time(10), tzinfo=JST)


CASE_EVENTS = [
    CountedEvent(case_id=case, seq=seq, at=at(day), command=command, facts=facts, transition_id=tid, person=person)
    for case, (person, steps) in CASES.items()
    for seq, (day, command, tid, facts) in enumerate(steps, start=1)
]
PROGRAM_EVENTS = [
    CountedEvent(case_id=case, seq=seq, at=at(day), command=command, facts={})
    for seq, (case, day, command) in enumerate(PROGRAM, start=1)
]

FIELDS = (
    "new_consultations",
    "ended_with_information",
    "referred_out",
    "referred_to_public_assistance",
    "plans_created",
    "employment_support_targets",
    "employed",
    "income_increased",
    "employed_or_income_increased",
    "evaluated_plan_holders",
    "improved",
    "housing_benefit_new_decisions",
    "housing_benefit_extensions",
)
MONTHS = {  # the table of the docstring, in FIELDS' order
    "2026-03": (1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0),
    "2026-04": (12, 2, 1, 1, 4, 3, 0, 0, 0, 1, 1, 0, 0),
    "2026-05": (3, 0, 1, 0, 5, 4, 1, 1, 2, 2, 1, 1, 0),
    "2026-06": (5, 1, 1, 1, 1, 1, 3, 0, 3, 5, 4, 0, 1),
}
YEAR_TO_JUNE = (20, 3, 3, 2, 10, 8, 4, 1, 5, 8, 6, 1, 1)
RATES = {  # fiscal year to the month's end: (就労・増収率, 改善の割合, プラン作成率)
    "2026-03": (0.0, None, 0.5),
    "2026-04": (0.0, 1.0, round(4 / 12, 4)),
    "2026-05": (round(2 / 7, 4), round(2 / 3, 4), 0.6),
    "2026-06": (0.625, 0.75, 0.5),
}


def counted(first: datetime, end: datetime) -> MonthlyCounts:
    return count_month(CASE_EVENTS, PROGRAM_EVENTS, first, end)


@pytest.mark.parametrize("month", sorted(MONTHS))
def test_hand_counted_twenty_cases_month_by_month(month: str) -> None:
    counts = counted(*month_bounds(month))
    assert tuple(getattr(counts, f) for f in FIELDS) == MONTHS[month]


def test_hand_counted_twenty_cases_fiscal_year_to_date() -> None:
    june_end = month_bounds("2026-06")[1]
    year = counted(fiscal_year_start("2026-06"), june_end)
    assert tuple(getattr(year, f) for f in FIELDS) == YEAR_TO_JUNE
    # the year is the sum of its months: each person counted once in the year is counted in one month
    months = [counted(*month_bounds(m)) for m in ("2026-04", "2026-05", "2026-06")]
    assert all(sum(getattr(m, f) for m in months) == getattr(year, f) for f in FIELDS)


@pytest.mark.parametrize("month", sorted(RATES))
def test_hand_counted_twenty_cases_rates_to_date(month: str) -> None:
    ytd = counted(fiscal_year_start(month), month_bounds(month)[1])
    assert (ytd.employment_income_rate, ytd.improvement_rate, ytd.plan_rate) == RATES[month]
    assert ytd.employment_income_rate is None or ytd.employment_income_rate <= 1
