"""Every (state, command) pair of the case machine: its destination, or its rejection with the guard ids."""

from __future__ import annotations

import pytest

from statemachines.case.engine import CASE
from statemachines.case.record import CaseState
from statemachines.case.transitions import Trigger
from tests.factories import SW1, VALID_PAYLOADS
from tests.statemachines.paths import ACTOR_FOR, reach, step

S = CaseState
T = Trigger
EVERYWHERE: dict[Trigger, str | frozenset[str]] = {
    T.ASSIGN: "same",
    T.SET_MONITORING_INTERVAL: "same",
    T.SIGN_CONSENT: "same",
    T.REVOKE_CONSENT: "same",  # from 申込 (T5, where C1 is signed) on
}
NO_C1 = {T.REVOKE_CONSENT: frozenset({"G-CONSENT-HELD"})}  # before 申込 there is no consent to revoke
PRE_PLAN = {T.START_EMERGENCY_SUPPORT: "same"}

# Written out by hand from process.md §1.4, so that a change to the table has to change this too.
EXPECTED: dict[CaseState, dict[Trigger, str | frozenset[str]]] = {
    S.IDENTIFIED: {T.OPEN_CONSULTATION: "INTAKE", **PRE_PLAN, **NO_C1},
    S.INTAKE: {T.COMPLETE_INTAKE: "SCREENING", **PRE_PLAN, **NO_C1},
    S.SCREENING: {
        T.END_WITH_INFORMATION: "ENDED_INFO_ONLY",
        T.REFER_OUT: "REFERRED_OUT",
        T.APPLY_FOR_SUPPORT: "APPLIED",
        **PRE_PLAN,
        **NO_C1,
    },
    S.ENDED_INFO_ONLY: {T.REOPEN: "INTAKE", **NO_C1},
    S.REFERRED_OUT: {T.REOPEN: "INTAKE", **NO_C1},
    S.APPLIED: {T.START_ASSESSMENT: "ASSESSMENT", **PRE_PLAN},
    S.ASSESSMENT: {
        T.COMPLETE_ASSESSMENT: "PLAN_DRAFTING",
        T.PROPOSE_CLOSURE: "CLOSURE_REVIEW",
        T.LOSE_CONTACT: "CONTACT_LOST",
        **PRE_PLAN,
    },
    S.PLAN_DRAFTING: {T.SUBMIT_PLAN: "PLAN_CHECK", T.LOSE_CONTACT: "CONTACT_LOST", **PRE_PLAN},
    S.PLAN_CHECK: {
        T.RETURN_PLAN: "PLAN_DRAFTING",
        T.CHECK_PLAN: "same",
        T.RECORD_PLAN_CONSENT: frozenset({"G6"}),
        T.LOSE_CONTACT: "CONTACT_LOST",
        **PRE_PLAN,
    },
    S.PLAN_CONSENTED: {T.PUT_ON_AGENDA: "MEETING_PENDING", T.LOSE_CONTACT: "CONTACT_LOST"},
    S.MEETING_PENDING: {T.OPEN_MEETING_ITEM: "MEETING_REVIEW"},
    S.MEETING_REVIEW: {T.REQUEST_PLAN_REVISION: "PLAN_DRAFTING", T.APPROVE_PLAN: "DECISION_PENDING"},
    S.DECISION_PENDING: {T.DECIDE_SUPPORT: "SUPPORT_ACTIVE"},
    S.SUPPORT_ACTIVE: {
        T.RECORD_CONTACT: "same",
        T.START_EVALUATION: "EVALUATION",
        T.LOSE_CONTACT: "CONTACT_LOST",
        T.MARK_MONITORING_DUE: "same",
        T.MARK_EVALUATION_DUE: "same",
    },
    S.CONTACT_LOST: {
        T.RECORD_CONTACT_EFFORT: "same",
        T.RESTORE_CONTACT: "SUPPORT_ACTIVE",
        T.CONFIRM_INTERRUPTION: frozenset({"G-EFFORT"}),
    },
    S.EVALUATION: {T.REPLAN: "PLAN_DRAFTING", T.PROPOSE_CLOSURE: "CLOSURE_REVIEW"},
    S.CLOSURE_REVIEW: {T.CONFIRM_CLOSURE: "CLOSED"},
    S.CLOSED: {T.START_FOLLOW_UP: "FOLLOW_UP", T.REOPEN: "INTAKE"},
    S.FOLLOW_UP: {T.COMPLETE_FOLLOW_UP: "CLOSED"},
    S.INTERRUPTED: {T.REOPEN: "INTAKE"},
}

PAIRS = [(state, trigger) for state in CaseState for trigger in Trigger]


def test_the_table_names_every_state() -> None:
    assert set(EXPECTED) == set(CaseState)
    assert len(CaseState) == 20


@pytest.mark.parametrize(("state", "trigger"), PAIRS, ids=[f"{s.value}-{t.value}" for s, t in PAIRS])
def test_state_command_pair(state: CaseState, trigger: Trigger) -> None:
    case = reach(state)
    expected = {**EVERYWHERE, **EXPECTED[state]}.get(trigger)
    actor = ACTOR_FOR.get(trigger, SW1)
    unmet = CASE.check(case, trigger.value, actor, VALID_PAYLOADS[trigger])
    if expected is None:
        assert [u.id for u in unmet] == ["STATE"]
    elif isinstance(expected, frozenset):
        assert {u.id for u in unmet} == expected
        assert all(u.kind == "guard" and u.message_ja and u.basis for u in unmet)
    else:
        assert unmet == []
        moved = step(case, trigger)
        assert moved.state.value == (state.value if expected == "same" else expected)
        assert moved.seq == case.seq + 1
