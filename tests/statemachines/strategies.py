"""Hypothesis strategies for command sequences, shared by the pure-engine and the workflow property tests.

A sequence is a list of ``(Trigger, Actor, payload dict)``. Pure noise (any trigger, any actor, any payload) is
almost always refused at INTAKE, so ``command_sequences`` lays the noise over a prefix of one of a few "tours":
walks through the case process written out by hand with the usual actor and a valid payload. Accepted noise can
derail a tour (lose contact, return a plan, propose closure...), which is the point: the engine then sees commands
in every order. The strategies know nothing of the engine's state, so a workflow test can send the same list.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from statemachines.case.transitions import Trigger
from statemachines.kernel.roles import SYSTEM_ACTOR, Actor
from tests.factories import ALL_ACTORS, CSW1, ESW1, MUN1, REFUSAL, SW1, VALID_PAYLOADS, effort, meeting, plan

T = Trigger
Command = tuple[Trigger, Actor, dict[str, Any]]

ACTORS: tuple[Actor, ...] = (*ALL_ACTORS, SYSTEM_ACTOR)
"""Everyone who can send a command, including the engine's own timers."""

USUAL_ACTOR: dict[Trigger, Actor] = {
    T.CHECK_PLAN: CSW1,
    T.RETURN_PLAN: CSW1,
    T.ASSIGN: CSW1,
    T.DECIDE_SUPPORT: MUN1,
    T.LOSE_CONTACT: SYSTEM_ACTOR,
    T.MARK_MONITORING_DUE: SYSTEM_ACTOR,
    T.MARK_EVALUATION_DUE: SYSTEM_ACTOR,
    T.SET_MONITORING_INTERVAL: SYSTEM_ACTOR,
    T.RECORD_PROGRAM_STATE: SYSTEM_ACTOR,
    T.START_FOLLOW_UP: SYSTEM_ACTOR,
    T.COMPLETE_FOLLOW_UP: ESW1,
}
"""Who normally sends a trigger (SW1 when not listed)."""

NO_DECISION_PLAN: dict[str, Any] = {"plan": plan(programs=())}
NO_FOLLOW_UP: dict[str, Any] = {
    "closure": {"reason": "WITHDRAWN", "meeting": meeting("closure_confirmed"), "follow_up": False}
}

ALTERNATIVE_PAYLOADS: dict[Trigger, tuple[dict[str, Any], ...]] = {
    T.SUBMIT_PLAN: (NO_DECISION_PLAN,),  # T17: approved without a 支援決定
    T.DECIDE_SUPPORT: (REFUSAL,),  # T19: refused, back to drafting
    T.CONFIRM_CLOSURE: (NO_FOLLOW_UP,),  # closed without follow-up timers
}
"""Valid payloads that take the other branch of a choice."""


def usual(trigger: Trigger, payload: dict[str, Any] | None = None) -> Command:
    """The command as people normally send it: the usual actor, a valid payload unless one is given."""
    return trigger, USUAL_ACTOR.get(trigger, SW1), VALID_PAYLOADS[trigger] if payload is None else payload


_TO_PLAN_CHECK: list[Command] = [
    usual(T.COMPLETE_INTAKE),
    usual(T.APPLY_FOR_SUPPORT),
    usual(T.START_ASSESSMENT),
    usual(T.COMPLETE_ASSESSMENT),
    usual(T.SUBMIT_PLAN),
]
_THROUGH_MEETING: list[Command] = [
    usual(T.CHECK_PLAN),
    usual(T.RECORD_PLAN_CONSENT),
    usual(T.PUT_ON_AGENDA),
    usual(T.OPEN_MEETING_ITEM),
    usual(T.APPROVE_PLAN),
]

