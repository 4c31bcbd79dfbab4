"""Each guard, refused with its own id, messages and legal basis, and met once the data is put right.

Also the gates before the guards (role, scope, unknown command, state), the parallel 緊急支援 region, T27's return
to the previous state, payload validation and the engine's promise never to touch the record it was given.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import pytest

from statemachines.case import payloads as c
from statemachines.case.engine import CASE, open_case
from statemachines.case.guards import GUARDS, missing_assessment_items, missing_plan_items
from statemachines.case.record import NO_CONTACT_STATES, CaseRecord, CaseState
from statemachines.case.records import Assessment, Plan
from statemachines.case.transitions import Trigger
from statemachines.kernel.guards import GuardContext
from statemachines.kernel.outcomes import CommandRejected, PayloadInvalid, Unmet, UnmetKind
from statemachines.kernel.roles import SYSTEM_ACTOR, Actor, OrgKind, Role
from statemachines.kernel.rules import DEFAULT_RULESET
from tests.factories import (
    ALL_ACTORS,
    AUD1,
    CITY,
    CSW1,
    ESW1,
    MUN1,
    MUN_AT_CONTRACTOR,
    OPS1,
    REFUSAL,
    SW1,
    SW2,
    SW_CSW,
    VALID_PAYLOADS,
    meeting,
    plan,
    wish,
)
from tests.statemachines.paths import START, reach, step

S = CaseState
T = Trigger

MUN_OF_CITY_B = Actor(
    user_id="mun-b",
    roles=frozenset({Role.MUN}),
    organisation="city-b",
    org_kind=OrgKind.MUNICIPALITY,
    serves=frozenset({"city-b"}),
)


def valid(trigger: Trigger) -> dict[str, Any]:
    """A fresh, editable copy of the factory's valid payload."""
    return copy.deepcopy(VALID_PAYLOADS[trigger])


def assert_only(unmet: list[Unmet], guard_id: str) -> None:
    """Exactly one unmet guard, with everything a person needs to understand it."""
    assert [u.id for u in unmet] == [guard_id]
    (u,) = unmet
    assert u.kind is UnmetKind.GUARD
    assert u.message_ja
    assert u.message_en
    assert u.basis
    assert u.model_dump(include={"id", "message_ja", "message_en", "basis"}) == GUARDS[guard_id].describe()


def context(case: CaseRecord, command: str, actor: Actor, payload: dict[str, Any]) -> GuardContext[CaseRecord]:
    parsed = CASE.parse(command, payload)
    return GuardContext(
        record=case, actor=actor, trigger=command, payload=parsed, payload_fields=frozenset(type(parsed).model_fields)
    )


def at_meeting_review(submitted_plan: dict[str, Any]) -> CaseRecord:
    case = step(reach(S.PLAN_DRAFTING), T.SUBMIT_PLAN, {"plan": submitted_plan})
    for trigger in (T.CHECK_PLAN, T.RECORD_PLAN_CONSENT, T.PUT_ON_AGENDA, T.OPEN_MEETING_ITEM):
        case = step(case, trigger)
    assert case.state is S.MEETING_REVIEW
    return case


def at_decision_pending(submitted_plan: dict[str, Any]) -> CaseRecord:
    case = step(at_meeting_review(submitted_plan), T.APPROVE_PLAN)
    assert case.state is S.DECISION_PENDING
    return case


@pytest.mark.parametrize("guard_id", list(GUARDS))
def test_every_guard_has_messages_and_a_legal_basis(guard_id: str) -> None:
    described = GUARDS[guard_id].describe()
    assert described["id"] == guard_id
    assert described["message_ja"]
    assert described["message_en"]
    assert described["basis"]


# --- G1, G2: 利用申込 (T5) -----------------------------------------------------------------------------------------


def test_g1_an_unsigned_c1_consent_is_refused_and_a_signed_one_passes() -> None:
    case = reach(S.SCREENING)
    body = valid(T.APPLY_FOR_SUPPORT)
    body["consent_c1"]["signed_by_client"] = False
    assert_only(CASE.check(case, "apply_for_support", SW1, body), "G1")
    assert CASE.check(case, "apply_for_support", SW1, valid(T.APPLY_FOR_SUPPORT)) == []


def test_g1_a_missing_or_wrong_kind_of_consent_is_refused() -> None:
    case = reach(S.SCREENING)
    body = valid(T.APPLY_FOR_SUPPORT)
    without = {"eligibility": body["eligibility"]}
    assert_only(CASE.check(case, "apply_for_support", SW1, without), "G1")
    body["consent_c1"]["kind"] = "C2"
    assert_only(CASE.check(case, "apply_for_support", SW1, body), "G1")


