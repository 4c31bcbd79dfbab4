"""住居確保給付金 (process.md §3.1): its states, its commands, the rules it follows and what it records.

Amounts and counts are the household's, in yen per month. Every figure the rules use is a rule-set value with its
source, never a constant in the guards.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from statemachines.kernel.rules import Duration
from statemachines.kernel.sensitivity import BASIC, CONFIGURATION, FINANCIAL, SPECIAL_CARE
from statemachines.programs.definition import ProgramRecord
from statemachines.programs.payloads import MonthText, Value


class HousingBenefitState(StrEnum):
    APPLIED = "APPLIED"
    REVIEW = "REVIEW"
    REJECTED = "REJECTED"
    CERTIFIED = "CERTIFIED"
    HOUSED = "HOUSED"
    DECIDED = "DECIDED"
    PAYING = "PAYING"
    EXTENSION_REQUESTED = "EXTENSION_REQUESTED"
    STOPPED = "STOPPED"
    ENDED = "ENDED"


class HousingBenefitTrigger(StrEnum):
    SUBMIT_APPLICATION = "submit_application"
    CERTIFY = "certify"
    REPORT_HOUSED = "report_housed"
    DECIDE_PAYMENT = "decide_payment"
    REJECT = "reject"
    START_PAYMENT = "start_payment"
    RECORD_EVIDENCE = "record_evidence"
    REPORT_EMPLOYMENT = "report_employment"
    REQUEST_EXTENSION = "request_extension"
    GRANT_EXTENSION = "grant_extension"
    REFUSE_EXTENSION = "refuse_extension"
    STOP = "stop"
    END_PERIOD = "end_period"
    MARK_EXTENSION_DUE = "mark_extension_due"
    CHECK_OBLIGATIONS = "check_obligations"


_DAY_COUNTED = frozenset({"job_loss_window_days", "job_loss_window_max_days", "repayment_lock_days"})


class HousingBenefitRules(Value):
    period_months: int = Field(default=3, ge=1, le=12)
    max_months: int = Field(default=9, ge=1, le=24)
    extension_warning_days: int = Field(default=14, ge=1, le=60)
    housed_report_days: int = Field(default=7, ge=1, le=60)
    agency_consultations_per_month: int = Field(default=4, ge=0, le=31)
    hw_consultations_per_month: int = Field(default=2, ge=0, le=31)
    applications_per_week: int = Field(default=1, ge=0, le=20)
    asset_multiple: int = Field(default=6, ge=1, le=100)
    job_loss_window: Duration = "P2Y"  # by the calendar: exactly two years after the loss is still inside
    job_loss_window_max: Duration = "P4Y"
    repayment_lock: Duration = "P1Y"  # counted from the first day of the month after the last month paid
    monitoring_interval_while_paid: str = "P7D"

    @model_validator(mode="before")
    @classmethod
    def _days_counted_before(cls, data: Any) -> Any:
        """Records started before the windows were counted by the calendar held them in days (730, 1460, 365): the
        calendar rules replace them (施行規則§10・§16 count years, not 365-day blocks)."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in _DAY_COUNTED}
        return data


RULE_SOURCES: dict[str, tuple[object, str]] = {
    "period_months": (3, "施行規則§12: 3か月 [ORD S6]"),
    "max_months": ("P9M", "施行規則§12: 3か月ごとの延長で通算9か月まで [ORD S6]"),
    "extension_warning_days": (14, "延長申請は支給期間の最終月の末日まで (S16); 14日前に通知 [BK]"),
    "housed_report_days": (7, "住居確保報告書は入居後7日以内 [LOCAL 山県市 S18]"),
    "agency_consultations_per_month": (4, "自立相談支援機関での面談 月4回以上 [NAT via S16, S17]"),
    "hw_consultations_per_month": (2, "ハローワークでの職業相談 月2回以上 [NAT via S16, S17]"),
    "applications_per_week": (1, "企業等への応募 原則週1回以上 [NAT via S16, S17]"),
    "asset_multiple": (6, "金融資産は基準額×6 (施行規則§4 の就労準備と同じ倍率) [BK: §10 の上限は未確認]"),
    "job_loss_window": ("P2Y", "離職・廃業の日から2年以内（暦による。2年後の同日まで）(施行規則§10) [ORD S6]"),
    "job_loss_window_max": ("P4Y", "疾病等で求職できなかった期間を加えて最長4年 (施行規則§10) [ORD S6]"),
    "repayment_lock": (
        "P1Y",
        "最後に支給した月の翌月の初日から1年を経過するまで再支給しない (施行規則§16) [ORD S6]",
    ),
    "monitoring_interval_while_paid": ("P7D", "支給中は自立相談支援機関で月4回以上の面談 (S16) → 週1回のモニタリング"),
}


