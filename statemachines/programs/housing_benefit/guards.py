"""The guards of 住居確保給付金: eligibility (施行規則§10), the 再支給 lock (§16), periods and deadlines (§12).

The 申請日 decides two legal limits: the 2-year window after the job loss (G-H1) and the 1-year 再支給 lock (G-H-LOCK).
It is declared on the 申請書, so it is checked against the system's own day (G-H-DATE, issue 15): not after the day the
application is received (the event's day in Japan), nor before what the record already holds, the start of this
enrolment (the 支援決定 that opened it; the application is taken in its 申請受付 state) and, for a job loss or a
closure, the loss itself. A declared date beyond those bounds would move a limit by a date no one can verify.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from statemachines.kernel.guards import Detail, Guard, GuardContext, Verdict, guard_table
from statemachines.policy.scheduling import JST
from statemachines.programs.housing_benefit.records import (
    Apply,
    Decide,
    Housed,
    HousingApplication,
    HousingBenefitRecord,
    HousingBenefitRules,
    HousingBenefitTrigger,
    last_day_after,
)

Ctx = GuardContext[HousingBenefitRecord]
Predicate = Callable[[Ctx], Verdict]


def _application(ctx: Ctx) -> HousingApplication | None:
    payload = ctx.payload
    if isinstance(payload, Apply) and payload.application is not None:
        return payload.application
    return ctx.record.application


def _with_application(test: Callable[[HousingApplication, HousingBenefitRules], bool]) -> Predicate:
    def predicate(ctx: Ctx) -> Verdict:
        application = _application(ctx)
        if application is None:
            return None if ctx.payload is None and ctx.trigger == HousingBenefitTrigger.SUBMIT_APPLICATION else False
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


APPLICATION_DATE_PATCH = "application-date-checked"  # runs recorded before it replay without G-H-DATE


def application_date_problems(a: HousingApplication, received_on: date | None, started_on: date) -> list[Detail]:
    """What is wrong with a declared 申請日: after the day it is received, before the enrolment or the job loss."""
    day = a.applied_on.isoformat()
    found: list[Detail] = []
    if received_on is not None and a.applied_on > received_on:
        found.append(
            (
                f"申請日（{day}）が受付の日（{received_on.isoformat()}）より後です",
                f"The application date ({day}) is after the day it is received ({received_on.isoformat()})",
            )
        )
    if a.applied_on < started_on:
        found.append(
            (
                f"申請日（{day}）がこの事業の利用開始（{started_on.isoformat()}）より前です",
                f"The application date ({day}) is before this enrolment started ({started_on.isoformat()})",
            )
        )
    if a.route != "income_drop" and a.job_loss_on is not None and a.applied_on < a.job_loss_on:
        found.append(
            (
                f"申請日（{day}）が離職・廃業の日（{a.job_loss_on.isoformat()}）より前です",
                f"The application date ({day}) is before the job loss ({a.job_loss_on.isoformat()})",
            )
        )
    return found


def _date_problems(ctx: Ctx) -> list[Detail]:
    payload = ctx.payload
    if not isinstance(payload, Apply) or payload.application is None:
        return []
    received_on = ctx.now.astimezone(JST).date() if ctx.now is not None else None
    started_on = ctx.record.started_at.astimezone(JST).date()
    return application_date_problems(payload.application, received_on, started_on)


def _application_date(ctx: Ctx) -> Verdict:
    """Only the application this command brings is checked: one recorded earlier was checked when it came."""
    if not isinstance(ctx.payload, Apply):
        return None
    return not _date_problems(ctx)


DECISION_DATE_PATCH = "payment-decision-dates-checked"  # runs recorded before it replay without G-H-DECIDED-ON


def decision_date_problems(d: Decide, applied_on: date | None, today: date | None) -> list[Detail]:
    """What is wrong with a 支給決定's dates: decided after the day it is recorded or before the 申請日, or paid from
    before the application's month (施行規則§12: 申請月から) or later than the month after the decision."""
    found: list[Detail] = []
    decided, start = d.decided_on.isoformat(), d.period_start.isoformat()
    if today is not None and d.decided_on > today:
        found.append(
            (f"支給決定日（{decided}）が今日（{today}）より後です", f"The decision ({decided}) is after {today}")
        )
    if applied_on is not None and d.decided_on < applied_on:
        found.append(
            (
                f"支給決定日（{decided}）が申請日（{applied_on.isoformat()}）より前です",
                f"The decision ({decided}) is before the application ({applied_on.isoformat()})",
            )
        )
    if applied_on is not None and d.period_start < applied_on.replace(day=1):
        found.append(
            (
                f"支給開始日（{start}）が申請月（{applied_on:%Y-%m}）より前です",
                f"The payment starts ({start}) before the application's month ({applied_on:%Y-%m})",
            )
        )
    if today is not None and d.period_start > last_day_after(today.replace(day=1), 2):
        found.append(
            (
                f"支給開始日（{start}）が翌月より後です（今日は{today}）",
                f"The payment starts ({start}) later than next month ({today})",
            )
        )
    return found


def _decision_problems(ctx: Ctx) -> list[Detail]:
    if not isinstance(ctx.payload, Decide):
        return []
    applied = ctx.record.application.applied_on if ctx.record.application is not None else None
    today = ctx.now.astimezone(JST).date() if ctx.now is not None else None
    return decision_date_problems(ctx.payload, applied, today)


def _decision_dates(ctx: Ctx) -> Verdict:
    """Only the decision this command brings (the 支給決定 the municipality dates)."""
    if not isinstance(ctx.payload, Decide):
        return None
    return not _decision_problems(ctx)


def _cap(ctx: Ctx) -> Verdict:
    rules = ctx.record.rules
    return ctx.record.months_granted + rules.period_months <= rules.max_months


def _by_deadline(ctx: Ctx) -> Verdict:
    end = ctx.record.period_end
    if end is None:
        return False
    return None if ctx.now is None else ctx.now.astimezone(JST).date() <= end


def _report_in_time(ctx: Ctx) -> Verdict:
    if not isinstance(ctx.payload, Housed):
        return None
    days = (ctx.payload.reported_on - ctx.payload.moved_in_on).days
    return 0 <= days <= ctx.record.rules.housed_report_days


def _lost(lost: bool) -> Predicate:
    def predicate(ctx: Ctx) -> Verdict:
        return ctx.record.application is not None and ctx.record.application.housing_lost is lost

    return predicate


G = Guard[HousingBenefitRecord]
GUARDS = guard_table(
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
        "G-H-DATE",
        "申請日が、申請を受け付けた日より後か、この事業の利用開始や離職・廃業の日より前になっています。",
        "The application date is after the day it is received, or before the enrolment started or the job loss.",
        "施行規則 第10条（離職等から2年以内）・第16条（再支給の制限）の起算となる申請日; 申請書（第13条様式）",
        _application_date,
        details=_date_problems,
        patch=APPLICATION_DATE_PATCH,
    ),
    G(
        "G-H-DECIDED-ON",
        "支給決定の日付が、今日より後か申請日より前、または支給開始日が申請月より前か翌月より後になっています。",
        "The payment decision is dated after today or before the application, or the payment starts before the "
        "application's month or later than next month.",
        "施行規則 第12条（支給期間）・第16条（再支給の制限）の起算; 支給決定通知書 (S18); 申請月からの支給 [BK]",
        _decision_dates,
        details=_decision_problems,
        patch=DECISION_DATE_PATCH,
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
)
ELIGIBILITY = ("G-H1", "G-H2", "G-H3", "G-H4", "G-H-LOCK")
