"""The activities the workflows call, each named once: ``ActivityRef[In, Out]`` (name, input type, result type).

Temporal ties a workflow to an activity by the activity's name alone, so the name used to be written twice (a
``PROJECT_ACTIVITY = "project_transition"`` beside the workflow, ``@activity.defn(name="project_transition")`` on the
activity). Here each contract is one value: the workflow calls ``await execute(PROJECT_TRANSITION, projection, ...)``
and gets a ``bool`` back, the activity is declared with ``@PROJECT_TRANSITION.defn``, and mypy checks that the
activity takes a ``Projection`` and returns a ``bool`` (temporalio/samples-python calls the activity object itself,
which our workflows may not import: activities touch the store).

Why a package of its own inside ``workflows/``: both sides must import it, and the layers forbid workflows/ to import
activities/ (the store) and activities/ to import workflows/ (the workflow code). As the sub-package
``workflows.activity_refs`` it is a layer of its own in ``tests/test_layering.py``: it imports only statemachines/
(the payload types) and temporalio, and activities/ may import it and nothing else of workflows/. The contracts are
Temporal's, not the process's, so they do not belong in statemachines/.

Names, payloads, options and the order of commands are those of the recorded histories (``tests/histories``):
changing a name here makes them stop replaying.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from statemachines.kernel.events import Projection, ProjectionAnswer, Rejection, TaskNotice
    from statemachines.policy.dead_letters import DeadLetter
    from statemachines.policy.integrity import ChainBatch, ChainReport
    from statemachines.policy.retention import ErasureBatch, ErasureReport
    from statemachines.programs.tasks import ProgramProjection, ProgramProjectionAnswer

In = TypeVar("In")
Out = TypeVar("Out")
Owner = TypeVar("Owner")


@dataclass(frozen=True)
class ActivityRef(Generic[In, Out]):
    """An activity's name with the type it takes and the type it returns."""

    name: str
    input: type[In]
    output: type[Out]

    def defn(self, method: Callable[[Owner, In], Awaitable[Out]]) -> Callable[[Owner, In], Awaitable[Out]]:
        """``@activity.defn(name=self.name)`` for a method of an activities class, checked against the types."""
        return activity.defn(name=self.name)(method)


async def execute(
    ref: ActivityRef[In, Out],
    arg: In,
    *,
    start_to_close_timeout: timedelta,
    retry_policy: RetryPolicy,
) -> Out:
    """``workflow.execute_activity`` by the reference's name, its result decoded as the reference's type."""
    result: Out = await workflow.execute_activity(
        ref.name,
        arg,
        result_type=ref.output,
        start_to_close_timeout=start_to_close_timeout,
        retry_policy=retry_policy,
    )
    return result


async def execute_local(
    ref: ActivityRef[In, Out],
    arg: In,
    *,
    start_to_close_timeout: timedelta,
    retry_policy: RetryPolicy,
) -> Out:
    """``workflow.execute_local_activity`` by the reference's name: it runs in the worker, inside the workflow task
    that asked for it (its result a marker in history), so an update that waits for it is answered in one task."""
    result: Out = await workflow.execute_local_activity(
        ref.name,
        arg,
        result_type=ref.output,
        start_to_close_timeout=start_to_close_timeout,
        retry_policy=retry_policy,
    )
    return result


PROJECT_TRANSITION = ActivityRef("project_transition", Projection, bool)
"""A case event into the read model; False when it was already there (``activities.projection``)."""
PROJECT_ANSWERED = ActivityRef("project_transition_answered", Projection, ProjectionAnswer)
"""A case event into the read model as a local activity (an event an uncommitted workflow task wrote at its seq is
superseded), answered with the event and the case's open tasks after it, which the command's answer shows
(``activities.projection``; ``workflows.history`` reads the events back from the markers)."""
RECORD_REJECTION = ActivityRef("record_rejection", Rejection, type(None))
"""A command the case refused, into the read model (``activities.projection``)."""
ARCHIVE_HISTORY = ActivityRef("archive_history", str, int)
"""A case's Temporal history (every run) into the store, by case id; the number of runs (``activities.archive``)."""
PROJECT_PROGRAM_EVENT = ActivityRef("project_program_event", ProgramProjection, bool)
"""A program event into the read model (``activities.programs``)."""
PROJECT_PROGRAM_ANSWERED = ActivityRef("project_program_event_answered", ProgramProjection, ProgramProjectionAnswer)
"""A program event into the read model as a local activity (an event an uncommitted workflow task wrote at its seq
is superseded), answered with the event and the enrolment's row after it (``activities.programs``)."""
NOTIFY_TASK_OPENED = ActivityRef("notify_task_opened", TaskNotice, list[str])
"""The inbox notifications of opened tasks; the ids whose e-mail is still to send (``activities.notifications``)."""
SEND_NOTIFICATION_EMAIL = ActivityRef("send_notification_email", str, str)
"""One notification's e-mail, at most once; its e-mail status afterwards (``activities.notifications``)."""
VERIFY_CHAINS = ActivityRef("verify_chains", ChainBatch, ChainReport)
"""The hash chains of the next batch of cases (``activities.integrity``)."""
ERASE_DUE_CASES = ActivityRef("erase_due_cases", ErasureBatch, ErasureReport)
"""The erasure of the next batch of ended cases past their retention (``activities.retention``)."""
RECORD_DEAD_LETTER = ActivityRef("record_dead_letter", DeadLetter, type(None))
"""A projection that failed every try: its dead letter and the OPS task to look at it (``activities.projection``)."""
RESOLVE_DEAD_LETTER = ActivityRef("resolve_dead_letter", DeadLetter, type(None))
"""The dead letter of a projection that went through on the operator's retry, and its task, closed."""
