"""What each command of 住居確保給付金 records, its timers (period end, the extension warning, the monthly check of
求職活動) and what it asks of the case (weekly monitoring while paid) and shows on the case page (months used)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from statemachines.kernel.roles import Actor
from statemachines.kernel.rules import add_duration
from statemachines.kernel.table import effect
from statemachines.policy.scheduling import JST
from statemachines.programs.definition import ProgramDeadline
from statemachines.programs.housing_benefit.records import (
    Apply,
    Decide,
    Employment,
    Evidence,
    ExtensionRequest,
    Housed,
    HousingBenefitRecord,
    HousingBenefitRules,
    HousingBenefitState,
    HousingBenefitTrigger,
    Month,
    Resume,
    Stop,
    Suspend,
    last_day_after,
    missing_obligations,
)
from statemachines.programs.payloads import Note

S = HousingBenefitState
PAID = (S.PAYING, S.EXTENSION_REQUESTED)


@effect(Apply)
def apply_for(r: HousingBenefitRecord, p: Apply, a: Actor, now: datetime) -> None:
    if p.application is not None:
        r.application = p.application


@effect(ExtensionRequest)
def request_extension(r: HousingBenefitRecord, p: ExtensionRequest, a: Actor, now: datetime) -> None:
    if p.application is not None:
        r.renewals = [*r.renewals, p.application]


@effect(Housed)
def housed(r: HousingBenefitRecord, p: Housed, a: Actor, now: datetime) -> None:
    r.moved_in_on = p.moved_in_on


@effect(Decide)
def decide(r: HousingBenefitRecord, p: Decide, a: Actor, now: datetime) -> None:
    r.decided_on = p.decided_on
    r.period_start = p.period_start


@effect(Note)
def start_paying(r: HousingBenefitRecord, p: Note, a: Actor, now: datetime) -> None:
    start = r.period_start or now.astimezone(JST).date()
    r.period_start, r.months_granted = start, r.rules.period_months
    r.period_end = last_day_after(start, r.rules.period_months)


@effect(Note)
def extend(r: HousingBenefitRecord, p: Note, a: Actor, now: datetime) -> None:
    assert r.period_end is not None
    r.months_granted += r.rules.period_months
    r.period_end = last_day_after(r.period_end + timedelta(days=1), r.rules.period_months)


@effect(Evidence)
def evidence(r: HousingBenefitRecord, p: Evidence, a: Actor, now: datetime) -> None:
    r.evidence = [e for e in r.evidence if e.month != p.evidence.month] + [p.evidence]


@effect(Employment)
def employed(r: HousingBenefitRecord, p: Employment, a: Actor, now: datetime) -> None:
    if p.permanent:
        r.employed_on = p.employed_on


@effect(Stop)
def stop(r: HousingBenefitRecord, p: Stop, a: Actor, now: datetime) -> None:
    r.stop_reason, r.ended_on = p.reason, now.astimezone(JST).date()


@effect(Note)
def end_period(r: HousingBenefitRecord, p: Note, a: Actor, now: datetime) -> None:
    """支給期間満了, or an extension refused (延長不承認): the payment ends on the period's last day, or on the
    day of the event when the municipality ends it before then. The 1-year 再支給 lock (施行規則§16, G-H-LOCK;
    process.md §3.1 H9_ENDED) counts from it, so it is never a day still to come."""
    today = now.astimezone(JST).date()
    r.ended_on = min(r.period_end, today) if r.period_end is not None else today


@effect(Note)
def warned(r: HousingBenefitRecord, p: Note, a: Actor, now: datetime) -> None:
    r.extension_warned_for = r.period_end


@effect(Month)
def checked(r: HousingBenefitRecord, p: Month, a: Actor, now: datetime) -> None:
    r.checked_months = sorted({*r.checked_months, p.month})


@effect(Suspend)
def suspend(r: HousingBenefitRecord, p: Suspend, a: Actor, now: datetime) -> None:
    """The months of the current period after the month of the suspension are left to pay after a resumption."""
    r.suspended_on, r.suspension_reason = p.suspended_on, p.cause
    paid_through = last_day_after(date(p.suspended_on.year, p.suspended_on.month, 1), 1)
    end = r.period_end or paid_through
    r.months_left_at_suspension = len(_months(paid_through + timedelta(days=1), end)) if end > paid_through else 0


@effect(Resume)
def resume(r: HousingBenefitRecord, p: Resume, a: Actor, now: datetime) -> None:
    """Paid again from the month of the resumption for the months left; the months between are neither paid nor
    counted (施行規則§12②), and the 求職活動 check skips them."""
    assert r.suspended_on is not None
    first_unpaid = last_day_after(date(r.suspended_on.year, r.suspended_on.month, 1), 1) + timedelta(days=1)
    restart = date(p.resumed_on.year, p.resumed_on.month, 1)
    gap = _months(first_unpaid, restart - timedelta(days=1)) if restart > first_unpaid else []
    r.suspended_months = sorted({*r.suspended_months, *gap})
    r.renewals = [*r.renewals, p.application]
    left = r.months_left_at_suspension or 0
    if left == 0:  # stopped in the period's last month: a new period, within the 9 months (G-H-RESUME)
        left = r.rules.period_months
        r.months_granted += left
    r.period_end = last_day_after(restart, left)
    r.suspended_on, r.months_left_at_suspension = None, None


def _paid_through_suspension(r: HousingBenefitRecord) -> date:
    """The last day paid before the suspension: the end of its month (``suspend``), never past the period."""
    assert r.suspended_on is not None
    paid_through = last_day_after(date(r.suspended_on.year, r.suspended_on.month, 1), 1)
    return min(paid_through, r.period_end) if r.period_end is not None else paid_through


@effect(Note)
def end_suspension(r: HousingBenefitRecord, p: Note, a: Actor, now: datetime) -> None:
    """Not resumed within 2 years of the suspension (施行規則§12②): the benefit ends. Its last payment was for the
    suspension's month, so the 1-year 再支給 lock (§16, G-H-LOCK) counts from the end of that month."""
    r.ended_on = _paid_through_suspension(r)


