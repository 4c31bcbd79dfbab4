"""家計改善支援事業 (process.md §3.5): 家計表・キャッシュフロー表, 家計再生プラン, 家計再生, then regular checks.

The steps follow S26 (福岡県要領, 海老名市): 課題把握 → 家計再生 (滞納解消, 債務整理の同行, 貸付のあっせん) → 適正家計の
継続 (regular checks so the household does not slip back) → 終結.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from statemachines.kernel.roles import Actor, Role
from statemachines.kernel.rules import Duration, add_duration
from statemachines.programs.base import (
    DecidedOn as Decide,
)
from statemachines.programs.base import (
    Empty,
    ProgramContext,
    ProgramDeadline,
    ProgramDef,
    ProgramGuard,
    ProgramRecord,
    ProgramState,
    ProgramTaskKind,
    ProgramTransition,
    Reason,
)

TK = ProgramTaskKind
MUN = frozenset({Role.MUN})
STAFF = frozenset({Role.HHSW, Role.SW, Role.CSW})
SYSTEM = frozenset({Role.SYSTEM})


class HouseholdBudgetRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    check_interval: Duration = "P1M"


class CashFlowMonth(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    income: int = Field(ge=0)
    expenses: int = Field(ge=0)


class BudgetSheet(BaseModel):
    """家計表 (monthly, yen) and キャッシュフロー表 (the coming months), counts of debts and arrears."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    monthly_income: int = Field(ge=0)
    monthly_expenses: int = Field(ge=0)
    debt_count: int = Field(default=0, ge=0)
    debt_total: int = Field(default=0, ge=0)
    arrears_count: int = Field(default=0, ge=0)  # 滞納 (家賃・税・公共料金等)
    cash_flow: list[CashFlowMonth] = Field(default_factory=list, max_length=24)


class PlanItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["arrears", "debt", "loan", "benefits", "spending", "income"]
    description: str = Field(min_length=1, max_length=1000)


class Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["arrears_resolution", "debt_settlement_accompaniment", "loan_arrangement", "benefit_application"]
    on: date
    counterpart: (
        Literal["houterasu", "lawyer", "judicial_scrivener", "social_welfare_council", "creditor", "other"] | None
    ) = None
    note: str | None = Field(default=None, max_length=2000)


