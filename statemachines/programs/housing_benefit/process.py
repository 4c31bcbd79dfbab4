"""住居確保給付金 (process.md §3.1): application, eligibility (施行規則§10), 支給決定, 3-month periods up to 9 months.

Amounts and counts are the household's, in yen per month. Every figure the rules use is a rule-set value with its
source, never a constant in the guards.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from statemachines.kernel.events import NoticeKind
from statemachines.kernel.roles import Actor, Role
from statemachines.programs.base import (
    ProgramContext,
    ProgramDeadline,
    ProgramDef,
    ProgramGuard,
    ProgramRecord,
    ProgramState,
    ProgramTaskKind,
    ProgramTransition,
)

TK = ProgramTaskKind

JST = timezone(timedelta(hours=9), "Asia/Tokyo")
MUN = frozenset({Role.MUN})
STAFF = frozenset({Role.SW, Role.CSW, Role.ESW})
SYSTEM = frozenset({Role.SYSTEM})


class HousingBenefitRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    period_months: int = Field(default=3, ge=1, le=12)
    max_months: int = Field(default=9, ge=1, le=24)
    extension_warning_days: int = Field(default=14, ge=1, le=60)
    housed_report_days: int = Field(default=7, ge=1, le=60)
    agency_consultations_per_month: int = Field(default=4, ge=0, le=31)
    hw_consultations_per_month: int = Field(default=2, ge=0, le=31)
    applications_per_week: int = Field(default=1, ge=0, le=20)
    asset_multiple: int = Field(default=6, ge=1, le=100)
    job_loss_window_days: int = Field(default=2 * 365, ge=1)
    job_loss_window_max_days: int = Field(default=4 * 365, ge=1)
    repayment_lock_days: int = Field(default=365, ge=0)
    monitoring_interval_while_paid: str = "P7D"


RULE_SOURCES: dict[str, tuple[object, str]] = {
    "period_months": (3, "施行規則§12: 3か月 [ORD S6]"),
    "max_months": ("P9M", "施行規則§12: 3か月ごとの延長で通算9か月まで [ORD S6]"),
    "extension_warning_days": (14, "延長申請は支給期間の最終月の末日まで (S16); 14日前に通知 [BK]"),
    "housed_report_days": (7, "住居確保報告書は入居後7日以内 [LOCAL 山県市 S18]"),
    "agency_consultations_per_month": (4, "自立相談支援機関での面談 月4回以上 [NAT via S16, S17]"),
    "hw_consultations_per_month": (2, "ハローワークでの職業相談 月2回以上 [NAT via S16, S17]"),
    "applications_per_week": (1, "企業等への応募 原則週1回以上 [NAT via S16, S17]"),
    "asset_multiple": (6, "金融資産は基準額×6 (施行規則§4 の就労準備と同じ倍率) [BK: §10 の上限は未確認]"),
    "job_loss_window_days": ("P2Y", "離職・廃業から2年以内 (施行規則§10) [ORD S6]"),
    "job_loss_window_max_days": ("P4Y", "疾病等で求職できなかった期間を加えて最長4年 (施行規則§10) [ORD S6]"),
    "repayment_lock_days": ("P1Y", "支給終了月の翌月から1年を経過するまで再支給しない (施行規則§16) [ORD]"),
    "monitoring_interval_while_paid": ("P7D", "支給中は自立相談支援機関で月4回以上の面談 (S16) → 週1回のモニタリング"),
}


class HousingApplication(BaseModel):
    """申請書 (施行規則§13 様式) and 申請時確認書: the household's situation in the application month."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    applied_on: date
    route: Literal["job_loss", "business_closure", "income_drop"]
    job_loss_on: date | None = None
    days_unable_to_seek: int = Field(default=0, ge=0, le=4 * 365)  # 疾病・負傷・育児等で求職できなかった日数
    main_earner: bool
    household_income: int = Field(ge=0)
    base_amount: int = Field(ge=0)  # 基準額: 市町村民税均等割非課税となる収入額の1/12
    rent: int = Field(ge=0)
    rent_cap: int = Field(ge=0)  # 住宅扶助基準に基づく額
    household_assets: int = Field(ge=0)
    housing_lost: bool = False
    hw_job_application: bool = False  # ハローワークへの求職申込
    previous_payment_ended_on: date | None = None  # filled from the store for the same person
    repayment_exception: Literal["dismissal", "closure", "income_drop"] | None = None