def test_g2_a_client_outside_the_municipality_is_refused_and_a_resident_passes() -> None:
    case = reach(S.SCREENING)
    body = valid(T.APPLY_FOR_SUPPORT)
    body["eligibility"]["resides_in_municipality"] = False
    assert_only(CASE.check(case, "apply_for_support", SW1, body), "G2")
    body["eligibility"]["resides_in_municipality"] = True
    assert CASE.check(case, "apply_for_support", SW1, body) == []


def test_g2_a_client_not_in_hardship_is_refused() -> None:
    body = valid(T.APPLY_FOR_SUPPORT)
    body["eligibility"]["is_needy"] = False
    assert_only(CASE.check(reach(S.SCREENING), "apply_for_support", SW1, body), "G2")


def test_g1_and_g2_are_both_named_when_both_are_missing() -> None:
    assert [u.id for u in CASE.check(reach(S.SCREENING), "apply_for_support", SW1, {})] == ["G1", "G2"]


# --- G3: プラン（案）の記載事項 (T10) ------------------------------------------------------------------------------


def test_g3_a_goal_without_target_date_is_refused_and_named_as_missing() -> None:
    case = reach(S.PLAN_DRAFTING)
    body = plan()
    body["goals"] = [{"description": "就職する"}]
    assert_only(CASE.check(case, "submit_plan", SW1, {"plan": body}), "G3")
    assert missing_plan_items(Plan.model_validate(body)) == ["支援の目標及びその達成時期"]
    body["goals"] = [{"description": "就職する", "target_date": "2026-06-30"}]
    assert CASE.check(case, "submit_plan", SW1, {"plan": body}) == []


def test_g3_a_plan_not_written_with_the_client_is_refused_though_no_item_is_missing() -> None:
    body = plan()
    body["co_written_with_client"] = False
    assert_only(CASE.check(reach(S.PLAN_DRAFTING), "submit_plan", SW1, {"plan": body}), "G3")
    assert missing_plan_items(Plan.model_validate(body)) == []


def test_g3_an_empty_plan_lacks_every_ordinance_item_in_order() -> None:
    assert missing_plan_items(Plan()) == [
        "生活に対する意向",
        "解決すべき課題",
        "支援の目標及びその達成時期",
        "支援の種類及び内容",
        "留意事項",
    ]
    assert_only(CASE.check(reach(S.PLAN_DRAFTING), "submit_plan", SW1, {}), "G3")


def test_a_plan_resubmitted_without_a_plan_is_refused_or_accepted_never_a_crash() -> None:
    case = step(reach(S.PLAN_CHECK), T.RETURN_PLAN)
    assert case.state is S.PLAN_DRAFTING
    assert case.plan is not None
    unmet = CASE.check(case, "submit_plan", SW1, {})
    refused = refusal(case, T.SUBMIT_PLAN, SW1, {})  # today: AssertionError from effects._submit_plan
    assert unmet == (refused or [])


# --- G4: 本人同意 (T12) --------------------------------------------------------------------------------------------


def test_g4_an_unsigned_plan_consent_is_refused_and_a_signed_one_passes() -> None:
    case = step(reach(S.PLAN_CHECK), T.CHECK_PLAN)
    body = valid(T.RECORD_PLAN_CONSENT)
    body["consent_c2"]["signed_by_client"] = False
    assert_only(CASE.check(case, "record_plan_consent", SW1, body), "G4")
    assert_only(CASE.check(case, "record_plan_consent", SW1, {}), "G4")
    assert CASE.check(case, "record_plan_consent", SW1, valid(T.RECORD_PLAN_CONSENT)) == []


def test_g4_a_c1_consent_does_not_count_as_plan_consent() -> None:
    body = valid(T.RECORD_PLAN_CONSENT)
    body["consent_c2"]["kind"] = "C1"
    assert_only(CASE.check(step(reach(S.PLAN_CHECK), T.CHECK_PLAN), "record_plan_consent", SW1, body), "G4")


# --- G5: 支援調整会議 (T14) ----------------------------------------------------------------------------------------


def test_g5_a_meeting_below_quorum_is_refused_and_a_full_one_passes() -> None:
    case = reach(S.MEETING_PENDING)
    assert_only(CASE.check(case, "open_meeting_item", SW1, {"meeting": meeting(quorum=False)}), "G5")
    assert CASE.check(case, "open_meeting_item", SW1, {"meeting": meeting()}) == []


def test_g5_a_meeting_without_a_municipal_official_is_refused() -> None:
    body = meeting()
    for attendee in body["attendees"]:
        attendee["is_municipal_official"] = False
    assert len(body["attendees"]) >= DEFAULT_RULESET.meeting_quorum
    assert_only(CASE.check(reach(S.MEETING_PENDING), "open_meeting_item", SW1, {"meeting": body}), "G5")


