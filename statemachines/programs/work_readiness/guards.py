"""The guards of 就労準備支援: the means test of 施行規則§4, and the one-year limit of §5."""

from __future__ import annotations

from statemachines.kernel.guards import Guard, GuardContext, Verdict, guard_table
from statemachines.kernel.rules import add_duration
from statemachines.programs.means import means_test_met
from statemachines.programs.work_readiness.records import Apply, Review, WorkReadinessRecord, WorkReadinessTrigger

Ctx = GuardContext[WorkReadinessRecord]


def _eligible(ctx: Ctx) -> Verdict:
    payload = ctx.payload
    means = payload.means if isinstance(payload, Apply) and payload.means else ctx.record.means
    if means is None:
        return None if ctx.payload is None and ctx.trigger == WorkReadinessTrigger.SUBMIT_APPLICATION else False
    return means_test_met(means, ctx.record.rules.asset_multiple)


def _within_year(ctx: Ctx) -> Verdict:
    """Continuing past the year needs the reason 施行規則§5 allows (心身の状況等)."""
    started = ctx.record.program_started_at
    if started is None:
        return True
    if ctx.now is None:
        return None
    if ctx.now < add_duration(started, ctx.record.rules.max_duration):
        return True
    reason = ctx.payload.extension_reason if isinstance(ctx.payload, Review) else None
    return bool(reason or ctx.record.extension_reason)


G = Guard[WorkReadinessRecord]
GUARDS = guard_table(
    G(
        "G-W1",
        "世帯の収入・資産が施行規則第4条の要件を満たさず、これに準ずる者としての理由も記録されていません。",
        "Household income and assets fail Ordinance art. 4, and no reason for the equivalent case is recorded.",
        "生活困窮者自立支援法施行規則 第4条 (S5)",
        _eligible,
    ),
    G(
        "G-W2",
        "利用開始から1年を超えて継続するには、心身の状況等による必要性の記録が必要です。",
        "Continuing beyond one year needs a recorded reason (the person's condition etc.).",
        "施行規則 第5条（1年を超えない期間、必要と認める場合は延長）(S5)",
        _within_year,
    ),
)
