"""CASE.explain(case, actor): for every human command, may this actor fire it now, and if not, why not?"""

from __future__ import annotations

import pytest

from statemachines.case.engine import CASE
from statemachines.case.record import CaseState
from statemachines.case.transitions import TRANSITIONS, Trigger
from statemachines.kernel.outcomes import CommandOption
from statemachines.kernel.roles import Actor, Role
from tests.factories import CSW1, ESW1, MUN1, OPS1, SW1, VALID_PAYLOADS
from tests.statemachines.paths import reach, step

S = CaseState
T = Trigger
STATES = list(CaseState)
STATE_IDS = [s.value for s in CaseState]


def option(options: list[CommandOption], command: Trigger) -> CommandOption:
    (found,) = [o for o in options if o.command == command.value]
    return found


def human_commands() -> set[str]:
    """Commands some person may send: any row with a role other than the engine's own."""
    return {t.trigger.value for t in TRANSITIONS if t.roles - {Role.SYSTEM}}


@pytest.mark.parametrize("state", STATES, ids=STATE_IDS)
def test_explain_lists_every_human_command_exactly_once(state: CaseState) -> None:
    commands = [o.command for o in CASE.explain(reach(state), SW1)]
    assert len(commands) == len(set(commands))
    assert set(commands) == human_commands()


def test_explain_leaves_out_the_timer_only_commands() -> None:
    commands = {o.command for o in CASE.explain(reach(S.SUPPORT_ACTIVE), SW1)}
    assert T.MARK_MONITORING_DUE.value not in commands
    assert T.MARK_EVALUATION_DUE.value not in commands
    assert T.LOSE_CONTACT.value in commands  # a consultant may also declare it


def test_at_intake_complete_intake_is_allowed_and_requires_g_intake() -> None:
    found = option(CASE.explain(reach(S.INTAKE), SW1), T.COMPLETE_INTAKE)
    assert found.allowed
    assert found.unmet_guards == []
    assert found.transition_ids == ["T2"]
    assert [r["id"] for r in found.requires] == ["G-INTAKE"]
    assert all(found.requires[0][k] for k in ("message_ja", "message_en", "basis"))


def test_at_decision_pending_sw1_may_not_decide_for_role() -> None:
    found = option(CASE.explain(reach(S.DECISION_PENDING), SW1), T.DECIDE_SUPPORT)
    assert not found.allowed
    assert "ROLE" in [u.id for u in found.unmet_guards]


def test_at_decision_pending_mun1_may_decide() -> None:
    found = option(CASE.explain(reach(S.DECISION_PENDING), MUN1), T.DECIDE_SUPPORT)
    assert found.allowed
    assert found.unmet_guards == []
    assert found.transition_ids == ["T18", "T19"]
    assert "G-DECISION-ALL" in [r["id"] for r in found.requires]


@pytest.mark.parametrize("state", STATES, ids=STATE_IDS)
def test_ops_gets_nothing_allowed_in_any_state(state: CaseState) -> None:
    options = CASE.explain(reach(state), OPS1)
    assert [o.command for o in options if o.allowed] == []


@pytest.mark.parametrize("state", STATES, ids=STATE_IDS)
def test_explain_never_refuses_without_a_reason(state: CaseState) -> None:
    for found in CASE.explain(reach(state), SW1):
        assert found.allowed or found.unmet_guards, found.command
        assert not (found.allowed and found.unmet_guards), found.command


def test_explain_names_the_guard_blocking_a_command_that_does_not_depend_on_its_form() -> None:
    found = option(CASE.explain(reach(S.PLAN_CHECK), SW1), T.RECORD_PLAN_CONSENT)
    assert not found.allowed
    assert [u.id for u in found.unmet_guards] == ["G6"]
    blocked = option(CASE.explain(reach(S.CONTACT_LOST), SW1), T.CONFIRM_INTERRUPTION)
    assert [u.id for u in blocked.unmet_guards] == ["G-EFFORT"]


def test_explain_answers_what_would_move_the_case_after_the_check() -> None:
    checked = step(reach(S.PLAN_CHECK), T.CHECK_PLAN)
    found = option(CASE.explain(checked, SW1), T.RECORD_PLAN_CONSENT)
    assert found.allowed
    assert [r["id"] for r in found.requires] == ["G4"]


def test_explain_names_both_rows_of_a_choice() -> None:
    found = option(CASE.explain(reach(S.MEETING_REVIEW), SW1), T.APPROVE_PLAN)
    assert found.allowed
    assert found.transition_ids == ["T16", "T17"]


@pytest.mark.parametrize("state", STATES, ids=STATE_IDS)
@pytest.mark.parametrize("actor", [SW1, CSW1, ESW1, MUN1], ids=["SW", "CSW", "ESW", "MUN"])
def test_explain_allows_every_command_check_accepts_with_a_valid_form(state: CaseState, actor: Actor) -> None:
    case = reach(state)
    for found in CASE.explain(case, actor):
        if CASE.check(case, found.command, actor, VALID_PAYLOADS[Trigger(found.command)]) == []:
            assert found.allowed, found.command
