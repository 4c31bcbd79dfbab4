"""A case as it stood at any moment, rebuilt from its recorded events (for auditors' as-of views).

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


def _step(case: CaseRecord, event: CaseEvent) -> CaseRecord:
    transition = CASE.by_id.get(event.transition_id)
    if transition is None:
        raise RebuildError(f"seq {event.seq}: unknown transition {event.transition_id}")
    payload = CASE.parse(event.command, event.payload)
    actor, dest = _actor(event), CaseState(event.to_state)
    updated = CASE.effected(case, transition, payload, actor, now=event.at, source=case.state, dest=dest)
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
