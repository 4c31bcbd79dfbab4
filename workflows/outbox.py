"""The events a workflow has decided and the read model has not taken yet, projected in order.

Both the case and the program workflows keep one: ``add`` each accepted event's projection, ``flush`` projects them
one activity at a time and tells the assignees of the tasks each one opened (``workflows.notify``). Under a lock, so
an update and the run loop never project the same event twice.

A projection is tried a bounded number of times (``BOUNDED_RETRY``, about half a minute), never forever in silence:
one that fails every try (a poison event: a value the database refuses, a broken chain) becomes a dead letter
(``statemachines.policy.dead_letters``: in the read model, with an OPS task), the outbox is ``stuck`` (the workflow
refuses new commands, 503 ``projection_failed``) and waits, the event at its head, for ``retry`` (the update
``retry_projection``: ``python -m deploy.dead_letters retry``). Histories recorded before this (no
``bounded-projection`` marker) keep the unbounded retry they were recorded with.

An outbox given a ``local`` projection projects, behind its patch (the case's ``project-in-update-task``, a
program's ``program-project-in-update-task``; issue 16), as a local activity: inside the workflow task that decided
the event, so a command's update is answered in that one task (a normal activity costs two more round trips through
the server and a second task). Its result (the event it recorded, and what the read model holds after it: the case's
open tasks, the enrolment's row) is kept (``answer``) for the update's answer. The inbox notification then starts in
the background instead of holding the answer; the run waits for it before it continues as new or completes
(``settled``). Histories recorded before the patch project and notify as they were recorded.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Generic, Protocol, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from statemachines.kernel.events import CaseEvent, TaskSpec, task_notice
    from statemachines.policy.dead_letters import DeadLetter, sanitized
    from workflows.activity_refs import (
        PROJECT_TRANSITION,
        RECORD_DEAD_LETTER,
        RESOLVE_DEAD_LETTER,
        ActivityRef,
        execute,
        execute_local,
    )
    from workflows.messages import PROJECTION_FAILED
    from workflows.notify import Notifier

PROJECTION_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
BOUNDED_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10), maximum_attempts=6
)
BOUNDED_PATCH = "bounded-projection"
LOCAL_PROJECTION_PATCH = "project-in-update-task"
LOCAL_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_attempts=2)
"""The tries of the projection inside the workflow task, which holds the task (and the update's acceptance) open."""


class Projectable(Protocol):
    @property
    def event(self) -> CaseEvent: ...

    @property
    def open_tasks(self) -> list[TaskSpec]: ...


class Answer(Protocol):
    """What a local projection answers: at least the event it recorded (a local activity's marker keeps its
    result, not its input: ``workflows.history`` reads the events back from it)."""

    @property
    def event(self) -> CaseEvent: ...


P = TypeVar("P", bound=Projectable)
A = TypeVar("A", bound=Answer)


class Outbox(Generic[P, A]):
    def __init__(
        self,
        activity: ActivityRef[P, bool],
        local: ActivityRef[P, A] | None = None,
        *,
        local_patch: str = LOCAL_PROJECTION_PATCH,
    ) -> None:
        self._activity = activity
        self._local = local
        self._local_patch = local_patch
        self.answer: A | None = None  # what the last local projection answered (None: none ran in this run yet)
        self._pending: list[P] = []
        self._lock = asyncio.Lock()
        self._notifier = Notifier()
        self.stuck: DeadLetter | None = None  # the projection at the head failed every try
        self._retry_asked = False
        self.failures = 0  # how many times a projection failed every try (a retry waits for this to move)

    def add(self, projection: P) -> None:
        self._pending.append(projection)

    def projected(self) -> bool:
        """Every event so far is in the read model (and its tasks' assignees have it in their inbox)."""
        return not self._pending and self._notifier.told()

    def settled(self) -> bool:
        """Projected, and every e-mail started so far sent or given up: safe to end the run."""
        return not self._pending and self._notifier.idle()

    async def retried(self) -> bool:
        """The operator's word that the cause is fixed: the stuck projection is tried again (its bounded tries);
        True once it went through, False when it failed every try again (a new dead letter)."""
        if self.stuck is None:
            return True
        failures = self.failures
        self._retry_asked = True
        await workflow.wait_condition(lambda: self.stuck is None or self.failures != failures)
        return self.stuck is None

    def refuse_while_stuck(self) -> None:
        """In a command's validator: nothing new is accepted while an event waits to be projected."""
        if self.stuck is not None:
            raise ApplicationError(
                f"seq {self.stuck.seq} could not be saved; an operator must retry it",
                type=PROJECTION_FAILED,
                non_retryable=True,
            )

    async def flush(self) -> None:
        async with self._lock:
            while self._pending:
                projection = self._pending[0]
                bounded = workflow.patched(BOUNDED_PATCH)
                local = self._local is not None and workflow.patched(self._local_patch)
                retry = BOUNDED_RETRY if bounded else PROJECTION_RETRY
                try:
                    if self._local is not None and local:
                        self.answer = await self._project_answered(self._local, projection, retry)
                    else:
                        await execute(
                            self._activity, projection, start_to_close_timeout=timedelta(seconds=30), retry_policy=retry
                        )
                except ActivityError as exc:
                    if not bounded:
                        raise
                    await self._dead_letter(projection.event, exc)
                    await workflow.wait_condition(lambda: self._retry_asked)
                    self._retry_asked = False
                    continue  # the same projection again
                if self.stuck is not None:
                    await self._resolved(self.stuck)
                notice = task_notice(projection.event, projection.open_tasks)
                if local:
                    self._notifier.start(notice)
                else:
                    await self._notifier.tell(notice)
                self._pending.pop(0)

    async def _project_answered(self, local: ActivityRef[P, A], projection: P, retry: RetryPolicy) -> A:
        """The projection inside this workflow task; when it fails its few quick tries (the read model is down, a
        poison event), the same activity as a normal one with the bounded retry, whose waits are the server's timers
        (as before the patch): the update is accepted meanwhile, and a failure of every try is a dead letter."""
        try:
            return await execute_local(
                local, projection, start_to_close_timeout=timedelta(seconds=30), retry_policy=LOCAL_RETRY
            )
        except (ActivityError, ApplicationError):  # a local activity's failure may come as its cause alone
            return await execute(local, projection, start_to_close_timeout=timedelta(seconds=30), retry_policy=retry)

    async def _dead_letter(self, event: CaseEvent, exc: ActivityError) -> None:
        cause = exc.cause
        error_type = cause.type if isinstance(cause, ApplicationError) and cause.type else type(cause).__name__
        self.stuck = DeadLetter(
            workflow_id=workflow.info().workflow_id,
            case_id=event.case_id,
            seq=event.seq,
            kind="case" if self._activity.name == PROJECT_TRANSITION.name else "program",
            error_type=error_type[:200],
            error=sanitized(str(cause.message if isinstance(cause, ApplicationError) else cause)),
            failed_at=workflow.now(),
        )
        self.failures += 1
        await execute(
            RECORD_DEAD_LETTER, self.stuck, start_to_close_timeout=timedelta(seconds=30), retry_policy=PROJECTION_RETRY
        )

    async def _resolved(self, letter: DeadLetter) -> None:
        await execute(
            RESOLVE_DEAD_LETTER, letter, start_to_close_timeout=timedelta(seconds=30), retry_policy=PROJECTION_RETRY
        )
        self.stuck = None
