"""The events a workflow has decided and the read model has not taken yet, projected in order.

Both the case and the program workflows keep one: ``add`` each accepted event's projection, ``flush`` projects them
one activity at a time (retried until the read model takes it) and tells the assignees of the tasks each one opened
(``workflows.notify``). Under a lock, so an update and the run loop never project the same event twice.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Generic, Protocol, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from statemachines.kernel.events import CaseEvent, TaskSpec, task_notice
    from workflows.activity_refs import ActivityRef, execute
    from workflows.notify import Notifier

PROJECTION_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))


class Projectable(Protocol):
    @property
    def event(self) -> CaseEvent: ...

    @property
    def open_tasks(self) -> list[TaskSpec]: ...


P = TypeVar("P", bound=Projectable)


class Outbox(Generic[P]):
    def __init__(self, activity: ActivityRef[P, bool]) -> None:
        self._activity = activity
        self._pending: list[P] = []
        self._lock = asyncio.Lock()
        self._notifier = Notifier()

    def add(self, projection: P) -> None:
        self._pending.append(projection)

    def projected(self) -> bool:
        """Every event so far is in the read model (and its tasks' assignees have it in their inbox)."""
        return not self._pending

    def settled(self) -> bool:
        """Projected, and every e-mail started so far sent or given up: safe to end the run."""
        return not self._pending and self._notifier.idle()

    async def flush(self) -> None:
        async with self._lock:
            while self._pending:
                projection = self._pending[0]
                await execute(
                    self._activity,
                    projection,
                    start_to_close_timeout=timedelta(seconds=30),
                    retry_policy=PROJECTION_RETRY,
                )
                await self._notifier.tell(task_notice(projection.event, projection.open_tasks))
                self._pending.pop(0)
