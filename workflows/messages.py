"""Inputs and outputs of the case workflow: one model per handler."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from statemachines.case.engine import open_case
from statemachines.case.record import CaseRecord
from statemachines.case.view import CaseView
from statemachines.kernel.engine import Applied
from statemachines.kernel.events import TaskRow
from statemachines.kernel.roles import Actor
from statemachines.kernel.rules import RuleSet
from statemachines.programs.tasks import ProgramView


class OpenCase(BaseModel):
    """T1: what opening a consultation needs."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    municipality: str
    ruleset: RuleSet
    actor: Actor
    command_id: str
    payload: dict[str, Any] = Field(default_factory=dict)
    identified: bool = False
    previous_case_id: str | None = None
    case_number: str | None = None  # 受付番号, allocated by the service before the workflow starts
    person_id: str | None = None  # the 相談者 (store.persons)


def open_applied(o: OpenCase, now: datetime) -> Applied[CaseRecord]:
    """T1 for this request: the same call inside the workflow and, as a dry run, before starting it."""
    return open_case(
        case_id=o.case_id,
        municipality=o.municipality,
        ruleset=o.ruleset,
        actor=o.actor,
        payload=o.payload,
        now=now,
        command_id=o.command_id,
        identified=o.identified,
        previous_case_id=o.previous_case_id,
        case_number=o.case_number,
        person_id=o.person_id,
    )


class CommandOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    command_id: str
    command: str
    transition_id: str
    seq: int
    state: str
    stage: str
    request_digest: str | None = None  # of the request that made it (``CommandRequest.digest``); None before 2026-12
    case_number: str | None = None  # the 受付番号, on the opening's outcome
    # What the API answers the command with (issue 16), on the update's result only, never kept for a repeated id:
    # the case's view for the sender after the command, and its open tasks in the read model after the projection.
    view: CaseView | None = None
    open_tasks: list[TaskRow] | None = None
    program: ProgramView | None = None  # likewise for a program's command: the enrolment after it

    def conflicts_with(self, digest: str) -> bool:
        """Whether this outcome, returned for a ``command_id``, was made by another request than ``digest``'s."""
        return self.request_digest is not None and self.request_digest != digest


class CaseWorkflowInput(BaseModel):
    """Either a new case (``open``) or a continued one (``snapshot``), plus the recent command ids."""

    model_config = ConfigDict(frozen=True)

    open: OpenCase | None = None
    snapshot: CaseRecord | None = None
    outcomes: list[CommandOutcome] = Field(default_factory=list)
    continue_after_events: int = Field(default=2000, ge=50)


class CommandRequest(BaseModel):
    """The argument of every command update; the update's name is the trigger."""

    model_config = ConfigDict(frozen=True)

    command_id: str = Field(min_length=1, max_length=100)
    actor: Actor
    payload: dict[str, Any] = Field(default_factory=dict)

    def digest(self, command: str) -> str:
        """What makes two requests under one ``command_id`` the same: the command, who sent it and its payload."""
        canonical = json.dumps(
            [command, self.actor.user_id, self.payload], sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


REJECTED = "CommandRejected"
INVALID_PAYLOAD = "InvalidPayload"
PROJECTION_FAILED = "ProjectionFailed"  # the workflow holds an event the read model refused: nothing new until retried
DUPLICATE_OUTCOMES_KEPT = 500