class Check(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    checked_on: date
    on_track: bool
    note: str | None = Field(default=None, max_length=2000)


class HouseholdBudgetRecord(ProgramRecord):
    rules: HouseholdBudgetRules = HouseholdBudgetRules()
    decided_on: date | None = None
    budget: BudgetSheet | None = None
    plan_items: list[PlanItem] = Field(default_factory=list)
    plan_agreed_on: date | None = None
    actions: list[Action] = Field(default_factory=list)
    maintenance_started_at: datetime | None = None
    last_check_at: datetime | None = None
    checks: list[Check] = Field(default_factory=list)
    check_due_for: datetime | None = None  # the due time whose task was opened
    end_reason: str | None = None


class RecordBudget(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    budget: BudgetSheet


class DraftPlan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    items: list[PlanItem] = Field(min_length=1, max_length=30)


class AgreePlan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    agreed_on: date
    client_agreed: bool


class RecordAction(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    action: Action


class RecordCheck(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    check: Check


def _budget_recorded(ctx: ProgramContext[HouseholdBudgetRecord]) -> bool:
    return ctx.record.budget is not None


def _client_agreed(ctx: ProgramContext[HouseholdBudgetRecord]) -> bool | None:
    return ctx.payload.client_agreed if isinstance(ctx.payload, AgreePlan) else None


def _acted(ctx: ProgramContext[HouseholdBudgetRecord]) -> bool:
    return bool(ctx.record.actions)


def _checked_on_track(ctx: ProgramContext[HouseholdBudgetRecord]) -> bool:
    r = ctx.record
    return r.last_check_at is not None and bool(r.checks) and r.checks[-1].on_track


G = ProgramGuard[HouseholdBudgetRecord]
GUARDS: dict[str, G] = {
    g.id: g
    for g in [
        G(
            "G-HH1",
            "家計表・キャッシュフロー表が記録されていません。",
            "The household budget sheet and cash-flow table are not recorded.",
            "家計改善支援: 課題把握（家計の見える化）(S26)",
            _budget_recorded,
        ),
        G(
            "G-HH2",
            "家計再生プランへの本人の同意が確認されていません。",
            "The person's agreement to the budget plan is not confirmed.",
            "家計再生プラン（家計支援計画）(S26); プランは本人と共に作成 (S20)",
            _client_agreed,
        ),
        G(
            "G-HH3",
            "家計再生の取組（滞納解消・債務整理の同行・貸付のあっせん等）の記録がありません。",
            "No budget recovery action (arrears, debt settlement, loans) is recorded.",
            "家計改善支援: 家計再生 (S26)",
            _acted,
        ),
        G(
            "G-HH4",
            "直近の定期確認で家計が安定していることが確認されていません。",
            "The last regular check has not confirmed a stable budget.",
            "家計改善支援: 適正家計の継続 → 終結 (S26)",
            _checked_on_track,
        ),
    ]
}

OPEN = ("REFERRED_IN_PLAN", "DECIDED", "ASSESS_BUDGET", "BUDGET_PLAN", "IN_SUPPORT", "MAINTENANCE_CHECKS")
PT = ProgramTransition
TRANSITIONS: tuple[ProgramTransition, ...] = (
    PT("HH1", "decide", ("REFERRED_IN_PLAN",), "DECIDED", MUN, Decide, "支援決定"),
    PT("HH2", "reject", ("REFERRED_IN_PLAN",), "REJECTED", MUN, Reason, "不承認"),
    PT("HH3", "start_assessment", ("DECIDED",), "ASSESS_BUDGET", STAFF, Empty, "家計の課題把握の開始"),
    PT(
        "HH4",
        "record_budget",
        ("ASSESS_BUDGET", "BUDGET_PLAN"),
        None,
        STAFF,
        RecordBudget,
        "家計表・キャッシュフロー表の記録",
    ),
    PT("HH5", "draft_plan", ("ASSESS_BUDGET",), "BUDGET_PLAN", STAFF, DraftPlan, "家計再生プランの作成", ("G-HH1",)),
    PT("HH6", "draft_plan", ("BUDGET_PLAN",), None, STAFF, DraftPlan, "家計再生プランの見直し", ("G-HH1",)),
    PT("HH7", "agree_plan", ("BUDGET_PLAN",), "IN_SUPPORT", STAFF, AgreePlan, "プランへの本人同意", ("G-HH2",)),
    PT(
        "HH8",
        "record_action",
        ("IN_SUPPORT",),
        None,
        STAFF,
        RecordAction,
        "滞納解消・債務整理の同行・貸付のあっせん等の記録",
    ),
    PT(
        "HH9",
        "start_maintenance",
        ("IN_SUPPORT",),
        "MAINTENANCE_CHECKS",
        STAFF,
        Empty,
        "適正家計の継続（定期確認）へ",
        ("G-HH3",),
    ),
    PT("HH10", "record_check", ("MAINTENANCE_CHECKS",), None, STAFF, RecordCheck, "定期確認の記録"),
    PT("HH11", "relapse", ("MAINTENANCE_CHECKS",), "IN_SUPPORT", STAFF, Reason, "家計再生の支援に戻る"),
    PT("HH12", "close", ("MAINTENANCE_CHECKS",), "CLOSED", STAFF, Reason, "終結", ("G-HH4",)),
    PT("HH13", "withdraw", OPEN, "WITHDRAWN", STAFF, Reason, "利用中止（辞退）"),
    PT(
        "HH14",
        "mark_check_due",
        ("MAINTENANCE_CHECKS",),
        None,
        SYSTEM,
        Empty,
        "定期確認の時期",
        timer="maintenance_check",
    ),
)

STATES = {
    "REFERRED_IN_PLAN": ProgramState("プランに位置づけ", "In the plan"),
    "REJECTED": ProgramState("不承認", "Rejected", terminal=True),
    "DECIDED": ProgramState("支援決定", "Decided"),
    "ASSESS_BUDGET": ProgramState("課題把握（家計表）", "Budget assessment"),
    "BUDGET_PLAN": ProgramState("家計再生プラン", "Budget plan"),
    "IN_SUPPORT": ProgramState("家計再生の支援中", "Budget recovery"),
    "MAINTENANCE_CHECKS": ProgramState("適正家計の継続（定期確認）", "Regular checks"),
    "CLOSED": ProgramState("終結", "Closed", terminal=True),
    "WITHDRAWN": ProgramState("利用中止", "Withdrawn", terminal=True),
}


def _decide(r: HouseholdBudgetRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Decide)
    r.decided_on = p.decided_on


def _budget(r: HouseholdBudgetRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, RecordBudget)
    r.budget = p.budget


def _plan(r: HouseholdBudgetRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, DraftPlan)
    r.plan_items = list(p.items)


def _agree(r: HouseholdBudgetRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, AgreePlan)
    r.plan_agreed_on = p.agreed_on


def _action(r: HouseholdBudgetRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, RecordAction)
    r.actions.append(p.action)


def _maintain(r: HouseholdBudgetRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    r.maintenance_started_at, r.last_check_at = now, None


def _check(r: HouseholdBudgetRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, RecordCheck)
    r.checks.append(p.check)
    r.last_check_at = now


def _end(r: HouseholdBudgetRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Reason)
    r.end_reason = p.reason


def check_due_at(record: HouseholdBudgetRecord) -> datetime | None:
    """``check_interval`` after the last check, or after the start of the regular checks."""
    since = record.last_check_at or record.maintenance_started_at
    return add_duration(since, record.rules.check_interval) if since else None


def _due_marked(r: HouseholdBudgetRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    r.check_due_for = check_due_at(r)


def deadlines(r: HouseholdBudgetRecord) -> list[ProgramDeadline]:
    at = check_due_at(r)
    if r.state != "MAINTENANCE_CHECKS" or at is None or r.check_due_for == at:
        return []
    return [ProgramDeadline(kind="maintenance_check", at=at, trigger="mark_check_due")]


HOUSEHOLD_BUDGET = ProgramDef[HouseholdBudgetRecord](
    id="household_budget",
    name_ja="家計改善支援事業",
    basis="生活困窮者自立支援法 第3条第5項（家計改善支援事業）; 福岡県家計相談支援事業実施要領 (S26)",
    states=STATES,
    initial="REFERRED_IN_PLAN",
    transitions=TRANSITIONS,
    guards=GUARDS,
    record_type=HouseholdBudgetRecord,
    effects={
        "decide": _decide,
        "record_budget": _budget,
        "draft_plan": _plan,
        "agree_plan": _agree,
        "record_action": _action,
        "start_maintenance": _maintain,
        "record_check": _check,
        "close": _end,
        "withdraw": _end,
        "mark_check_due": _due_marked,
    },
    deadlines=deadlines,
    state_tasks={
        "REFERRED_IN_PLAN": TK("hh_decide", Role.MUN, "decide", "家計改善支援事業の支援決定", "Decide"),
        "DECIDED": TK(
            "hh_assess", Role.HHSW, "start_assessment", "家計の課題把握（家計表の作成）", "Assess the budget"
        ),
        "ASSESS_BUDGET": TK(
            "hh_budget_sheet",
            Role.HHSW,
            "record_budget",
            "家計表・キャッシュフロー表の作成",
            "Record the budget sheet and cash flow",
        ),
        "BUDGET_PLAN": TK("hh_plan_consent", Role.HHSW, "agree_plan", "家計再生プランへの本人同意", "Agree the plan"),
    },
    event_tasks={
        "mark_check_due": TK(
            "hh_check_due",
            Role.HHSW,
            "record_check",
            "家計の定期確認の時期です",
            "The regular budget check is due",
        )
    },
    closes={"record_check": ("hh_check_due",)},
    rules={"check_interval": ("P1M", "適正家計の継続のための定期確認（月1回）[BK]")},
    timers=(
        {
            "id": "maintenance_check",
            "states": ["MAINTENANCE_CHECKS"],
            "rule": "check_interval",
            "default": "P1M",
            "effect": "opens the regular check task, counted from the last check",
        },
    ),
)
