"""The national counting model (支援状況調査, process.md §4.1), computed from the events' skeleton.

A month's figures are counted by event time (the month in Japan) from what every event keeps after crypto-shredding:
its case, time and command, and its *facts*: the few coded flags of its payload that the counts need
(``facts_of``: 就労支援対象, 生活保護窓口へのつなぎ, 就労・増収, 改善), recorded beside the event when it is
projected. So a month can be regenerated exactly, years later, from the event log alone.

Definitions (one per figure; the sources are in ``SOURCES``):

- 新規相談受付件数: consultations opened (T1) in the month.
- 情報提供のみで終了 / 他機関へのつなぎ (うち生活保護窓口): consultations that ended so (T3 / T4) in the month.
- プラン作成件数 (プラン作成により継続的に支援): a case's plan confirmed for support in the month, the first time: the
  支援調整会議 approving a plan that needs no 支援決定 (T17) or the 支援決定 of one that does (T18). A refused decision
  (T19) creates no plan, an approval that waits for the decision (T16) is not yet one, a re-plan is not a new plan.
- 就労支援対象者数: of those plans, the ones whose latest アセスメント before the confirmation flagged 就労支援対象.
- 就労者数 / 増収者数: evaluations in the month (評価: at 終結の提案 or 再プラン) that record employment / an income
  increase, of cases whose latest assessment flagged 就労支援対象 (就労支援対象プラン作成者分).
- 就労・増収率: persons employed or with increased income (each evaluation once) ÷ 就労支援対象者数, as the FY2022
  definition ((②+③)/①); None when there is no target.
- 自立に向けた改善が見られた者: evaluations in the month with at least one dimension improved.
- 住居確保給付金: new decisions (支給決定), extensions (延長決定) and stops (支給中止) in the month.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from statemachines.policy.scheduling import JST

OPEN = "open_consultation"
INFO_ONLY = "end_with_information"
REFER_OUT = "refer_out"
ASSESSMENT = "complete_assessment"
DECISION = "decide_support"
APPROVAL = "approve_plan"
PLAN_CONFIRMED = frozenset({"T17", "T18"})  # support starts on the plan: approved without a decision, or decided
EVALUATIONS = frozenset({"propose_closure", "replan"})
HB_DECISIONS = frozenset({"housing_benefit.decide_payment"})
HB_EXTENSIONS = frozenset({"housing_benefit.grant_extension"})
HB_STOPS = frozenset({"housing_benefit.stop"})
COUNTED = frozenset({OPEN, INFO_ONLY, REFER_OUT, ASSESSMENT, DECISION, APPROVAL, *EVALUATIONS})
COUNTED_PROGRAM = HB_DECISIONS | HB_EXTENSIONS | HB_STOPS

SOURCES = {
    "counting_model": "process.md §4.1 (MHLW 行政事業レビュー 2024-06-17, S8): 新規相談・つなぎ・プラン・就労支援対象",
    "employment_income_rate": (
        "就労・増収率 = 就労・増収者数（就労支援対象プラン作成者）÷ 就労支援対象者数 (S8, S27 (②+③)/①)"
    ),
    "improvement": "プラン作成者のうち自立に向けた改善が見られた者 (新たな評価指標, S8)",
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
    transition_id: str = ""  # T17 and T18 confirm a plan; kept on the skeleton after crypto-shredding


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


class MonthlyCounts(BaseModel):
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
    improved: int = 0
    housing_benefit_new_decisions: int = 0
    housing_benefit_extensions: int = 0
    housing_benefit_stops: int = 0

    @property
    def employment_income_rate(self) -> float | None:
        if not self.employment_support_targets:
            return None
        return round(self.employed_or_income_increased / self.employment_support_targets, 4)


class Figure(BaseModel):
    """One figure of the report: the count, per 100,000 population, and the 目安値 in force beside it."""

    model_config = ConfigDict(frozen=True)

    key: str
    label_ja: str
    value: float | None
    per_100k: float | None = None
    target: float | None = None
    target_source: str | None = None
    meets_target: bool | None = None


FIGURE_LABELS: dict[str, str] = {
    "new_consultations": "新規相談受付件数",
    "ended_with_information": "うち 情報提供のみで終了",
    "referred_out": "うち 他機関へのつなぎ",
    "referred_to_public_assistance": "　うち 生活保護窓口へのつなぎ",
    "plans_created": "プラン作成件数",
    "employment_support_targets": "就労支援対象者数",
    "employed": "就労者数（就労支援対象プラン作成者）",
    "income_increased": "増収者数（就労支援対象プラン作成者）",
    "employed_or_income_increased": "就労・増収者数（就労支援対象プラン作成者）",
    "employment_income_rate": "就労・増収率",
    "improved": "自立に向けた改善が見られた者",
    "housing_benefit_new_decisions": "住居確保給付金 新規支給決定",
    "housing_benefit_extensions": "住居確保給付金 延長決定",
    "housing_benefit_stops": "住居確保給付金 支給中止",
}
PER_100K = frozenset({"new_consultations", "plans_created", "employment_support_targets"})
"""The figures the 目安値 are set per 100,000 population per month for (the rate is a ratio)."""


def count_month(
    case_events: Iterable[CountedEvent], program_events: Iterable[CountedEvent], start: datetime, end: datetime
) -> MonthlyCounts:
    """The month's counts from the events of one municipality up to ``end`` (earlier ones give the flags)."""
    by_case: dict[str, list[CountedEvent]] = {}
    for event in case_events:
        by_case.setdefault(event.case_id, []).append(event)
    counts: dict[str, int] = dict.fromkeys(MonthlyCounts.model_fields, 0)
    for events in by_case.values():
        _count_case(sorted(events, key=lambda e: e.seq), start, end, counts)
    for e in program_events:
        if start <= e.at < end:
            counts["housing_benefit_new_decisions"] += int(e.command in HB_DECISIONS)
            counts["housing_benefit_extensions"] += int(e.command in HB_EXTENSIONS)
            counts["housing_benefit_stops"] += int(e.command in HB_STOPS)
    return MonthlyCounts(**counts)


