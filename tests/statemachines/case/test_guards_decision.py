"""G7 and the 支援決定 (statemachines/case/guards.py): who may decide (T18, T19), every program of the plan decided
(G-DECISION-ALL), and the guards that choose between the rows of a choice: T16 or T17 once the 支援調整会議 approves,
T18 or T19 once the municipality decides."""

from __future__ import annotations

from typing import Any

import pytest

from statemachines.case import payloads as c
from statemachines.case.consistency import applied_programs
from statemachines.case.engine import CASE
from statemachines.case.guards import GUARDS
from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.records import Program
from statemachines.case.transitions import Trigger
from statemachines.enrolments import PROGRAM_NAMES
from statemachines.kernel.guards import GuardContext
from statemachines.kernel.outcomes import CommandRejected
from statemachines.kernel.roles import Actor, OrgKind, Role
from tests.factories import MUN1, MUN_AT_CONTRACTOR, REFUSAL, SW1, plan
from tests.statemachines.case.refusals import assert_only, valid
from tests.statemachines.paths import START, decision_pending, meeting_review, reach, step

S = CaseState
T = Trigger


MUN_OF_CITY_B = Actor(
    user_id="mun-b",
    roles=frozenset({Role.MUN}),
    organisation="city-b",
    org_kind=OrgKind.MUNICIPALITY,
    serves=frozenset({"city-b"}),
)


def context(case: CaseRecord, command: str, actor: Actor, payload: dict[str, Any]) -> GuardContext[CaseRecord]:
    parsed = CASE.parse(command, payload)
    return GuardContext(
        record=case, actor=actor, trigger=command, payload=parsed, payload_fields=frozenset(type(parsed).model_fields)
    )


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
    case = decision_pending(plan(programs=("work_readiness", "household_budget")))
    partial = {
        "decision": {
            "decided_on": "2026-01-05",
            "programs": [
                {"program": "work_readiness", "approved": True},
                {"program": "household_budget", "approved": False, "reason": "要件を満たさない"},
            ],
        }
    }
    assert step(case, T.DECIDE_SUPPORT, partial, MUN1).state is S.PLAN_DRAFTING


def test_g_decision_all_a_needed_program_left_undecided_is_refused() -> None:
    case = decision_pending(plan(programs=("work_readiness", "household_budget")))
    decided: list[dict[str, Any]] = [{"program": "work_readiness", "approved": True}]
    only_one = {"decision": {"decided_on": "2026-01-05", "programs": decided}}
    assert_only(CASE.check(case, "decide_support", MUN1, only_one), "G-DECISION-ALL")
    both = {
        "decision": {
            "decided_on": "2026-01-05",
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
    case = meeting_review(plan(programs=()))
    ctx = context(case, "approve_plan", SW1, {})
    assert GUARDS["G-DECISION-NEEDED"].predicate(ctx) is False
    assert GUARDS["G-NO-DECISION"].predicate(ctx) is True
    chosen, unmet = CASE.select(case, "approve_plan", SW1, c.NoteOnly())
    assert unmet == []
    assert chosen is not None
    assert chosen.id == "T17"


def test_g_no_decision_is_unmet_for_a_plan_with_decision_programs_so_t16_is_taken() -> None:
    case = meeting_review(plan())
    ctx = context(case, "approve_plan", SW1, {})
    assert GUARDS["G-NO-DECISION"].predicate(ctx) is False
    assert GUARDS["G-DECISION-NEEDED"].predicate(ctx) is True
    chosen, _ = CASE.select(case, "approve_plan", SW1, c.NoteOnly())
    assert chosen is not None
    assert chosen.id == "T16"


def test_approving_a_plan_without_decision_programs_goes_straight_to_support_active_t17() -> None:
    case = meeting_review(plan(programs=()))
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


# --- G-DECISION-APPLIED: what the 本人 applied for (T18, T19; statemachines/case/consistency.py) ---------------------


def _approving(*programs: str) -> dict[str, Any]:
    decided = [{"program": p, "approved": True} for p in programs]
    return {"decision": {"decided_on": "2026-01-05", "programs": decided}}


def test_g_decision_applied_approving_programs_the_client_never_applied_for_is_refused_naming_them() -> None:
    case = reach(S.DECISION_PENDING)  # the プラン兼事業等利用申込書 applied for 就労準備支援事業 only
    unapplied = _approving("work_readiness", "household_budget", "certified_training")
    [unmet] = CASE.check(case, "decide_support", MUN1, unapplied, names=PROGRAM_NAMES)
    assert unmet.id == "G-DECISION-APPLIED"
    assert unmet.message_ja == (
        "本人がプラン兼事業等利用申込書で申し込んでいない事業は支援決定で承認できません（家計改善支援事業、認定就労訓練事業）。"
    )
    assert "household_budget, certified_training" in unmet.message_en
    with pytest.raises(CommandRejected):  # so no enrolment of theirs starts
        CASE.apply(case, "decide_support", MUN1, unapplied, now=START, command_id="c")
    assert CASE.check(case, "decide_support", MUN1, _approving("work_readiness"), names=PROGRAM_NAMES) == []


def test_g_decision_applied_a_refusal_may_not_approve_an_unlisted_program_either() -> None:
    partial = _approving("household_budget")
    partial["decision"]["programs"].append({"program": "work_readiness", "approved": False, "reason": "要件外"})
    unmet = CASE.check(reach(S.DECISION_PENDING), "decide_support", MUN1, partial, names=PROGRAM_NAMES)
    assert [u.id for u in unmet] == ["G-DECISION-APPLIED"]


def test_g_decision_applied_only_statutory_program_items_apply_for_a_program() -> None:
    """A program named on an item of another kind (other public system, non-statutory) was not applied for."""
    submitted = plan(programs=("work_readiness",))
    submitted["support_items"].append(
        {"kind": "other_public", "program": "housing_benefit", "description": "住居確保給付金の案内"}
    )
    case = decision_pending(submitted)
    assert applied_programs(case.plan) == {Program.WORK_READINESS}
    unmet = CASE.check(case, "decide_support", MUN1, _approving("work_readiness", "housing_benefit"))
    assert [u.id for u in unmet] == ["G-DECISION-APPLIED"]