def test_g5_quorum_and_the_official_come_from_the_rule_set() -> None:
    lenient = DEFAULT_RULESET.model_copy(update={"meeting_quorum": 1, "meeting_requires_municipal_official": False})
    strict = DEFAULT_RULESET.model_copy(update={"meeting_quorum": 4})
    body = {"meeting": meeting(quorum=False)}  # one contractor attendee
    assert CASE.check(reach(S.MEETING_PENDING, ruleset=lenient), "open_meeting_item", SW1, body) == []
    assert_only(
        CASE.check(reach(S.MEETING_PENDING, ruleset=strict), "open_meeting_item", SW1, {"meeting": meeting()}), "G5"
    )


def test_g5_a_meeting_is_needed_at_all() -> None:
    assert_only(CASE.check(reach(S.MEETING_PENDING), "open_meeting_item", SW1, {}), "G5")


# --- G6: maker-checker (T12a, T12) ---------------------------------------------------------------------------------


def test_g6_the_drafter_holding_sw_and_csw_cannot_check_their_own_plan() -> None:
    case = step(reach(S.PLAN_DRAFTING), T.SUBMIT_PLAN, actor=SW_CSW)
    assert case.plan_drafted is not None
    assert case.plan_drafted.user_id == SW_CSW.user_id
    assert_only(CASE.check(case, "check_plan", SW_CSW, {}), "G6")
    assert CASE.check(case, "check_plan", CSW1, {}) == []


def test_g6_plan_consent_before_any_check_is_refused_and_passes_after_the_check() -> None:
    case = reach(S.PLAN_CHECK)
    assert case.plan_checked is None
    assert_only(CASE.check(case, "record_plan_consent", SW1, valid(T.RECORD_PLAN_CONSENT)), "G6")
    checked = step(case, T.CHECK_PLAN, actor=CSW1)
    assert CASE.check(checked, "record_plan_consent", SW1, valid(T.RECORD_PLAN_CONSENT)) == []


def test_g6_the_drafter_may_record_consent_once_someone_else_checked() -> None:
    case = step(step(reach(S.PLAN_DRAFTING), T.SUBMIT_PLAN, actor=SW_CSW), T.CHECK_PLAN, actor=CSW1)
    assert CASE.check(case, "record_plan_consent", SW_CSW, valid(T.RECORD_PLAN_CONSENT)) == []


def test_g6_a_resubmitted_plan_needs_a_new_check() -> None:
    checked = step(reach(S.PLAN_CHECK), T.CHECK_PLAN)
    resubmitted = step(step(checked, T.RETURN_PLAN), T.SUBMIT_PLAN)
    assert resubmitted.plan_checked is None
    assert_only(CASE.check(resubmitted, "record_plan_consent", SW1, valid(T.RECORD_PLAN_CONSENT)), "G6")


def test_g6_is_off_when_the_rule_set_does_not_require_a_check() -> None:
    rules = DEFAULT_RULESET.model_copy(update={"plan_check_required": False})
    case = reach(S.PLAN_CHECK, ruleset=rules)
    assert CASE.check(case, "record_plan_consent", SW1, valid(T.RECORD_PLAN_CONSENT)) == []


# --- G7 and the 支援決定 (T18, T19) --------------------------------------------------------------------------------


def test_g7_a_mun_role_at_a_contractor_may_not_decide() -> None:
    case = reach(S.DECISION_PENDING)
    assert_only(CASE.check(case, "decide_support", MUN_AT_CONTRACTOR, valid(T.DECIDE_SUPPORT)), "G7")
    assert_only(CASE.check(case, "decide_support", MUN_AT_CONTRACTOR, REFUSAL), "G7")


def test_g7_a_mun_of_another_municipality_may_not_decide() -> None:
    unmet = CASE.check(reach(S.DECISION_PENDING), "decide_support", MUN_OF_CITY_B, valid(T.DECIDE_SUPPORT))
    assert "G7" in [u.id for u in unmet]
    assert {u.id for u in unmet} == {"SCOPE", "G7"}


def test_g7_the_municipality_s_own_official_decides() -> None:
    case = reach(S.DECISION_PENDING)
    assert CASE.check(case, "decide_support", MUN1, valid(T.DECIDE_SUPPORT)) == []
    assert step(case, T.DECIDE_SUPPORT, actor=MUN1).state is S.SUPPORT_ACTIVE


def test_decide_support_with_a_refusal_routes_back_to_plan_drafting_t19() -> None:
    case = reach(S.DECISION_PENDING)
    chosen, unmet = CASE.select(case, "decide_support", MUN1, CASE.parse("decide_support", REFUSAL))
    assert unmet == []
    assert chosen is not None
    assert chosen.id == "T19"
    assert step(case, T.DECIDE_SUPPORT, REFUSAL, MUN1).state is S.PLAN_DRAFTING


def test_a_partial_refusal_routes_back_to_plan_drafting() -> None:
    case = at_decision_pending(plan(programs=("work_readiness", "household_budget")))
    partial = {
        "decision": {
            "decided_on": "2026-01-20",
            "programs": [
                {"program": "work_readiness", "approved": True},
                {"program": "household_budget", "approved": False, "reason": "要件を満たさない"},
            ],
        }
    }
    assert step(case, T.DECIDE_SUPPORT, partial, MUN1).state is S.PLAN_DRAFTING


