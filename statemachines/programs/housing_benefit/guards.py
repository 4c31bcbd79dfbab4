"""The guards of 住居確保給付金: eligibility (施行規則§10), the 再支給 lock (§16), periods and deadlines (§12).

The 申請日 decides two legal limits: the 2-year window after the job loss (G-H1) and the 1-year 再支給 lock (G-H-LOCK).
It is declared on the 申請書, so it is checked against the system's own day (G-H-DATE, issue 15): not after the day the
application is received (the event's day in Japan), nor before what the record already holds, the start of this
enrolment (the 支援決定 or the consultant that opened it; the application is taken in its 申請受付 state), or the
case's 利用申込 when the application was taken with it (H0/H1), and, for a job loss or a closure, the loss itself. A
declared date beyond those bounds would move a limit by a date no one can verify.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from statemachines.kernel.guards import Detail, Guard, GuardContext, Verdict, guard_table
from statemachines.kernel.rules import add_duration
from statemachines.policy.scheduling import JST
from statemachines.programs.housing_benefit.records import (
    Apply,
    Decide,
    Housed,
    HousingApplication,
    HousingBenefitRecord,
    HousingBenefitRules,
    HousingBenefitTrigger,
    Resume,
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


def _on(day: date, duration: str) -> date:
    """``day`` plus an ISO 8601 duration by the calendar (2024-02-29 + P2Y = 2026-02-28)."""
    return add_duration(datetime.combine(day, time.min), duration).date()


def job_loss_window_end(a: HousingApplication, rules: HousingBenefitRules) -> date | None:
    """The last 申請日 G-H1 accepts: two years after the loss by the calendar (the same day two years on is still
    inside), plus the days illness, injury or childcare kept the person from seeking work, never past four years
    (施行規則§10)."""
    if a.job_loss_on is None:
        return None
    widened = _on(a.job_loss_on, rules.job_loss_window) + timedelta(days=a.days_unable_to_seek)
    return min(widened, _on(a.job_loss_on, rules.job_loss_window_max))


def _within_window(a: HousingApplication, rules: HousingBenefitRules) -> bool:
    if a.route == "income_drop":
        return True
    end = job_loss_window_end(a, rules)
    return end is not None and a.applied_on <= end


def _income_ok(a: HousingApplication, rules: HousingBenefitRules) -> bool:
    return a.household_income <= a.base_amount + min(a.rent, a.rent_cap)


def _assets_ok(a: HousingApplication, rules: HousingBenefitRules) -> bool:
    return a.household_assets <= a.base_amount * rules.asset_multiple


def repayment_allowed_from(last_paid_on: date, rules: HousingBenefitRules) -> date:
    """The first day a new payment may be applied for: one year after the first day of the month following the last
    month paid (施行規則§16: 支給が終了した月の翌月から起算して1年を経過). Paid to 2025-03-15 → 2026-04-01."""
    first_after = date(last_paid_on.year + last_paid_on.month // 12, last_paid_on.month % 12 + 1, 1)
    return _on(first_after, rules.repayment_lock)


def _lock_ok(a: HousingApplication, rules: HousingBenefitRules) -> bool:
    if a.previous_payment_ended_on is None:
        return True
    allowed_from = repayment_allowed_from(a.previous_payment_ended_on, rules)
    return a.repayment_exception is not None and a.applied_on >= allowed_from


OBLIGATIONS_PATCH = "housing-benefit-registration-checked"  # runs recorded before it never asked for the 求職申込
APPLICATION_DATE_PATCH = "application-date-checked"  # runs recorded before it replay without G-H-DATE
REPAYMENT_LOCK_PATCH = "repayment-lock-from-month-after"  # runs recorded before it locked 365 days from the last day
JOB_LOSS_WINDOW_PATCH = "job-loss-window-by-calendar"  # runs recorded before it counted 730 days (a leap year short)


def application_date_problems(
    a: HousingApplication, received_on: date | None, started_on: date, taken_on: date | None = None
) -> list[Detail]:
    """What is wrong with a declared 申請日: after the day it is received, before the job loss, or before the
    earliest day it may carry: the enrolment's start, or the 利用申込's day when the application was taken with it
    (``taken_on``, H0/H1) and that came first; the refusal names which of the two it is."""
    day = a.applied_on.isoformat()
    earliest = min(started_on, taken_on) if taken_on is not None else started_on
    begun_ja, begun_en = (
        ("利用申込の日", "the 利用申込 (the application was taken with it)")
        if earliest != started_on
        else ("この事業の利用開始", "this enrolment started")
    )
    found: list[Detail] = []
    if received_on is not None and a.applied_on > received_on:
        found.append(
            (
                f"申請日（{day}）が受付の日（{received_on.isoformat()}）より後です",
                f"The application date ({day}) is after the day it is received ({received_on.isoformat()})",
            )
        )
    if a.applied_on < earliest:
        found.append(
            (
                f"申請日（{day}）が{begun_ja}（{earliest.isoformat()}）より前です",
                f"The application date ({day}) is before {begun_en} ({earliest.isoformat()})",
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
    taken_on = ctx.record.application_taken_on  # taken with the 利用申込 (H0/H1): that day is the earliest
    return application_date_problems(payload.application, received_on, started_on, taken_on)


def _application_date(ctx: Ctx) -> Verdict:
    """Only the application this command brings is checked: one recorded earlier was checked when it came."""
    if not isinstance(ctx.payload, Apply):
        return None
    return not _date_problems(ctx)


def _lock_details(ctx: Ctx) -> list[Detail]:
    """The day a new payment may be applied for, when the lock is what refuses."""
    a = _application(ctx)
    if a is None or a.previous_payment_ended_on is None or _lock_ok(a, ctx.record.rules):
        return []
    if a.repayment_exception is None:
        return [("再支給の事由（解雇・廃業・減収）が記録されていません", "No qualifying event for a new payment")]
    day = repayment_allowed_from(a.previous_payment_ended_on, ctx.record.rules).isoformat()
    return [
        (
            f"前回の支給（{a.previous_payment_ended_on.isoformat()}まで）の翌月から1年を経過する{day}から申請できます",
            f"A new application is possible from {day}, a year after the month following the last payment",
        )
    ]


def _registered(a: HousingApplication, rules: HousingBenefitRules) -> bool:
    """離職・廃業: a 求職申込 at ハローワーク; 休業等: an application to a 経営相談先."""
    return a.management_advice_registered if a.activity_route == "business" else a.hw_job_application


def _renewal_problems(a: HousingApplication, rules: HousingBenefitRules) -> list[Detail]:
    checks: tuple[tuple[bool, Detail], ...] = (
        (a.main_earner, ("主たる生計維持者であることが確認されていません", "Not confirmed as the main earner")),
        (_income_ok(a, rules), ("世帯収入が基準額と家賃の合計を超えています", "Income exceeds base amount plus rent")),
        (_assets_ok(a, rules), ("世帯の金融資産が上限を超えています", "Financial assets exceed the limit")),
        (_registered(a, rules), REGISTRATION),
    )
    return [detail for met, detail in checks if not met]


def _renewal(ctx: Ctx) -> Verdict:
    """The extension's 申請書 comes with the request, and the requirements still hold (施行規則§12)."""
    payload = ctx.payload
    if payload is None:
        return None
    application = getattr(payload, "application", None)
    if not isinstance(application, HousingApplication):
        return False
    return not _renewal_problems(application, ctx.record.rules)


