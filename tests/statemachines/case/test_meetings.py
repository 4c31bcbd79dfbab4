"""The sitting's steps (statemachines/case/meetings.py): what a case waits for, which commands record each outcome
from each state, and that their payloads pass the single-case commands' own guards with the sitting named."""

from __future__ import annotations

import pytest

from statemachines.case.engine import CASE
from statemachines.case.meetings import Outcome, Purpose, Sitting, SittingKind, payload, purpose_of, steps
from statemachines.case.record import CaseState
from statemachines.case.records import Attendee
from statemachines.case.transitions import Trigger
from tests.factories import CSW1, ON, meeting
from tests.statemachines.paths import reach, step

S = CaseState
T = Trigger
SITTING = Sitting(
    sitting_id="s" * 32,
    held_on=ON,  # the pure engine's day (G-DATES: a 会議日 is not after the day it is recorded)
    kind=SittingKind.SUPPORT_COORDINATION,
    members=tuple(Attendee.model_validate(a) for a in meeting()["attendees"]),
)


def test_what_a_case_waits_for_follows_from_its_state() -> None:
    assert purpose_of(S.PLAN_CONSENTED) is Purpose.PLAN
    assert purpose_of(S.MEETING_PENDING) is Purpose.PLAN
    assert purpose_of(S.CLOSURE_REVIEW) is Purpose.CLOSURE
    assert purpose_of(S.CONTACT_LOST) is Purpose.INTERRUPTION
    assert purpose_of(S.SUPPORT_ACTIVE) is None


def test_the_steps_of_each_outcome_start_where_the_case_stands() -> None:
    assert steps(S.PLAN_CONSENTED, Outcome.APPROVE) == (T.PUT_ON_AGENDA, T.OPEN_MEETING_ITEM, T.APPROVE_PLAN)
    assert steps(S.MEETING_PENDING, Outcome.REVISE) == (T.OPEN_MEETING_ITEM, T.REQUEST_PLAN_REVISION)
    assert steps(S.MEETING_REVIEW, Outcome.APPROVE) == (T.APPROVE_PLAN,)
    assert steps(S.CLOSURE_REVIEW, Outcome.CONFIRM_CLOSURE) == (T.CONFIRM_CLOSURE,)
    assert steps(S.CONTACT_LOST, Outcome.CONFIRM_INTERRUPTION) == (T.CONFIRM_INTERRUPTION,)
    assert steps(S.CLOSURE_REVIEW, Outcome.APPROVE) == ()  # not an outcome of that item
    assert steps(S.INTAKE, Outcome.APPROVE) == ()


@pytest.mark.parametrize(
    ("state", "outcome", "ends"),
    [
        (S.PLAN_CONSENTED, Outcome.APPROVE, S.DECISION_PENDING),
        (S.MEETING_PENDING, Outcome.REVISE, S.PLAN_DRAFTING),
        (S.CLOSURE_REVIEW, Outcome.CONFIRM_CLOSURE, S.CLOSED),
    ],
)
def test_each_outcome_moves_the_case_through_its_own_commands_naming_the_sitting(
    state: CaseState, outcome: Outcome, ends: CaseState
) -> None:
    case = reach(state)
    for trigger in steps(state, outcome):
        case = step(case, trigger, payload(trigger, outcome, SITTING, case, "議事録"), CSW1)
    assert case.state is ends
    assert case.meetings[-1].sitting_id == SITTING.sitting_id
    assert case.meetings[-1].meeting_date == SITTING.held_on
    assert case.meetings[-1].notes == "議事録"


def test_a_meeting_record_without_the_sitting_still_parses_as_recorded_histories_have_it() -> None:
    assert CASE.parse("open_meeting_item", {"meeting": meeting()}) is not None