def test_g_decision_all_a_needed_program_left_undecided_is_refused() -> None:
    case = at_decision_pending(plan(programs=("work_readiness", "household_budget")))
    decided: list[dict[str, Any]] = [{"program": "work_readiness", "approved": True}]
    only_one = {"decision": {"decided_on": "2026-01-20", "programs": decided}}
    assert_only(CASE.check(case, "decide_support", MUN1, only_one), "G-DECISION-ALL")
    both = {
        "decision": {
            "decided_on": "2026-01-20",
            "programs": [*decided, {"program": "household_budget", "approved": True}],
        }
    }
    assert CASE.check(case, "decide_support", MUN1, both) == []


def test_g_decision_refused_is_unmet_when_every_program_is_approved() -> None:
    case = reach(S.DECISION_PENDING)
    approving = context(case, "decide_support", MUN1, valid(T.DECIDE_SUPPORT))
    refusing = context(case, "decide_support", MUN1, REFUSAL)
    assert GUARDS["G-DECISION-REFUSED"].predicate(approving) is False
    assert GUARDS["G-DECISION-REFUSED"].predicate(refusing) is True
    chosen, _ = CASE.select(case, "decide_support", MUN1, approving.payload)
    assert chosen is not None
    assert chosen.id == "T18"


def test_g_decision_needed_is_unmet_for_a_plan_without_decision_programs_so_t17_is_taken() -> None:
    case = at_meeting_review(plan(programs=()))
    ctx = context(case, "approve_plan", SW1, {})
    assert GUARDS["G-DECISION-NEEDED"].predicate(ctx) is False
    assert GUARDS["G-NO-DECISION"].predicate(ctx) is True
    chosen, unmet = CASE.select(case, "approve_plan", SW1, c.NoteOnly())
    assert unmet == []
    assert chosen is not None
    assert chosen.id == "T17"


def test_g_no_decision_is_unmet_for_a_plan_with_decision_programs_so_t16_is_taken() -> None:
    case = at_meeting_review(plan())
    ctx = context(case, "approve_plan", SW1, {})
    assert GUARDS["G-NO-DECISION"].predicate(ctx) is False
    assert GUARDS["G-DECISION-NEEDED"].predicate(ctx) is True
    chosen, _ = CASE.select(case, "approve_plan", SW1, c.NoteOnly())
    assert chosen is not None
    assert chosen.id == "T16"


def test_approving_a_plan_without_decision_programs_goes_straight_to_support_active_t17() -> None:
    case = at_meeting_review(plan(programs=()))
    moved = step(case, T.APPROVE_PLAN)
    assert moved.state is S.SUPPORT_ACTIVE
    assert moved.support_started_at is not None


def test_a_re_planned_case_needs_a_new_decision_not_the_previous_plan_s() -> None:
    case = step(reach(S.EVALUATION), T.REPLAN)
    for trigger in (T.SUBMIT_PLAN, T.CHECK_PLAN, T.RECORD_PLAN_CONSENT, T.PUT_ON_AGENDA, T.OPEN_MEETING_ITEM):
        case = step(case, trigger)
    case = step(case, T.APPROVE_PLAN)
    assert case.state is S.DECISION_PENDING
    assert case.plan_version == 2
    assert_only(CASE.check(case, "decide_support", MUN1, {}), "G-DECISION-ALL")


# --- G8, G9, G-EFFORT: 終結 and 中断 -------------------------------------------------------------------------------


def test_g8_a_closure_not_confirmed_by_the_meeting_is_refused_and_a_confirmed_one_passes() -> None:
    case = reach(S.CLOSURE_REVIEW)
    approved_only = {"closure": {"reason": "EMPLOYED", "meeting": meeting("approved")}}
    no_meeting = {"closure": {"reason": "EMPLOYED"}}
    assert_only(CASE.check(case, "confirm_closure", SW1, approved_only), "G8")
    assert_only(CASE.check(case, "confirm_closure", SW1, no_meeting), "G8")
    assert_only(CASE.check(case, "confirm_closure", SW1, {}), "G8")
    assert CASE.check(case, "confirm_closure", SW1, valid(T.CONFIRM_CLOSURE)) == []


def at_contact_lost_with_efforts(efforts: int) -> CaseRecord:
    case = reach(S.CONTACT_LOST)
    for _ in range(efforts):
        case = step(case, T.RECORD_CONTACT_EFFORT)
    return case


def test_g9_an_interruption_not_confirmed_by_the_meeting_is_refused_and_a_confirmed_one_passes() -> None:
    case = at_contact_lost_with_efforts(2)
    assert_only(CASE.check(case, "confirm_interruption", SW1, {"meeting": meeting("revise")}), "G9")
    assert_only(CASE.check(case, "confirm_interruption", SW1, {"meeting": meeting()}), "G9")
    assert CASE.check(case, "confirm_interruption", SW1, valid(T.CONFIRM_INTERRUPTION)) == []