def _count_case(events: list[CountedEvent], start: datetime, end: datetime, counts: dict[str, int]) -> None:
    target = False  # the latest assessment's 就労支援対象 flag, as of each event
    decided = False
    for e in events:
        in_month = start <= e.at < end
        if e.command == ASSESSMENT:
            target = e.facts.get("employment_support_target", False)
        elif e.transition_id in PLAN_CONFIRMED:
            if not decided and in_month:  # the case's first plan: a re-plan is not a new plan
                counts["plans_created"] += 1
                counts["employment_support_targets"] += int(target)
            decided = True
        elif in_month and e.command in EVALUATIONS and e.facts.get("evaluated"):
            _count_evaluation(e.facts, target, counts)
        elif in_month:
            counts["new_consultations"] += int(e.command == OPEN)
            counts["ended_with_information"] += int(e.command == INFO_ONLY)
            counts["referred_out"] += int(e.command == REFER_OUT)
            counts["referred_to_public_assistance"] += int(
                e.command == REFER_OUT and e.facts.get("to_public_assistance", False)
            )


def _count_evaluation(facts: dict[str, bool], target: bool, counts: dict[str, int]) -> None:
    counts["improved"] += int(facts.get("improved", False))
    if target:  # 就労・増収 are counted for the 就労支援対象 plan holders
        employed, increased = facts.get("employed", False), facts.get("income_increased", False)
        counts["employed"] += int(employed)
        counts["income_increased"] += int(increased)
        counts["employed_or_income_increased"] += int(employed or increased)


class Target(BaseModel):
    """A 目安値 (per 100,000 population per month, or a rate) for a fiscal year, with its source."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fiscal_year: int = Field(ge=2015, le=2100)
    indicator: str = Field(
        pattern=r"^(new_consultations|plans_created|employment_support_targets|employment_income_rate)$"
    )
    value: float = Field(ge=0, le=100_000)
    municipality: str = Field(default="*", min_length=1, max_length=64)
    source: str = Field(min_length=1, max_length=500)


NATIONAL_TARGETS: tuple[Target, ...] = tuple(
    Target(fiscal_year=year, indicator=indicator, value=value, source="MHLW 目安値 (process.md §4.2, S27) [要原典確認]")
    for year, row in {
        2015: {
            "new_consultations": 20,
            "plans_created": 10,
            "employment_support_targets": 6,
            "employment_income_rate": 0.40,
        },
        2016: {
            "new_consultations": 22,
            "plans_created": 11,
            "employment_support_targets": 7,
            "employment_income_rate": 0.42,
        },
        2017: {
            "new_consultations": 24,
            "plans_created": 12,
            "employment_support_targets": 7,
            "employment_income_rate": 0.70,
        },
    }.items()
    for indicator, value in row.items()
)
"""The §4.2 figures. Later years' 目安値 were not found [UNVERIFIED]: an administrator adds them (and local ones)."""


def target_in_force(targets: Iterable[Target], municipality: str, indicator: str, year: int) -> Target | None:
    """The municipality's own target for the fiscal year, else the national one; the latest year ≤ ``year``."""
    for scope in (municipality, "*"):
        found = [t for t in targets if t.municipality == scope and t.indicator == indicator and t.fiscal_year <= year]
        if found:
            return max(found, key=lambda t: t.fiscal_year)
    return None


def figures(
    counts: MonthlyCounts, population: int | None, targets: Iterable[Target], municipality: str, month: str
) -> list[Figure]:
    """Every figure of the month, per 100,000 population where the 目安値 are, beside the target in force."""
    year = fiscal_year(month)
    all_targets = list(targets)
    out = []
    for key, label in FIGURE_LABELS.items():
        value: float | None = (
            counts.employment_income_rate if key == "employment_income_rate" else float(getattr(counts, key))
        )
        per_100k = None
        if key in PER_100K and population and value is not None:
            per_100k = round(value * 100_000 / population, 2)
        target = (
            target_in_force(all_targets, municipality, key, year) if key in PER_100K or key.endswith("rate") else None
        )
        compared = value if key.endswith("rate") else per_100k
        out.append(
            Figure(
                key=key,
                label_ja=label,
                value=value,
                per_100k=per_100k,
                target=target.value if target else None,
                target_source=target.source if target else None,
                meets_target=None if target is None or compared is None else compared >= target.value,
            )
        )
    return out
