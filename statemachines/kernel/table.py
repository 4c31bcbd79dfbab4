"""The rows every process is written in: transitions with enum states and triggers, typed effects, follow-ons.

design.md: "States and events are Enums. Transition tables are data fed to a transitions.Machine"; the case
(process.md §1.4) and every program (§3) are tables of these rows, run by the one engine of ``kernel.engine``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from statemachines.kernel.roles import Actor, Role

S = TypeVar("S", bound=StrEnum)
T = TypeVar("T", bound=StrEnum)
P = TypeVar("P", bound=BaseModel)
R_contra = TypeVar("R_contra", contravariant=True)
P_co = TypeVar("P_co", bound=BaseModel, covariant=True)

MAIN_REGION = "main"
PREVIOUS = "(previous)"


class Named(Protocol):
    """What the engine needs of a state's description: its Japanese name (for a refusal) and whether it ends."""

    @property
    def name_ja(self) -> str: ...

    @property
    def terminal(self) -> bool: ...


class Lookup(StrEnum):
    """What a command needs from the store before the engine checks it; the application service looks it up and
    completes the payload (the engine never reads the store)."""

    REFERRAL_TARGET = "referral_target"  # the つなぎ先 named by id: its name and whether it takes referrals (§6)
    INSTITUTION = "institution"  # the institution named by id: whether the directory says it takes referrals (§6)
    PERSON = "person"  # the same client's earlier enrolments, found by their person key (§5)


@dataclass(frozen=True)
class FollowOn:
    """What else a transition sets going once it is recorded (the 支援決定 starts the programs, a つなぎ its referral).

    ``starts`` names the follow-on; whoever runs the process (the case workflow) resolves and starts it, behind the
    ``patch`` that marks when the behaviour came (histories recorded before it replay without it).
    """

    starts: str
    patch: str


@dataclass(frozen=True)
class Transition(Generic[S, T]):
    """One row of a process table. ``dest=None`` keeps the state (an internal transition)."""

    id: str
    trigger: T
    source: tuple[S, ...]
    dest: S | None
    roles: frozenset[Role]
    payload: type[BaseModel]
    name_ja: str
    guards: tuple[str, ...] = ()
    timer: str | None = None  # the timer that fires it, for SYSTEM rows
    region: str = MAIN_REGION  # a row of a parallel region never moves the main state
    dest_previous: bool = False  # back to the state the record says it came from (the process's previous_state)
    follow_ons: tuple[FollowOn, ...] = ()
    shares_personal_data: bool = False  # passes the client's data to another organisation: consent C1 first
    looks_up: tuple[Lookup, ...] = ()  # what the service completes the payload with from the store

    @property
    def dest_label(self) -> str:
        if self.dest_previous:
            return PREVIOUS
        return (self.dest or self.source[0]).value if self.dest or len(self.source) == 1 else "(same)"


@dataclass(frozen=True)
class Effect(Generic[R_contra, P_co]):
    """What a trigger writes into the record, typed by the payload it receives (``@effect(Payload)``)."""

    payload: type[P_co]
    run: Callable[[R_contra, P_co, Actor, datetime], None]


def effect(payload: type[P]) -> Callable[[Callable[[R_contra, P, Actor, datetime], None]], Effect[R_contra, P]]:
    """Declare an effect for commands carrying ``payload`` (or a subclass): the engine checks the table against it,
    so the function receives its own payload type and never needs an ``isinstance``."""

    def declare(run: Callable[[R_contra, P, Actor, datetime], None]) -> Effect[R_contra, P]:
        return Effect(payload, run)

    return declare


AnyEffect = Effect[Any, Any]