def test_g_effort_too_few_documented_attempts_are_refused_and_enough_pass() -> None:
    assert_only(
        CASE.check(at_contact_lost_with_efforts(0), "confirm_interruption", SW1, valid(T.CONFIRM_INTERRUPTION)),
        "G-EFFORT",
    )
    assert_only(
        CASE.check(at_contact_lost_with_efforts(1), "confirm_interruption", SW1, valid(T.CONFIRM_INTERRUPTION)),
        "G-EFFORT",
    )
    assert CASE.check(at_contact_lost_with_efforts(2), "confirm_interruption", SW1, valid(T.CONFIRM_INTERRUPTION)) == []


def test_g_effort_counts_only_the_efforts_of_the_current_contact_loss() -> None:
    case = step(at_contact_lost_with_efforts(2), T.RESTORE_CONTACT)
    lost_again = step(case, T.LOSE_CONTACT)
    assert lost_again.contact_efforts == []
    assert_only(CASE.check(lost_again, "confirm_interruption", SW1, valid(T.CONFIRM_INTERRUPTION)), "G-EFFORT")


# --- completeness guards -------------------------------------------------------------------------------------------


def test_g_intake_an_intake_without_topics_or_date_is_refused_and_a_complete_one_passes() -> None:
    case = reach(S.INTAKE)
    no_topics = {"intake": {"received_on": "2026-01-05", "topics": []}}
    no_date = {"intake": {"topics": ["housing"]}}
    assert_only(CASE.check(case, "complete_intake", SW1, no_topics), "G-INTAKE")
    assert_only(CASE.check(case, "complete_intake", SW1, no_date), "G-INTAKE")
    assert CASE.check(case, "complete_intake", SW1, valid(T.COMPLETE_INTAKE)) == []


def test_g_intake_is_met_by_what_the_opening_already_recorded() -> None:
    opened = open_case(
        case_id="c-full-intake",
        municipality=CITY,
        ruleset=DEFAULT_RULESET,
        actor=SW1,
        payload=valid(T.COMPLETE_INTAKE),
        now=START,
        command_id="open",
    ).record
    assert CASE.check(opened, "complete_intake", SW1, {}) == []


def test_g_referral_no_target_is_refused() -> None:
    assert_only(CASE.check(reach(S.SCREENING), "refer_out", SW1, {}), "G-REFERRAL")


def test_g_referral_sharing_personal_data_needs_consent_or_a_legal_basis() -> None:
    case = reach(S.SCREENING)
    body = {"referral": {"institution": "地域包括支援センター", "shares_personal_data": True}}
    assert_only(CASE.check(case, "refer_out", SW1, body), "G-REFERRAL")
    body["referral"]["legal_basis"] = "個人情報保護法27条1項2号"
    assert CASE.check(case, "refer_out", SW1, body) == []
    assert CASE.check(case, "refer_out", SW1, valid(T.REFER_OUT)) == []
    del body["referral"]["legal_basis"]
    signed = {"kind": "C1", "signed_on": "2026-04-01", "signed_by_client": True, "policy_version": "v3"}
    assert CASE.check(case, "refer_out", SW1, {**body, "consent_c1": signed}) == []
    unsigned = {**signed, "signed_by_client": False}
    assert_only(CASE.check(case, "refer_out", SW1, {**body, "consent_c1": unsigned}), "G-REFERRAL")


def test_g_referral_accepts_an_institution_of_the_directory_must_take_referrals() -> None:
    case = reach(S.SCREENING)
    target = {"institution": "A市 地域包括支援センター", "institution_id": "inst-1", "accepts_referrals": False}
    assert_only(CASE.check(case, "refer_out", SW1, {"referral": target}), "G-REFERRAL-ACCEPTS")
    assert CASE.check(case, "refer_out", SW1, {"referral": {**target, "accepts_referrals": True}}) == []
    assert CASE.check(case, "refer_out", SW1, {"referral": {"institution": "名簿にない窓口"}}) == []


def test_g_assessment_an_incomplete_basic_sheet_is_refused_and_names_the_missing_item() -> None:
    case = reach(S.ASSESSMENT)
    body = valid(T.COMPLETE_ASSESSMENT)
    del body["assessment"]["health"]
    assert_only(CASE.check(case, "complete_assessment", SW1, body), "G-ASSESSMENT")
    assert missing_assessment_items(Assessment.model_validate(body["assessment"])) == ["健康・障害・受診状況"]
    assert CASE.check(case, "complete_assessment", SW1, valid(T.COMPLETE_ASSESSMENT)) == []