def _renewal_details(ctx: Ctx) -> list[Detail]:
    application = getattr(ctx.payload, "application", None)
    if not isinstance(application, HousingApplication):
        return [("延長申請の申請書（現在の収入・資産・求職申込の状況）がありません", "The extension's form is missing")]
    return _renewal_problems(application, ctx.record.rules)


def _resume_problems(ctx: Ctx) -> list[Detail]:
    payload, r = ctx.payload, ctx.record
    if not isinstance(payload, Resume) or r.suspended_on is None:
        return []
    found = list(_renewal_problems(payload.application, r.rules))
    if payload.resumed_on < r.suspended_on:
        found.append(("再開日が停止日より前です", "The resumption is before the suspension"))
    if payload.resumed_on > _on(r.suspended_on, r.rules.resume_within):
        found.append(
            (
                "停止から2年を過ぎており、再開できません（新たな申請となります）",
                "More than 2 years since the suspension",
            )
        )
    if not r.months_left_at_suspension and r.months_granted + r.rules.period_months > r.rules.max_months:
        found.append(("再開すると支給期間が通算9か月を超えます", "Resuming would exceed 9 months in total"))
    return found


def _resume(ctx: Ctx) -> Verdict:
    if ctx.payload is None:
        return None
    return isinstance(ctx.payload, Resume) and not _resume_problems(ctx)


