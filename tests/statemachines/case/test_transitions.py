"""Every (state, command) pair of the case machine (statemachines/case/transitions.py): its destination, or its
rejection with the guard ids; T27's return to where contact was lost; and the parallel 緊急支援 region (T6, T6b)."""

from __future__ import annotations

import pytest

from statemachines.case.engine import CASE
from statemachines.case.record import NO_CONTACT_STATES, STATES, CaseState
from statemachines.case.transitions import Trigger
from statemachines.kernel.roles import SYSTEM_ACTOR
from tests.factories import SW1, VALID_PAYLOADS
from tests.statemachines.case.refusals import valid
from tests.statemachines.paths import ACTOR_FOR, reach, step

S = CaseState
T = Trigger
EVERYWHERE: dict[Trigger, str | frozenset[str]] = {
    T.ASSIGN: "same",
    T.SET_MONITORING_INTERVAL: "same",
    T.RECORD_PROGRAM_STATE: "same",
    T.SIGN_CONSENT: "same",
    T.REVOKE_CONSENT: "same",  # from 申込 (T5, where C1 is signed) on
    T.ASSIGN_EMPLOYMENT_SUPPORTER: "same",
    T.ACKNOWLEDGE_ADVICE: frozenset({"G-ADVICE-PENDING"}),  # no advice given yet
    T.LIFT_DIFFICULT_CASE: frozenset({"G-DIFFICULT-FLAGGED"}),  # not flagged yet
    T.CORRECT_RECORD: "same",
}
SUPERVISED = {T.GIVE_ADVICE: "same", T.FLAG_DIFFICULT_CASE: "same"}  # while the case is worked on
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
    supervised = SUPERVISED if not STATES[state].terminal else {}
    expected = {**EVERYWHERE, **supervised, **EXPECTED[state]}.get(trigger)
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
