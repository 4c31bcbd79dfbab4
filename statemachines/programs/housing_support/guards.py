"""The guards of 居住支援／一時生活支援: the means test, the kind chosen at the request, the shelter's limit."""

from __future__ import annotations

from collections.abc import Callable

from statemachines.kernel.guards import Guard, GuardContext, Verdict, guard_table
from statemachines.kernel.rules import add_duration
from statemachines.programs.housing_support.records import (
    Extend,
    HousingSupportRecord,
    HousingSupportRules,
    Kind,
    Means,
)
from statemachines.programs.means import means_test_met

Ctx = GuardContext[HousingSupportRecord]


def _means_ok(means: Means, kind: Kind | None, rules: HousingSupportRules) -> bool:
    if kind == "community" and means.public_assistance_recipient:
        return True
    return means_test_met(means, rules.asset_multiple)


def _eligible(ctx: Ctx) -> Verdict:
    means = ctx.record.means
    return means is not None and _means_ok(means, ctx.record.kind, ctx.record.rules)


def _kind_is(kind: Kind) -> Callable[[Ctx], Verdict]:
    def predicate(ctx: Ctx) -> Verdict:
        return ctx.record.kind == kind

    return predicate


def _within_extended_max(ctx: Ctx) -> Verdict:
    started, until = ctx.record.shelter_started_at, ctx.record.shelter_until
    if not isinstance(ctx.payload, Extend):
        return None
    if started is None or until is None:
        return False
    return add_duration(until, f"P{ctx.payload.months}M") <= add_duration(
        started, ctx.record.rules.shelter_extended_max
    )


def _moved_in(ctx: Ctx) -> Verdict:
    return ctx.record.moved_in_on is not None


G = Guard[HousingSupportRecord]
GUARDS = guard_table(
    G(
        "G-HS1",
        "世帯の収入・資産が要件を満たさず、これに準ずる者としての理由も記録されていません。",
        "Household income and assets fail the requirement, and no reason for the equivalent case is recorded.",
        "世帯単位の収入・資産要件 (S13); 施行規則 第4条 と同じ形 [BK]; 被保護者は地域居住支援の対象 (S50)",
        _eligible,
    ),
    G(
        "G-HS2",
        "申込時に選ばれた支援の種類が一時生活支援（シェルター）ではありません。",
        "The kind chosen at the request is not the shelter.",
        "居住支援事業: 一時生活支援 (S7, S40) [BK]",
        _kind_is("shelter"),
    ),
    G(
        "G-HS3",
        "申込時に選ばれた支援の種類が地域居住支援（入居支援・見守り）ではありません。",
        "The kind chosen at the request is not 地域居住支援 (move-in support and watching over).",
        "居住支援事業: 地域居住支援 (S8, S10, S50) [BK]",
        _kind_is("community"),
    ),
    G(
        "G-HS4",
        "延長後の入所期間が上限（通算6か月）を超えます。",
        "The extended stay would go beyond the maximum (6 months in all).",
        "原則3か月・最長6か月 [BK/UNVERIFIED]; 3か月間に限り [LOCAL 水戸市 S40]",
        _within_extended_max,
    ),
    G(
        "G-HS5",
        "入居の記録がないため、見守りを終了できません。",
        "Watching over cannot end before the move-in is recorded.",
        "地域居住支援: 入居後の支援 (S50) [BK]",
        _moved_in,
    ),
)
