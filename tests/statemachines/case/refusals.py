"""A refused case command, looked at closely by the case's guard and engine tests: a fresh valid payload to spoil,
exactly one unmet guard with everything a person needs to understand it, and what ``apply`` refused with."""

from __future__ import annotations

import copy
from typing import Any

from statemachines.case.engine import CASE
from statemachines.case.guards import GUARDS
from statemachines.case.record import CaseRecord
from statemachines.case.transitions import Trigger
from statemachines.kernel.outcomes import CommandRejected, Unmet, UnmetKind
from statemachines.kernel.roles import Actor
from tests.factories import VALID_PAYLOADS
from tests.statemachines.paths import START


def valid(trigger: Trigger) -> dict[str, Any]:
    """A fresh, editable copy of the factory's valid payload."""
    return copy.deepcopy(VALID_PAYLOADS[trigger])


def assert_only(unmet: list[Unmet], guard_id: str) -> None:
    """Exactly one unmet guard, with everything a person needs to understand it."""
    assert [u.id for u in unmet] == [guard_id]
    (u,) = unmet
    assert u.kind is UnmetKind.GUARD
    assert u.message_ja
    assert u.message_en
    assert u.basis
    assert u.model_dump(include={"id", "message_ja", "message_en", "basis"}) == GUARDS[guard_id].describe()


def refusal(case: CaseRecord, trigger: Trigger, actor: Actor, payload: dict[str, Any]) -> list[Unmet] | None:
    """What apply refused with, or None when it accepted."""
    try:
        CASE.apply(case, trigger.value, actor, payload, now=START, command_id="probe")
    except CommandRejected as refused:
        return refused.unmet
    return None