REGISTRATION: Detail = (
    "離職・廃業の場合はハローワークへの求職申込、休業等の場合は経営相談先への申込が確認されていません",
    "No job application at Hello Work (job loss) or registration with a business adviser (休業等)",
)

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
        "生活困窮者自立支援法施行規則 第10条（離職等の日から2年以内、暦による）(S6)",
        _with_application(_within_window),
        patch=JOB_LOSS_WINDOW_PATCH,
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
        "最後に支給した月の翌月から1年を経過していないか、再支給の事由（解雇・廃業・減収）がありません。",
        "Less than a year since the month after the last month paid, or no qualifying event for a new payment.",
        "施行規則 第16条（再支給の制限: 支給終了月の翌月から起算して1年）(S6)",
        _with_application(_lock_ok),
        details=_lock_details,
        patch=REPAYMENT_LOCK_PATCH,
    ),
    G(
        "G-H-DATE",
        "申請日が、申請を受け付けた日より後か、この事業の利用開始（利用申込とともに受け付けた申請は利用申込の日）"
        "や離職・廃業の日より前になっています。",
        "The application date is after the day it is received, or before the enrolment started (the 利用申込, for an "
        "application taken with it) or the job loss.",
        "施行規則 第10条（離職等から2年以内）・第16条（再支給の制限）の起算となる申請日; 申請書（第13条様式）",
        _application_date,
        details=_date_problems,
        patch=APPLICATION_DATE_PATCH,
    ),
    G(
        "G-H-HW",
        f"{REGISTRATION[0]}。",
        f"{REGISTRATION[1]}.",
        "求職活動要件: 申請時（延長時も）のハローワーク求職申込、休業等は経営相談先への申込 "
        "(process.md §3.1 H1; S16, S17)",
        _with_application(_registered),
        patch=OBLIGATIONS_PATCH,
    ),
    G(
        "G-H-RENEW",
        "延長には、延長申請の申請書で要件（収入・資産・求職申込等）を引き続き満たすことの確認が必要です。",
        "An extension needs its form showing the requirements (income, assets, job application) still hold.",
        "施行規則 第12条（就職に必要と認められ、要件を満たす場合に延長）(S6); 延長時の求職申込 (S16)",
        _renewal,
        details=_renewal_details,
        patch=OBLIGATIONS_PATCH,
    ),
    G(
        "G-H-RESUME",
        "支給の再開には、停止から2年以内に要件（求職活動・収入・資産等）を再び満たすことの確認が必要です"
        "（通算9か月まで）。",
        "Resuming needs the requirements met again within 2 years of the suspension (9 months in total at most).",
        "施行規則 第12条第2項（疾病・負傷により要件を欠いた後、2年以内に再び満たした場合の再開、通算9か月）(S6)",
        _resume,
        details=_resume_problems,
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
