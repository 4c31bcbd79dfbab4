"""Telling people about the tasks a case or program opened: the inbox notification, then its e-mail.

The inbox notification is stored right after the event's projection, inside the flush, so an update (or the
``projected`` update) returns once the assignee can see the task in the inbox too; behind the patch
``project-in-update-task`` (``workflows.outbox``) it starts right after the projection instead, in the background,
so that a command is answered in its own workflow task. The e-mail follows in the
background, off the command's path; the workflow waits for it only before it continues as new or completes.
Histories recorded before this existed have none of these activities, so everything here runs behind the patch
``notify-opened-tasks``.

The e-mail activity gives up after a bounded number of attempts (SMTP down for most of a day): the notification
stays in the recipient's inbox, marked ``failed``, and nothing else of the case waits on it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from statemachines.kernel.events import TaskNotice
    from workflows.activity_refs import NOTIFY_TASK_OPENED, SEND_NOTIFICATION_EMAIL, execute

NOTIFY_PATCH = "notify-opened-tasks"
NOTIFY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
EMAIL_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=30),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(hours=1),
    maximum_attempts=16,  # about half a day of a mail server that refuses or cannot be reached
    non_retryable_error_types=["EmailOutcomeUnknown", "NotificationNotFound"],
)


class Notifier:
    """One per workflow run: ``tell`` after each projection; ``idle`` before continuing as new or completing."""

    def __init__(self) -> None:
        self._running: list[asyncio.Task[None]] = []
        self._telling: list[asyncio.Task[None]] = []  # ``start``ed, inbox notification not stored yet

    async def tell(self, notice: TaskNotice | None) -> None:
        """Store the inbox notifications of ``notice``'s assignees, then start their e-mail in the background."""
        if notice is None or not workflow.patched(NOTIFY_PATCH):
            return
        to_mail = await execute(
            NOTIFY_TASK_OPENED,
            notice,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=NOTIFY_RETRY,
        )
        self._running = [task for task in self._running if not task.done()]
        self._running += [asyncio.create_task(self._send(notification_id)) for notification_id in to_mail]

    def start(self, notice: TaskNotice | None) -> None:
        """``tell`` in the background: the caller (a command's update) is answered without waiting for it."""
        if notice is not None:
            self._telling = [task for task in self._telling if not task.done()]
            self._telling.append(asyncio.create_task(self.tell(notice)))

    def told(self) -> bool:
        """True once every inbox notification ``start``ed so far is stored (its e-mail may still be on its way)."""
        return all(task.done() for task in self._telling)

    def idle(self) -> bool:
        """True once every e-mail started so far is sent or given up (a wait condition)."""
        return self.told() and all(task.done() for task in self._running)

    async def _send(self, notification_id: str) -> None:
        try:
            await execute(
                SEND_NOTIFICATION_EMAIL,
                notification_id,
                start_to_close_timeout=timedelta(minutes=2),
                retry_policy=EMAIL_RETRY,
            )
        except ActivityError as err:  # the inbox keeps the notification; the case goes on without its e-mail
            workflow.logger.warning("notification %s: e-mail not sent: %s", notification_id, err.cause or err)
