"""The national counting model (支援状況調査, process.md §4.1), computed from the events' skeleton.

A month's figures are counted by event time (the month in Japan) from what every event keeps after crypto-shredding:
its case, time, command and transition, and its *facts*: the few coded flags of its payload that the counts need
(``facts_of``: 就労支援対象, 生活保護窓口へのつなぎ, 就労・増収, 改善), recorded beside the event when it is
projected. So a month can be regenerated exactly, years later, from the event log alone. ``DEFINITIONS`` names the
version of these definitions; a report carries it, so a submitted month counted under older ones shows why it differs.

Definitions (one per figure; the sources are in ``SOURCES``). An *episode* is a case from its 相談受付 (T1) or its
再相談 (T29) to the next one; a *person* is the case's person (``CountedEvent.person``), else the case.

- §4.1 新規相談受付件数: one per episode, at its T1 or T29. The 把握 (T0) of an outreach is not a consultation: the
  person counts once, when the consultation is received (T1 from 把握).
- 情報提供のみで終了 / 他機関へのつなぎ (うち生活保護窓口): consultations that ended so (T3 / T4) in the month.
- §4.1 プラン作成件数: the first approval of each episode's plan for support: the 支援調整会議 approving a plan that
  needs no 支援決定 (T17) or the 支援決定 of one that does (T18). A refused decision (T19) creates no plan, an approval
  that waits for the decision (T16) is not yet one, a re-plan is not a new plan; a reopened episode's plan is one.
- 就労支援対象者数: of those plans, the ones whose episode's latest アセスメント before the approval flagged
  就労支援対象.
- 就労者数 ② / 増収者数 ③: persons counted in the fiscal year's 就労支援対象者数 ① (就労支援対象プラン作成者) with an
  employment (評価 recording 就労, ハローワーク or 住居確保給付金 就職の報告) or an income increase (評価) after that
  plan, in the month of the event, once per person per fiscal year and in one column (the first event of the year;
  就労 when one event records both). So ②+③ never exceeds ①.
- 就労・増収率 (②+③)/①: over the fiscal year to the month's end (the FY2022 definition, S8, and S27's (②+③)/①);
  at most 1; None without any ①.
- プラン作成率 / 就労支援対象者の割合 (the FY2018 KPI): plans ÷ new consultations, targets ÷ plans, fiscal year to date.
- 自立に向けた改善が見られた者の割合: of the plan holders evaluated (評価 at 再プラン T22 or 終結の提案 T23, after the
  episode's plan; the pre-plan 終結の提案 T9 is not one), the share with an improvement in at least one dimension,
  each person once per fiscal year, fiscal year to date.
- 住居確保給付金: new decisions (支給決定), extensions (延長決定) and stops (支給中止) in the month.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel, ConfigDict

from statemachines.policy.scheduling import JST
from statemachines.policy.targets import NATIONAL_TARGETS, NO_TARGET_NOTE, RATIOS, Target, target_in_force

__all__ = ["NATIONAL_TARGETS", "Target", "target_in_force"]

DEFINITIONS = "2026-12 (issue 18)"
"""The version of the definitions above; reports submitted before carry none (``v1``)."""

OPEN = "open_consultation"
REOPEN = "reopen"
EPISODE_STARTS = frozenset({"T1", "T29"})  # 相談受付 and 再相談; T0 (把握) is not a consultation
INFO_ONLY = "end_with_information"
REFER_OUT = "refer_out"
ASSESSMENT = "complete_assessment"
DECISION = "decide_support"
APPROVAL = "approve_plan"
PLAN_CONFIRMED = frozenset({"T17", "T18"})  # support starts on the plan: approved without a decision, or decided
EVALUATIONS = frozenset({"propose_closure", "replan"})
PRE_PLAN_EVALUATION = "T9"  # 終結の提案 from アセスメント: no plan was made
HB_DECISIONS = frozenset({"housing_benefit.decide_payment"})
HB_EXTENSIONS = frozenset({"housing_benefit.grant_extension"})
HB_STOPS = frozenset({"housing_benefit.stop"})
EMPLOYMENT_REPORTS = frozenset({"hello_work.report_employment", "housing_benefit.report_employment"})
COUNTED = frozenset({OPEN, REOPEN, INFO_ONLY, REFER_OUT, ASSESSMENT, DECISION, APPROVAL, *EVALUATIONS})
COUNTED_PROGRAM = HB_DECISIONS | HB_EXTENSIONS | HB_STOPS | EMPLOYMENT_REPORTS

SOURCES = {
    "counting_model": "process.md §4.1 (MHLW 行政事業レビュー 2024-06-17, S8): 新規相談・つなぎ・プラン・就労支援対象",
    "employment_income_rate": (
        "就労・増収率 = 就労・増収者数（就労支援対象プラン作成者）÷ 就労支援対象者数 (S8, S27 (②+③)/①)"
    ),
    "improvement": "プラン作成者のうち自立に向けた改善が見られた者の割合 (新たな評価指標, S8)",
    "targets": "目安値 FY2015–17 と FY2018 の KPI (process.md §4.2, S27)",
    "housing_benefit": "住居確保給付金 新規決定・延長・中止 [BK]",
}


def facts_of(command: str, payload: dict[str, Any]) -> dict[str, bool]:
    """The coded flags of an event's payload that the counts need; nothing that identifies anyone."""
    if command == ASSESSMENT:
        assessment = payload.get("assessment") or {}
        return {"employment_support_target": bool(assessment.get("employment_support_target"))}
    if command == REFER_OUT:
        referral = payload.get("referral") or {}
        return {"to_public_assistance": bool(referral.get("to_public_assistance"))}
    if command in EVALUATIONS and payload.get("evaluation"):
        evaluation = payload["evaluation"]
        return {
            "evaluated": True,
            "employed": bool(evaluation.get("employed")),
            "income_increased": bool(evaluation.get("income_increased")),
            "improved": any(bool(v) for v in (evaluation.get("improvements") or {}).values()),
        }
    return {}


