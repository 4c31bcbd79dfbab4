"""The one engine that runs the case and every program: parse, gate, select, check, explain, move, apply, open.

design.md: guards never return a silent False (``check`` lists every unmet condition, ``explain`` answers "why can't
this move, and what would move it?"); the table is fed to a ``transitions.Machine`` with ``auto_transitions=False``
(temporal-notes.md §1.2: its logger is not replay-aware, an unknown trigger raises ``AttributeError``); every accepted
command becomes a hash-chained event (``kernel.events``). A process is a ``Process``: its states and triggers as
enums, its table, guards and typed effects, and the few hooks the case needs (a parallel region, a return to the
previous state, what every move does beyond its trigger's effect).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar, cast

from pydantic import BaseModel
from transitions import Machine

from statemachines.kernel.detached import detached
from statemachines.kernel.events import CaseEvent, chained
from statemachines.kernel.guards import Guard, GuardContext, Verdict
from statemachines.kernel.outcomes import (
    CommandOption,
    CommandRejected,
    PayloadInvalid,
    Unmet,
    gate,
    not_from_state,
    parse_as,
    unknown,
)
from statemachines.kernel.roles import SYSTEM, Actor
from statemachines.kernel.table import MAIN_REGION, AnyEffect, Lookup, Named, Transition

logging.getLogger("transitions").setLevel(logging.WARNING)  # its logger is not replay-aware

S = TypeVar("S", bound=StrEnum)
T = TypeVar("T", bound=StrEnum)


class Record(Protocol):
    """What the engine reads and writes on every process's record (the state is the process's enum)."""

    case_id: str
    municipality: str
    state: Any
    state_entered_at: datetime
    seq: int
    last_hash: str

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self: ...


R = TypeVar("R", bound=Record)


@dataclass(frozen=True)
class Applied(Generic[R]):
    """An accepted command: the new record (the old one untouched) and its event."""

    record: R
    event: CaseEvent
    transition_id: str


@dataclass(frozen=True)
class Asking:
    """How guards are asked beyond the record and the command: the names a refusal may use that the process does
    not define (a case names its programs by the program registry's names), and the guards not asked (``waived``)."""

    names: Mapping[str, str] = field(default_factory=dict)
    waived: frozenset[str] = frozenset()


Settle = Callable[[R, Transition[S, Any], BaseModel, Actor, datetime, S, S], None]
"""What every move does beyond its trigger's effect: (record, row, payload, actor, now, source, dest)."""


@dataclass(frozen=True, kw_only=True)
class Process(Generic[S, T, R]):
    """A process table and the engine's answers about a record of it."""

    explains_timer_commands: ClassVar[bool] = False  # explain() lists the SYSTEM-only commands too
    names_requirements: ClassVar[bool] = True  # explain() lists the guards a command's own form must satisfy

    id: str
    states: Mapping[S, Named]
    triggers: type[T]
    transitions: tuple[Transition[S, T], ...]
    guards: Mapping[str, Guard[R]]
    effects: Mapping[T, AnyEffect] = field(default_factory=dict)
    available: Callable[[R, Transition[S, T]], bool] | None = None  # a parallel region's own condition
    previous_state: Callable[[R], S] | None = None  # where a ``dest_previous`` row goes, one of:
    previous_states: tuple[S, ...] = ()
    settle: Settle[R, S] | None = None

    def __post_init__(self) -> None:
        for t in self.transitions:
            bad = (set(t.source) | ({t.dest} if t.dest else set())) - set(self.states)
            assert not bad, f"{self.id} {t.id}: unknown states {bad}"
            assert set(t.guards) <= set(self.guards), f"{self.id} {t.id}: unknown guards"
            assert t.payload is self.payload_model(t.trigger), f"{self.id} {t.id}: one payload model per trigger"
            effect = self.effects.get(t.trigger)
            assert effect is None or issubclass(t.payload, effect.payload), f"{self.id} {t.id}: effect's payload"
            assert not t.dest_previous or self.previous_state is not None, f"{self.id} {t.id}: no previous state"
        ids = [t.id for t in self.transitions]
        assert len(set(ids)) == len(ids), (
            f"{self.id}: two rows share an id ({sorted(i for i in ids if ids.count(i) > 1)})"
        )

    # -- the table ------------------------------------------------------------------------------------------------

    def trigger(self, command: str) -> T | None:
        try:
            return self.triggers(command)
        except ValueError:
            return None

    def event_command(self, trigger: T) -> str:
        """The ``command`` its events record."""
        return trigger.value

    def lookups(self, command: str) -> frozenset[Lookup]:
        """What ``command``'s payload is completed with from the store before it is checked."""
        return frozenset(lookup for t in self.transitions if t.trigger == command for lookup in t.looks_up)

    def payload_model(self, trigger: T) -> type[BaseModel]:
        return next(t.payload for t in self.transitions if t.trigger == trigger)

    def candidates(self, trigger: T, state: S) -> list[Transition[S, T]]:
        return [t for t in self.transitions if t.trigger == trigger and state in t.source]

    def state_of(self, record: R) -> S:
        return cast(S, record.state)

    @cached_property
    def by_id(self) -> dict[str, Transition[S, T]]:
        return {t.id: t for t in self.transitions}

    @cached_property
    def listed_triggers(self) -> tuple[T, ...]:
        """The commands explain() answers for: the human ones (and the timers' where the process lists them)."""
        rows = [t for t in self.transitions if self.explains_timer_commands or t.roles - SYSTEM]
        return tuple(dict.fromkeys(t.trigger for t in rows))

    @cached_property
    def _machine_rows(self) -> tuple[dict[str, Any], ...]:
        """The main region in the form ``transitions.Machine`` takes (a ``dest_previous`` row once per state)."""
        rows: list[dict[str, Any]] = []
        for t in self.transitions:
            if t.region != MAIN_REGION:
                continue
            source = [s.value for s in t.source]
            if t.dest_previous:
                rows.extend(
                    {"trigger": f"{t.id}_{p.value}", "source": source, "dest": p.value} for p in self.previous_states
                )
                continue
            rows.append({"trigger": t.id, "source": source, "dest": t.dest.value if t.dest else None})
        return tuple(rows)

    # -- asking ---------------------------------------------------------------------------------------------------

    def parse(self, command: str, payload: Mapping[str, Any] | BaseModel | None) -> BaseModel:
        trigger = self.trigger(command)
        if trigger is None:
            raise PayloadInvalid(command, [{"type": "unknown_command", "loc": ["command"], "msg": command}])
        return parse_as(self.payload_model(trigger), command, payload)

    def state_unmet(self, record: R, command: str) -> Unmet:
        state = self.state_of(record)
        return not_from_state(self.states[state].name_ja, state.value, command)

    def guard_results(
        self, record: R, t: Transition[S, T], actor: Actor, payload: BaseModel | None, now: datetime | None
    ) -> dict[str, Verdict]:
        ctx = self._context(record, t, actor, payload, now, Asking())
        return {gid: self.guards[gid].predicate(ctx) for gid in t.guards}

    def _context(
        self, record: R, t: Transition[S, T], actor: Actor, payload: BaseModel | None, now: datetime | None, ask: Asking
    ) -> GuardContext[R]:
        fields = frozenset(t.payload.model_fields)
        return GuardContext(record, actor, t.trigger.value, payload, fields, now, names=ask.names)

    def guard_patches(self, command: str) -> dict[str, str]:
        """The guards of ``command``'s rows that came with a workflow patch, and the patch of each."""
        rows = [t for t in self.transitions if t.trigger.value == command]
        found = {gid: self.guards[gid].patch for t in rows for gid in t.guards}
        return {gid: patch for gid, patch in found.items() if patch is not None}

    def select(
        self,
        record: R,
        command: str,
        actor: Actor,
        payload: BaseModel | None,
        now: datetime | None = None,
        ask: Asking | None = None,
    ) -> tuple[Transition[S, T] | None, list[Unmet]]:
        """The transition this command would take, or every reason it cannot (never a silent False)."""
        trigger = self.trigger(command)
        if trigger is None:
            return None, [unknown(command)]
        rows = [t for t in self.candidates(trigger, self.state_of(record)) if self._available(record, t)]
        if not rows:
            return None, [self.state_unmet(record, command)]
        best: list[Unmet] | None = None
        for t in rows:
            guards = self._guard_unmet(record, t, actor, payload, now, ask or Asking())
            unmet = gate(record.municipality, t.roles, actor) + guards
            if not unmet:
                return t, []
            if best is None or len(unmet) < len(best):
                best = unmet
        return None, best or []

    def _available(self, record: R, t: Transition[S, T]) -> bool:
        return self.available is None or self.available(record, t)

    def _guard_unmet(
        self, record: R, t: Transition[S, T], actor: Actor, payload: BaseModel | None, now: datetime | None, ask: Asking
    ) -> list[Unmet]:
        """Unmet guards; without a payload (explain) a guard that cannot tell yet is pending, not unmet. A waived
        guard (one a replayed run was recorded without) is not asked."""
        ctx = self._context(record, t, actor, payload, now, ask)
        unmet: list[Unmet] = []
        for gid in t.guards:
            if gid in ask.waived:
                continue
            guard = self.guards[gid]
            ok = guard.predicate(ctx)
            if ok is False or (ok is None and payload is not None):
                unmet.append(guard.unmet(ctx))
        return unmet

    def check(
        self,
        record: R,
        command: str,
        actor: Actor,
        payload: Mapping[str, Any] | BaseModel | None = None,
        now: datetime | None = None,
        *,
        names: Mapping[str, str] | None = None,
    ) -> list[Unmet]:
        """Every unmet condition for ``command`` by ``actor`` with ``payload``; empty means it would be accepted.
        ``names``: what a refusal may name that the process does not define (the programs' names)."""
        parsed = self.parse(command, payload) if self.trigger(command) is not None else None
        return self.select(record, command, actor, parsed, now, Asking(names=names or {}))[1]

    def explain(self, record: R, actor: Actor, now: datetime | None = None) -> list[CommandOption]:
        """For every command: is it possible now for this actor, and what is missing?"""
        options: list[CommandOption] = []
        for trigger in self.listed_triggers:
            rows = self.candidates(trigger, self.state_of(record))
            chosen, unmet = self.select(record, trigger.value, actor, None, now)
            options.append(
                CommandOption(
                    command=trigger.value,
                    allowed=chosen is not None and not unmet,
                    transition_ids=[t.id for t in rows],
                    unmet_guards=unmet,
                    requires=self._pending(record, rows, actor, now) if self.names_requirements else [],
                )
            )
        return options

    def _pending(
        self, record: R, rows: list[Transition[S, T]], actor: Actor, now: datetime | None
    ) -> list[dict[str, str]]:
        pending: dict[str, dict[str, str]] = {}
        for t in rows:
            for gid, ok in self.guard_results(record, t, actor, None, now).items():
                if ok is None:
                    pending[gid] = self.guards[gid].describe()
        return list(pending.values())

    # -- acting ---------------------------------------------------------------------------------------------------

    def apply(
        self,
        record: R,
        command: str,
        actor: Actor,
        payload: Mapping[str, Any] | BaseModel | None,
        *,
        now: datetime,
        command_id: str,
        names: Mapping[str, str] | None = None,
        waived: frozenset[str] = frozenset(),
    ) -> Applied[R]:
        """Fire ``command``: a new record (the old one untouched) and its event. Raises ``CommandRejected`` with
        every unmet condition, ``PayloadInvalid`` with the payload's field errors. ``waived``: guards a replayed run
        was recorded without (``guard_patches``), not asked."""
        if self.trigger(command) is None:
            raise CommandRejected(command, self.select(record, command, actor, None, now)[1])
        parsed = self.parse(command, payload)
        chosen, unmet = self.select(record, command, actor, parsed, now, Asking(names=names or {}, waived=waived))
        if chosen is None or unmet:
            raise CommandRejected(command, unmet)
        return self.fire(record, chosen, actor, parsed, now=now, command_id=command_id)

    def fire(
        self, record: R, t: Transition[S, T], actor: Actor, payload: BaseModel, *, now: datetime, command_id: str
    ) -> Applied[R]:
        """Take a selected row: the move, the effects and the event."""
        source = self.state_of(record)
        updated = self.effected(record, t, payload, actor, now=now, source=source, dest=self.move(record, t))
        body = payload.model_dump(mode="json", exclude_none=True)
        command = self.event_command(t.trigger)
        return self._chained(updated, t.id, command, actor, body, now=now, command_id=command_id, source=source.value)

    def effected(
        self,
        record: R,
        t: Transition[S, T],
        payload: BaseModel,
        actor: Actor,
        *,
        now: datetime,
        source: S,
        dest: S,
        in_place: bool = False,
    ) -> R:
        """The record after ``t``'s effects: a copy, so a rejected or failed command leaves no trace; ``in_place``
        changes ``record`` itself (a rebuild that owns its record, and throws it away on an error). The copy shares
        with ``record`` only what cannot change (``kernel.detached``): a deep copy's cost grew with every note."""
        updated = record if in_place else detached(record)
        effect = self.effects.get(t.trigger)
        if effect is not None:
            effect.run(updated, payload, actor, now)
        if self.settle is not None:
            self.settle(updated, t, payload, actor, now, source, dest)
        if dest != source:
            updated.state, updated.state_entered_at = dest, now
        return updated

    def move(self, record: R, t: Transition[S, T]) -> S:
        """Where ``t`` takes the record, by the ``transitions.Machine`` made of the table's main region."""
        state = self.state_of(record)
        if t.region != MAIN_REGION:
            return state
        trigger = t.id
        if t.dest_previous:
            assert self.previous_state is not None
            trigger = f"{t.id}_{self.previous_state(record).value}"
        event = self._machine.events.get(trigger)
        moves = event.transitions.get(state.value, []) if event is not None else []
        if not moves:  # what ``model.trigger`` raises as MachineError (or AttributeError, an unknown trigger)
            raise CommandRejected(t.trigger.value, [self.state_unmet(record, t.trigger.value)])
        dest = moves[0].dest  # the rows have no conditions: the first row from this state is the one taken
        return state if dest is None else self._states_by_value[dest]

    @cached_property
    def _machine(self) -> Machine:
        """The ``transitions.Machine`` of the main region, built once per process (issue 16: it was built for every
        command). It has no model, so it holds no state of any record and workflows in several threads share it:
        ``move`` looks the row up in its table instead of triggering a model."""
        return Machine(
            model=None,
            states=[s.value for s in self.states],
            transitions=list(self._machine_rows),
            initial=next(iter(self.states)).value,
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )

    @cached_property
    def _states_by_value(self) -> dict[str, S]:
        return {s.value: s for s in self.states}

    def _chained(
        self,
        updated: R,
        transition_id: str,
        command: str,
        actor: Actor,
        payload: dict[str, Any],
        *,
        now: datetime,
        command_id: str,
        source: str | None,
    ) -> Applied[R]:
        body: dict[str, Any] = {
            "case_id": updated.case_id,
            "seq": updated.seq + 1,
            "at": now,
            "actor_id": actor.user_id,
            "actor_roles": sorted(r.value for r in actor.roles),
            "command": command,
            "command_id": command_id,
            "transition_id": transition_id,
            "from_state": source,
            "to_state": self.state_of(updated).value,
            "payload": payload,
        }
        event = chained(body, updated.last_hash)
        updated.seq, updated.last_hash = event.seq, event.hash
        return Applied(record=updated, event=event, transition_id=transition_id)

    def open(
        self,
        record: R,
        actor: Actor,
        *,
        transition_id: str,
        command: str,
        payload: dict[str, Any],
        now: datetime,
        command_id: str,
    ) -> Applied[R]:
        """The first event of a record: (none) → its state, by whoever opened it."""
        opened = record.model_copy()
        return self._chained(
            opened, transition_id, command, actor, payload, now=now, command_id=command_id, source=None
        )
