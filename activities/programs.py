"""The projection of program events into the read model."""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from temporalio.exceptions import ApplicationError

from activities.projection import database_refused
from statemachines.programs.tasks import ProgramProjection
from store.errors import ChainConflictError
from store.programs import ProgramRepository
from workflows.activity_refs import PROJECT_PROGRAM_EVENT


class ProgramActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def _apply(self, projection: ProgramProjection) -> bool:
        with self._sessions.begin() as session:
            return ProgramRepository(session).apply(projection)

    @PROJECT_PROGRAM_EVENT.defn
    async def project_program_event(self, projection: ProgramProjection) -> bool:
        try:
            return await asyncio.to_thread(self._apply, projection)
        except ChainConflictError as exc:
            raise ApplicationError(str(exc), type="ChainConflict", non_retryable=True) from exc
        except SQLAlchemyError as exc:
            raise database_refused(exc) from None
