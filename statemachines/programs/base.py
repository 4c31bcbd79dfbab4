"""The shape every program process shares (process.md §3): states, transitions as data, guards, and one engine.

A program (住居確保給付金, 就労準備支援, ...) is a ``ProgramDef``: its states, a transition table run by a
``transitions.Machine``, guards with their legal basis, the record it keeps, and the effects of each trigger. The
same ``check`` / ``apply`` / ``explain`` as the case serve every program, so the API and the workflows treat them
alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from transitions import Machine, MachineError

from statemachines.kernel.events import GENESIS_HASH, CaseEvent, NoticeKind, canonical_event_content, chain_hash
from statemachines.kernel.outcomes import CommandOption, CommandRejected, PayloadInvalid, Unmet, UnmetKind
from statemachines.kernel.roles import Actor, Role


class Empty(BaseModel):
    """A command that carries nothing."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Reason(BaseModel):
    """A command that needs its reason written down (辞退, 不承認, ...)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class DecidedOn(BaseModel):
    """A municipal decision dated ``decided_on``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    decided_on: date


class ProgramRecord(BaseModel):
    """What every enrolment keeps; each program extends it with its own fields."""

    model_config = ConfigDict(extra="forbid")

    enrolment_id: str
    case_id: str
    municipality: str
    state: str
    state_entered_at: datetime
    started_at: datetime
    seq: int = 0
    last_hash: str = GENESIS_HASH


R = TypeVar("R", bound=ProgramRecord)


@dataclass(frozen=True)
class ProgramContext(Generic[R]):
    record: R
    actor: Actor
    trigger: str
    payload: BaseModel | None  # None: explain(), before a form is filled in
    now: datetime


@dataclass(frozen=True)
class ProgramGuard(Generic[R]):
    id: str
    message_ja: str
    message_en: str
    basis: str
    predicate: Callable[[ProgramContext[R]], bool | None]

    def describe(self) -> dict[str, str]:
        return {"id": self.id, "message_ja": self.message_ja, "message_en": self.message_en, "basis": self.basis}


@dataclass(frozen=True)
class ProgramTransition:
    id: str
    trigger: str
    source: tuple[str, ...]
    dest: str | None  # None: stays (an internal transition)
    roles: frozenset[Role]
    payload: type[BaseModel]
    name_ja: str
    guards: tuple[str, ...] = ()
    timer: str | None = None


Effect = Callable[[R, BaseModel, Actor, datetime], None]


@dataclass(frozen=True)
class ProgramState:
    name_ja: str
    name_en: str
    terminal: bool = False


class ProgramDeadline(BaseModel):
    """A durable timer of a program: at ``at`` the engine fires ``trigger`` (a SYSTEM transition)."""

    model_config = ConfigDict(frozen=True)

    kind: str
    at: datetime
    trigger: str
    payload: dict[str, Any] = {}


@dataclass(frozen=True)
class ProgramTaskKind:
    kind: str
    role: Role
    command: str
    title_ja: str
    title_en: str
    notice: NoticeKind | None = None  # None: DEADLINE when a timer opens it, else TASK_ASSIGNED


def _no_deadlines(record: Any) -> list[ProgramDeadline]:
    return []


def _no_monitoring(record: Any) -> str | None:
    return None


@dataclass(frozen=True)
class ProgramDef(Generic[R]):
    id: str
    name_ja: str
    basis: str
    states: dict[str, ProgramState]
    initial: str
    transitions: tuple[ProgramTransition, ...]
    guards: dict[str, ProgramGuard[R]]
    record_type: type[R]
    effects: dict[str, Effect[R]] = field(default_factory=dict)
    rules: dict[str, tuple[Any, str]] = field(default_factory=dict)  # rule -> (default, source)
    timers: tuple[dict[str, Any], ...] = ()
    deadlines: Callable[[R], list[ProgramDeadline]] = _no_deadlines
    state_tasks: dict[str, ProgramTaskKind] = field(default_factory=dict)  # the task a state puts in a queue
    event_tasks: dict[str, ProgramTaskKind] = field(default_factory=dict)  # the task a (timer) trigger opens
    closes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # trigger -> task kinds it completes
    monitoring: Callable[[R], str | None] = _no_monitoring  # the case's monitoring interval while this runs
    started_by_staff: bool = False  # started from the case by a consultant (a referral), not by the 支援決定
    shares_personal_data: bool = False  # starting it passes personal data on: consent C1 first (process.md §5.2)

    def __post_init__(self) -> None:
        known = set(self.states)
        for t in self.transitions:
            bad = (set(t.source) | ({t.dest} if t.dest else set())) - known
            assert not bad, f"{self.id} {t.id}: unknown states {bad}"
            assert set(t.guards) <= set(self.guards), f"{self.id} {t.id}: unknown guards"

    def triggers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.trigger for t in self.transitions))