def test_g_assessment_no_need_for_continuous_support_is_refused() -> None:
    body = valid(T.COMPLETE_ASSESSMENT)
    body["assessment"]["continuous_support_needed"] = False
    assert_only(CASE.check(reach(S.ASSESSMENT), "complete_assessment", SW1, body), "G-ASSESSMENT")


def test_g_wish_a_closure_proposal_without_the_client_s_wish_is_refused_and_with_it_passes() -> None:
    case = reach(S.ASSESSMENT)
    assert_only(CASE.check(case, "propose_closure", SW1, {"closure_proposal": {"reason": "WITHDRAWN"}}), "G-WISH")
    assert_only(CASE.check(case, "propose_closure", SW1, {}), "G-WISH")
    with_wish = {"closure_proposal": {"reason": "WITHDRAWN", "client_wish": wish()}}
    assert CASE.check(case, "propose_closure", SW1, with_wish) == []


def test_g_evaluation_an_evaluation_without_every_goal_or_direction_is_refused_and_a_full_one_passes() -> None:
    case = reach(S.EVALUATION)
    body = valid(T.REPLAN)
    body["evaluation"]["goals_achieved"] = []
    assert_only(CASE.check(case, "replan", SW1, body), "G-EVALUATION")
    body = valid(T.REPLAN)
    del body["evaluation"]["direction"]
    assert_only(CASE.check(case, "replan", SW1, body), "G-EVALUATION")
    assert CASE.check(case, "replan", SW1, valid(T.REPLAN)) == []


def test_g_evaluation_is_also_required_to_propose_closure_after_evaluation() -> None:
    case = reach(S.EVALUATION)
    body = valid(T.PROPOSE_CLOSURE)
    body["evaluation"]["goals_achieved"] = []
    assert_only(CASE.check(case, "propose_closure", SW1, body), "G-EVALUATION")
    assert CASE.check(case, "propose_closure", SW1, valid(T.PROPOSE_CLOSURE)) == []


def test_a_second_evaluation_needs_its_own_evaluation_sheet() -> None:
    case = step(reach(S.EVALUATION), T.REPLAN)
    for trigger in (T.SUBMIT_PLAN, T.CHECK_PLAN, T.RECORD_PLAN_CONSENT, T.PUT_ON_AGENDA, T.OPEN_MEETING_ITEM):
        case = step(case, trigger)
    case = step(step(step(case, T.APPROVE_PLAN), T.DECIDE_SUPPORT), T.START_EVALUATION)
    assert case.state is S.EVALUATION
    assert len(case.evaluations) == 1
    assert_only(CASE.check(case, "replan", SW1, {}), "G-EVALUATION")


# --- gates: role, scope, unknown command, state --------------------------------------------------------------------


@pytest.mark.parametrize("actor", [AUD1, OPS1], ids=["AUD", "OPS"])
def test_a_user_without_a_staff_role_is_refused_for_role(actor: Actor) -> None:
    unmet = CASE.check(reach(S.INTAKE), "complete_intake", actor, valid(T.COMPLETE_INTAKE))
    assert [(u.kind, u.id) for u in unmet] == [(UnmetKind.ROLE, "ROLE")]
    assert unmet[0].message_ja
    assert unmet[0].message_en


def test_a_role_that_does_not_fire_this_command_is_refused_for_role() -> None:
    assert [u.id for u in CASE.check(reach(S.INTAKE), "complete_intake", ESW1, valid(T.COMPLETE_INTAKE))] == ["ROLE"]
    assert [u.id for u in CASE.check(reach(S.DECISION_PENDING), "decide_support", SW1, valid(T.DECIDE_SUPPORT))] == [
        "ROLE",
        "G7",
    ]


def test_timer_commands_are_refused_to_people_and_people_s_commands_to_the_system() -> None:
    case = reach(S.SUPPORT_ACTIVE)
    assert [u.id for u in CASE.check(case, "mark_monitoring_due", SW1, {})] == ["ROLE"]
    assert [u.id for u in CASE.check(case, "record_contact", SYSTEM_ACTOR, valid(T.RECORD_CONTACT))] == ["ROLE"]
    assert CASE.check(case, "mark_monitoring_due", SYSTEM_ACTOR, {}) == []


def test_a_user_serving_another_municipality_is_refused_for_scope() -> None:
    unmet = CASE.check(reach(S.INTAKE), "complete_intake", SW2, valid(T.COMPLETE_INTAKE))
    assert [(u.kind, u.id) for u in unmet] == [(UnmetKind.SCOPE, "SCOPE")]
    assert unmet[0].message_ja


def test_opening_a_case_checks_role_and_scope() -> None:
    for who, expected in ((AUD1, "ROLE"), (SW2, "SCOPE")):
        with pytest.raises(CommandRejected) as refused:
            open_case(
                case_id="c-x",
                municipality=CITY,
                ruleset=DEFAULT_RULESET,
                actor=who,
                payload={},
                now=START,
                command_id="open",
            )
        assert [u.id for u in refused.value.unmet] == [expected]


