"""The guards of the 評価, the 終結 and the 中断 (statemachines/case/guards.py): G-EVALUATION (T22, T23), G-WISH
(T9, T23), G8 a 終結 confirmed by the 支援調整会議 (T24), G-PROGRAMS-ENDED the programs ended first (T24), G9 an 中断
confirmed by it (T28) and G-EFFORT, the documented attempts to reach the person before an 中断."""

from __future__ import annotations

import pytest

from statemachines.case.engine import CASE
from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.transitions import Trigger
from statemachines.kernel.outcomes import CommandRejected
from tests.factories import SW1, evaluation, meeting, wish
from tests.statemachines.case.refusals import assert_only, valid
from tests.statemachines.paths import START, reach, step

S = CaseState
T = Trigger


# --- G-EVALUATION: 評価 (T22, T23) ---------------------------------------------------------------------------------


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


def test_an_evaluation_pointing_the_other_way_does_not_fit_the_command() -> None:
    case = reach(CaseState.EVALUATION)
    unmet = CASE.check(case, "replan", SW1, {"evaluation": evaluation("close")})
    assert [u.id for u in unmet] == ["G-EVALUATION"]


# --- G-WISH: 終結の提案 (T9, T23) ----------------------------------------------------------------------------------


def test_g_wish_a_closure_proposal_without_the_client_s_wish_is_refused_and_with_it_passes() -> None:
    case = reach(S.ASSESSMENT)
    assert_only(CASE.check(case, "propose_closure", SW1, {"closure_proposal": {"reason": "WITHDRAWN"}}), "G-WISH")
    assert_only(CASE.check(case, "propose_closure", SW1, {}), "G-WISH")
    with_wish = {"closure_proposal": {"reason": "WITHDRAWN", "client_wish": wish()}}
    assert CASE.check(case, "propose_closure", SW1, with_wish) == []


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


# --- G-PROGRAMS-ENDED: the 終結 waits for the programs the 支援決定 started (T24; statemachines/case/consistency.py) --

WORK_READINESS = {"enrolment_id": "program-c-test-work_readiness-v1", "program": "work_readiness"}
HOUSING_BENEFIT = {"enrolment_id": "program-c-test-housing_benefit-v1", "program": "housing_benefit"}
NAMES = {"work_readiness": "就労準備支援事業", "housing_benefit": "住居確保給付金"}


def _program(case: CaseRecord, enrolment: dict[str, str], *, ended: bool = False) -> CaseRecord:
    """TM4, as the case workflow records it: an enrolment its 支援決定 started, or the end the enrolment reported."""
    state = {**enrolment, "name_ja": NAMES[enrolment["program"]], "ended": ended}
    return step(case, T.RECORD_PROGRAM_STATE, state)


def _closing_with(*running: dict[str, str], reason: str = "EMPLOYED") -> CaseRecord:
    case = reach(S.SUPPORT_ACTIVE)
    for enrolment in running:
        case = _program(case, enrolment)
    proposal = valid(T.PROPOSE_CLOSURE)
    proposal["closure_proposal"]["reason"] = reason
    case = step(step(case, T.START_EVALUATION), T.PROPOSE_CLOSURE, proposal)
    assert case.state is S.CLOSURE_REVIEW
    return case


def test_g_programs_ended_a_closure_while_programs_run_is_refused_naming_them() -> None:
    case = _closing_with(HOUSING_BENEFIT, WORK_READINESS)
    [unmet] = CASE.check(case, "confirm_closure", SW1, valid(T.CONFIRM_CLOSURE))
    assert unmet.id == "G-PROGRAMS-ENDED"
    assert unmet.message_ja == (
        "利用が終わっていない事業があります（住居確保給付金、就労準備支援事業）。各事業を終了してから終結を確認してください。"
    )
    assert "process.md §1.3" in unmet.basis
    with pytest.raises(CommandRejected):
        CASE.apply(case, "confirm_closure", SW1, valid(T.CONFIRM_CLOSURE), now=START, command_id="c")


def test_g_programs_ended_is_a_reason_the_case_cannot_move_before_anyone_fills_the_form() -> None:
    """「進めない理由」: explain names the programs still running for the 終結, with its legal basis."""
    case = _program(_closing_with(HOUSING_BENEFIT, WORK_READINESS), WORK_READINESS, ended=True)
    closure = next(o for o in CASE.explain(case, SW1) if o.command == "confirm_closure")
    assert not closure.allowed
    [unmet] = closure.unmet_guards
    assert (unmet.id, unmet.message_ja) == (
        "G-PROGRAMS-ENDED",
        "利用が終わっていない事業があります（住居確保給付金）。各事業を終了してから終結を確認してください。",
    )
    assert unmet.basis


def test_g_programs_ended_a_closure_passes_once_every_program_has_ended() -> None:
    case = _closing_with(HOUSING_BENEFIT, WORK_READINESS)
    for enrolment in (HOUSING_BENEFIT, WORK_READINESS):
        case = _program(case, enrolment, ended=True)
    assert CASE.check(case, "confirm_closure", SW1, valid(T.CONFIRM_CLOSURE)) == []
    assert step(case, T.CONFIRM_CLOSURE).state is S.CLOSED


def test_g_programs_ended_an_end_once_reported_stays_whatever_comes_after() -> None:
    case = _program(_program(reach(S.SUPPORT_ACTIVE), WORK_READINESS, ended=True), WORK_READINESS)
    assert case.enrolments[WORK_READINESS["enrolment_id"]].ended


def test_g_programs_ended_on_a_move_to_public_assistance_work_readiness_may_go_on_housing_benefit_not() -> None:
    """法3条4項・5項 (as amended): a 特定被保護者 may go on with 就労準備支援 and 家計改善支援 (process.md §1.3)."""
    transfer = {"closure": {"reason": "TRANSFER_PUBLIC_ASSISTANCE", "meeting": meeting("closure_confirmed")}}
    case = _closing_with(WORK_READINESS, reason="TRANSFER_PUBLIC_ASSISTANCE")
    assert CASE.check(case, "confirm_closure", SW1, transfer) == []
    assert [u.id for u in CASE.check(case, "confirm_closure", SW1, valid(T.CONFIRM_CLOSURE))] == ["G-PROGRAMS-ENDED"]
    with_benefit = _closing_with(WORK_READINESS, HOUSING_BENEFIT, reason="TRANSFER_PUBLIC_ASSISTANCE")
    [unmet] = CASE.check(with_benefit, "confirm_closure", SW1, transfer)
    assert "（住居確保給付金）" in unmet.message_ja