SUSPENSION_LIMIT_PATCH = "housing-benefit-suspension-limit"
"""Runs recorded before the timer came waited in SUSPENDED with no timer: they replay without it (issue 18 #6)."""


def resumption_window_end(r: HousingBenefitRecord) -> date | None:
    """The last day a suspended benefit may resume (G-H-RESUME): the 停止日 plus ``resume_within`` by the calendar."""
    if r.suspended_on is None:
        return None
    start = datetime.combine(r.suspended_on, datetime.min.time())
    return add_duration(start, r.rules.resume_within).date()


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
    route = r.application.activity_route if r.application is not None else "job_search"
    paid = [m for m in _months(r.period_start, r.period_end) if m not in r.suspended_months]
    for number, month in enumerate(paid, start=1):
        if month in r.checked_months:
            continue
        found = recorded.get(month)
        if found is not None and not missing_obligations(found, r.rules, route=route, month=number):
            continue
        year, mon = (int(x) for x in month.split("-"))
        at = _midnight(last_day_after(date(year, mon, 1), 1) + timedelta(days=8))
        trigger = HousingBenefitTrigger.CHECK_OBLIGATIONS
        return ProgramDeadline(kind="monthly_obligations", at=at, trigger=trigger, payload={"month": month})
    return None


def deadlines(r: HousingBenefitRecord) -> list[ProgramDeadline]:
    found: list[ProgramDeadline] = []
    if r.state is S.PAYING and r.period_end is not None:
        at = _midnight(r.period_end + timedelta(days=1))
        found.append(ProgramDeadline(kind="period_end", at=at, trigger=HousingBenefitTrigger.END_PERIOD))
        if r.extension_warned_for != r.period_end and r.months_granted < r.rules.max_months:
            at = _midnight(r.period_end - timedelta(days=r.rules.extension_warning_days))
            trigger = HousingBenefitTrigger.MARK_EXTENSION_DUE
            found.append(ProgramDeadline(kind="extension_warning", at=at, trigger=trigger))
    if r.state in PAID:
        obligation = _obligation_deadline(r)
        if obligation is not None:
            found.append(obligation)
    window_end = resumption_window_end(r)
    if r.state is S.SUSPENDED and window_end is not None:
        at, trigger = _midnight(window_end + timedelta(days=1)), HousingBenefitTrigger.END_SUSPENSION
        found.append(ProgramDeadline(kind="suspension_limit", at=at, trigger=trigger, patch=SUSPENSION_LIMIT_PATCH))
    return sorted(found, key=lambda d: d.at)


def monitoring(r: HousingBenefitRecord) -> str | None:
    """While the benefit is paid the case is monitored weekly by default (月4回以上の面談, S16)."""
    return r.rules.monitoring_interval_while_paid if r.state in PAID else None


def months_panel(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The case page's panel: months granted so far and left of the statutory maximum (施行規則§12)."""
    used = int(summary.get("months_granted") or 0)
    cap = HousingBenefitRules().max_months
    return {"months": {"used": used, "left": max(cap - used, 0), "cap": cap, "period_end": summary.get("period_end")}}
