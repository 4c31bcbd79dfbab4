"""The durable timers of a case, derived from its record (process.md §1.6, §1.7).

The workflow sleeps until the earliest deadline; any command recomputes them, so a new plan or a contact resets its
timer without bookkeeping (the updatable-timer pattern).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from pydantic import BaseModel, ConfigDict

from statemachines.case.record import NO_CONTACT_STATES, CaseRecord, CaseState
from statemachines.case.transitions import Trigger
from statemachines.kernel.rules import add_duration

JST = timezone(timedelta(hours=9), "Asia/Tokyo")


class Deadline(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str  # monitoring | plan_period_end | no_contact | follow_up
    at: datetime
    trigger: Trigger


def monitoring_interval(case: CaseRecord) -> str:
    """The rule set's interval, or the shortest one a running program asks for (e.g. weekly while paid)."""
    reference = datetime(2000, 1, 1, tzinfo=JST)
    asked = [case.ruleset.monitoring_interval, *case.program_monitoring.values()]
    return min(asked, key=lambda d: add_duration(reference, d))


def _monitoring(case: CaseRecord) -> Deadline:
    anchor = max(case.last_contact_at, case.monitoring_due_marked_at or case.last_contact_at)
    at = add_duration(anchor, monitoring_interval(case))
    return Deadline(kind="monitoring", at=at, trigger=Trigger.MARK_MONITORING_DUE)


def plan_period_end(case: CaseRecord) -> datetime | None:
    """The end of the plan period: the plan's own end date (JST midnight after it), else the rule set's period."""
    if case.plan is not None and case.plan.period_end is not None:
        return datetime.combine(case.plan.period_end + timedelta(days=1), time(0), JST)
    if case.support_started_at is None:
        return None
    return add_duration(case.support_started_at, case.ruleset.plan_period)


def _follow_up(case: CaseRecord) -> Deadline | None:
    offsets = case.ruleset.follow_up_offsets
    wanted = case.closure is not None and case.closure.follow_up
    if not wanted or case.closed_at is None or case.follow_ups_started >= len(offsets):
        return None
    at = add_duration(case.closed_at, offsets[case.follow_ups_started])
    return Deadline(kind="follow_up", at=at, trigger=Trigger.START_FOLLOW_UP)


def deadlines(case: CaseRecord) -> list[Deadline]:
    """Every timer running now, earliest first."""
    found: list[Deadline] = []
    if case.state is CaseState.SUPPORT_ACTIVE:
        found.append(_monitoring(case))
        end = plan_period_end(case)
        if end is not None and not case.evaluation_due_marked:
            found.append(Deadline(kind="plan_period_end", at=end, trigger=Trigger.MARK_EVALUATION_DUE))
    if case.state in NO_CONTACT_STATES:
        at = add_duration(case.last_contact_at, case.ruleset.no_contact_threshold)
        found.append(Deadline(kind="no_contact", at=at, trigger=Trigger.LOSE_CONTACT))
    if case.state is CaseState.CLOSED:
        follow_up = _follow_up(case)
        if follow_up is not None:
            found.append(follow_up)
    return sorted(found, key=lambda d: d.at)


def next_deadline(case: CaseRecord) -> Deadline | None:
    found = deadlines(case)
    return found[0] if found else None
