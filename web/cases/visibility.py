"""What a reader may see of a case: the case itself (404 for another municipality's) and its records as the
reader's roles may see them, each read of 要配慮 fields written to the access log in the same breath.

The case API, the programs' API, the audit pages and the retention API read cases through these two.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from statemachines.case.record import CaseRecord as CaseRecordModel
from statemachines.kernel.events import CaseSnapshotRow
from statemachines.kernel.roles import Actor
from statemachines.policy.sensitivity import redact, special_care_paths, visible_to
from store import queries
from store.access_log import AccessLog
from store.db import reading
from web.core.deps import Services
from web.core.errors import NotVisibleError


def visible_row(svc: Services, actor: Actor, case_id: str) -> CaseSnapshotRow:
    with reading(svc.sessions) as session:
        row = queries.case_row(session, case_id, set(actor.serves))
    if row is None:
        raise NotVisibleError("ケースが見つかりません。")
    return row


def shown_records(
    svc: Services,
    actor: Actor,
    case_id: str,
    data: dict[str, Any],
    purpose: str,
    *,
    model: type[BaseModel] = CaseRecordModel,
    prefix: str = "",
) -> dict[str, Any]:
    """The records (a dump of ``model``: the case's, or a program enrolment's) as ``actor``'s roles may see them
    (``statemachines.policy.sensitivity``); a read that shows special care fields is written to ``access_log`` in the
    same breath, their paths after ``prefix``."""
    records = redact(model, data, visible_to(actor.roles))
    paths = special_care_paths(model, records, prefix)
    if paths:
        with svc.sessions.begin() as session:
            AccessLog(session).record(
                user_id=actor.user_id, case_id=case_id, fields=paths, purpose=purpose, now=svc.clock()
            )
    return records
