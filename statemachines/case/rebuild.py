"""A case as it stood at any moment, rebuilt from its recorded events (for auditors' as-of views), and the nightly
integrity pass's check that every recorded event is one the machine makes (:func:`first_wrong_step`).

Recorded events are facts: they were checked when they happened, under the rules of that day. Rebuilding therefore
applies each event's effects without re-running guards, with the rule set the case pinned when it opened.
"""

from __future__ import annotations

from datetime import datetime

from statemachines.case.engine import CASE
from statemachines.case.payloads import Opened
from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.records import IntakeRecord
from statemachines.case.transitions import OPENING, OPENING_IDENTIFIED, TransitionDef
from statemachines.kernel.events import CaseEvent
from statemachines.kernel.outcomes import parse_as
from statemachines.kernel.roles import Actor, OrgKind, Role
from statemachines.kernel.rules import RuleSet
from statemachines.kernel.table import MAIN_REGION

_OPENINGS: dict[str, TransitionDef] = {OPENING.id: OPENING, OPENING_IDENTIFIED.id: OPENING_IDENTIFIED}


class RebuildError(ValueError):
    """The events do not form a case history (no opening, a gap, an unknown transition)."""


def _actor(event: CaseEvent) -> Actor:
    roles = frozenset(Role(r) for r in event.actor_roles if r in Role.__members__)
    return Actor(user_id=event.actor_id, roles=roles, organisation="(recorded)", org_kind=OrgKind.SYSTEM)


def _open(event: CaseEvent, municipality: str, ruleset: RuleSet) -> CaseRecord:
    payload = parse_as(Opened, event.command, event.payload)
    case = CaseRecord(
        case_id=event.case_id,
        municipality=municipality,
        ruleset=ruleset,
        state=CaseState(event.to_state),
        state_entered_at=event.at,
        opened_at=event.at,
        opened_by=event.actor_id,
        last_contact_at=event.at,
        assignee=event.actor_id,
        intake=payload.intake or IntakeRecord(),
        case_number=payload.case_number,
        person_id=payload.person_id,
    )
    case.seq, case.last_hash = event.seq, event.hash
    return case


def _step(case: CaseRecord, event: CaseEvent, *, in_place: bool = False) -> CaseRecord:
    transition = CASE.by_id.get(event.transition_id)
    if transition is None:
        raise RebuildError(f"seq {event.seq}: unknown transition {event.transition_id}")
    payload = CASE.parse(event.command, event.payload)
    actor, dest = _actor(event), CaseState(event.to_state)
    source = case.state
    updated = CASE.effected(case, transition, payload, actor, now=event.at, source=source, dest=dest, in_place=in_place)
    updated.seq, updated.last_hash = event.seq, event.hash
    return updated


def rebuild(
    events: list[CaseEvent], *, municipality: str, ruleset: RuleSet, as_of: datetime | None = None
) -> CaseRecord | None:
    """The record after every event up to ``as_of`` (all when None); None when the case did not exist yet."""
    ordered = sorted(events, key=lambda e: e.seq)
    if not ordered or ordered[0].transition_id not in _OPENINGS:
        raise RebuildError("the history does not start with the opening of the case")
    case: CaseRecord | None = None
    for expected, event in enumerate(ordered, start=1):
        if event.seq != expected:
            raise RebuildError(f"seq {expected} is missing")
        if as_of is not None and event.at > as_of:
            break
        case = _open(event, municipality, ruleset) if case is None else _step(case, event)
    return case


def first_wrong_step(events: list[CaseEvent], *, municipality: str, ruleset: RuleSet) -> int | None:
    """The seq of the first event the pure machine does not make, or None when the whole history rebuilds.

    An event is wrong when it is missing from the numbering, its transition is not in the table, it does not start
    from the state the events before it left the case in (its ``from_state`` too), it does not end where the table
    takes the case, or its payload cannot be read or applied. After an erased payload (crypto-shredding) the records
    can no longer be rebuilt: the events that follow are checked for their moves only. One record is rebuilt in
    place, not copied per event: this runs over every case each night.
    """
    case: CaseRecord | None = None
    state: CaseState | None = None
    whole = True  # every payload so far was there: the record is rebuilt, not only the state
    for expected, event in enumerate(sorted(events, key=lambda e: e.seq), start=1):
        if event.seq != expected:
            return expected
        whole = whole and not event.payload_erased
        try:
            moved = _moves_as_recorded(event, state, None if case is None or not whole else case)
            if whole:
                case = _open(event, municipality, ruleset) if case is None else _step(case, event, in_place=True)
        except Exception:  # any refusal of the machine to replay the event (a payload, an effect) is the finding
            return event.seq
        if not moved:
            return event.seq
        state = CaseState(event.to_state)
    return None


def _moves_as_recorded(event: CaseEvent, state: CaseState | None, case: CaseRecord | None) -> bool:
    """Whether the table takes a case in ``state`` (None: not opened yet) where the event says it went.

    ``case``: the rebuilt record, where a ``dest_previous`` row reads the state to go back to (None: any state such
    a row may go back to)."""
    if state is None:
        opening = _OPENINGS.get(event.transition_id)
        return opening is not None and event.to_state == (opening.dest or CaseState.INTAKE).value
    transition = CASE.by_id.get(event.transition_id)
    if transition is None or event.from_state != state.value:
        return False
    if transition.region != MAIN_REGION:
        return event.to_state == state.value
    if state not in transition.source:
        return False
    if transition.dest_previous:
        allowed = {CASE.previous_state(case)} if case is not None and CASE.previous_state else CASE.previous_states
        return CaseState(event.to_state) in allowed
    return event.to_state == (transition.dest or state).value
