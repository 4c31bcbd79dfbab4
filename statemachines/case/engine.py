"""check / explain / apply: the pure engine the workflow, the API and the tests share."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from transitions import Machine, MachineError

from statemachines.case.effects import apply_effects
from statemachines.case.guards import GUARDS, GuardContext
from statemachines.case.payloads import IntakePayload
from statemachines.case.record import PRE_PLAN_STATES, STATES, CaseRecord, CaseState
from statemachines.case.records import IntakeRecord
from statemachines.case.transitions import (
    ANY_STAFF,
    BY_ID,
    HUMAN_TRIGGERS,
    OPENING,
    OPENING_IDENTIFIED,
    PAYLOADS,
    Region,
    TransitionDef,
    Trigger,
    candidates,
)
from statemachines.case.transitions import machine_transitions as _machine_rows
from statemachines.kernel.events import CaseEvent, canonical_event_content, chain_hash
from statemachines.kernel.outcomes import CommandOption, CommandRejected, PayloadInvalid, Unmet, UnmetKind
from statemachines.kernel.roles import Actor, Role
from statemachines.kernel.rules import RuleSet

logging.getLogger("transitions").setLevel(logging.WARNING)  # its logger is not replay-aware


def parse_payload(command: str, payload: Mapping[str, Any] | BaseModel | None) -> BaseModel:
    trigger = _trigger(command)
    if trigger is None:
        raise PayloadInvalid(command, [{"type": "unknown_command", "loc": ["command"], "msg": command}])
    model = PAYLOADS[trigger]
    if isinstance(payload, model):
        return payload
    raw = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else dict(payload or {})
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise PayloadInvalid(command, [dict(e) for e in exc.errors(include_url=False, include_context=False)]) from exc


def _trigger(command: str) -> Trigger | None:
    try:
        return Trigger(command)
    except ValueError:
        return None


def _state_unmet(case: CaseRecord, command: str) -> Unmet:
    info = STATES[case.state]
    return Unmet(
        kind=UnmetKind.STATE,
        id="STATE",
        message_ja=f"「{info.name_ja}」の状態からは {command} を実行できません。",
        message_en=f"{command} is not possible from state {case.state.value}.",
    )


def _gate_unmet(municipality: str, roles: frozenset[Role], actor: Actor) -> list[Unmet]:
    unmet: list[Unmet] = []
    if not actor.has_any(roles):
        names = "・".join(sorted(r.value for r in roles))
        unmet.append(
            Unmet(
                kind=UnmetKind.ROLE,
                id="ROLE",
                message_ja=f"この操作には役割 {names} が必要です。",
                message_en=f"This command needs one of the roles {names}.",
            )
        )
    if Role.SYSTEM not in actor.roles and municipality not in actor.serves:
        unmet.append(
            Unmet(
                kind=UnmetKind.SCOPE,
                id="SCOPE",
                message_ja="この自治体のケースを担当していません。",
                message_en="You do not serve this case's municipality.",
            )
        )
    return unmet


def _region_unmet(case: CaseRecord, t: TransitionDef) -> bool:
    """The parallel 緊急支援 region: T6 only before the plan is agreed and when not already active."""
    if t.trigger is Trigger.START_EMERGENCY_SUPPORT:
        return case.emergency_active or case.state not in PRE_PLAN_STATES
    if t.trigger is Trigger.END_EMERGENCY_SUPPORT:
        return not case.emergency_active
    return False


def _guard_results(
    case: CaseRecord, t: TransitionDef, actor: Actor, payload: BaseModel | None
) -> dict[str, bool | None]:
    ctx = GuardContext(
        case=case,
        actor=actor,
        trigger=t.trigger.value,
        payload=payload,
        payload_fields=frozenset(t.payload.model_fields),
    )
    return {gid: GUARDS[gid].predicate(ctx) for gid in t.guards}


def _guard_unmet(results: dict[str, bool | None], *, pending_ok: bool) -> list[Unmet]:
    failed = [gid for gid, ok in results.items() if ok is False or (ok is None and not pending_ok)]
    return [Unmet(kind=UnmetKind.GUARD, **GUARDS[gid].describe()) for gid in failed]


def select(
    case: CaseRecord, command: str, actor: Actor, payload: BaseModel | None
) -> tuple[TransitionDef | None, list[Unmet]]:
    """The transition this command would take, or every reason it cannot (never a silent False)."""
    trigger = _trigger(command)
    if trigger is None:
        return None, [
            Unmet(
                kind=UnmetKind.UNKNOWN,
                id="UNKNOWN",
                message_ja=f"不明な操作です: {command}",
                message_en=f"Unknown command: {command}",
            )
        ]
    rows = [t for t in candidates(trigger, case.state) if not _region_unmet(case, t)]
    if not rows:
        return None, [_state_unmet(case, command)]
    best: list[Unmet] | None = None
    for t in rows:
        unmet = _gate_unmet(case.municipality, t.roles, actor) + _guard_unmet(
            _guard_results(case, t, actor, payload), pending_ok=payload is None
        )
        if not unmet:
            return t, []
        if best is None or len(unmet) < len(best):
            best = unmet
    return None, best or []


def check(
    case: CaseRecord, command: str, actor: Actor, payload: Mapping[str, Any] | BaseModel | None = None
) -> list[Unmet]:
    """Every unmet condition for ``command`` by ``actor`` with ``payload``; empty means it would be accepted."""
    parsed = parse_payload(command, payload) if _trigger(command) else None
    return select(case, command, actor, parsed)[1]


def explain(case: CaseRecord, actor: Actor) -> list[CommandOption]:
    """For every human command: is it possible now for this actor, and what is missing?"""
    options: list[CommandOption] = []
    for trigger in HUMAN_TRIGGERS:
        rows = candidates(trigger, case.state)
        chosen, unmet = select(case, trigger.value, actor, None)
        pending = _pending_requirements(case, rows, actor)
        options.append(
            CommandOption(
                command=trigger.value,
                allowed=chosen is not None and not unmet,
                transition_ids=[t.id for t in rows],
                unmet_guards=unmet,
                requires=pending,
            )
        )
    return options


def _pending_requirements(case: CaseRecord, rows: list[TransitionDef], actor: Actor) -> list[dict[str, str]]:
    pending: dict[str, dict[str, str]] = {}
    for t in rows:
        for gid, ok in _guard_results(case, t, actor, None).items():
            if ok is None:
                pending[gid] = GUARDS[gid].describe()
    return list(pending.values())


class _Model:
    """The object ``transitions`` moves: kept apart from the record so the library adds nothing to it."""

    def __init__(self) -> None:
        self.state = ""


def _machine(state: CaseState) -> tuple[Machine, _Model]:
    model = _Model()
    machine = Machine(
        model=model,
        states=[s.value for s in CaseState],
        transitions=_machine_rows(),
        initial=state.value,
        auto_transitions=False,
        ignore_invalid_triggers=False,
    )
    return machine, model


def _move(case: CaseRecord, t: TransitionDef) -> CaseState:
    if t.region is not Region.MAIN:
        return case.state
    _, model = _machine(case.state)
    trigger = t.id
    if t.dest_previous:
        previous = case.state_before_contact_lost or CaseState.SUPPORT_ACTIVE
        trigger = f"{t.id}_{previous.value}"
    try:
        moved = model.trigger(trigger)  # type: ignore[attr-defined]
    except (MachineError, AttributeError) as exc:
        raise CommandRejected(t.trigger.value, [_state_unmet(case, t.trigger.value)]) from exc
    if moved is not True:
        raise CommandRejected(t.trigger.value, [_state_unmet(case, t.trigger.value)])
    return CaseState(model.state)


class Applied(BaseModel):
    model_config = ConfigDict(frozen=True)

    case: CaseRecord
    event: CaseEvent
    transition_id: str


def apply(
    case: CaseRecord,
    command: str,
    actor: Actor,
    payload: Mapping[str, Any] | BaseModel | None,
    *,
    now: datetime,
    command_id: str,
) -> Applied:
    """Fire ``command``: the new record and its event. Raises ``CommandRejected`` with every unmet guard."""
    if _trigger(command) is None:
        raise CommandRejected(command, select(case, command, actor, None)[1])
    parsed = parse_payload(command, payload)
    chosen, unmet = select(case, command, actor, parsed)
    if chosen is None or unmet:
        raise CommandRejected(command, unmet)
    source = case.state
    dest = _move(case, chosen)
    updated = apply_effects(case, chosen, parsed, actor, now=now, source=source, dest=dest)
    event = _event(updated, chosen, actor, parsed, now=now, command_id=command_id, source=source)
    updated.seq, updated.last_hash = event.seq, event.hash
    return Applied(case=updated, event=event, transition_id=chosen.id)


def _event(
    case: CaseRecord,
    t: TransitionDef,
    actor: Actor,
    payload: BaseModel,
    *,
    now: datetime,
    command_id: str,
    source: CaseState | None,
) -> CaseEvent:
    body: dict[str, Any] = {
        "case_id": case.case_id,
        "seq": case.seq + 1,
        "at": now,
        "actor_id": actor.user_id,
        "actor_roles": sorted(r.value for r in actor.roles),
        "command": t.trigger.value,
        "command_id": command_id,
        "transition_id": t.id,
        "from_state": source.value if source else None,
        "to_state": case.state.value,
        "payload": payload.model_dump(mode="json", exclude_none=True),
    }
    digest = chain_hash(case.last_hash, canonical_event_content(**body))
    return CaseEvent(**body, prev_hash=case.last_hash, hash=digest)


def transition(transition_id: str) -> TransitionDef:
    return BY_ID[transition_id]


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
) -> Applied:
    """T1 from nothing (or T0 into 把握): the first event of a case. The opener is its first assignee."""
    parsed = parse_payload(Trigger.OPEN_CONSULTATION.value, payload)
    gate = _gate_unmet(municipality, ANY_STAFF, actor)
    if gate:
        raise CommandRejected(Trigger.OPEN_CONSULTATION.value, gate)
    assert isinstance(parsed, IntakePayload)
    state = CaseState.IDENTIFIED if identified else CaseState.INTAKE
    case = CaseRecord(
        case_id=case_id,
        municipality=municipality,
        ruleset=ruleset,
        state=state,
        state_entered_at=now,
        opened_at=now,
        opened_by=actor.user_id,
        last_contact_at=now,
        assignee=actor.user_id,
        previous_case_id=previous_case_id,
        intake=parsed.intake or IntakeRecord(),
    )
    opening = OPENING_IDENTIFIED if identified else OPENING
    event = _event(case, opening, actor, parsed, now=now, command_id=command_id, source=None)
    case.seq, case.last_hash = event.seq, event.hash
    return Applied(case=case, event=event, transition_id=opening.id)
