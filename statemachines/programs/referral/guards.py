"""The guards of a referral: a directory institution that takes referrals, not one that has declined already."""

from __future__ import annotations

from statemachines.kernel.guards import Guard, GuardContext, Verdict, guard_table
from statemachines.programs.referral.records import ReferralRecord, Send

Ctx = GuardContext[ReferralRecord]


def _institution_accepts(ctx: Ctx) -> Verdict:
    payload = ctx.payload
    return bool(payload.institution_id) and payload.accepts_referrals if isinstance(payload, Send) else None


def _not_declined_before(ctx: Ctx) -> Verdict:
    payload = ctx.payload
    if not isinstance(payload, Send):
        return None
    declined = {s.institution_id for s in ctx.record.sendings if s.answer == "declined"}
    return payload.institution_id not in declined


def _unanswered(ctx: Ctx) -> Verdict:
    current = ctx.record.current
    return current is not None and not current.no_answer_flagged


G = Guard[ReferralRecord]
GUARDS = guard_table(
    G(
        "G-RF1",
        "紹介先の関係機関が選ばれていないか、その機関は紹介を受け付けていません。",
        "No institution is chosen, or it does not accept referrals.",
        "process.md §6: 関係機関名簿 (accepts_referrals_from); T4 他機関へつなぎ",
        _institution_accepts,
    ),
    G(
        "G-RF2",
        "この関係機関からは既に断られています。別の機関を選んでください。",
        "This institution has already declined the referral: choose another.",
        "process.md §6 [BK]",
        _not_declined_before,
    ),
    G(
        "G-RF3",
        "この送付については既に回答なしのフォローが開かれています。",
        "The no-answer follow-up for this sending is already open.",
        "仕様書「他機関への確認やフォロー」(S6) [BK]",
        _unanswered,
    ),
)
