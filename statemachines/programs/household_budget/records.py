"""家計改善支援事業 (process.md §3.5): its states, its commands, its rules and what it records."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from statemachines.kernel.rules import Duration
from statemachines.kernel.sensitivity import BASIC, CONFIGURATION, FINANCIAL, SPECIAL_CARE
from statemachines.programs.definition import ProgramRecord
from statemachines.programs.payloads import MonthText, Value


class HouseholdBudgetState(StrEnum):
    REFERRED_IN_PLAN = "REFERRED_IN_PLAN"
    REJECTED = "REJECTED"
    DECIDED = "DECIDED"
    ASSESS_BUDGET = "ASSESS_BUDGET"
    BUDGET_PLAN = "BUDGET_PLAN"
    IN_SUPPORT = "IN_SUPPORT"
    MAINTENANCE_CHECKS = "MAINTENANCE_CHECKS"
    CLOSED = "CLOSED"
    WITHDRAWN = "WITHDRAWN"


class HouseholdBudgetTrigger(StrEnum):
    DECIDE = "decide"
    REJECT = "reject"
    START_ASSESSMENT = "start_assessment"
    RECORD_BUDGET = "record_budget"
    DRAFT_PLAN = "draft_plan"
    AGREE_PLAN = "agree_plan"
    RECORD_ACTION = "record_action"
    START_MAINTENANCE = "start_maintenance"
    RECORD_CHECK = "record_check"
    RELAPSE = "relapse"
    CLOSE = "close"
    WITHDRAW = "withdraw"
    MARK_CHECK_DUE = "mark_check_due"


class HouseholdBudgetRules(Value):
    check_interval: Duration = "P1M"


class CashFlowMonth(Value):
    month: Annotated[MonthText, BASIC]
    income: Annotated[int, FINANCIAL] = Field(ge=0)
    expenses: Annotated[int, FINANCIAL] = Field(ge=0)


class BudgetSheet(Value):
    """家計表 (monthly, yen) and キャッシュフロー表 (the coming months), counts of debts and arrears."""

    monthly_income: Annotated[int, FINANCIAL] = Field(ge=0)
    monthly_expenses: Annotated[int, FINANCIAL] = Field(ge=0)
    debt_count: Annotated[int, FINANCIAL] = Field(default=0, ge=0)
    debt_total: Annotated[int, FINANCIAL] = Field(default=0, ge=0)
    arrears_count: Annotated[int, FINANCIAL] = Field(default=0, ge=0)  # 滞納 (家賃・税・公共料金等)
    cash_flow: Annotated[list[CashFlowMonth], BASIC] = Field(default_factory=list, max_length=24)


class PlanItem(Value):
    kind: Annotated[Literal["arrears", "debt", "loan", "benefits", "spending", "income"], BASIC]
    description: Annotated[str, SPECIAL_CARE] = Field(min_length=1, max_length=1000)


ActionKind = Literal["arrears_resolution", "debt_settlement_accompaniment", "loan_arrangement", "benefit_application"]
ActionCounterpart = Literal["houterasu", "lawyer", "judicial_scrivener", "social_welfare_council", "creditor", "other"]


class Action(Value):
    kind: Annotated[ActionKind, BASIC]
    on: Annotated[date, BASIC]
    counterpart: Annotated[ActionCounterpart | None, BASIC] = None
    note: Annotated[str | None, SPECIAL_CARE] = Field(default=None, max_length=2000)


class Check(Value):
    checked_on: Annotated[date, BASIC]
    on_track: Annotated[bool, BASIC]
    note: Annotated[str | None, SPECIAL_CARE] = Field(default=None, max_length=2000)


class HouseholdBudgetRecord(ProgramRecord):
    state: Annotated[HouseholdBudgetState, BASIC]
    rules: Annotated[HouseholdBudgetRules, CONFIGURATION] = HouseholdBudgetRules()
    decided_on: Annotated[date | None, BASIC] = None
    budget: Annotated[BudgetSheet | None, BASIC] = None
    plan_items: Annotated[list[PlanItem], BASIC] = Field(default_factory=list)
    plan_agreed_on: Annotated[date | None, BASIC] = None
    actions: Annotated[list[Action], BASIC] = Field(default_factory=list)
    maintenance_started_at: Annotated[datetime | None, BASIC] = None
    last_check_at: Annotated[datetime | None, BASIC] = None
    checks: Annotated[list[Check], BASIC] = Field(default_factory=list)
    check_due_for: Annotated[datetime | None, BASIC] = None  # the due time whose task was opened
    end_reason: Annotated[str | None, SPECIAL_CARE] = None


class RecordBudget(Value):
    budget: BudgetSheet


class DraftPlan(Value):
    items: list[PlanItem] = Field(min_length=1, max_length=30)


class AgreePlan(Value):
    agreed_on: date
    client_agreed: bool


class RecordAction(Value):
    action: Action


class RecordCheck(Value):
    check: Check
