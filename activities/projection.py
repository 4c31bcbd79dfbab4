"""Activities that write what a case workflow decided into the read model, one transaction each.

Logs carry identifiers only, never payloads or reasons: they may hold personal data.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from statemachines.kernel.events import Projection, Rejection
from store.errors import ChainConflictError
from store.repository import CaseRepository
from workflows.activity_refs import PROJECT_TRANSITION, RECORD_REJECTION

CHAIN_CONFLICT = "ChainConflict"


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
        try:
            applied = await asyncio.to_thread(self._apply, projection)
        except ChainConflictError as err:
            activity.logger.error("chain conflict: case %s seq %d: %s", err.case_id, err.seq, err.reason)
            raise ApplicationError(str(err), err.case_id, err.seq, type=CHAIN_CONFLICT, non_retryable=True) from err
        if applied:
            activity.logger.info("projected case %s seq %d", event.case_id, event.seq)
        else:
            activity.logger.info("case %s seq %d already projected", event.case_id, event.seq)
        return applied

    @RECORD_REJECTION.defn
    async def record_rejection(self, rejection: Rejection) -> None:
        """Record a command the case refused."""
        await asyncio.to_thread(self._record_rejection, rejection)
        activity.logger.info("recorded rejection of %s on case %s", rejection.command, rejection.case_id)

    def _apply(self, projection: Projection) -> bool:
        with self._sessions.begin() as session:
            return CaseRepository(session).apply_projection(projection)

    def _record_rejection(self, rejection: Rejection) -> None:
        with self._sessions.begin() as session:
            CaseRepository(session).record_rejection(rejection)