def parse(defn: ProgramDef[R], trigger: str, payload: Mapping[str, Any] | BaseModel | None) -> BaseModel:
    rows = [t for t in defn.transitions if t.trigger == trigger]
    if not rows:
        raise PayloadInvalid(trigger, [{"type": "unknown_command", "loc": ["command"], "msg": trigger}])
    model = rows[0].payload
    if isinstance(payload, model):
        return payload
    raw = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else dict(payload or {})
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = [dict(e) for e in exc.errors(include_url=False, include_context=False)]
        raise PayloadInvalid(trigger, errors) from exc


def _gate(record: ProgramRecord, t: ProgramTransition, actor: Actor) -> list[Unmet]:
    unmet: list[Unmet] = []
    if not actor.has_any(t.roles):
        names = "・".join(sorted(r.value for r in t.roles))
        unmet.append(
            Unmet(
                kind=UnmetKind.ROLE,
                id="ROLE",
                message_ja=f"この操作には役割 {names} が必要です。",
                message_en=f"This command needs one of the roles {names}.",
            )
        )
    if Role.SYSTEM not in actor.roles and record.municipality not in actor.serves:
        unmet.append(
            Unmet(
                kind=UnmetKind.SCOPE,
                id="SCOPE",
                message_ja="この自治体のケースを担当していません。",
                message_en="You do not serve this case's municipality.",
            )
        )
    return unmet


def _guards(
    defn: ProgramDef[R], record: R, t: ProgramTransition, actor: Actor, payload: BaseModel | None, now: datetime
) -> list[Unmet]:
    ctx = ProgramContext(record=record, actor=actor, trigger=t.trigger, payload=payload, now=now)
    failed = [
        g
        for g in t.guards
        if defn.guards[g].predicate(ctx) is False or (payload is not None and defn.guards[g].predicate(ctx) is None)
    ]
    return [Unmet(kind=UnmetKind.GUARD, **defn.guards[g].describe()) for g in failed]


def _state_unmet(defn: ProgramDef[R], record: R, trigger: str) -> Unmet:
    name = defn.states[record.state].name_ja
    return Unmet(
        kind=UnmetKind.STATE,
        id="STATE",
        message_ja=f"「{name}」の状態からは {trigger} を実行できません。",
        message_en=f"{trigger} is not possible from state {record.state}.",
    )


def select(
    defn: ProgramDef[R], record: R, trigger: str, actor: Actor, payload: BaseModel | None, now: datetime
) -> tuple[ProgramTransition | None, list[Unmet]]:
    rows = [t for t in defn.transitions if t.trigger == trigger and record.state in t.source]
    if not any(t.trigger == trigger for t in defn.transitions):
        return None, [
            Unmet(
                kind=UnmetKind.UNKNOWN,
                id="UNKNOWN",
                message_ja=f"不明な操作です: {trigger}",
                message_en=f"Unknown command: {trigger}",
            )
        ]
    if not rows:
        return None, [_state_unmet(defn, record, trigger)]
    best: list[Unmet] | None = None
    for t in rows:
        unmet = _gate(record, t, actor) + _guards(defn, record, t, actor, payload, now)
        if not unmet:
            return t, []
        best = unmet if best is None or len(unmet) < len(best) else best
    return None, best or []


def check(
    defn: ProgramDef[R],
    record: R,
    trigger: str,
    actor: Actor,
    payload: Mapping[str, Any] | BaseModel | None,
    now: datetime,
) -> list[Unmet]:
    parsed = parse(defn, trigger, payload) if any(t.trigger == trigger for t in defn.transitions) else None
    return select(defn, record, trigger, actor, parsed, now)[1]


def explain(defn: ProgramDef[R], record: R, actor: Actor, now: datetime) -> list[CommandOption]:
    options = []
    for trigger in defn.triggers():
        rows = [t for t in defn.transitions if t.trigger == trigger and record.state in t.source]
        chosen, unmet = select(defn, record, trigger, actor, None, now)
        options.append(
            CommandOption(
                command=trigger,
                allowed=chosen is not None,
                transition_ids=[t.id for t in rows],
                unmet_guards=unmet,
                requires=[],
            )
        )
    return options


class _Model:
    def __init__(self) -> None:
        self.state = ""


