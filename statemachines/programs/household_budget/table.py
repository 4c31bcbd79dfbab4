"""家計改善支援事業 (process.md §3.5): 家計表・キャッシュフロー表, 家計再生プラン, 家計再生, then regular checks.

The steps follow S26 (福岡県要領, 海老名市): 課題把握 → 家計再生 (滞納解消, 債務整理の同行, 貸付のあっせん) → 適正家計の
継続 (regular checks so the household does not slip back) → 終結.
"""

from __future__ import annotations

from statemachines.kernel.events import TaskKind
from statemachines.kernel.roles import BUDGET_SUPPORT, MUNICIPAL, SYSTEM, Role
from statemachines.kernel.table import Transition
from statemachines.kernel.timers import Timer
from statemachines.programs.definition import ProgramDef, ProgramState
from statemachines.programs.household_budget import effects as e
from statemachines.programs.household_budget import records as p
from statemachines.programs.household_budget.guards import GUARDS
from statemachines.programs.household_budget.labels import LABELS
from statemachines.programs.household_budget.records import (
    HouseholdBudgetRecord,
    HouseholdBudgetState,
    HouseholdBudgetTrigger,
)
from statemachines.programs.payloads import DecidedOn, Empty, Reason, record_decision, record_end

S, T = HouseholdBudgetState, HouseholdBudgetTrigger
Row = Transition[HouseholdBudgetState, HouseholdBudgetTrigger]
TK = TaskKind[HouseholdBudgetTrigger]
MUN, STAFF = MUNICIPAL, BUDGET_SUPPORT
OPEN = (S.REFERRED_IN_PLAN, S.DECIDED, S.ASSESS_BUDGET, S.BUDGET_PLAN, S.IN_SUPPORT, S.MAINTENANCE_CHECKS)

# fmt: off
TRANSITIONS: tuple[Row, ...] = (
    Row("HH1", T.DECIDE, (S.REFERRED_IN_PLAN,), S.DECIDED, MUN, DecidedOn, "支援決定"),
    Row("HH2", T.REJECT, (S.REFERRED_IN_PLAN,), S.REJECTED, MUN, Reason, "不承認"),
    Row("HH3", T.START_ASSESSMENT, (S.DECIDED,), S.ASSESS_BUDGET, STAFF, Empty, "家計の課題把握の開始"),
    Row("HH4", T.RECORD_BUDGET, (S.ASSESS_BUDGET, S.BUDGET_PLAN), None, STAFF, p.RecordBudget,
        "家計表・キャッシュフロー表の記録"),
    Row("HH5", T.DRAFT_PLAN, (S.ASSESS_BUDGET,), S.BUDGET_PLAN, STAFF, p.DraftPlan, "家計再生プランの作成", ("G-HH1",)),
    Row("HH6", T.DRAFT_PLAN, (S.BUDGET_PLAN,), None, STAFF, p.DraftPlan, "家計再生プランの見直し", ("G-HH1",)),
    Row("HH7", T.AGREE_PLAN, (S.BUDGET_PLAN,), S.IN_SUPPORT, STAFF, p.AgreePlan, "プランへの本人同意", ("G-HH2",)),
    Row("HH8", T.RECORD_ACTION, (S.IN_SUPPORT,), None, STAFF, p.RecordAction,
        "滞納解消・債務整理の同行・貸付のあっせん等の記録"),
    Row("HH9", T.START_MAINTENANCE, (S.IN_SUPPORT,), S.MAINTENANCE_CHECKS, STAFF, Empty,
        "適正家計の継続（定期確認）へ", ("G-HH3",)),
    Row("HH10", T.RECORD_CHECK, (S.MAINTENANCE_CHECKS,), None, STAFF, p.RecordCheck, "定期確認の記録"),
    Row("HH11", T.RELAPSE, (S.MAINTENANCE_CHECKS,), S.IN_SUPPORT, STAFF, Reason, "家計再生の支援に戻る"),
    Row("HH12", T.CLOSE, (S.MAINTENANCE_CHECKS,), S.CLOSED, STAFF, Reason, "終結", ("G-HH4",)),
    Row("HH13", T.WITHDRAW, OPEN, S.WITHDRAWN, STAFF, Reason, "利用中止（辞退）"),
    Row("HH14", T.MARK_CHECK_DUE, (S.MAINTENANCE_CHECKS,), None, SYSTEM, Empty, "定期確認の時期",
        timer="maintenance_check"),
)
# fmt: on

