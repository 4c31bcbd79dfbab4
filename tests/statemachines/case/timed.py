"""Commands fired at a chosen moment by whoever sends them (the system for the timers' own), and the deadlines a case
runs by kind: shared by the timer and the task tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from statemachines.case.engine import CASE
from statemachines.case.record import CaseRecord
from statemachines.case.timers import deadlines
from statemachines.case.transitions import Trigger
from statemachines.kernel.engine import Applied
from statemachines.kernel.roles import SYSTEM_ACTOR, Actor
from tests.factories import CSW1, MUN1, SW1, VALID_PAYLOADS

T = Trigger


def fire(
    case: CaseRecord, trigger: Trigger, now: datetime, payload: dict[str, Any] | None = None
) -> Applied[CaseRecord]:
    actor: Actor = {T.DECIDE_SUPPORT: MUN1, T.CHECK_PLAN: CSW1, T.ASSIGN: CSW1}.get(trigger, SW1)
    if trigger in (T.MARK_MONITORING_DUE, T.MARK_EVALUATION_DUE, T.START_FOLLOW_UP, T.LOSE_CONTACT):
        actor = SYSTEM_ACTOR
    body = VALID_PAYLOADS[trigger] if payload is None else payload
    return CASE.apply(case, trigger.value, actor, body, now=now, command_id=f"t-{case.seq + 1}")


def kinds(case: CaseRecord) -> dict[str, datetime]:
    found = deadlines(case)
    assert len({d.kind for d in found}) == len(found)
    return {d.kind: d.at for d in found}
