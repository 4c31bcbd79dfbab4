"""Guards: pure predicates over a process's record, each with an id, a Japanese and English message and its legal
basis (design.md, "Guards are pure predicates ... A failed guard never returns a silent False").

A guard answers True (met), False (unmet) or None ("cannot tell yet": the data it needs arrives with the command's
own payload, so ``explain`` lists it as a requirement instead of a blocker). The engine turns an unmet guard into an
``Unmet`` with its id, messages and basis; the case and every program write theirs the same way. A guard whose
refusal must say *which* item is wrong (the second goal's 達成時期, the program nobody applied for) names them with its
``details``; the refusal then says those instead of the general message.

A guard added after runs were recorded names the workflow patch it came with (``patch``): the workflow's update
handler, which replays, checks it only in a run new enough (``workflow.patched``), while its validator, which never
replays, always does (temporal-notes.md §2: validators are not re-run on replay).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from statemachines.kernel.outcomes import Unmet, UnmetKind
from statemachines.kernel.roles import Actor

R = TypeVar("R")

Verdict = bool | None
Detail = tuple[str, str]
"""One thing a refusal names, in Japanese and English, as a sentence without its full stop."""


@dataclass(frozen=True)
class GuardContext(Generic[R]):
    """What a guard sees: the record, who asks, the command and what it brings, and when."""

    record: R
    actor: Actor
    trigger: str
    payload: BaseModel | None  # None: asked by explain(), before anyone typed anything
    payload_fields: frozenset[str]  # the fields the command's payload model has
    now: datetime | None = None  # None: asked without a moment (a guard that needs one cannot tell yet)
    names: Mapping[str, str] = field(default_factory=dict)  # what the runner names in Japanese (the programs' names)

    def name_of(self, key: str) -> str:
        """The Japanese name the runner gave for ``key`` (a program's, from the program registry), else the key."""
        return self.names.get(key, key)

    def value(self, name: str) -> Any:
        """The payload's value for a record field when the command brings one, else the record's."""
        if self.payload is not None and getattr(self.payload, name, None) is not None:
            return getattr(self.payload, name)
        return getattr(self.record, name, None)

    def awaiting(self, name: str) -> bool:
        """True when the command would bring this field but explain() has no payload yet."""
        return self.payload is None and name in self.payload_fields


@dataclass(frozen=True)
class Guard(Generic[R]):
    id: str
    message_ja: str
    message_en: str
    basis: str
    predicate: Callable[[GuardContext[R]], Verdict]
    details: Callable[[GuardContext[R]], list[Detail]] | None = None  # what exactly is wrong, item by item
    patch: str | None = None  # the workflow patch it came with (see above); None: as old as the recorded runs

    def describe(self) -> dict[str, str]:
        return {"id": self.id, "message_ja": self.message_ja, "message_en": self.message_en, "basis": self.basis}

    def unmet(self, ctx: GuardContext[R] | None = None) -> Unmet:
        """The refusal: the items ``details`` names in ``ctx`` when it names any, else the general message."""
        named = self.details(ctx) if self.details is not None and ctx is not None else []
        if not named:
            return Unmet(kind=UnmetKind.GUARD, **self.describe())
        return Unmet(
            kind=UnmetKind.GUARD,
            id=self.id,
            message_ja="".join(f"{ja}。" for ja, _ in named),
            message_en=" ".join(f"{en}." for _, en in named),
            basis=self.basis,
        )


def guard_table(*guards: Guard[R]) -> dict[str, Guard[R]]:
    """A process's guards by id, in the order written; two guards with one id are a mistake in the table (a row
    naming it would check only one of them), refused when the process is defined."""
    table: dict[str, Guard[R]] = {}
    for g in guards:
        if g.id in table:
            raise ValueError(f"two guards are named {g.id}")
        table[g.id] = g
    return table


def present(ctx: GuardContext[Any], name: str, test: Callable[[Any], bool]) -> Verdict:
    """Met by the value at hand; when explain() has no payload yet, an unmet field is only pending."""
    value = ctx.value(name)
    met = value is not None and test(value)
    if not met and ctx.awaiting(name):
        return None
    return met


def from_payload(ctx: GuardContext[Any], name: str, test: Callable[[Any], bool]) -> Verdict:
    """Met only by what this command brings: a record of an earlier round never counts again."""
    if ctx.payload is None:
        return None if name in ctx.payload_fields else False
    value = getattr(ctx.payload, name, None)
    return value is not None and test(value)
