"""The case process on the kernel's engine (statemachines/case/engine.py): the gates before the guards (role, scope,
unknown command, state), ``check`` naming a reason for every command ``apply`` refuses, and the engine's promise never
to touch the record or the payload it was given."""

from __future__ import annotations

import contextlib
import copy

import pytest

from statemachines.case.engine import CASE, open_case
from statemachines.case.record import CaseState
from statemachines.case.transitions import Trigger
from statemachines.kernel.outcomes import CommandRejected, PayloadInvalid, UnmetKind
from statemachines.kernel.roles import SYSTEM_ACTOR, Actor
from statemachines.kernel.rules import DEFAULT_RULESET
from tests.factories import ALL_ACTORS, AUD1, CITY, CSW1, ESW1, MUN1, OPS1, SW1, SW2, VALID_PAYLOADS
from tests.statemachines.case.refusals import refusal, valid
from tests.statemachines.paths import START, reach

S = CaseState
T = Trigger


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


def test_applying_an_unknown_command_is_a_rejection_not_a_payload_error() -> None:
    case = reach(CaseState.INTAKE)
    with pytest.raises(CommandRejected) as info:
        CASE.apply(case, "teleport", SW1, {}, now=case.opened_at, command_id="x")
    assert [u.id for u in info.value.unmet] == ["UNKNOWN"]


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


# --- immutability --------------------------------------------------------------------------------------------------


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
