"""What each command of 家計改善支援 records, and its timer: the regular check, counted from the last one."""

from __future__ import annotations

from datetime import datetime

from statemachines.kernel.roles import Actor
from statemachines.kernel.table import effect
from statemachines.programs.definition import ProgramDeadline, every
from statemachines.programs.household_budget.records import (
    AgreePlan,
    DraftPlan,
    HouseholdBudgetRecord,
    HouseholdBudgetState,
    HouseholdBudgetTrigger,
    RecordAction,
    RecordBudget,
    RecordCheck,
)
from statemachines.programs.payloads import Empty


@effect(RecordBudget)
def budget(r: HouseholdBudgetRecord, p: RecordBudget, a: Actor, now: datetime) -> None:
    r.budget = p.budget


@effect(DraftPlan)
def plan(r: HouseholdBudgetRecord, p: DraftPlan, a: Actor, now: datetime) -> None:
    r.plan_items = list(p.items)


@effect(AgreePlan)
def agree(r: HouseholdBudgetRecord, p: AgreePlan, a: Actor, now: datetime) -> None:
    r.plan_agreed_on = p.agreed_on


@effect(RecordAction)
def action(r: HouseholdBudgetRecord, p: RecordAction, a: Actor, now: datetime) -> None:
    r.actions.append(p.action)


@effect(Empty)
def maintain(r: HouseholdBudgetRecord, p: Empty, a: Actor, now: datetime) -> None:
    r.maintenance_started_at, r.last_check_at = now, None


@effect(RecordCheck)
def check(r: HouseholdBudgetRecord, p: RecordCheck, a: Actor, now: datetime) -> None:
    r.checks.append(p.check)
    r.last_check_at = now


def check_due_at(record: HouseholdBudgetRecord) -> datetime | None:
    """``check_interval`` after the last check, or after the start of the regular checks."""
    return every(record.rules.check_interval, record.last_check_at or record.maintenance_started_at)


@effect(Empty)
def due_marked(r: HouseholdBudgetRecord, p: Empty, a: Actor, now: datetime) -> None:
    r.check_due_for = check_due_at(r)


def deadlines(r: HouseholdBudgetRecord) -> list[ProgramDeadline]:
    if r.state is not HouseholdBudgetState.MAINTENANCE_CHECKS:
        return []
    trigger = HouseholdBudgetTrigger.MARK_CHECK_DUE
    return ProgramDeadline.once("maintenance_check", check_due_at(r), trigger, fired_for=r.check_due_for)
