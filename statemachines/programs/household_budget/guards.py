"""The guards of 家計改善支援 (S26): the budget sheet first, the person's agreement, an action, a stable check."""

from __future__ import annotations

from statemachines.kernel.guards import Guard, GuardContext, Verdict, guard_table
from statemachines.programs.household_budget.records import AgreePlan, HouseholdBudgetRecord

Ctx = GuardContext[HouseholdBudgetRecord]


def _budget_recorded(ctx: Ctx) -> Verdict:
    return ctx.record.budget is not None


def _client_agreed(ctx: Ctx) -> Verdict:
    return ctx.payload.client_agreed if isinstance(ctx.payload, AgreePlan) else None


def _acted(ctx: Ctx) -> Verdict:
    return bool(ctx.record.actions)


def _checked_on_track(ctx: Ctx) -> Verdict:
    r = ctx.record
    return r.last_check_at is not None and bool(r.checks) and r.checks[-1].on_track


G = Guard[HouseholdBudgetRecord]
GUARDS = guard_table(
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
)