class MonthlyEvidence(BaseModel):
    """求職活動の状況 for one month of payment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    agency_consultations: int = Field(ge=0, le=62)
    hw_consultations: int = Field(ge=0, le=62)
    applications: int = Field(ge=0, le=200)


class HousingBenefitRecord(ProgramRecord):
    rules: HousingBenefitRules = HousingBenefitRules()
    application: HousingApplication | None = None
    moved_in_on: date | None = None
    decided_on: date | None = None
    months_granted: int = 0
    period_start: date | None = None
    period_end: date | None = None  # the last day of the current period
    evidence: list[MonthlyEvidence] = Field(default_factory=list)
    employed_on: date | None = None
    stop_reason: str | None = None
    ended_on: date | None = None
    extension_warned_for: date | None = None  # the period end the 14-day warning was given for
    checked_months: list[str] = Field(default_factory=list)  # months whose 求職活動 check has run


class Apply(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    application: HousingApplication | None = None


class Housed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    moved_in_on: date
    reported_on: date


class Decide(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    decided_on: date
    period_start: date


class Note(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    note: str | None = Field(default=None, max_length=2000)


class Evidence(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    evidence: MonthlyEvidence


class Employment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    employed_on: date
    permanent: bool = True  # 常用就職: 期間の定めのない契約、または6か月以上の契約 [LOCAL S19]


class Month(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


class Stop(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    reason: Literal["obligations_not_met", "false_statement", "income_over_limit", "public_assistance", "other"]
    note: str | None = Field(default=None, max_length=2000)


def last_day_after(start: date, months: int) -> date:
    """The last day of a period of ``months`` calendar months beginning on ``start``."""
    total = start.month - 1 + months
    first_after = date(start.year + total // 12, total % 12 + 1, 1)
    return first_after - timedelta(days=1)


def _application(ctx: ProgramContext[HousingBenefitRecord]) -> HousingApplication | None:
    payload = ctx.payload
    if isinstance(payload, Apply) and payload.application is not None:
        return payload.application
    return ctx.record.application


Predicate = Callable[[ProgramContext[HousingBenefitRecord]], bool | None]


def _with_application(test: Callable[[HousingApplication, HousingBenefitRules], bool]) -> Predicate:
    def predicate(ctx: ProgramContext[HousingBenefitRecord]) -> bool | None:
        application = _application(ctx)
        if application is None:
            return None if ctx.payload is None and ctx.trigger == "submit_application" else False
        return test(application, ctx.record.rules)

    return predicate


def _within_window(a: HousingApplication, rules: HousingBenefitRules) -> bool:
    if a.route == "income_drop":
        return True
    if a.job_loss_on is None:
        return False
    window = min(rules.job_loss_window_days + a.days_unable_to_seek, rules.job_loss_window_max_days)
    return a.applied_on <= a.job_loss_on + timedelta(days=window)


def _income_ok(a: HousingApplication, rules: HousingBenefitRules) -> bool:
    return a.household_income <= a.base_amount + min(a.rent, a.rent_cap)


def _assets_ok(a: HousingApplication, rules: HousingBenefitRules) -> bool:
    return a.household_assets <= a.base_amount * rules.asset_multiple


def _lock_ok(a: HousingApplication, rules: HousingBenefitRules) -> bool:
    if a.previous_payment_ended_on is None:
        return True
    lock_end = a.previous_payment_ended_on + timedelta(days=rules.repayment_lock_days)
    return a.repayment_exception is not None and a.applied_on >= lock_end


def _cap(ctx: ProgramContext[HousingBenefitRecord]) -> bool:
    rules = ctx.record.rules
    return ctx.record.months_granted + rules.period_months <= rules.max_months


def _by_deadline(ctx: ProgramContext[HousingBenefitRecord]) -> bool:
    end = ctx.record.period_end
    return end is not None and ctx.now.astimezone(JST).date() <= end


def _report_in_time(ctx: ProgramContext[HousingBenefitRecord]) -> bool | None:
    if not isinstance(ctx.payload, Housed):
        return None
    days = (ctx.payload.reported_on - ctx.payload.moved_in_on).days
    return 0 <= days <= ctx.record.rules.housed_report_days


def _lost(lost: bool) -> Predicate:
    def predicate(ctx: ProgramContext[HousingBenefitRecord]) -> bool:
        return ctx.record.application is not None and ctx.record.application.housing_lost is lost

    return predicate


G = ProgramGuard[HousingBenefitRecord]
GUARDS: dict[str, G] = {
    g.id: g
    for g in [
        G(
            "G-H1",
            "離職・廃業の日から2年（求職できなかった期間を加えて最長4年）を過ぎています。",
            "More than 2 years (at most 4 with periods unable to seek work) have passed since the job loss.",
            "生活困窮者自立支援法施行規則 第10条 (S6)",
            _with_application(_within_window),
        ),
        G(
            "G-H2",
            "申請者が世帯の生計を主として維持していた（いる）ことが確認されていません。",
            "The applicant is not confirmed as the household's main earner.",
            "施行規則 第10条（主たる生計維持者）(S6)",
            _with_application(lambda a, r: a.main_earner),
        ),
        G(
            "G-H3",
            "世帯収入が基準額と家賃（住宅扶助基準額が上限）の合計を超えています。",
            "Household income exceeds the base amount plus rent (capped at the housing-assistance standard).",
            "施行規則 第10条（収入要件）(S6)",
            _with_application(_income_ok),
        ),
        G(
            "G-H4",
            "世帯の金融資産が基準額の上限倍率を超えています。",
            "Household financial assets exceed the limit (a multiple of the base amount).",
            "施行規則 第10条（資産要件）(S6) [倍率はBK]",
            _with_application(_assets_ok),
        ),
        G(
            "G-H-LOCK",
            "前回の支給終了から1年を経過していないか、再支給の事由（解雇・廃業・減収）がありません。",
            "Less than a year since the last payment ended, or no qualifying event for a new payment.",
            "施行規則 第16条（再支給の制限）",
            _with_application(_lock_ok),
        ),
        G(
            "G-H-CAP",
            "延長すると支給期間が通算9か月を超えます。",
            "An extension would exceed 9 months in total.",
            "施行規則 第12条（3か月ごとに通算9か月まで）(S6)",
            _cap,
        ),
        G(
            "G-H-DEADLINE",
            "延長申請の期限（現在の支給期間の最終月の末日）を過ぎています。",
            "The extension application is past its deadline (the last day of the current period).",
            "延長申請は支給期間の最終月の末日まで (S16)",
            _by_deadline,
        ),
        G(
            "G-H-REPORT",
            "住居確保報告書は入居後7日以内に提出が必要です。",
            "The housing report is due within 7 days of moving in.",
            "住居確保給付金事務細則 [LOCAL 山県市 S18]",
            _report_in_time,
        ),
        G(
            "G-H-LOST",
            "住居を喪失していないため、支給対象者証明書ではなく支給決定となります。",
            "Housing is not lost: the benefit is decided directly, without a certificate.",
            "§3.1 H3 [LOCAL S18]",
            _lost(True),
        ),
        G(
            "G-H-HOUSED",
            "住居喪失者は、入居（住居確保報告書）の後に支給決定となります。",
            "For a person who lost their home, the decision follows the move-in report.",
            "§3.1 H3–H5 [LOCAL S18]",
            _lost(False),
        ),
    ]
}

ELIGIBILITY = ("G-H1", "G-H2", "G-H3", "G-H4", "G-H-LOCK")
PT = ProgramTransition
TRANSITIONS: tuple[ProgramTransition, ...] = (
    PT("HB1", "submit_application", ("APPLIED",), "REVIEW", STAFF, Apply, "申請書の受理（審査へ）", ("G-H-LOCK",)),
    PT(
        "HB2",
        "certify",
        ("REVIEW",),
        "CERTIFIED",
        MUN,
        Note,
        "支給対象者証明書の交付（住居喪失者）",
        (*ELIGIBILITY, "G-H-LOST"),
    ),
    PT("HB3", "report_housed", ("CERTIFIED",), "HOUSED", STAFF, Housed, "住居確保報告書", ("G-H-REPORT",)),
    PT("HB4", "decide_payment", ("REVIEW",), "DECIDED", MUN, Decide, "支給決定", (*ELIGIBILITY, "G-H-HOUSED")),
    PT("HB4b", "decide_payment", ("HOUSED",), "DECIDED", MUN, Decide, "支給決定（入居後）", ELIGIBILITY),
    PT("HB5", "reject", ("REVIEW",), "REJECTED", MUN, Note, "不支給決定"),
    PT("HB6", "start_payment", ("DECIDED",), "PAYING", MUN, Note, "支給開始（家主等へ代理納付）"),
    PT("HB7", "record_evidence", ("PAYING", "EXTENSION_REQUESTED"), None, STAFF, Evidence, "求職活動状況の記録"),
    PT("HB8", "report_employment", ("PAYING", "EXTENSION_REQUESTED"), None, STAFF, Employment, "常用就職届"),
    PT(
        "HB9",
        "request_extension",
        ("PAYING",),
        "EXTENSION_REQUESTED",
        STAFF,
        Note,
        "延長申請",
        ("G-H-CAP", "G-H-DEADLINE"),
    ),
    PT("HB10", "grant_extension", ("EXTENSION_REQUESTED",), "PAYING", MUN, Note, "延長決定（3か月）", ("G-H-CAP",)),
    PT("HB11", "refuse_extension", ("EXTENSION_REQUESTED",), "ENDED", MUN, Note, "延長不承認（支給終了）"),
    PT("HB12", "stop", ("PAYING", "EXTENSION_REQUESTED"), "STOPPED", MUN, Stop, "支給中止"),
    PT("HB13", "end_period", ("PAYING",), "ENDED", SYSTEM | MUN, Note, "支給期間満了", timer="period_end"),
    PT(
        "HB14", "mark_extension_due", ("PAYING",), None, SYSTEM, Note, "延長申請期限の14日前", timer="extension_warning"
    ),
    PT(
        "HB15",
        "check_obligations",
        ("PAYING", "EXTENSION_REQUESTED"),
        None,
        SYSTEM,
        Month,
        "求職活動状況の確認（月次）",
        timer="monthly_obligations",
    ),
)

STATES = {
    "APPLIED": ProgramState("申請受付", "Application received"),
    "REVIEW": ProgramState("審査", "Under review"),
    "REJECTED": ProgramState("不支給", "Rejected", terminal=True),
    "CERTIFIED": ProgramState("支給対象者証明書交付", "Certified (housing lost)"),
    "HOUSED": ProgramState("入居・住居確保報告", "Housed"),
    "DECIDED": ProgramState("支給決定", "Decided"),
    "PAYING": ProgramState("支給中", "Paying"),
    "EXTENSION_REQUESTED": ProgramState("延長申請中", "Extension requested"),
    "STOPPED": ProgramState("支給中止", "Stopped", terminal=True),
    "ENDED": ProgramState("支給終了", "Ended", terminal=True),
}


def _apply(r: HousingBenefitRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Apply)
    if p.application is not None:
        r.application = p.application


def _housed(r: HousingBenefitRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Housed)
    r.moved_in_on = p.moved_in_on


def _decide(r: HousingBenefitRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Decide)
    r.decided_on = p.decided_on
    r.period_start = p.period_start


def _start(r: HousingBenefitRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    start = r.period_start or now.astimezone(JST).date()
    r.period_start, r.months_granted = start, r.rules.period_months
    r.period_end = last_day_after(start, r.rules.period_months)


def _extend(r: HousingBenefitRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert r.period_end is not None
    r.months_granted += r.rules.period_months
    r.period_end = last_day_after(r.period_end + timedelta(days=1), r.rules.period_months)


def _evidence(r: HousingBenefitRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Evidence)
    r.evidence = [e for e in r.evidence if e.month != p.evidence.month] + [p.evidence]


def _employed(r: HousingBenefitRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Employment)
    if p.permanent:
        r.employed_on = p.employed_on


def _stop(r: HousingBenefitRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Stop)
    r.stop_reason, r.ended_on = p.reason, now.astimezone(JST).date()


def _end(r: HousingBenefitRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    r.ended_on = r.period_end or now.astimezone(JST).date()


def _warned(r: HousingBenefitRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    r.extension_warned_for = r.period_end


def _checked(r: HousingBenefitRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Month)
    r.checked_months = sorted({*r.checked_months, p.month})


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), JST)


def _months(start: date, end: date) -> list[str]:
    months, cursor = [], date(start.year, start.month, 1)
    while cursor <= end:
        months.append(f"{cursor.year:04d}-{cursor.month:02d}")
        cursor = last_day_after(cursor, 1) + timedelta(days=1)
    return months


def _obligation_deadline(r: HousingBenefitRecord) -> ProgramDeadline | None:
    """The first paid month whose evidence is missing or short, checked a week after the month ends."""
    if r.period_start is None or r.period_end is None:
        return None
    recorded = {e.month: e for e in r.evidence}
    for month in _months(r.period_start, r.period_end):
        if month in r.checked_months:
            continue
        evidence = recorded.get(month)
        if evidence is not None and not missing_obligations(evidence, r.rules):
            continue
        year, mon = (int(x) for x in month.split("-"))
        at = _midnight(last_day_after(date(year, mon, 1), 1) + timedelta(days=8))
        return ProgramDeadline(kind="monthly_obligations", at=at, trigger="check_obligations", payload={"month": month})
    return None


def deadlines(r: HousingBenefitRecord) -> list[ProgramDeadline]:
    found: list[ProgramDeadline] = []
    if r.state == "PAYING" and r.period_end is not None:
        found.append(
            ProgramDeadline(kind="period_end", at=_midnight(r.period_end + timedelta(days=1)), trigger="end_period")
        )
        if r.extension_warned_for != r.period_end and r.months_granted < r.rules.max_months:
            at = _midnight(r.period_end - timedelta(days=r.rules.extension_warning_days))
            found.append(ProgramDeadline(kind="extension_warning", at=at, trigger="mark_extension_due"))
    if r.state in ("PAYING", "EXTENSION_REQUESTED"):
        obligation = _obligation_deadline(r)
        if obligation is not None:
            found.append(obligation)
    return sorted(found, key=lambda d: d.at)


def monitoring(r: HousingBenefitRecord) -> str | None:
    """While the benefit is paid the case is monitored weekly by default (月4回以上の面談, S16)."""
    return r.rules.monitoring_interval_while_paid if r.state in ("PAYING", "EXTENSION_REQUESTED") else None


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


HOUSING_BENEFIT = ProgramDef[HousingBenefitRecord](
    id="housing_benefit",
    name_ja="住居確保給付金",
    basis="生活困窮者自立支援法 第3条第3項・第6条; 施行規則 第10条〜第16条",
    states=STATES,
    initial="APPLIED",
    transitions=TRANSITIONS,
    guards=GUARDS,
    record_type=HousingBenefitRecord,
    effects={
        "submit_application": _apply,
        "report_housed": _housed,
        "decide_payment": _decide,
        "start_payment": _start,
        "grant_extension": _extend,
        "record_evidence": _evidence,
        "report_employment": _employed,
        "stop": _stop,
        "end_period": _end,
        "refuse_extension": _end,
        "mark_extension_due": _warned,
        "check_obligations": _checked,
    },
    rules=RULE_SOURCES,
    deadlines=deadlines,
    monitoring=monitoring,
    state_tasks={
        "APPLIED": TK(
            "hb_application", Role.SW, "submit_application", "住居確保給付金の申請受付", "Take the application"
        ),
        "REVIEW": TK("hb_review", Role.MUN, "decide_payment", "住居確保給付金の審査・支給決定", "Review and decide"),
        "CERTIFIED": TK(
            "hb_housed_report",
            Role.SW,
            "report_housed",
            "住居確保報告書の受理（入居後7日以内）",
            "Receive the move-in report",
        ),
        "HOUSED": TK("hb_decide", Role.MUN, "decide_payment", "住居確保給付金の支給決定", "Decide the payment"),
        "DECIDED": TK(
            "hb_start_payment", Role.MUN, "start_payment", "支給開始（家主等への代理納付）", "Start paying the landlord"
        ),
        "EXTENSION_REQUESTED": TK(
            "hb_extension_decision", Role.MUN, "grant_extension", "延長申請の決定", "Decide the extension"
        ),
    },
    event_tasks={
        "mark_extension_due": TK(
            "hb_extension_due",
            Role.SW,
            "request_extension",
            "延長申請の期限が近づいています（支給期間の最終月の末日まで）",
            "The extension application is due by the end of the period",
            notice=NoticeKind.REMINDER,
        ),
        "check_obligations": TK(
            "hb_evidence_missing",
            Role.SW,
            "record_evidence",
            "求職活動状況の記録が不足しています",
            "Job-search evidence is missing",
        ),
    },
    closes={"record_evidence": ("hb_evidence_missing",), "request_extension": ("hb_extension_due",)},
    timers=(
        {
            "id": "extension_warning",
            "states": ["PAYING"],
            "rule": "extension_warning_days",
            "default": "P14D",
            "effect": "opens the extension task 14 days before the last day of the period",
        },
        {"id": "period_end", "states": ["PAYING"], "fires": "end_period", "effect": "HB13 → ENDED"},
        {
            "id": "monthly_obligations",
            "states": ["PAYING", "EXTENSION_REQUESTED"],
            "rule": "P1M",
            "effect": "missing 求職活動 evidence opens a task",
        },
    ),
)
