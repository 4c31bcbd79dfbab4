"""Walk the pure engine into any state with valid data: the starting points of the table tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from statemachines.case.engine import CASE, open_case
from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.transitions import Trigger
from statemachines.kernel.roles import SYSTEM_ACTOR, Actor
from statemachines.kernel.rules import DEFAULT_RULESET, RuleSet
from tests.factories import CITY, CSW1, MUN1, SW1, VALID_PAYLOADS, effort

T = Trigger
S = CaseState
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

ACTOR_FOR: dict[Trigger, Actor] = {
    T.CHECK_PLAN: CSW1,
    T.RETURN_PLAN: CSW1,
    T.ASSIGN: CSW1,
    T.DECIDE_SUPPORT: MUN1,
    T.LOSE_CONTACT: SYSTEM_ACTOR,
    T.MARK_MONITORING_DUE: SYSTEM_ACTOR,
    T.MARK_EVALUATION_DUE: SYSTEM_ACTOR,
    T.SET_MONITORING_INTERVAL: SYSTEM_ACTOR,
    T.RECORD_PROGRAM_STATE: SYSTEM_ACTOR,
    T.ASSIGN_EMPLOYMENT_SUPPORTER: CSW1,
    T.GIVE_ADVICE: CSW1,
    T.FLAG_DIFFICULT_CASE: CSW1,
    T.LIFT_DIFFICULT_CASE: CSW1,
}

PATHS: dict[CaseState, list[Trigger]] = {
    S.INTAKE: [],
    S.SCREENING: [T.COMPLETE_INTAKE],
    S.ENDED_INFO_ONLY: [T.COMPLETE_INTAKE, T.END_WITH_INFORMATION],
    S.REFERRED_OUT: [T.COMPLETE_INTAKE, T.REFER_OUT],
    S.APPLIED: [T.COMPLETE_INTAKE, T.APPLY_FOR_SUPPORT],
}
PATHS[S.ASSESSMENT] = [*PATHS[S.APPLIED], T.START_ASSESSMENT]
PATHS[S.PLAN_DRAFTING] = [*PATHS[S.ASSESSMENT], T.COMPLETE_ASSESSMENT]
PATHS[S.PLAN_CHECK] = [*PATHS[S.PLAN_DRAFTING], T.SUBMIT_PLAN]
PATHS[S.PLAN_CONSENTED] = [*PATHS[S.PLAN_CHECK], T.CHECK_PLAN, T.RECORD_PLAN_CONSENT]
PATHS[S.MEETING_PENDING] = [*PATHS[S.PLAN_CONSENTED], T.PUT_ON_AGENDA]
PATHS[S.MEETING_REVIEW] = [*PATHS[S.MEETING_PENDING], T.OPEN_MEETING_ITEM]
PATHS[S.DECISION_PENDING] = [*PATHS[S.MEETING_REVIEW], T.APPROVE_PLAN]
PATHS[S.SUPPORT_ACTIVE] = [*PATHS[S.DECISION_PENDING], T.DECIDE_SUPPORT]
PATHS[S.CONTACT_LOST] = [*PATHS[S.SUPPORT_ACTIVE], T.LOSE_CONTACT]
PATHS[S.INTERRUPTED] = [
    *PATHS[S.CONTACT_LOST],
    T.RECORD_CONTACT_EFFORT,
    T.RECORD_CONTACT_EFFORT,
    T.CONFIRM_INTERRUPTION,
]
PATHS[S.EVALUATION] = [*PATHS[S.SUPPORT_ACTIVE], T.START_EVALUATION]
PATHS[S.CLOSURE_REVIEW] = [*PATHS[S.EVALUATION], T.PROPOSE_CLOSURE]
PATHS[S.CLOSED] = [*PATHS[S.CLOSURE_REVIEW], T.CONFIRM_CLOSURE]
PATHS[S.FOLLOW_UP] = [*PATHS[S.CLOSED], T.START_FOLLOW_UP]


def new_case(*, identified: bool = False, ruleset: RuleSet = DEFAULT_RULESET, opener: Actor = SW1) -> CaseRecord:
    return open_case(
        case_id="c-test",
        municipality=CITY,
        ruleset=ruleset,
        actor=opener,
        payload={},
        now=START,
        command_id="open",
        identified=identified,
    ).record


def usual_payload(case: CaseRecord, trigger: Trigger) -> dict[str, Any]:
    """The valid payload of ``trigger`` for ``case``: each attempt to re-establish contact on a day of its own."""
    if trigger is T.RECORD_CONTACT_EFFORT:
        return effort(len(case.contact_efforts))
    return VALID_PAYLOADS[trigger]


def step(
    case: CaseRecord, trigger: Trigger, payload: dict[str, Any] | None = None, actor: Actor | None = None
) -> CaseRecord:
    now = START + timedelta(days=len(case.contact_efforts), minutes=case.seq)  # each effort a day after the last
    body = usual_payload(case, trigger) if payload is None else payload
    who = actor or ACTOR_FOR.get(trigger, SW1)
    return CASE.apply(case, trigger.value, who, body, now=now, command_id=f"cmd-{case.seq + 1}").record


def reach(state: CaseState, *, ruleset: RuleSet = DEFAULT_RULESET) -> CaseRecord:
    if state is S.IDENTIFIED:
        return new_case(identified=True, ruleset=ruleset)
    case = new_case(ruleset=ruleset)
    for trigger in PATHS[state]:
        case = step(case, trigger)
    assert case.state is state
    return case


def meeting_review(submitted_plan: dict[str, Any]) -> CaseRecord:
    """A case at the 支援調整会議 with ``submitted_plan`` (its プラン兼事業等利用申込書) consented."""
    case = step(reach(S.PLAN_DRAFTING), T.SUBMIT_PLAN, {"plan": submitted_plan})
    for trigger in (T.CHECK_PLAN, T.RECORD_PLAN_CONSENT, T.PUT_ON_AGENDA, T.OPEN_MEETING_ITEM):
        case = step(case, trigger)
    assert case.state is S.MEETING_REVIEW
    return case


def decision_pending(submitted_plan: dict[str, Any]) -> CaseRecord:
    """A case awaiting its 支援決定 on ``submitted_plan``, which applied for the programs it lists."""
    case = step(meeting_review(submitted_plan), T.APPROVE_PLAN)
    assert case.state is S.DECISION_PENDING
    return case
