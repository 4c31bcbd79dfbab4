"""Archive a case's Temporal history into the store, so it outlives Temporal's retention."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.client import Client

from store.archive import HistoryArchive
from workflows.activity_refs import ARCHIVE_HISTORY


class ArchiveActivities:
    def __init__(self, client: Client, sessions: sessionmaker[Session]) -> None:
        self._client = client
        self._sessions = sessions

    async def _runs(self, workflow_id: str) -> list[tuple[str, str]]:
        """(run id, history JSON) of every run, oldest first, following continue-as-new backwards."""
        runs: list[tuple[str, str]] = []
        run_id: str | None = None
        while True:
            handle = self._client.get_workflow_handle(workflow_id, run_id=run_id)
            history = await handle.fetch_history()
            runs.append((history.run_id, history.to_json()))
            run_id = history.events[0].workflow_execution_started_event_attributes.continued_execution_run_id or None
            if run_id is None:
                return list(reversed(runs))

    @ARCHIVE_HISTORY.defn
    async def archive_history(self, case_id: str) -> int:
        runs = await self._runs(f"case-{case_id}")
        now = datetime.now(UTC)

        def save() -> None:
            with self._sessions.begin() as session:
                HistoryArchive(session).save(case_id, runs, now)

        await asyncio.to_thread(save)
        activity.logger.info("archived %d run(s) of case %s", len(runs), case_id)
        return len(runs)
