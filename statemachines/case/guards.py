"""Guards G1–G9 (process.md §1.4) and the completeness guards around them, as pure predicates.

A guard answers True (met), False (unmet) or None ("cannot tell yet": the data it needs arrives with the command's
own payload, so ``explain`` lists it as a requirement instead of a blocker). A failed guard is never a silent False
to the caller: ``check`` turns it into an ``Unmet`` with its id, messages and legal basis.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from statemachines.case.consistency import CONSISTENCY_GUARDS
from statemachines.case.corrections import CORRECTION_GUARDS
from statemachines.case.dates import DATE_GUARDS
from statemachines.case.fidelity import FIDELITY_GUARDS
from statemachines.case.payloads import RevokeConsent, SignConsent
from statemachines.case.record import CaseRecord
from statemachines.case.records import (
    ASSESSMENT_BASIC_FIELDS,
    Assessment,
    ClosureProposal,
    Consent,
    ConsentKind,
    Decision,
    Evaluation,
    MeetingRecord,
    Plan,
    ReferralTarget,
)
from statemachines.case.supervision import SUPERVISION_GUARDS
from statemachines.kernel.guards import Guard, GuardContext, Verdict, from_payload, guard_table, present

Ctx = GuardContext[CaseRecord]


def _consent_ok(kind: ConsentKind) -> Callable[[Any], bool]:
    def test(consent: Consent) -> bool:
        return consent.kind is kind and consent.in_force()

    return test


def g1_consent_c1(ctx: Ctx) -> Verdict:
    return present(ctx, "consent_c1", _consent_ok(ConsentKind.C1))


def g2_eligible(ctx: Ctx) -> Verdict:
    return present(ctx, "eligibility", lambda e: bool(e.is_needy and e.resides_in_municipality))


PLAN_ITEMS_JA = (
    "生活に対する意向",
    "解決すべき課題",
    "支援の目標及びその達成時期",
    "支援の種類及び内容",
    "留意事項",
)


def missing_plan_items(plan: Plan) -> list[str]:
    """The 施行規則§1 items a plan lacks, in the ordinance's order."""
    found = (
        bool(plan.client_intentions),
        bool(plan.issues),
        bool(plan.goals) and all(g.target_date is not None for g in plan.goals),
        bool(plan.support_items),
        bool(plan.notes),
    )
    return [name for name, ok in zip(PLAN_ITEMS_JA, found, strict=True) if not ok]


def _plan_ok(plan: Plan) -> bool:
    return not missing_plan_items(plan) and plan.co_written_with_client


def g3_plan_items(ctx: Ctx) -> Verdict:
    """A consented plan is immutable: after it, only a new plan (version +1) can be submitted."""
    if ctx.record.consent_c2 is not None or ctx.record.plan is None:
        return from_payload(ctx, "plan", _plan_ok)
    return present(ctx, "plan", _plan_ok)


def g4_consent_c2(ctx: Ctx) -> Verdict:
    return present(ctx, "consent_c2", _consent_ok(ConsentKind.C2))


def _meeting_quorum(ctx: Ctx, meeting: MeetingRecord) -> bool:
    rules = ctx.record.ruleset
    enough = len(meeting.attendees) >= rules.meeting_quorum
    official = any(a.is_municipal_official for a in meeting.attendees)
    return enough and (official or not rules.meeting_requires_municipal_official)


def g5_quorum(ctx: Ctx) -> Verdict:
    return present(ctx, "meeting", lambda m: _meeting_quorum(ctx, m))


def g6_maker_checker(ctx: Ctx) -> Verdict:
    """The plan's checker is a 主任相談支援員 other than its drafter."""
    if not ctx.record.ruleset.plan_check_required:
        return True
    drafted = ctx.record.plan_drafted
    if ctx.trigger == "check_plan":  # the check itself: the checker must not be the drafter
        return drafted is None or drafted.user_id != ctx.actor.user_id
    checked = ctx.record.plan_checked
    return checked is not None and (drafted is None or checked.user_id != drafted.user_id)


def g7_municipal_decision(ctx: Ctx) -> Verdict:
    return ctx.actor.decides_for(ctx.record.municipality)