def _move(defn: ProgramDef[R], record: R, t: ProgramTransition) -> str:
    model = _Model()
    rows = [{"trigger": x.id, "source": list(x.source), "dest": x.dest} for x in defn.transitions]
    Machine(model=model, states=list(defn.states), transitions=rows, initial=record.state, auto_transitions=False)
    try:
        moved = model.trigger(t.id)  # type: ignore[attr-defined]
    except (MachineError, AttributeError) as exc:
        raise CommandRejected(t.trigger, [_state_unmet(defn, record, t.trigger)]) from exc
    if moved is not True:
        raise CommandRejected(t.trigger, [_state_unmet(defn, record, t.trigger)])
    return model.state


class ProgramApplied(BaseModel, Generic[R]):
    model_config = ConfigDict(frozen=True)

    record: R
    event: CaseEvent
    transition_id: str


def apply(
    defn: ProgramDef[R],
    record: R,
    trigger: str,
    actor: Actor,
    payload: Mapping[str, Any] | BaseModel | None,
    *,
    now: datetime,
    command_id: str,
) -> ProgramApplied[R]:
    """Fire a program command: a new record (the old one untouched) and its hash-chained event."""
    if not any(t.trigger == trigger for t in defn.transitions):
        raise CommandRejected(trigger, select(defn, record, trigger, actor, None, now)[1])
    parsed = parse(defn, trigger, payload)
    chosen, unmet = select(defn, record, trigger, actor, parsed, now)
    if chosen is None or unmet:
        raise CommandRejected(trigger, unmet)
    source = record.state
    dest = _move(defn, record, chosen)
    updated = record.model_copy(deep=True)
    effect = defn.effects.get(trigger)
    if effect is not None:
        effect(updated, parsed, actor, now)
    if dest != source:
        updated.state, updated.state_entered_at = dest, now
    body: dict[str, Any] = {
        "case_id": record.case_id,
        "seq": record.seq + 1,
        "at": now,
        "actor_id": actor.user_id,
        "actor_roles": sorted(r.value for r in actor.roles),
        "command": f"{defn.id}.{trigger}",
        "command_id": command_id,
        "transition_id": chosen.id,
        "from_state": source,
        "to_state": dest,
        "payload": parsed.model_dump(mode="json", exclude_none=True),
    }
    event = CaseEvent(
        **body, prev_hash=record.last_hash, hash=chain_hash(record.last_hash, canonical_event_content(**body))
    )
    updated.seq, updated.last_hash = event.seq, event.hash
    return ProgramApplied[R](record=updated, event=event, transition_id=chosen.id)


def describe_program(defn: ProgramDef[R]) -> dict[str, Any]:
    return {
        "name_ja": defn.name_ja,
        "basis": defn.basis,
        "initial": defn.initial,
        "states": [
            {"id": s, "name_ja": st.name_ja, "name_en": st.name_en, "terminal": st.terminal}
            for s, st in defn.states.items()
        ],
        "transitions": [
            {
                "id": t.id,
                "trigger": t.trigger,
                "name_ja": t.name_ja,
                "source": list(t.source),
                "dest": t.dest or "(same)",
                "guards": list(t.guards),
                "roles": sorted(r.value for r in t.roles),
                "timer": t.timer,
            }
            for t in defn.transitions
        ],
        "guards": [g.describe() for g in defn.guards.values()],
        "rules": {name: {"default": value, "source": source} for name, (value, source) in defn.rules.items()},
        "timers": list(defn.timers),
    }


def start(
    defn: ProgramDef[R], *, enrolment_id: str, case_id: str, municipality: str, now: datetime, **fields: Any
) -> R:
    """A new enrolment in the program's initial state (started by the 支援決定 or the approved plan)."""
    return defn.record_type(
        enrolment_id=enrolment_id,
        case_id=case_id,
        municipality=municipality,
        state=defn.initial,
        state_entered_at=now,
        started_at=now,
        **fields,
    )


def open_enrolment(
    defn: ProgramDef[R], record: R, actor: Actor, *, now: datetime, command_id: str
) -> ProgramApplied[R]:
    """The first event of an enrolment: (none) → the initial state, by whoever started it (the 支援決定)."""
    body: dict[str, Any] = {
        "case_id": record.case_id,
        "seq": 1,
        "at": now,
        "actor_id": actor.user_id,
        "actor_roles": sorted(r.value for r in actor.roles),
        "command": f"{defn.id}.start",
        "command_id": command_id,
        "transition_id": f"{defn.id}.start",
        "from_state": None,
        "to_state": record.state,
        "payload": {"enrolment_id": record.enrolment_id},
    }
    event = CaseEvent(**body, prev_hash=GENESIS_HASH, hash=chain_hash(GENESIS_HASH, canonical_event_content(**body)))
    opened = record.model_copy(update={"seq": 1, "last_hash": event.hash})
    return ProgramApplied[R](record=opened, event=event, transition_id=f"{defn.id}.start")
