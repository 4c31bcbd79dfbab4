"""How long a person waits for a worker: every update and query the services send is answered within a bound.

Temporal holds an update or a query until a worker takes it: with every worker down, a command would hang as long
as the client's own timeout (30 s and more) and then fail without a reason. Bounded here (``ANSWER_WITHIN``, the
setting ``COMMAND_TIMEOUT_SECONDS``), the caller gets ``WorkerUnavailable`` (503 with a reason) instead. A command
sent before the bound passed may still run once a worker is back: sent again with the same ``command_id``, it runs
once (``CommandOutcome.request_digest``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowHandle, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from store.db import reading
from store.dead_letters import DeadLetters
from workflows.messages import CommandOutcome, CommandRequest

T = TypeVar("T")

ANSWER_WITHIN = 10.0


class WorkerUnavailable(Exception):
    """No worker answered within the bound."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no worker answered within {seconds:g} s")
        self.seconds = seconds


async def answered(call: Awaitable[T], within: float) -> T:
    """``call``'s result, or ``WorkerUnavailable`` once ``within`` seconds have passed without one."""
    try:
        return await asyncio.wait_for(call, within)
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):  # the server gave up first on the update
        raise WorkerUnavailable(within) from None
    except RPCError as exc:  # a query the server gave up on: no worker took it in time
        if exc.status is RPCStatusCode.DEADLINE_EXCEEDED:
            raise WorkerUnavailable(within) from exc
        raise


class ProjectionFailed(Exception):
    """The case (or its enrolment) holds an event the read model refused: no command until an operator retries."""

    def __init__(self, case_id: str) -> None:
        super().__init__(case_id)
        self.case_id = case_id


def held_by_dead_letter(sessions: sessionmaker[Session], case_id: str) -> bool:
    """Whether a dead letter of the case waits (what a command that got no answer in time ran into)."""
    with reading(sessions) as session:
        return bool(DeadLetters(session).waiting(case_id))


async def command_answered(
    handle: WorkflowHandle[Any, Any],
    command: str,
    request: CommandRequest,
    *,
    within: float,
    sessions: sessionmaker[Session],
    case_id: str,
) -> CommandOutcome:
    """A command's update, answered within the bound; without an answer, ``ProjectionFailed`` when the case is held
    by a dead letter (what the command ran into), else ``WorkerUnavailable``."""
    try:
        outcome = await answered(
            handle.execute_update(command, request, id=request.command_id, result_type=CommandOutcome), within
        )
    except WorkerUnavailable as exc:
        if held_by_dead_letter(sessions, case_id):
            raise ProjectionFailed(case_id) from exc
        raise
    assert isinstance(outcome, CommandOutcome)
    return outcome
