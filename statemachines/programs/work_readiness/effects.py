"""What each command of 就労準備支援 records, and its one timer: the warning two months before the year ends."""

from __future__ import annotations

from datetime import datetime

from statemachines.kernel.roles import Actor
from statemachines.kernel.rules import add_duration
from statemachines.kernel.table import effect
from statemachines.programs.definition import ProgramDeadline
from statemachines.programs.work_readiness.records import (
    Apply,
    Complete,
    ExtensionDecision,
    ProgramPlan,
    Review,
    WorkReadinessRecord,
    WorkReadinessState,
    WorkReadinessTrigger,
)


@effect(Apply)
def apply_for(r: WorkReadinessRecord, p: Apply, a: Actor, now: datetime) -> None:
    if p.means is not None:
        r.means = p.means


@effect(ProgramPlan)
def plan(r: WorkReadinessRecord, p: ProgramPlan, a: Actor, now: datetime) -> None:
    r.stages, r.program_started_at = list(p.stages), now


@effect(Review)
def review(r: WorkReadinessRecord, p: Review, a: Actor, now: datetime) -> None:
    if p.extension_reason:
        r.extension_reason = p.extension_reason


@effect(ExtensionDecision)
def extension_decided(r: WorkReadinessRecord, p: ExtensionDecision, a: Actor, now: datetime) -> None:
    r.extension_decided_on, r.extended_until, r.extension_reason = p.decided_on, p.until, p.reason


@effect(Complete)
def complete(r: WorkReadinessRecord, p: Complete, a: Actor, now: datetime) -> None:
    r.outcome = p.outcome


@effect(Review)
def warned(r: WorkReadinessRecord, p: Review, a: Actor, now: datetime) -> None:
    r.limit_warned = True


def warning_at(record: WorkReadinessRecord) -> datetime | None:
    """When the 10-month warning falls due (the durable timer of the program workflow)."""
    started = record.program_started_at
    return add_duration(started, record.rules.warning_after) if started else None


def deadlines(r: WorkReadinessRecord) -> list[ProgramDeadline]:
    at = warning_at(r)
    if r.state is not WorkReadinessState.IN_PROGRAM or r.limit_warned or at is None:
        return []
    return [
        ProgramDeadline(
            kind="ten_month_warning",
            at=at,
            trigger=WorkReadinessTrigger.MARK_LIMIT_WARNING,
            payload={"note": "利用開始から10か月が経過しました"},
        )
    ]