class HousingApplication(Value):
    """申請書 (施行規則§13 様式) and 申請時確認書: the household's situation in the application month."""

    # Its figures are money; the days too ill to seek work and a lost home point to health and life circumstances.
    applied_on: Annotated[date, BASIC]
    route: Annotated[Literal["job_loss", "business_closure", "income_drop"], BASIC]
    job_loss_on: Annotated[date | None, BASIC] = None
    # 疾病・負傷・育児等で求職できなかった日数
    days_unable_to_seek: Annotated[int, SPECIAL_CARE] = Field(default=0, ge=0, le=4 * 365)
    main_earner: Annotated[bool, FINANCIAL]
    household_income: Annotated[int, FINANCIAL] = Field(ge=0)
    base_amount: Annotated[int, FINANCIAL] = Field(ge=0)  # 基準額: 市町村民税均等割非課税となる収入額の1/12
    rent: Annotated[int, FINANCIAL] = Field(ge=0)
    rent_cap: Annotated[int, FINANCIAL] = Field(ge=0)  # 住宅扶助基準に基づく額
    household_assets: Annotated[int, FINANCIAL] = Field(ge=0)
    housing_lost: Annotated[bool, SPECIAL_CARE] = False
    hw_job_application: Annotated[bool, BASIC] = False  # ハローワークへの求職申込
    previous_payment_ended_on: Annotated[date | None, BASIC] = None  # filled from the store for the same person
    repayment_exception: Annotated[Literal["dismissal", "closure", "income_drop"] | None, BASIC] = None


class MonthlyEvidence(Value):
    """求職活動の状況 for one month of payment."""

    month: Annotated[MonthText, BASIC]
    agency_consultations: Annotated[int, BASIC] = Field(ge=0, le=62)
    hw_consultations: Annotated[int, BASIC] = Field(ge=0, le=62)
    applications: Annotated[int, BASIC] = Field(ge=0, le=200)


class HousingBenefitRecord(ProgramRecord):
    state: Annotated[HousingBenefitState, BASIC]
    rules: Annotated[HousingBenefitRules, CONFIGURATION] = HousingBenefitRules()
    application: Annotated[HousingApplication | None, BASIC] = None
    moved_in_on: Annotated[date | None, BASIC] = None
    decided_on: Annotated[date | None, BASIC] = None
    months_granted: Annotated[int, BASIC] = 0
    period_start: Annotated[date | None, BASIC] = None
    period_end: Annotated[date | None, BASIC] = None  # the last day of the current period
    evidence: Annotated[list[MonthlyEvidence], BASIC] = Field(default_factory=list)
    employed_on: Annotated[date | None, BASIC] = None
    stop_reason: Annotated[str | None, BASIC] = None  # a kind (income_over_limit, ...), not a note
    ended_on: Annotated[date | None, BASIC] = None
    extension_warned_for: Annotated[date | None, BASIC] = None  # the period end the 14-day warning was given for
    checked_months: Annotated[list[str], BASIC] = Field(default_factory=list)  # months whose 求職活動 check has run


class Apply(Value):
    application: HousingApplication | None = None


class Housed(Value):
    moved_in_on: date
    reported_on: date


class Decide(Value):
    decided_on: date
    period_start: date


class Evidence(Value):
    evidence: MonthlyEvidence


class Employment(Value):
    employed_on: date
    permanent: bool = True  # 常用就職: 期間の定めのない契約、または6か月以上の契約 [LOCAL S19]


class Month(Value):
    month: MonthText


class Stop(Value):
    reason: Literal["obligations_not_met", "false_statement", "income_over_limit", "public_assistance", "other"]
    note: str | None = Field(default=None, max_length=2000)


def last_day_after(start: date, months: int) -> date:
    """The last day of a period of ``months`` calendar months beginning on ``start``."""
    total = start.month - 1 + months
    first_after = date(start.year + total // 12, total % 12 + 1, 1)
    return first_after - timedelta(days=1)


def missing_obligations(evidence: MonthlyEvidence, rules: HousingBenefitRules, weeks: int = 4) -> list[str]:
    """What a month's 求職活動 lacks against the rules, in Japanese, for the follow-up task."""
    missing = []
    if evidence.agency_consultations < rules.agency_consultations_per_month:
        missing.append(f"自立相談支援機関での面談（月{rules.agency_consultations_per_month}回以上）")
    if evidence.hw_consultations < rules.hw_consultations_per_month:
        missing.append(f"ハローワークでの職業相談（月{rules.hw_consultations_per_month}回以上）")
    if evidence.applications < rules.applications_per_week * weeks:
        missing.append(f"企業等への応募（週{rules.applications_per_week}回以上）")
    return missing
