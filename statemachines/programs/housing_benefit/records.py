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
from statemachines.programs.housing_benefit.obligations import (
    DEFAULT_OBLIGATIONS,
    OBLIGATION_SOURCE,
    ActivityRoute,
    ObligationSet,
    obligations_for,
)
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
    SUSPENDED = "SUSPENDED"
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
    SUSPEND = "suspend"
    RESUME = "resume"
    END_SUSPENSION = "end_suspension"


_DAY_COUNTED = frozenset(
    {
        "job_loss_window_days",
        "job_loss_window_max_days",
        "repayment_lock_days",
        # One set of obligations for every route and period, now the defaults of ``obligations`` (the same figures).
        "agency_consultations_per_month",
        "hw_consultations_per_month",
        "applications_per_week",
    }
)


class HousingBenefitRules(Value):
    period_months: int = Field(default=3, ge=1, le=12)
    max_months: int = Field(default=9, ge=1, le=24)
    extension_warning_days: int = Field(default=14, ge=1, le=60)
    housed_report_days: int = Field(default=7, ge=1, le=60)
    obligations: tuple[ObligationSet, ...] = DEFAULT_OBLIGATIONS  # by route and period (obligations.py)
    asset_multiple: int = Field(default=6, ge=1, le=100)
    job_loss_window: Duration = "P2Y"  # by the calendar: exactly two years after the loss is still inside
    job_loss_window_max: Duration = "P4Y"
    repayment_lock: Duration = "P1Y"  # counted from the first day of the month after the last month paid
    resume_within: Duration = "P2Y"  # §12②: the requirements met again within 2 years of the suspension, else ended
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
    "obligations": ("離職・廃業 / 休業等 × 初回・延長・再延長", OBLIGATION_SOURCE),
    "asset_multiple": (6, "金融資産は基準額×6 (施行規則§4 の就労準備と同じ倍率) [BK: §10 の上限は未確認]"),
    "job_loss_window": ("P2Y", "離職・廃業の日から2年以内（暦による。2年後の同日まで）(施行規則§10) [ORD S6]"),
    "job_loss_window_max": ("P4Y", "疾病等で求職できなかった期間を加えて最長4年 (施行規則§10) [ORD S6]"),
    "repayment_lock": (
        "P1Y",
        "最後に支給した月の翌月の初日から1年を経過するまで再支給しない (施行規則§16) [ORD S6]",
    ),
    "resume_within": (
        "P2Y",
        "疾病・負傷で要件を欠いた後、2年以内に再び満たせば支給を再開（通算9か月まで）; 2年以内に再開しなければ"
        "支給終了 (施行規則§12②) [ORD S6]",
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
    activity_route: Annotated[ActivityRoute, BASIC] = "job_search"  # 求職活動 or 休業等の経営相談 (obligations.py)
    management_advice_registered: Annotated[bool, BASIC] = False  # 休業等: 経営相談先への申込
    previous_payment_ended_on: Annotated[date | None, BASIC] = None  # filled from the store for the same person
    repayment_exception: Annotated[Literal["dismissal", "closure", "income_drop"] | None, BASIC] = None


class MonthlyEvidence(Value):
    """求職活動の状況 for one month of payment."""

    month: Annotated[MonthText, BASIC]
    agency_consultations: Annotated[int, BASIC] = Field(ge=0, le=62)
    hw_consultations: Annotated[int, BASIC] = Field(ge=0, le=62)
    applications: Annotated[int, BASIC] = Field(ge=0, le=200)
    business_consultations: Annotated[int, BASIC] = Field(default=0, ge=0, le=62)  # 休業等: 経営相談
    income_activities: Annotated[int, BASIC] = Field(default=0, ge=0, le=62)  # 休業等: 収入を得るための活動


class HousingBenefitRecord(ProgramRecord):
    state: Annotated[HousingBenefitState, BASIC]
    rules: Annotated[HousingBenefitRules, CONFIGURATION] = HousingBenefitRules()
    application: Annotated[HousingApplication | None, BASIC] = None
    # The day of the case's 利用申込 when staff started this at the 自立相談支援機関 (H0/H1): the 申請 taken with it
    # may carry that date (G-H-DATE).
    application_taken_on: Annotated[date | None, BASIC] = None
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
    renewals: Annotated[list[HousingApplication], BASIC] = Field(default_factory=list)  # 延長申請の申請書, in order
    # 施行規則§12②: paid months stopped by illness or injury, resumed within 2 years; the months between are not paid
    # and not counted (the period's months left are paid after the resumption).
    suspended_on: Annotated[date | None, BASIC] = None
    suspension_reason: Annotated[str | None, SPECIAL_CARE] = None  # illness / injury: health (要配慮)
    months_left_at_suspension: Annotated[int | None, BASIC] = None
    suspended_months: Annotated[list[str], BASIC] = Field(default_factory=list)  # YYYY-MM not paid nor counted


class Apply(Value):
    application: HousingApplication | None = None


class ExtensionRequest(Value):
    """延長申請: the 申請書 of the extension, the household's situation now (施行規則§12: the requirements still hold).
    Requests recorded before it was asked brought a note only."""

    note: str | None = Field(default=None, max_length=2000)
    application: HousingApplication | None = None


class Suspend(Value):
    """支給の停止 (施行規則§12②): the person cannot seek work for illness or injury from ``suspended_on``."""

    suspended_on: date
    cause: Literal["illness", "injury"]
    note: str | None = Field(default=None, max_length=2000)


class Resume(Value):
    """支給の再開 (施行規則§12②): the requirements are met again (the 申請書 shows it) from ``resumed_on``."""

    resumed_on: date
    application: HousingApplication


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


def missing_obligations(
    evidence: MonthlyEvidence,
    rules: HousingBenefitRules,
    weeks: int = 4,
    *,
    route: ActivityRoute = "job_search",
    month: int = 1,
) -> list[str]:
    """What the ``month``-th paid month's activities lack against the set in force for ``route``, in Japanese, for
    the follow-up task."""
    wanted = obligations_for(rules.obligations, route, month)
    if wanted is None:
        return []
    w, e = wanted, evidence
    counts = (  # done, needed, the figure the rule names, what it is
        (e.agency_consultations, w.agency_consultations_per_month, None, "自立相談支援機関での面談（月{}回以上）"),
        (e.hw_consultations, w.hw_consultations_per_month, None, "ハローワークでの職業相談（月{}回以上）"),
        (e.applications, w.applications_per_week * weeks, w.applications_per_week, "企業等への応募（週{}回以上）"),
        (e.business_consultations, w.business_consultations_per_month, None, "経営相談（月{}回以上）"),
        (e.income_activities, w.income_activities_per_month, None, "収入を得るための活動（月{}回以上）"),
    )
    return [text.format(need if rule is None else rule) for done, need, rule, text in counts if done < need]
