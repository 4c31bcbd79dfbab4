"""目安値 by fiscal year (process.md §4.2, S27): each year its own published values, none carried forward."""

from __future__ import annotations

from statemachines.policy.statistics import MonthlyCounts, figures
from statemachines.policy.targets import NATIONAL_TARGETS, NO_TARGET_NOTE, Target, target_in_force


def _values(year: int) -> dict[str, float]:
    return {t.indicator: t.value for t in NATIONAL_TARGETS if t.fiscal_year == year}


def test_item16_targets_are_the_published_values_of_each_fiscal_year() -> None:
    """FY2015–17 per 100,000 per month and the rate; FY2018's KPI: 年間40万人 (≈ 26), プラン 50 %, 就労支援対象 60 %,
    就労・増収率 75 %, ステップアップ率 90 % (FY2017: 80 %, its column inferred)."""
    assert _values(2015) == {
        "new_consultations": 20,
        "plans_created": 10,
        "employment_support_targets": 6,
        "employment_income_rate": 0.40,
    }
    assert _values(2016) == {
        "new_consultations": 22,
        "plans_created": 11,
        "employment_support_targets": 7,
        "employment_income_rate": 0.42,
    }
    assert _values(2017) == {
        "new_consultations": 24,
        "plans_created": 12,
        "employment_support_targets": 7,
        "employment_income_rate": 0.70,
        "step_up_rate": 0.80,
    }
    assert _values(2018) == {
        "new_consultations": 26,
        "plan_rate": 0.50,
        "employment_support_rate": 0.60,
        "employment_income_rate": 0.75,
        "step_up_rate": 0.90,
    }
    assert all("§4.2" in t.source for t in NATIONAL_TARGETS)


def test_item16_a_year_without_its_own_values_says_so_instead_of_carrying_older_ones() -> None:
    assert target_in_force(NATIONAL_TARGETS, "city-a", "new_consultations", 2019) is None
    assert target_in_force(NATIONAL_TARGETS, "city-a", "plans_created", 2018) is None  # FY2018's is a ratio
    counts = MonthlyCounts(new_consultations=30, plans_created=15)
    fy2019 = {f.key: f for f in figures(counts, 100_000, NATIONAL_TARGETS, "city-a", "2019-05")}
    assert fy2019["new_consultations"].target is None
    assert fy2019["new_consultations"].target_note == NO_TARGET_NOTE
    assert fy2019["new_consultations"].meets_target is None
    fy2018 = {f.key: f for f in figures(counts, 100_000, NATIONAL_TARGETS, "city-a", "2018-05")}
    assert (fy2018["plan_rate"].value, fy2018["plan_rate"].target, fy2018["plan_rate"].meets_target) == (0.5, 0.5, True)
    assert fy2018["step_up_rate"].value is None  # not measurable from the case record: shown blank beside its KPI
    assert fy2018["step_up_rate"].target == 0.90
    assert fy2018["plans_created"].target_note == NO_TARGET_NOTE


def test_item16_a_municipality_s_own_target_of_the_year_comes_first() -> None:
    own = Target(fiscal_year=2026, indicator="new_consultations", value=30, municipality="city-a", source="A市 計画")
    national = Target(fiscal_year=2026, indicator="new_consultations", value=26, source="国")
    assert target_in_force([national, own], "city-a", "new_consultations", 2026) == own
    assert target_in_force([national, own], "city-b", "new_consultations", 2026) == national
    assert target_in_force([national, own], "city-a", "new_consultations", 2027) is None