STATES = {
    S.REFERRED_IN_PLAN: ProgramState("プランに位置づけ", "In the plan"),
    S.REJECTED: ProgramState("不承認", "Rejected", terminal=True),
    S.DECIDED: ProgramState("支援決定", "Decided"),
    S.ASSESS_BUDGET: ProgramState("課題把握（家計表）", "Budget assessment"),
    S.BUDGET_PLAN: ProgramState("家計再生プラン", "Budget plan"),
    S.IN_SUPPORT: ProgramState("家計再生の支援中", "Budget recovery"),
    S.MAINTENANCE_CHECKS: ProgramState("適正家計の継続（定期確認）", "Regular checks"),
    S.CLOSED: ProgramState("終結", "Closed", terminal=True),
    S.WITHDRAWN: ProgramState("利用中止", "Withdrawn", terminal=True),
}

HOUSEHOLD_BUDGET = ProgramDef[HouseholdBudgetState, HouseholdBudgetTrigger, HouseholdBudgetRecord](
    id="household_budget",
    position=4,
    labels=LABELS,
    start_patch="start-program-household_budget",
    name_ja="家計改善支援事業",
    basis="生活困窮者自立支援法 第3条第5項（家計改善支援事業）; 福岡県家計相談支援事業実施要領 (S26)",
    states=STATES,
    triggers=HouseholdBudgetTrigger,
    initial=S.REFERRED_IN_PLAN,
    transitions=TRANSITIONS,
    guards=GUARDS,
    record_type=HouseholdBudgetRecord,
    effects={
        T.DECIDE: record_decision,
        T.RECORD_BUDGET: e.budget,
        T.DRAFT_PLAN: e.plan,
        T.AGREE_PLAN: e.agree,
        T.RECORD_ACTION: e.action,
        T.START_MAINTENANCE: e.maintain,
        T.RECORD_CHECK: e.check,
        T.CLOSE: record_end,
        T.WITHDRAW: record_end,
        T.MARK_CHECK_DUE: e.due_marked,
    },
    deadlines=e.deadlines,
    state_tasks={
        S.REFERRED_IN_PLAN: TK("hh_decide", Role.MUN, T.DECIDE, "家計改善支援事業の支援決定", "Decide"),
        S.DECIDED: TK(
            "hh_assess", Role.HHSW, T.START_ASSESSMENT, "家計の課題把握（家計表の作成）", "Assess the budget"
        ),
        S.ASSESS_BUDGET: TK(
            "hh_budget_sheet",
            Role.HHSW,
            T.RECORD_BUDGET,
            "家計表・キャッシュフロー表の作成",
            "Record the budget sheet and cash flow",
        ),
        S.BUDGET_PLAN: TK("hh_plan_consent", Role.HHSW, T.AGREE_PLAN, "家計再生プランへの本人同意", "Agree the plan"),
    },
    event_tasks={
        T.MARK_CHECK_DUE: TK(
            "hh_check_due",
            Role.HHSW,
            T.RECORD_CHECK,
            "家計の定期確認の時期です",
            "The regular budget check is due",
        )
    },
    closes={T.RECORD_CHECK: ("hh_check_due",)},
    rules={"check_interval": ("P1M", "適正家計の継続のための定期確認（月1回）[BK]")},
    timers=(
        Timer("maintenance_check", "opens the regular check task, counted from the last check", rule="check_interval"),
    ),
)
