"""A case's whole history in the one export format (``workflows.export``): for the API, the ``/audit`` page and the
auditor CLI alike. Every run from Temporal while it keeps them, from Yorisoi's archive after its retention; with the
read model's event skeleton once the case's payloads are erased."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from store.archive import HistoryArchive
from store.repository import CaseRepository
from workflows.export import CaseHistoryExport, export
from workflows.history import fetch_histories


class HistoryNotFound(Exception):
    """Neither Temporal nor the archive holds a history of the case."""


async def case_history(
    client: Client, sessions: sessionmaker[Session], case_id: str, *, now: datetime
) -> CaseHistoryExport:
    with sessions.begin() as session:
        skeleton = CaseRepository(session).list_events(case_id)  # kept by the export only once erased
    try:
        histories = await fetch_histories(client, case_id)
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        with sessions.begin() as session:
            archived = HistoryArchive(session).load(case_id)
        if not archived:
            raise HistoryNotFound(case_id) from exc
        runs = [json.loads(history) for _, history in archived]
        return export(case_id, "archive", runs, exported_at=now, skeleton=skeleton)
    return export(case_id, "temporal", [h.to_json_dict() for h in histories], exported_at=now, skeleton=skeleton)