TOURS: tuple[tuple[Command, ...], ...] = (
    (  # decision, monitoring, re-plan, closure, follow-ups, reopen and the short endings of a consultation
        usual(T.COMPLETE_INTAKE),
        usual(T.START_EMERGENCY_SUPPORT),
        *_TO_PLAN_CHECK[1:],
        usual(T.END_EMERGENCY_SUPPORT),
        *_THROUGH_MEETING,
        usual(T.DECIDE_SUPPORT),
        usual(T.RECORD_CONTACT),
        usual(T.MARK_MONITORING_DUE),
        usual(T.MARK_EVALUATION_DUE),
        usual(T.START_EVALUATION),
        usual(T.REPLAN),
        usual(T.SUBMIT_PLAN),
        *_THROUGH_MEETING,
        usual(T.DECIDE_SUPPORT),
        usual(T.START_EVALUATION),
        usual(T.PROPOSE_CLOSURE),
        usual(T.CONFIRM_CLOSURE),
        usual(T.START_FOLLOW_UP),
        usual(T.COMPLETE_FOLLOW_UP),
        usual(T.START_FOLLOW_UP),
        usual(T.COMPLETE_FOLLOW_UP),
        usual(T.REOPEN),
        usual(T.COMPLETE_INTAKE),
        usual(T.END_WITH_INFORMATION),
        usual(T.REOPEN),
        usual(T.COMPLETE_INTAKE),
        usual(T.REFER_OUT),
    ),
    (  # contact lost and restored, plan returned and revised, refusal, no-decision plan, interruption
        *_TO_PLAN_CHECK[:3],
        usual(T.LOSE_CONTACT),
        usual(T.RESTORE_CONTACT),
        usual(T.COMPLETE_ASSESSMENT),
        usual(T.SUBMIT_PLAN, NO_DECISION_PLAN),
        usual(T.RETURN_PLAN),
        usual(T.SUBMIT_PLAN),
        *_THROUGH_MEETING[:4],
        usual(T.REQUEST_PLAN_REVISION),
        usual(T.SUBMIT_PLAN),
        *_THROUGH_MEETING,
        usual(T.DECIDE_SUPPORT, REFUSAL),
        usual(T.SUBMIT_PLAN, NO_DECISION_PLAN),
        *_THROUGH_MEETING,
        usual(T.ASSIGN, {"assignee": "sw9"}),
        usual(T.LOSE_CONTACT),
        usual(T.RECORD_CONTACT_EFFORT),
        usual(T.RECORD_CONTACT_EFFORT, effort(1)),
        usual(T.CONFIRM_INTERRUPTION),
        usual(T.REOPEN),
    ),
    (  # closure straight from the assessment, without follow-up
        *_TO_PLAN_CHECK[:3],
        usual(T.PROPOSE_CLOSURE),
        usual(T.CONFIRM_CLOSURE, NO_FOLLOW_UP),
        usual(T.REOPEN),
        usual(T.COMPLETE_INTAKE),
    ),
)


def payload_variants(trigger: Trigger) -> st.SearchStrategy[dict[str, Any]]:
    """The valid payload, the empty one, or a valid alternative that takes another branch."""
    return st.sampled_from((VALID_PAYLOADS[trigger], {}, *ALTERNATIVE_PAYLOADS.get(trigger, ())))


@st.composite
def commands(draw: st.DrawFn) -> Command:
    """Any trigger, by anyone (usually the person who would send it), with a valid or an empty payload."""
    trigger = draw(st.sampled_from(tuple(Trigger)))
    who = draw(st.one_of(st.just(USUAL_ACTOR.get(trigger, SW1)), st.sampled_from(ACTORS)))
    return trigger, who, draw(payload_variants(trigger))


@st.composite
def command_sequences(draw: st.DrawFn, max_noise: int = 12) -> list[Command]:
    """A prefix of a tour with up to ``max_noise`` random commands slipped in anywhere."""
    tour = draw(st.sampled_from(TOURS))
    sequence = list(tour[: draw(st.integers(min_value=0, max_value=len(tour)))])
    noise = draw(st.lists(st.tuples(st.integers(min_value=0, max_value=len(sequence)), commands()), max_size=max_noise))
    for position, command in sorted(noise, key=lambda n: n[0], reverse=True):
        sequence.insert(position, command)
    return sequence
