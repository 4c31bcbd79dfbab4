"""The command payloads and effects several programs share (process.md §3): 辞退・不承認 with a reason, a dated
支援決定, a note, nothing at all, a calendar month."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field

from statemachines.kernel.roles import Actor
from statemachines.kernel.table import effect

MonthText = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
"""A calendar month, ``YYYY-MM``."""


class Value(BaseModel):
    """A payload or a value of a program's record: frozen, and nothing beyond its fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Empty(Value):
    """A command that carries nothing."""


class Reason(Value):
    """A command that needs its reason written down (辞退, 不承認, ...)."""

    reason: str = Field(min_length=1, max_length=2000)


class DecidedOn(Value):
    """A municipal decision dated ``decided_on``."""

    decided_on: date


class Note(Value):
    """A command with an optional note."""

    note: str | None = Field(default=None, max_length=2000)


class PolicyConsent(Value):
    """A consent signed on ``consented_on`` after the 個人情報取扱規程 ``policy_version`` was explained (process.md §5):
    the version must be registered and in force that day (checked before the command goes to the workflow)."""

    consented_on: date
    policy_version: str = Field(min_length=1, max_length=64)


class Decided(Protocol):
    decided_on: date | None


class Ended(Protocol):
    end_reason: str | None


@effect(DecidedOn)
def record_decision(record: Decided, payload: DecidedOn, actor: Actor, now: datetime) -> None:
    """支援決定: its date."""
    record.decided_on = payload.decided_on


@effect(Reason)
def record_end(record: Ended, payload: Reason, actor: Actor, now: datetime) -> None:
    """An end with its reason (辞退, 終結, 退所, ...)."""
    record.end_reason = payload.reason