@dataclass(frozen=True)
class CountedEvent:
    """The skeleton of one event, as the counts read it."""

    case_id: str
    seq: int
    at: datetime
    command: str
    facts: dict[str, bool]
    transition_id: str = ""  # T1/T29 open an episode, T17/T18 confirm its plan; kept after crypto-shredding
    person: str = ""  # the case's person, when known: 就労・増収 and 改善 are counted per person


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a month (``YYYY-MM``) in Japan, as aware datetimes."""
    year, mon = (int(p) for p in month.split("-"))
    start = datetime.combine(date(year, mon, 1), time(0), tzinfo=JST)
    end = datetime.combine(date(year + mon // 12, mon % 12 + 1, 1), time(0), tzinfo=JST)
    return start, end


def fiscal_year(month: str) -> int:
    """The 年度 a month belongs to (April to March)."""
    year, mon = (int(p) for p in month.split("-"))
    return year if mon >= 4 else year - 1


def fiscal_year_of(at: datetime) -> int:
    day = at.astimezone(JST).date()
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_start(month: str) -> datetime:
    """The first moment of the 年度 of ``month``, in Japan."""
    return datetime.combine(date(fiscal_year(month), 4, 1), time(0), tzinfo=JST)


class MonthlyCounts(BaseModel):
    """The counts of a period (a month, or a fiscal year to a month's end)."""

    model_config = ConfigDict(frozen=True)

    new_consultations: int = 0
    ended_with_information: int = 0
    referred_out: int = 0
    referred_to_public_assistance: int = 0
    plans_created: int = 0
    employment_support_targets: int = 0
    employed: int = 0
    income_increased: int = 0
    employed_or_income_increased: int = 0
    evaluated_plan_holders: int = 0
    improved: int = 0
    housing_benefit_new_decisions: int = 0
    housing_benefit_extensions: int = 0
    housing_benefit_stops: int = 0

    @property
    def employment_income_rate(self) -> float | None:
        """(②+③)/① of the period: at most 1 over a fiscal year to date (②, ③ are persons counted in ①)."""
        return _ratio(self.employed_or_income_increased, self.employment_support_targets)

    @property
    def plan_rate(self) -> float | None:
        return _ratio(self.plans_created, self.new_consultations)

    @property
    def employment_support_rate(self) -> float | None:
        return _ratio(self.employment_support_targets, self.plans_created)

    @property
    def improvement_rate(self) -> float | None:
        return _ratio(self.improved, self.evaluated_plan_holders)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# -- counting --------------------------------------------------------------------------------------------------------


@dataclass
class _Person:
    """What the counts need of one person: their counted plans and the events after them, in time order."""

    target_plans: list[datetime] = field(default_factory=list)  # the 就労支援対象 plans' approvals
    outcomes: list[tuple[datetime, bool, bool]] = field(default_factory=list)  # (at, employed, income increased)
    evaluations: list[tuple[datetime, bool]] = field(default_factory=list)  # (at, improved): after a plan


@dataclass
class _Episode:
    target: bool = False  # the latest assessment's 就労支援対象 flag
    planned: bool = False  # the episode's plan was approved for support (T17/T18)


def count_month(
    case_events: Iterable[CountedEvent], program_events: Iterable[CountedEvent], start: datetime, end: datetime
) -> MonthlyCounts:
    """The counts of [start, end) from the events of one municipality up to ``end``; earlier ones give the flags and
    who was already counted in the fiscal year. A period must lie within one fiscal year (a month, or a year to
    date)."""
    by_case: dict[str, list[CountedEvent]] = {}
    for event in case_events:
        by_case.setdefault(event.case_id, []).append(event)
    counts: dict[str, int] = dict.fromkeys(MonthlyCounts.model_fields, 0)
    people: dict[str, _Person] = {}
    person_of: dict[str, str] = {}
    for case_id, events in by_case.items():
        ordered = sorted(events, key=lambda e: e.seq)
        person_of[case_id] = next((e.person for e in ordered if e.person), case_id)
        _walk_case(ordered, start, end, counts, people.setdefault(person_of[case_id], _Person()))
    for e in program_events:
        if e.command in EMPLOYMENT_REPORTS:
            people.setdefault(person_of.get(e.case_id, e.person or e.case_id), _Person()).outcomes.append(
                (e.at, True, False)
            )
        elif start <= e.at < end:
            counts["housing_benefit_new_decisions"] += int(e.command in HB_DECISIONS)
            counts["housing_benefit_extensions"] += int(e.command in HB_EXTENSIONS)
            counts["housing_benefit_stops"] += int(e.command in HB_STOPS)
    year = fiscal_year_of(start)
    for person in people.values():
        _count_outcomes(person, year, start, end, counts)
        _count_evaluations(person, year, start, end, counts)
    counts["employed_or_income_increased"] = counts["employed"] + counts["income_increased"]
    return MonthlyCounts(**counts)


def _walk_case(
    events: list[CountedEvent], start: datetime, end: datetime, counts: dict[str, int], person: _Person
) -> None:
    episode = _Episode()
    for e in events:
        in_month = start <= e.at < end
        if e.transition_id in EPISODE_STARTS:
            if e.transition_id == "T29":
                episode = _Episode()  # a new episode: its own assessment and plan
            counts["new_consultations"] += int(in_month)
        elif e.command == ASSESSMENT:
            episode.target = e.facts.get("employment_support_target", False)
        elif e.transition_id in PLAN_CONFIRMED:
            if not episode.planned:  # the episode's first plan: a re-plan is not a new plan
                _count_plan(e, episode.target, in_month, counts, person)
            episode.planned = True
        elif e.command in EVALUATIONS and e.facts.get("evaluated"):
            if episode.planned and e.transition_id != PRE_PLAN_EVALUATION:
                person.evaluations.append((e.at, e.facts.get("improved", False)))
                person.outcomes.append((e.at, e.facts.get("employed", False), e.facts.get("income_increased", False)))
        elif in_month:
            counts["ended_with_information"] += int(e.command == INFO_ONLY)
            counts["referred_out"] += int(e.command == REFER_OUT)
            counts["referred_to_public_assistance"] += int(
                e.command == REFER_OUT and e.facts.get("to_public_assistance", False)
            )


def _count_plan(e: CountedEvent, target: bool, in_month: bool, counts: dict[str, int], person: _Person) -> None:
    if in_month:
        counts["plans_created"] += 1
        counts["employment_support_targets"] += int(target)
    if target:
        person.target_plans.append(e.at)


def _count_outcomes(person: _Person, year: int, start: datetime, end: datetime, counts: dict[str, int]) -> None:
    """② or ③ for a person counted in the year's ①: the first 就労 or 増収 of the year after that plan."""
    plans = sorted(at for at in person.target_plans if fiscal_year_of(at) == year)
    if not plans:
        return
    for at, employed, increased in sorted(person.outcomes, key=lambda o: o[0]):
        if at < plans[0] or fiscal_year_of(at) != year or not (employed or increased):
            continue
        if start <= at < end:
            counts["employed" if employed else "income_increased"] += 1
        return


def _count_evaluations(person: _Person, year: int, start: datetime, end: datetime, counts: dict[str, int]) -> None:
    """A plan holder's first evaluation of the year, and their first one showing an improvement."""
    of_year = sorted((e for e in person.evaluations if fiscal_year_of(e[0]) == year), key=lambda e: e[0])
    if of_year and start <= of_year[0][0] < end:
        counts["evaluated_plan_holders"] += 1
    improved = next((at for at, better in of_year if better), None)
    if improved is not None and start <= improved < end:
        counts["improved"] += 1


# -- the report's figures --------------------------------------------------------------------------------------------


class Figure(BaseModel):
    """One figure of the report: the month's count (a rate: the fiscal year's to the month's end), the year to date,
    per 100,000 population, and the 目安値 of the fiscal year beside it (or why there is none)."""

    model_config = ConfigDict(frozen=True)

    key: str
    label_ja: str
    value: float | None
    year_to_date: float | None = None
    per_100k: float | None = None
    target: float | None = None
    target_source: str | None = None
    target_note: str | None = None
    meets_target: bool | None = None


FIGURE_LABELS: dict[str, str] = {
    "new_consultations": "新規相談受付件数",
    "ended_with_information": "うち 情報提供のみで終了",
    "referred_out": "うち 他機関へのつなぎ",
    "referred_to_public_assistance": "　うち 生活保護窓口へのつなぎ",
    "plans_created": "プラン作成件数",
    "plan_rate": "プラン作成率（新規相談受付件数に対する割合・年度累計）",
    "employment_support_targets": "就労支援対象者数",
    "employment_support_rate": "就労支援対象者の割合（プラン作成件数に対する割合・年度累計）",
    "employed": "就労者数（就労支援対象プラン作成者）",
    "income_increased": "増収者数（就労支援対象プラン作成者）",
    "employed_or_income_increased": "就労・増収者数（就労支援対象プラン作成者）",
    "employment_income_rate": "就労・増収率（年度累計）",
    "step_up_rate": "ステップアップ率（集計対象外）",
    "evaluated_plan_holders": "評価を受けたプラン作成者数",
    "improved": "うち 自立に向けた改善が見られた者",
    "improvement_rate": "自立に向けた改善が見られた者の割合（年度累計）",
    "housing_benefit_new_decisions": "住居確保給付金 新規支給決定",
    "housing_benefit_extensions": "住居確保給付金 延長決定",
    "housing_benefit_stops": "住居確保給付金 支給中止",
}
PER_100K = frozenset({"new_consultations", "plans_created", "employment_support_targets"})
"""The figures the 目安値 are set per 100,000 population per month for (the rates are ratios)."""
NOT_COUNTED = frozenset({"step_up_rate"})
"""A KPI with a 目安値 that the case record cannot measure (ステップアップ is a 就労準備支援 measure): shown blank."""


def _rate(year_to_date: MonthlyCounts, key: str) -> float | None:
    if key in NOT_COUNTED:
        return None
    rate: float | None = getattr(year_to_date, key)
    return rate


def figures(
    counts: MonthlyCounts,
    population: int | None,
    targets: Iterable[Target],
    municipality: str,
    month: str,
    year_to_date: MonthlyCounts | None = None,
) -> list[Figure]:
    """Every figure of the month (rates over the fiscal year to date), per 100,000 population where the 目安値 are,
    beside the fiscal year's own target."""
    ytd = year_to_date or counts
    year = fiscal_year(month)
    all_targets = list(targets)
    out = []
    for key, label in FIGURE_LABELS.items():
        ratio = key in RATIOS
        value = _rate(ytd, key) if ratio else float(getattr(counts, key))
        per_100k = None
        if key in PER_100K and population and value is not None:
            per_100k = round(value * 100_000 / population, 2)
        targeted = key in PER_100K or ratio
        target = target_in_force(all_targets, municipality, key, year) if targeted else None
        compared = value if ratio else per_100k
        out.append(
            Figure(
                key=key,
                label_ja=label,
                value=value,
                year_to_date=value if ratio else float(getattr(ytd, key)),
                per_100k=per_100k,
                target=target.value if target else None,
                target_source=target.source if target else None,
                target_note=NO_TARGET_NOTE if targeted and target is None else None,
                meets_target=None if target is None or compared is None else compared >= target.value,
            )
        )
    return out
