"""目安値 and KPI of the 支援状況調査 by fiscal year, as process.md §4.2 gives them (MHLW slide S27).

FY2015–FY2017 set 目安値 per 100,000 population per month (新規相談受付件数, プラン作成件数,
就労支援対象者数) and a 就労・増収率. FY2018's KPI (経済・財政再生計画 改革工程表) are other measures:
年間40万人 new consultations (≈ 26 per 100,000 per month), プラン作成 50 % of new consultations,
就労支援対象者 60 % of plans, 就労・増収率 75 %, and a ステップアップ率 of 90 % (80 % in FY2017, its column
inferred from the OCR). Nothing later was found [UNVERIFIED]: a year holds only its own values, and a year without
one says so (``NO_TARGET_NOTE``) rather than carrying an older year's forward. An administrator adds a later year's
(or a municipality's own) with its source.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

RATIOS = frozenset(
    {"plan_rate", "employment_support_rate", "employment_income_rate", "step_up_rate", "improvement_rate"}
)
"""The indicators that are ratios (0.75 for 75 %); the others are per 100,000 population per month."""
INDICATORS = ("new_consultations", "plans_created", "employment_support_targets", *sorted(RATIOS))
NO_TARGET_NOTE = "この年度の目安値は公表値が確認できていません（process.md §4.2: FY2019以降は未確認）。"

S27 = "MHLW 目安値 (process.md §4.2, S27) [要原典確認]"
S27_KPI = "KPI FY2018 経済・財政再生計画 改革工程表 (process.md §4.2, S27) [要原典確認]"


class Target(BaseModel):
    """A 目安値 (per 100,000 population per month, or a ratio) for a fiscal year, with its source."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fiscal_year: int = Field(ge=2015, le=2100)
    indicator: str = Field(pattern="^(" + "|".join(INDICATORS) + ")$")
    value: float = Field(ge=0, le=100_000)
    municipality: str = Field(default="*", min_length=1, max_length=64)
    source: str = Field(min_length=1, max_length=500)


_PUBLISHED: dict[int, tuple[str, dict[str, float]]] = {
    2015: (
        S27,
        {"new_consultations": 20, "plans_created": 10, "employment_support_targets": 6, "employment_income_rate": 0.40},
    ),
    2016: (
        S27,
        {"new_consultations": 22, "plans_created": 11, "employment_support_targets": 7, "employment_income_rate": 0.42},
    ),
    2017: (
        S27,
        {
            "new_consultations": 24,
            "plans_created": 12,
            "employment_support_targets": 7,
            "employment_income_rate": 0.70,
            "step_up_rate": 0.80,  # the column is inferred (§4.2)
        },
    ),
    2018: (
        S27_KPI,
        {
            "new_consultations": 26,  # 年間40万人 ≈ 26 per 100,000 per month (§4.2)
            "plan_rate": 0.50,
            "employment_support_rate": 0.60,
            "employment_income_rate": 0.75,
            "step_up_rate": 0.90,
        },
    ),
}

NATIONAL_TARGETS: tuple[Target, ...] = tuple(
    Target(fiscal_year=year, indicator=indicator, value=value, source=source)
    for year, (source, row) in _PUBLISHED.items()
    for indicator, value in row.items()
)
"""The §4.2 figures, each year only its own."""


def target_in_force(targets: Iterable[Target], municipality: str, indicator: str, year: int) -> Target | None:
    """The municipality's own target for the fiscal year, else the national one of that year; None when the year has
    none (an older year's is not carried forward)."""
    all_targets = list(targets)
    for scope in (municipality, "*"):
        for t in all_targets:
            if t.municipality == scope and t.indicator == indicator and t.fiscal_year == year:
                return t
    return None
