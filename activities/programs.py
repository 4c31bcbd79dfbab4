"""The projection of program events into the read model."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from activities.projection import written
from statemachines.programs.tasks import ProgramProjection, ProgramProjectionAnswer
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
        return await written(self._apply, projection)

    @PROJECT_PROGRAM_ANSWERED.defn
    async def project_program_event_answered(self, projection: ProgramProjection) -> ProgramProjectionAnswer:
        """``project_program_event`` run as a local activity, in the workflow task that decided the event: an event
        an uncommitted task wrote at this seq is superseded (``ProgramRepository.apply``); answered with the event
        and the enrolment's row read in the same transaction, which the command's answer shows."""
        return await written(self._apply_answered, projection)