def test_an_unknown_command_is_refused_as_unknown() -> None:
    unmet = CASE.check(reach(S.INTAKE), "fly_to_the_moon", SW1, {})
    assert [(u.kind, u.id) for u in unmet] == [(UnmetKind.UNKNOWN, "UNKNOWN")]
    assert "fly_to_the_moon" in unmet[0].message_en


def test_a_command_from_the_wrong_state_is_refused_for_state() -> None:
    unmet = CASE.check(reach(S.INTAKE), "approve_plan", SW1, {})
    assert [(u.kind, u.id) for u in unmet] == [(UnmetKind.STATE, "STATE")]
    assert unmet[0].message_ja


def refusal(case: CaseRecord, trigger: Trigger, actor: Actor, payload: dict[str, Any]) -> list[Unmet] | None:
    """What apply refused with, or None when it accepted."""
    try:
        CASE.apply(case, trigger.value, actor, payload, now=START, command_id="probe")
    except CommandRejected as refused:
        return refused.unmet
    return None


@pytest.mark.parametrize("state", list(CaseState), ids=[s.value for s in CaseState])
def test_check_never_returns_an_empty_list_for_a_command_apply_refuses(state: CaseState) -> None:
    case = reach(state)
    for trigger in Trigger:
        for actor in (*ALL_ACTORS, SYSTEM_ACTOR):
            unmet = CASE.check(case, trigger.value, actor, VALID_PAYLOADS[trigger])
            refused = refusal(case, trigger, actor, VALID_PAYLOADS[trigger])
            where = f"{trigger.value} by {actor.user_id}"
            assert unmet == (refused or []), where
            assert all(u.id and u.message_ja and u.message_en for u in unmet), where


# --- T27: back to where contact was lost ---------------------------------------------------------------------------


@pytest.mark.parametrize("state", sorted(NO_CONTACT_STATES), ids=[s.value for s in sorted(NO_CONTACT_STATES)])
def test_restore_contact_returns_to_the_state_before_contact_was_lost(state: CaseState) -> None:
    lost = step(reach(state), T.LOSE_CONTACT, actor=SYSTEM_ACTOR)
    assert lost.state is S.CONTACT_LOST
    assert lost.state_before_contact_lost is state
    restored = step(lost, T.RESTORE_CONTACT)
    assert restored.state is state
    assert restored.state_before_contact_lost is None


def test_restore_contact_from_plan_drafting_goes_back_to_plan_drafting_after_efforts() -> None:
    lost = step(reach(S.PLAN_DRAFTING), T.LOSE_CONTACT, actor=SW1)
    after_efforts = step(step(lost, T.RECORD_CONTACT_EFFORT), T.RECORD_CONTACT_EFFORT)
    assert after_efforts.state is S.CONTACT_LOST
    assert step(after_efforts, T.RESTORE_CONTACT).state is S.PLAN_DRAFTING


# --- the parallel 緊急支援 region (T6) -----------------------------------------------------------------------------

EMERGENCY_ALLOWED = {S.IDENTIFIED, S.INTAKE, S.SCREENING, S.APPLIED, S.ASSESSMENT, S.PLAN_DRAFTING, S.PLAN_CHECK}


@pytest.mark.parametrize("state", list(CaseState), ids=[s.value for s in CaseState])
def test_emergency_support_can_start_only_before_the_plan_is_agreed(state: CaseState) -> None:
    unmet = CASE.check(reach(state), "start_emergency_support", SW1, valid(T.START_EMERGENCY_SUPPORT))
    if state in EMERGENCY_ALLOWED:
        assert unmet == []
    else:
        assert [u.id for u in unmet] == ["STATE"]


def test_emergency_support_cannot_start_twice() -> None:
    started = step(reach(S.SCREENING), T.START_EMERGENCY_SUPPORT)
    assert [u.id for u in CASE.check(started, "start_emergency_support", SW1, valid(T.START_EMERGENCY_SUPPORT))] == [
        "STATE"
    ]


def test_emergency_support_ends_only_when_active() -> None:
    case = reach(S.SCREENING)
    assert [u.id for u in CASE.check(case, "end_emergency_support", SW1, {})] == ["STATE"]
    assert CASE.check(step(case, T.START_EMERGENCY_SUPPORT), "end_emergency_support", SW1, {}) == []


def test_starting_and_ending_emergency_support_leave_the_main_state_unchanged() -> None:
    case = reach(S.ASSESSMENT)
    started = step(case, T.START_EMERGENCY_SUPPORT)
    assert started.state is S.ASSESSMENT
    assert started.emergency_active
    assert started.seq == case.seq + 1
    ended = step(started, T.END_EMERGENCY_SUPPORT)
    assert ended.state is S.ASSESSMENT
    assert not ended.emergency_active
    assert ended.state_entered_at == case.state_entered_at


