"""Activities that write what a case workflow decided into the read model, one transaction each.

Logs carry identifiers only, never payloads or reasons: they may hold personal data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from statemachines.kernel.events import Projection, ProjectionAnswer, Rejection, TaskRow, TaskSpec
from statemachines.policy.dead_letters import PROJECTION_FAILED_TASK, DeadLetter, sanitized
from store.dead_letters import DeadLetters
from store.errors import ChainConflictError
from store.people import PeopleRepository
from store.repository import CaseRepository
from workflows.activity_refs import (
    PROJECT_ANSWERED,
    PROJECT_TRANSITION,
    RECORD_DEAD_LETTER,
    RECORD_REJECTION,
    RESOLVE_DEAD_LETTER,
)

CHAIN_CONFLICT = "ChainConflict"
P = TypeVar("P")
T = TypeVar("T")


class ProjectionActivities:
    """The projection activities; register the bound methods with the worker.

    ``Worker(..., activities=[acts.project_transition, acts.record_rejection])``
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @PROJECT_TRANSITION.defn
    async def project_transition(self, projection: Projection) -> bool:
        """Apply one transition's projection. True if written, False if it was already recorded.

        A chain conflict fails the activity without retry: ``ApplicationError`` of type ``ChainConflict`` with
        details ``(case_id, seq)``. Database errors are raised as they are, so Temporal retries them.
        """
        event = projection.event
        applied = await written(self._apply, projection)
        _log_projected(event.case_id, event.seq, applied)
        return applied

    @PROJECT_ANSWERED.defn
    async def project_transition_answered(self, projection: Projection) -> ProjectionAnswer:
        """``project_transition`` run as a local activity, in the workflow task that decided the event: an event an
        uncommitted task wrote at this seq is superseded (``CaseRepository.apply_projection``); answered with the
        case's open tasks, read in the same transaction, which the command's answer shows."""
        event = projection.event
        applied, tasks = await written(self._apply_answered, projection)
        _log_projected(event.case_id, event.seq, applied)
        return ProjectionAnswer(event=event, open_tasks=tasks)

    @RECORD_REJECTION.defn
    async def record_rejection(self, rejection: Rejection) -> None:
        """Record a command the case refused."""
        await asyncio.to_thread(self._record_rejection, rejection)
        activity.logger.info("recorded rejection of %s on case %s", rejection.command, rejection.case_id)

    @RECORD_DEAD_LETTER.defn
    async def record_dead_letter(self, letter: DeadLetter) -> None:
        """Keep the dead letter and open a task for operations (its municipality's OPS). Identifiers only are
        logged: the error is already cut before any value it quoted."""
        await asyncio.to_thread(self._record_dead_letter, letter)
        activity.logger.error(
            "dead letter: %s seq %d of %s could not be projected (%s)",
            letter.kind,
            letter.seq,
            letter.workflow_id,
            letter.error_type,
        )

    @RESOLVE_DEAD_LETTER.defn
    async def resolve_dead_letter(self, letter: DeadLetter) -> None:
        await asyncio.to_thread(self._resolve_dead_letter, letter)
        activity.logger.info("dead letter resolved: %s seq %d of %s", letter.kind, letter.seq, letter.workflow_id)

    def _record_dead_letter(self, letter: DeadLetter) -> None:
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            DeadLetters(session).record(letter)
            repo = CaseRepository(session)
            if repo.get_case(letter.case_id) is not None:  # the very first event of a case has no row to hang it on
                repo.open_task(letter.case_id, _operations_task(letter), seq=0, at=now)

    def _resolve_dead_letter(self, letter: DeadLetter) -> None:
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            letters = DeadLetters(session)
            letters.resolve(letter.workflow_id, letter.seq, now)
            if not letters.waiting(letter.case_id):  # the case's last one: its task is done
                CaseRepository(session).close_tasks_of_kind(letter.case_id, PROJECTION_FAILED_TASK, now=now)

    def _apply_answered(self, projection: Projection) -> tuple[bool, list[TaskRow]]:
        with self._sessions.begin() as session:
            applied = self._write(session, projection, supersede=True)
            return applied, CaseRepository(session).list_tasks(projection.event.case_id, status="open")

    def _apply(self, projection: Projection) -> bool:
        with self._sessions.begin() as session:
            return self._write(session, projection, supersede=False)

    @staticmethod
    def _write(session: Session, projection: Projection, *, supersede: bool) -> bool:
        applied = CaseRepository(session).apply_projection(projection, supersede=supersede)
        person_id = projection.case.person_id
        if applied and projection.person is not None and person_id is not None:
            PeopleRepository(session).record(
                person_id,
                projection.person,
                case_id=projection.event.case_id,
                seq=projection.event.seq,
                now=projection.event.at,
            )
        return applied

    def _record_rejection(self, rejection: Rejection) -> None:
        with self._sessions.begin() as session:
            CaseRepository(session).record_rejection(rejection)


def _log_projected(case_id: str, seq: int, applied: bool) -> None:
    if applied:
        activity.logger.info("projected case %s seq %d", case_id, seq)
    else:
        activity.logger.info("case %s seq %d already projected", case_id, seq)


def _operations_task(letter: DeadLetter) -> TaskSpec:
    return TaskSpec(
        task_id=f"dead-letter:{letter.workflow_id}:{letter.seq}",
        kind=PROJECTION_FAILED_TASK,
        title_ja=f"記録の保存に失敗し、ケースが止まっています（seq {letter.seq}）：原因を直して再試行してください",
        title_en=f"A record could not be saved and the case is held (seq {letter.seq}): fix the cause and retry",
        role="OPS",
        assignee=None,
        due_at=letter.failed_at,
        command="retry_projection",
    )


async def written(write: Callable[[P], T], projection: P) -> T:
    """``write`` (one transaction of a projection) in a worker thread, its failures as the activity reports them: a
    chain conflict fails without retry (``ApplicationError`` of type ``ChainConflict``, details ``(owner, seq)``), a
    database error is retried (``database_refused``). The case's and the programs' projections share it."""
    try:
        return await asyncio.to_thread(write, projection)
    except ChainConflictError as err:
        activity.logger.error("chain conflict: case %s seq %d: %s", err.case_id, err.seq, err.reason)
        raise ApplicationError(str(err), err.case_id, err.seq, type=CHAIN_CONFLICT, non_retryable=True) from err
    except SQLAlchemyError as err:
        raise database_refused(err) from None


def database_refused(err: SQLAlchemyError) -> ApplicationError:
    """A database error as the retried failure Temporal records and the SDK logs: its type and the first line of
    its text, cut before the statement and the parameters it quotes (a client's name, a note), chained to nothing,
    so neither the worker's log nor the history holds a value of the case."""
    return ApplicationError(sanitized(str(err)), type=type(err).__name__)
