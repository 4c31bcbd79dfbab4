"""The means test of 施行規則§4, shared by the programs that use it (就労準備支援, 居住支援／一時生活支援)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from statemachines.kernel.sensitivity import BASIC, FINANCIAL, SPECIAL_CARE
from statemachines.programs.definition import Labels
from statemachines.programs.payloads import Value


class Means(Value):
    """Household income and financial assets in the application month (世帯単位, S13), or the discretionary
    branch with its reason (hard to establish, likely to fall in, judged necessary)."""

    # Its figures are money; the reason is free text about the client.
    household_income: Annotated[int | None, FINANCIAL] = Field(default=None, ge=0)
    base_amount: Annotated[int | None, FINANCIAL] = Field(default=None, ge=0)
    housing_assistance_standard: Annotated[int | None, FINANCIAL] = Field(default=None, ge=0)
    household_assets: Annotated[int | None, FINANCIAL] = Field(default=None, ge=0)
    discretion: Annotated[Literal["hard_to_establish", "likely_to_fall_in", "judged_necessary"] | None, BASIC] = None
    discretion_reason: Annotated[str | None, SPECIAL_CARE] = Field(default=None, max_length=2000)


MEANS_LABELS = Labels(
    fields={
        "means": "資産・収入の状況（施行規則第4条）",
        "household_income": "世帯の収入額（月額・円）",
        "base_amount": "基準額（月額・円）",
        "housing_assistance_standard": "住宅扶助基準額（円）",
        "household_assets": "世帯の金融資産（円）",
        "discretion": "資産・収入の要件によらない利用",
        "discretion_reason": "その理由",
    },
    options={
        "hard_to_establish": "収入・資産の把握が困難",
        "likely_to_fall_in": "近く要件に該当するおそれ",
        "judged_necessary": "自治体が必要と認める",
    },
)
"""The means test's words on the forms of the programs that ask for it."""


def means_test_met(means: Means, asset_multiple: int) -> bool:
    """Income ≤ 基準額 + 住宅扶助基準額 and assets ≤ 基準額 × multiple; or a discretion with its reason recorded."""
    if means.discretion is not None:
        return bool(means.discretion_reason)
    values = (means.household_income, means.base_amount, means.housing_assistance_standard, means.household_assets)
    if any(v is None for v in values):
        return False
    income, base, housing, assets = (v or 0 for v in values)
    return income <= base + housing and assets <= base * asset_multiple