def _meeting_with(result: str) -> Callable[[Any], bool]:
    def test(meeting: MeetingRecord) -> bool:
        return meeting.result is not None and meeting.result.value == result

    return test


def g8_closure_reported(ctx: Ctx) -> Verdict:
    return present(ctx, "closure", lambda c: c.meeting is not None and _meeting_with("closure_confirmed")(c.meeting))


def g9_interruption_confirmed(ctx: Ctx) -> Verdict:
    return present(ctx, "meeting", _meeting_with("interruption_confirmed"))


def gi_intake_minimum(ctx: Ctx) -> Verdict:
    return present(ctx, "intake", lambda i: i.received_on is not None and bool(i.topics))


def _referral_ok(target: ReferralTarget) -> bool:
    return not target.shares_personal_data or bool(target.legal_basis)


def gr_referral(ctx: Ctx) -> Verdict:
    """つなぎ先 chosen; passing personal data needs C1 (on the case or signed now) or a legal basis."""
    consent = ctx.value("consent_c1")
    consented = consent is not None and _consent_ok(ConsentKind.C1)(consent)
    return present(ctx, "referral", lambda t: consented or _referral_ok(t))


def g_consent_held(ctx: Ctx) -> Verdict:
    """Only a consent in force can be revoked."""
    payload = ctx.payload
    if not isinstance(payload, RevokeConsent):
        return None
    current = ctx.record.consent_of(payload.revocation.kind)
    return current is not None and current.in_force() and payload.revocation.revoked_on >= current.signed_on


def g_consent_signed(ctx: Ctx) -> Verdict:
    payload = ctx.payload
    return payload.consent.signed_by_client if isinstance(payload, SignConsent) else None


def gr_referral_accepted(ctx: Ctx) -> Verdict:
    """An institution of the directory must accept referrals (a name typed in is not; no target: G-REFERRAL's)."""
    target = ctx.value("referral")
    if target is None:
        return None if ctx.awaiting("referral") else True
    return target.institution_id is None or target.accepts_referrals is True


def missing_assessment_items(assessment: Assessment) -> list[str]:
    return [ja for name, ja in ASSESSMENT_BASIC_FIELDS.items() if not getattr(assessment, name)]


def ga_assessment(ctx: Ctx) -> Verdict:
    return present(ctx, "assessment", lambda a: not missing_assessment_items(a) and a.continuous_support_needed is True)


def gw_client_wish(ctx: Ctx) -> Verdict:
    return present(ctx, "closure_proposal", lambda p: isinstance(p, ClosureProposal) and p.client_wish is not None)


EVALUATION_DIRECTION = {"replan": "replan", "propose_closure": "close"}


def _evaluation_complete(evaluation: Evaluation, plan: Plan | None, trigger: str) -> bool:
    goals = len(plan.goals) if plan else 0
    direction = evaluation.direction.value if evaluation.direction else None
    return direction == EVALUATION_DIRECTION.get(trigger) and len(evaluation.goals_achieved) == goals


def ge_evaluation(ctx: Ctx) -> Verdict:
    """The evaluation sheet of this round, pointing the way the command goes (再プラン or 終結)."""
    return from_payload(ctx, "evaluation", lambda e: _evaluation_complete(e, ctx.record.plan, ctx.trigger))


def gd_needs_decision(ctx: Ctx) -> Verdict:
    plan = ctx.record.plan
    return plan is not None and bool(plan.programs_needing_decision())


def gd_no_decision(ctx: Ctx) -> Verdict:
    plan = ctx.record.plan
    return plan is not None and not plan.programs_needing_decision()


def _decided(decision: Decision, ctx: Ctx, approved: bool) -> bool:
    needed = ctx.record.plan.programs_needing_decision() if ctx.record.plan else set()
    by_program = {d.program: d.approved for d in decision.programs}
    if approved:
        return bool(needed) and all(by_program.get(p) is True for p in needed)
    return any(v is False for v in by_program.values())


def gd_all_approved(ctx: Ctx) -> Verdict:
    return present(ctx, "decision", lambda d: _decided(d, ctx, approved=True))


