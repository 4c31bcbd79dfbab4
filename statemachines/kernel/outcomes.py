"""What the engine answers when a command is asked about or refused: the unmet conditions, and the errors.

The case and every program answer in these shapes, so the workflows, the API (409 with every unmet guard, 422 with
pydantic's field errors) and the pages treat them alike.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class UnmetKind(StrEnum):
    UNKNOWN = "unknown"  # no such command
    STATE = "state"  # not possible from the current state
    ROLE = "role"  # the actor's roles may not fire it
    SCOPE = "scope"  # the actor does not serve the case's municipality
    GUARD = "guard"


class Unmet(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: UnmetKind
    id: str
    message_ja: str
    message_en: str
    basis: str = ""


class PayloadInvalid(ValueError):
    """The payload does not fit the command's model; ``errors`` are pydantic's, ready for a 422."""

    def __init__(self, command: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"invalid payload for {command}")
        self.command = command
        self.errors = errors


class CommandRejected(Exception):
    def __init__(self, command: str, unmet: list[Unmet]) -> None:
        super().__init__(f"{command} rejected: " + ", ".join(u.id for u in unmet))
        self.command = command
        self.unmet = unmet


class CommandOption(BaseModel):
    model_config = ConfigDict(frozen=True)

    command: str
    allowed: bool
    transition_ids: list[str]
    unmet_guards: list[Unmet]
    requires: list[dict[str, str]]  # guards the command's own form must satisfy
