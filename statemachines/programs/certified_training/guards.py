"""The guards of 認定就労訓練: a certified provider (法16条, 施行規則§21), a step-up only toward 雇用型."""

from __future__ import annotations

from statemachines.kernel.guards import Guard, GuardContext, Verdict, guard_table
from statemachines.programs.certified_training.records import (
    RANK,
    CertifiedTrainingRecord,
    CertifiedTrainingTrigger,
    MatchProvider,
    StepUp,
)

Ctx = GuardContext[CertifiedTrainingRecord]


def _certified(ctx: Ctx) -> Verdict:
    payload = ctx.payload
    provider = payload.provider if isinstance(payload, MatchProvider) else ctx.record.provider
    if provider is None:
        return None if payload is None and ctx.trigger == CertifiedTrainingTrigger.MATCH_PROVIDER else False
    return provider.provider_certified and bool(provider.certification_number)


def _steps_up(ctx: Ctx) -> Verdict:
    if not isinstance(ctx.payload, StepUp):
        return None
    current = ctx.record.training_type
    return current is not None and RANK[ctx.payload.to_type] > RANK[current]


G = Guard[CertifiedTrainingRecord]
GUARDS = guard_table(
    G(
        "G-CT1",
        "あっせん先が認定就労訓練事業者（認定番号あり）ではありません。",
        "The provider is not a certified 就労訓練事業 provider with a certification number.",
        "生活困窮者自立支援法 第16条（就労訓練事業の認定）; 施行規則 第21条 の認定基準 (S25, S38)",
        _certified,
    ),
    G(
        "G-CT2",
        "ステップアップは非雇用型から雇用型への移行に限られます（雇用型から非雇用型へは戻せません）。",
        "A step-up goes from the non-employment type to the employment type only, never back.",
        "一般就労に向けたステップアップ (S24 倉敷市, S25) [BK]",
        _steps_up,
    ),
)