def gd_some_refused(ctx: Ctx) -> Verdict:
    return present(ctx, "decision", lambda d: _decided(d, ctx, approved=False))


def gf_efforts(ctx: Ctx) -> Verdict:
    return len(ctx.record.contact_efforts) >= ctx.record.ruleset.min_contact_efforts


GUARDS = guard_table(
    Guard(
        "G1",
        "本人の署名による利用申込と、関係機関との情報共有への同意（C1）がありません。",
        "The client has not signed the application and consent to share information with agencies (C1).",
        "相談受付・申込票 相談申込み欄（標準様式【1】, S3）; 仕様書「情報共有についての同意を得る」(S6)",
        g1_consent_c1,
    ),
    Guard(
        "G2",
        "生活困窮者（法3条1項）であり、市内に居住していることが確認されていません。",
        "Not confirmed that the client is a person in hardship (Act art. 3(1)) living in the municipality.",
        "生活困窮者自立支援法 第3条第1項; 自治体実施要綱（居住要件）[LOCAL S20]",
        g2_eligible,
    ),
    Guard(
        "G3",
        "プランに施行規則第1条の記載事項（意向・課題・目標及び達成時期・支援の種類及び内容・留意事項）"
        "が揃っていないか、本人と共同で作成されていません。",
        "The plan lacks an item required by Ordinance art. 1 or was not written together with the client.",
        "生活困窮者自立支援法施行規則 第1条 (S5); 本人と共同で作成 (S20)",
        g3_plan_items,
    ),
    Guard(
        "G4",
        "本人のプラン同意とプラン兼事業等利用申込書への署名（C2）がありません。",
        "The client has not agreed to the plan and signed the plan and program application (C2).",
        "プラン兼事業等利用申込書（標準様式【5】）; 墨田区実施要領 [LOCAL S20]",
        g4_consent_c2,
    ),
    Guard(
        "G5",
        "支援調整会議の定足数（設置要綱）または自治体職員の出席がありません。",
        "The coordination meeting lacks its quorum or a municipal official.",
        "支援調整会議設置要綱 [LOCAL S22]; 自治体職員は原則出席 (WAM NET Q&A, S11)",
        g5_quorum,
    ),
    Guard(
        "G6",
        "プランの確認者は、作成者とは別の主任相談支援員でなければなりません。",
        "The plan must be checked by a chief consultant other than the one who drafted it.",
        "主任相談支援員の役割（プラン内容の確認, S0）; 作成者と確認者の分離 (process.md §0)",
        g6_maker_checker,
    ),
    Guard(
        "G7",
        "支援決定は自治体職員のみが行えます（委託先の職員は行えません）。",
        "Only municipal staff may decide; a contractor's staff never can.",
        "市が直接行うこととされている事務（支援決定）は委託できない (自治体要綱 S21, S43)",
        g7_municipal_decision,
    ),
    Guard(
        "G8",
        "終結評価が支援調整会議に報告・確認されていません。",
        "The closure evaluation has not been reported to and confirmed by the coordination meeting.",
        "支援終結時は本人の意向を確認の上、支援調整会議に報告し終結の評価を行う (WAM NET Q&A, S11)",
        g8_closure_reported,
    ),
    Guard(
        "G9",
        "中断の可否が支援調整会議で確認されていません。",
        "The coordination meeting has not confirmed the interruption.",
        "中断は支援調整会議に報告し可否を確認する (WAM NET Q&A, S11)",
        g9_interruption_confirmed,
    ),
    Guard(
        "G-INTAKE",
        "受付日と相談内容（1つ以上）が記録されていません。",
        "The intake date and at least one consultation topic are required.",
        "相談受付・申込票 ※必須項目（標準様式記入要領, S2, S3）",
        gi_intake_minimum,
    ),
    Guard(
        "G-REFERRAL",
        "つなぎ先が選ばれていないか、個人情報を提供する根拠（本人同意C1または法令）がありません。",
        "No referral target, or personal data would be passed on without consent (C1) or a legal basis.",
        "仕様書「他制度の相談窓口等へのつなぎ」(S6); 個人情報保護法27条（第三者提供）",
        gr_referral,
    ),
    Guard(
        "G-CONSENT-HELD",
        "撤回できる同意がありません（まだ同意を得ていないか、既に撤回されています。撤回日は署名日以降にしてください）。",
        "There is no consent in force to revoke (none yet, or already revoked; revoke on or after the signing).",
        "process.md §5.2: 同意は日付つきで撤回できる記録として保持する",
        g_consent_held,
    ),
    Guard(
        "G-CONSENT-SIGNED",
        "本人の署名がありません。同意は本人の署名をもって記録します。",
        "The client has not signed: a consent is recorded with the client's signature.",
        "process.md §5.2; 相談受付・申込票／プラン兼事業等利用申込書の署名欄",
        g_consent_signed,
    ),
    Guard(
        "G-REFERRAL-ACCEPTS",
        "選んだ関係機関は、関係機関名簿で紹介（つなぎ）を受け付けていません。",
        "The institution chosen does not accept referrals according to the directory.",
        "process.md §6: 関係機関名簿 (accepts_referrals_from)",
        gr_referral_accepted,
    ),
    Guard(
        "G-ASSESSMENT",
        "インテーク・アセスメントシート（基本シート）が未完成か、継続支援の必要性が示されていません。",
        "The basic assessment sheet is incomplete or does not show a need for continuous support.",
        "インテーク・アセスメントシート（共通アセスメントツール, S4）; 継続的な支援の必要性 (S20)",
        ga_assessment,
    ),
    Guard(
        "G-WISH",
        "本人の意向の確認が記録されていません。",
        "The client's wish has not been recorded.",
        "終結時は本人の意向を確認する (WAM NET Q&A, S11)",
        gw_client_wish,
    ),
    Guard(
        "G-EVALUATION",
        "この評価の評価シートが未完成です（目標ごとの達成状況と、操作に合った今後の方向）。",
        "This round's evaluation sheet is incomplete (achievement per goal, and a direction matching the command).",
        "評価シート（共通アセスメントツール, S4）; 施行規則§2 定期的な確認・見直し (S5)",
        ge_evaluation,
    ),
    Guard(
        "G-DECISION-NEEDED",
        "プランに支援決定が必要な事業が含まれていません。",
        "The plan contains no program that needs a municipal decision.",
        "支援決定が必要な事業 (process.md §3) [BK]",
        gd_needs_decision,
    ),
    Guard(
        "G-NO-DECISION",
        "プランに支援決定が必要な事業が含まれているため、自治体の支援決定を経る必要があります。",
        "The plan contains programs that need a municipal decision first.",
        "支援決定が必要な事業 (process.md §3) [BK]",
        gd_no_decision,
    ),
    Guard(
        "G-DECISION-ALL",
        "支援決定が必要なすべての事業について決定されていません。",
        "Not every program that needs a decision has been approved.",
        "支援決定 (自治体要綱 S21, S43)",
        gd_all_approved,
    ),
    Guard(
        "G-DECISION-REFUSED",
        "不承認の事業がないため、プランの差し戻しはできません。",
        "No program was refused, so the plan cannot be sent back for revision.",
        "支援決定 (自治体要綱 S21, S43)",
        gd_some_refused,
    ),
    Guard(
        "G-EFFORT",
        "連絡を取るための努力（訪問・連絡票の差し置き・知人への連絡等）の記録が足りません。",
        "Not enough documented attempts to re-establish contact.",
        "一時的な連絡不通の場合は中断の前にあらゆる努力を行う (WAM NET Q&A, S11)",
        gf_efforts,
    ),
    *SUPERVISION_GUARDS,  # the 主任相談支援員's commands (statemachines.case.supervision)
    *CORRECTION_GUARDS,  # 訂正 (statemachines.case.corrections)
    *CONSISTENCY_GUARDS,  # what a command must agree with (statemachines.case.consistency)
    *FIDELITY_GUARDS,  # the law as process.md states it, issue 18 (statemachines.case.fidelity)
    *DATE_GUARDS,  # the dates a person declares (statemachines.case.dates)
)
