"""What the case and program workflows share for commands sent as updates: decoding and refusals."""

from __future__ import annotations

from collections.abc import Sequence

from temporalio import workflow
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from statemachines.kernel.outcomes import CommandRejected
    from workflows.messages import INVALID_PAYLOAD, REJECTED, CommandRequest


def decode_request(args: Sequence[RawValue]) -> CommandRequest:
    """The one argument of a command update; anything else is a refusal, never a stuck workflow task."""
    if len(args) != 1:
        raise ApplicationError("a command takes exactly one argument", type=INVALID_PAYLOAD, non_retryable=True)
    try:
        value = workflow.payload_converter().from_payload(args[0].payload, CommandRequest)
    except Exception as exc:
        raise ApplicationError(f"unreadable command: {exc}", type=INVALID_PAYLOAD, non_retryable=True) from exc
    assert isinstance(value, CommandRequest)
    return value


def rejection(exc: CommandRejected) -> ApplicationError:
    """The refusal the caller sees: every unmet guard as a detail."""
    return ApplicationError(
        str(exc), *[u.model_dump(mode="json") for u in exc.unmet], type=REJECTED, non_retryable=True
    )
