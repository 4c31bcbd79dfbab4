"""What the case and program workflows share for commands sent as updates: decoding, refusals, and the guards a
replayed run was recorded without."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from statemachines.kernel.engine import Process
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


def waived_guards(process: Process[Any, Any, Any], command: str) -> frozenset[str]:
    """The guards of ``command`` that came with a workflow patch this run was recorded before: the update handler
    does not ask them, so that the run replays as it ran (``workflow.patched`` is False only when replaying a run
    recorded without the patch). The validator asks every guard: it is not re-run on replay."""
    patches = process.guard_patches(command)
    return frozenset(gid for gid, patch in patches.items() if not workflow.patched(patch))
