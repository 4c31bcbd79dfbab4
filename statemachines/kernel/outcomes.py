"""What the engine answers when a command is asked about or refused: the unmet conditions, and the errors.

The case and every program answer in these shapes, so the workflows, the API (409 with every unmet guard, 422 with
pydantic's field errors) and the pages treat them alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from statemachines.kernel.roles import Actor, Role


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


P = TypeVar("P", bound=BaseModel)


def parse_as(model: type[P], command: str, payload: Mapping[str, Any] | BaseModel | None) -> P:
    """The payload as ``model`` (a model already given passes as it is), or ``PayloadInvalid`` with its errors."""
    if isinstance(payload, model):
        return payload
    raw = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else dict(payload or {})
    unstorable = list(_unstorable(raw, ()))
    if unstorable:
        raise PayloadInvalid(command, [_unstorable_error(loc) for loc in unstorable])
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise PayloadInvalid(command, [dict(e) for e in exc.errors(include_url=False, include_context=False)]) from exc


UNSTORABLE_MESSAGE = "使用できない文字（NUL・不正なサロゲート）が含まれています。入力し直してください。"


def _unstorable(value: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    """Where a text holds what no event can: a NUL (PostgreSQL's text refuses it) or a lone surrogate (not UTF-8,
    so neither hashed into the chain nor stored). The API refuses both at its door (``web.core.hygiene``); this is
    the engine's own check, for any other caller, so the command is refused rather than its workflow task failing."""
    if isinstance(value, str):
        if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
            yield loc
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _unstorable(key, (*loc, str(key)))
            yield from _unstorable(item, (*loc, str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _unstorable(item, (*loc, index))


def _unstorable_error(loc: tuple[str | int, ...]) -> dict[str, Any]:
    return {"type": "value_error", "loc": list(loc), "msg": f"Value error, {UNSTORABLE_MESSAGE}"}


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


def gate(municipality: str, roles: frozenset[Role], actor: Actor) -> list[Unmet]:
    """The actor holds one of ``roles`` and serves the municipality (the engine itself serves every one)."""
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


def unknown(command: str) -> Unmet:
    return Unmet(
        kind=UnmetKind.UNKNOWN,
        id="UNKNOWN",
        message_ja=f"不明な操作です: {command}",
        message_en=f"Unknown command: {command}",
    )


def not_from_state(name_ja: str, state: str, command: str) -> Unmet:
    return Unmet(
        kind=UnmetKind.STATE,
        id="STATE",
        message_ja=f"「{name_ja}」の状態からは {command} を実行できません。",
        message_en=f"{command} is not possible from state {state}.",
    )
