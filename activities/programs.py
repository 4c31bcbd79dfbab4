"""The projection of program events into the read model."""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from temporalio.exceptions import ApplicationError

from activities.projection import database_refused
from statemachines.programs.tasks import ProgramProjection, ProgramProjectionAnswer
from store.errors import ChainConflictError
from store.programs import ProgramRepository
from workflows.activity_refs import PROJECT_PROGRAM_ANSWERED, PROJECT_PROGRAM_EVENT


class ProgramActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def _apply(self, projection: ProgramProjection) -> bool:
        with self._sessions.begin() as session:
            return ProgramRepository(session).apply(projection)

    def _apply_answered(self, projection: ProgramProjection) -> ProgramProjectionAnswer:
        with self._sessions.begin() as session:
            repo = ProgramRepository(session)
            repo.apply(projection, supersede=True)
            row = repo.enrolment(projection.enrolment.enrolment_id)
            assert row is not None  # written just now, in this transaction
            return ProgramProjectionAnswer(event=projection.event, enrolment=row)

    @PROJECT_PROGRAM_EVENT.defn
    async def project_program_event(self, projection: ProgramProjection) -> bool:
        try:
            return await asyncio.to_thread(self._apply, projection)
        except ChainConflictError as exc:
            raise ApplicationError(str(exc), type="ChainConflict", non_retryable=True) from exc
        except SQLAlchemyError as exc:
            raise database_refused(exc) from None

    @PROJECT_PROGRAM_ANSWERED.defn
    async def project_program_event_answered(self, projection: ProgramProjection) -> ProgramProjectionAnswer:
        """``project_program_event`` run as a local activity, in the workflow task that decided the event: an event
        an uncommitted task wrote at this seq is superseded (``ProgramRepository.apply``); answered with the event
        and the enrolment's row read in the same transaction, which the command's answer shows."""
        try:
            return await asyncio.to_thread(self._apply_answered, projection)
        except ChainConflictError as exc:
            raise ApplicationError(str(exc), type="ChainConflict", non_retryable=True) from exc
        except SQLAlchemyError as exc:
            raise database_refused(exc) from None