def test_emergency_support_runs_on_while_the_main_line_moves_and_ends_later() -> None:
    started = step(reach(S.PLAN_CHECK), T.START_EMERGENCY_SUPPORT)
    case = started
    for trigger in (T.CHECK_PLAN, T.RECORD_PLAN_CONSENT, T.PUT_ON_AGENDA):
        case = step(case, trigger)
    assert case.state is S.MEETING_PENDING
    assert case.emergency_active
    assert step(case, T.END_EMERGENCY_SUPPORT).state is S.MEETING_PENDING


# --- payload validation and immutability ---------------------------------------------------------------------------


def test_a_payload_that_does_not_fit_the_model_raises_payload_invalid_with_field_errors() -> None:
    case = reach(S.SCREENING)
    body = valid(T.APPLY_FOR_SUPPORT)
    body["consent_c1"]["kind"] = "C9"
    with pytest.raises(PayloadInvalid) as invalid:
        CASE.apply(case, "apply_for_support", SW1, body, now=START, command_id="bad")
    assert invalid.value.command == "apply_for_support"
    assert [tuple(e["loc"]) for e in invalid.value.errors] == [("consent_c1", "kind")]


def test_unknown_and_missing_payload_fields_are_field_errors() -> None:
    with pytest.raises(PayloadInvalid) as extra:
        CASE.check(reach(S.INTAKE), "complete_intake", SW1, {"intake": {}, "shoe_size": 27})
    assert [(tuple(e["loc"]), e["type"]) for e in extra.value.errors] == [(("shoe_size",), "extra_forbidden")]
    with pytest.raises(PayloadInvalid) as missing:
        CASE.check(reach(S.SUPPORT_ACTIVE), "record_contact", SW1, {})
    assert [(tuple(e["loc"]), e["type"]) for e in missing.value.errors] == [(("monitoring_note",), "missing")]


def test_apply_does_not_mutate_the_record_it_accepts() -> None:
    case = reach(S.PLAN_CHECK)
    before = case.model_dump()
    applied = CASE.apply(case, "check_plan", CSW1, {}, now=START, command_id="x")
    assert applied.record is not case
    assert applied.record.plan_checked is not None
    assert case.model_dump() == before


def test_apply_does_not_mutate_the_record_it_refuses() -> None:
    case = reach(S.PLAN_CHECK)
    before = case.model_dump()
    with pytest.raises(CommandRejected):
        CASE.apply(case, "record_plan_consent", SW1, valid(T.RECORD_PLAN_CONSENT), now=START, command_id="x")
    with pytest.raises(PayloadInvalid):
        CASE.apply(case, "submit_plan", SW1, {"plan": "not a plan"}, now=START, command_id="y")
    assert case.model_dump() == before


def test_apply_does_not_mutate_the_payload_it_is_given() -> None:
    body = valid(T.SUBMIT_PLAN)
    sent = copy.deepcopy(body)
    CASE.apply(reach(S.PLAN_DRAFTING), "submit_plan", SW1, body, now=START, command_id="x")
    assert body == sent


@pytest.mark.parametrize("state", list(CaseState), ids=[s.value for s in CaseState])
def test_apply_never_mutates_the_record_in_any_state(state: CaseState) -> None:
    case = reach(state)
    before = case.model_dump()
    for trigger in Trigger:
        for payload in (VALID_PAYLOADS[trigger], {}):
            actor = {T.DECIDE_SUPPORT: MUN1, T.CHECK_PLAN: CSW1}.get(trigger, SW1)
            with contextlib.suppress(CommandRejected, PayloadInvalid):
                CASE.apply(case, trigger.value, actor, payload, now=START, command_id="probe")
            assert case.model_dump() == before, trigger.value


def test_a_reopened_case_needs_a_new_application_and_consent() -> None:
    case = reach(CaseState.CLOSED)
    case = step(case, Trigger.REOPEN)
    assert case.consent_c1 is None
    assert case.plan is None
    assert case.plan_history
    case = step(case, Trigger.COMPLETE_INTAKE)
    assert {u.id for u in CASE.check(case, "apply_for_support", SW1, {})} == {"G1", "G2"}


def test_an_evaluation_pointing_the_other_way_does_not_fit_the_command() -> None:
    from tests.factories import evaluation

    case = reach(CaseState.EVALUATION)
    unmet = CASE.check(case, "replan", SW1, {"evaluation": evaluation("close")})
    assert [u.id for u in unmet] == ["G-EVALUATION"]


def test_applying_an_unknown_command_is_a_rejection_not_a_payload_error() -> None:
    from statemachines.kernel.outcomes import CommandRejected

    case = reach(CaseState.INTAKE)
    with pytest.raises(CommandRejected) as info:
        CASE.apply(case, "teleport", SW1, {}, now=case.opened_at, command_id="x")
    assert [u.id for u in info.value.unmet] == ["UNKNOWN"]
