"""The guards of 就労準備支援: the means test of 施行規則§4, and the one-year limit of §5 (beyond it only on the
municipality's 延長決定)."""

from __future__ import annotations

from datetime import datetime

from statemachines.kernel.guards import Guard, GuardContext, Verdict, guard_table
from statemachines.kernel.rules import add_duration
from statemachines.policy.scheduling import JST
from statemachines.programs.means import means_test_met
from statemachines.programs.work_readiness.records import (
    Apply,
    ExtensionDecision,
    Means,
    WorkReadinessRecord,
    WorkReadinessTrigger,
)

Ctx = GuardContext[WorkReadinessRecord]


def _eligible(ctx: Ctx) -> Verdict:
    payload = ctx.payload
    means = payload.means if isinstance(payload, Apply) and payload.means else ctx.record.means
    if means is None:
        return None if ctx.payload is None and ctx.trigger == WorkReadinessTrigger.SUBMIT_APPLICATION else False
    if isinstance(means, Means) and means.specified_public_assistance_recipient:
        return True  # 特定被保護者: 法3条4項 as amended (2025-04-01)
    return means_test_met(means, ctx.record.rules.asset_multiple)


def year_ends_at(record: WorkReadinessRecord) -> datetime | None:
    """When the program's year (施行規則§5: 1年を超えない期間) runs out, from the start of its individual program."""
    started = record.program_started_at
    return add_duration(started, record.rules.max_duration) if started else None


def _within_year(ctx: Ctx) -> Verdict:
    """Activity past the year only under the municipality's 延長決定 (WR9), up to the last day it allows: a reason
    a consultant writes in a review is not a decision (施行規則§5: 都道府県等が必要と認める場合)."""
    ends = year_ends_at(ctx.record)
    if ends is None:
        return True
    if ctx.now is None:
        return None
    if ctx.now < ends:
        return True
    until = ctx.record.extended_until
    return until is not None and ctx.now.astimezone(JST).date() <= until


def _extension_after_year(ctx: Ctx) -> Verdict:
    """The 延長決定 reaches past the year and past any earlier extension, and is not dated after today."""
    payload = ctx.payload
    if not isinstance(payload, ExtensionDecision):
        return None
    ends = year_ends_at(ctx.record)
    reaches = ctx.record.extended_until or (ends.astimezone(JST).date() if ends else None)
    today = ctx.now.astimezone(JST).date() if ctx.now is not None else None
    return (reaches is None or payload.until > reaches) and (today is None or payload.decided_on <= today)


EXTENSION_PATCH = "work-readiness-extension-decided"  # runs recorded before it went on past a year on a staff review


G = Guard[WorkReadinessRecord]
GUARDS = guard_table(
    G(
        "G-W1",
        "世帯の収入・資産が施行規則第4条の要件を満たさず、これに準ずる者としての理由も記録されていません。",
        "Household income and assets fail Ordinance art. 4, and no reason for the equivalent case is recorded.",
        "生活困窮者自立支援法施行規則 第4条 (S5); 特定被保護者は法3条4項（令和6年改正、2025-04-01施行）(S7)",
        _eligible,
    ),
    G(
        "G-W2",
        "利用開始から1年を超える利用には、自治体の延長決定（理由と期間）が必要です。",
        "Activity beyond one year needs the municipality's extension decision (its reason and period).",
        "施行規則 第5条（1年を超えない期間。都道府県等が心身の状況等により必要と認める場合は延長）(S5)",
        _within_year,
        patch=EXTENSION_PATCH,
    ),
    G(
        "G-W3",
        "延長の期間は、利用開始から1年（またはこれまでの延長）の後まで、決定日は今日までの日付にしてください。",
        "The extension must reach past the year (or the earlier extension), decided on a day not after today.",
        "施行規則 第5条（延長は都道府県等が必要と認める場合）(S5)",
        _extension_after_year,
    ),
)
