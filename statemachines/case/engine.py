"""The case process bound to the kernel's engine: its table, guards and effects, and how a case opens.

Beyond a program, the case has a parallel region (緊急支援, T6: only before the plan is agreed, once at a time), a
return to the state before 連絡不通 (T27), and two openings (T1 相談受付, T0 把握) gated like any command.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from statemachines.case.effects import EFFECTS, settle
from statemachines.case.guards import GUARDS
from statemachines.case.payloads import IntakePayload, Opened
from statemachines.case.record import NO_CONTACT_STATES, PRE_PLAN_STATES, STATES, CaseRecord, CaseState
from statemachines.case.records import IntakeRecord
from statemachines.case.transitions import OPENING, OPENING_IDENTIFIED, TRANSITIONS, Trigger
from statemachines.kernel.engine import Applied, Process
from statemachines.kernel.guards import GuardContext
from statemachines.kernel.outcomes import CommandRejected, gate, parse_as
from statemachines.kernel.roles import Actor
from statemachines.kernel.rules import RuleSet
from statemachines.kernel.table import Transition


def _region_open(case: CaseRecord, t: Transition[CaseState, Trigger]) -> bool:
    """The parallel 緊急支援 region: T6 only before the plan is agreed and when not already active."""
    if t.trigger is Trigger.START_EMERGENCY_SUPPORT:
        return not case.emergency_active and case.state in PRE_PLAN_STATES
    if t.trigger is Trigger.END_EMERGENCY_SUPPORT:
        return case.emergency_active
    return True


def _before_contact_lost(case: CaseRecord) -> CaseState:
    """T27 goes back where 連絡不通 came from (支援提供 when the record does not say)."""
    return case.state_before_contact_lost or CaseState.SUPPORT_ACTIVE


CASE = Process[CaseState, Trigger, CaseRecord](
    id="case",
    states=STATES,
    triggers=Trigger,
    transitions=TRANSITIONS,
    guards=GUARDS,
    effects=EFFECTS,
    available=_region_open,
    previous_state=_before_contact_lost,
    previous_states=tuple(sorted(NO_CONTACT_STATES)),
    settle=settle,
)


def _check_dates(
    case: CaseRecord, opening: Transition[CaseState, Trigger], actor: Actor, parsed: BaseModel, now: datetime
) -> None:
    """The opening's declared dates (生年月日, 受付日), as G-DATES checks every later command's."""
    ctx = GuardContext(case, actor, opening.trigger.value, parsed, frozenset(type(parsed).model_fields), now)
    guard = GUARDS["G-DATES"]
    if guard.predicate(ctx) is False:
        raise CommandRejected(opening.trigger.value, [guard.unmet(ctx)])


def open_case(
    *,
    case_id: str,
    municipality: str,
    ruleset: RuleSet,
    actor: Actor,
    payload: Mapping[str, Any] | BaseModel | None,
    now: datetime,
    command_id: str,
    identified: bool = False,
    previous_case_id: str | None = None,
    case_number: str | None = None,
    person_id: str | None = None,
) -> Applied[CaseRecord]:
    """T1 from nothing (or T0 into 把握): the first event of a case. The opener is its first assignee.

    The 受付番号 and the person, when given, are the system's: recorded on the case and in the first event's payload
    beside what the opener sent (``Opened``), so that replay, rebuilding and exports carry them."""
    opening = OPENING_IDENTIFIED if identified else OPENING
    parsed = parse_as(IntakePayload, opening.trigger.value, payload)
    unmet = gate(municipality, opening.roles, actor)
    if unmet:
        raise CommandRejected(opening.trigger.value, unmet)
    case = CaseRecord(
        case_id=case_id,
        municipality=municipality,
        ruleset=ruleset,
        state=opening.dest or CaseState.INTAKE,
        state_entered_at=now,
        opened_at=now,
        opened_by=actor.user_id,
        last_contact_at=now,
        assignee=actor.user_id,
        previous_case_id=previous_case_id,
        intake=parsed.intake or IntakeRecord(),
        case_number=case_number,
        person_id=person_id,
    )
    _check_dates(case, opening, actor, parsed, now)
    given = Opened(**dict(parsed), case_number=case_number, person_id=person_id)
    body = given.model_dump(mode="json", exclude_none=True)
    command = opening.trigger.value
    return CASE.open(
        case, actor, transition_id=opening.id, command=command, payload=body, now=now, command_id=command_id
    )
