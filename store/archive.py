"""Archived Temporal histories of cases (JSON per run), for export and replay after Temporal's retention."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.models import HistoryArchiveRecord


class HistoryArchive:
    def __init__(self, session: Session) -> None:
        self._session = session

    def save(self, case_id: str, runs: list[tuple[str, str]], at: datetime) -> None:
        """Replace the case's archive with ``runs`` (run id, history JSON), oldest first."""
        self._session.execute(delete(HistoryArchiveRecord).where(HistoryArchiveRecord.case_id == case_id))
        self._session.add_all(
            HistoryArchiveRecord(case_id=case_id, run_index=i, run_id=run_id, archived_at=at, history=history)
            for i, (run_id, history) in enumerate(runs)
        )

    def load(self, case_id: str) -> list[tuple[str, str]]:
        stmt = (
            select(HistoryArchiveRecord)
            .where(HistoryArchiveRecord.case_id == case_id)
            .order_by(HistoryArchiveRecord.run_index)
        )
        return [(r.run_id, r.history) for r in self._session.scalars(stmt)]
