"""The auditors' page: a case's timeline, its state and records as of any moment, 「検証」, and exports.

The CSV opens correctly in Excel: UTF-8 with a BOM and CRLF line ends.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from statemachines.case.rebuild import rebuild
from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from store import queries
from store.repository import CaseRepository
from web.audit.api import exported_history, settle_integrity_tasks
from web.audit.timeline import verify
from web.cases.visibility import shown_records
from web.core import i18n
from web.core.deps import Services, ServicesDep
from web.core.pages import COMMAND_NAMES, checked_form, not_found, render
from web.core.permissions import RequirePage

router = APIRouter(include_in_schema=False)


@router.get("/audit", response_class=HTMLResponse)
async def audit(
    request: Request,
    actor: Annotated[Actor, RequirePage(Permission.AUDIT_READ)],
    svc: ServicesDep,
    case_id: str | None = None,
    as_of: str | None = None,
) -> HTMLResponse:
    context: dict[str, Any] = {"case_id": case_id or "", "as_of": as_of or "", "snapshot": None, "entries": []}
    with svc.sessions.begin() as session:
        context["recent"] = queries.list_cases(session, visible=set(actor.serves), now=svc.clock(), limit=20).items
        row = queries.case_row(session, case_id, set(actor.serves)) if case_id else None
        events = CaseRepository(session).list_events(case_id) if row is not None and case_id else []
        entries = queries.history(session, case_id) if row is not None and case_id else []
    context["row"] = row
    context["entries"] = entries
    if row is not None and as_of:
        moment = _as_of(as_of)
        if moment is None:
            context["as_of_error"] = True
        else:
            ruleset = (await svc.cases.record(row.case_id)).ruleset
            then = rebuild(events, municipality=row.municipality, ruleset=ruleset, as_of=moment)
            context["entries"] = [e for e in entries if e.at <= moment]
            context["snapshot"] = (
                None
                if then is None
                else shown_records(
                    svc,
                    actor,
                    row.case_id,
                    then.model_dump(mode="json", exclude={"ruleset", "last_hash"}),
                    "audit_as_of",
                )
            )
            context["snapshot_at"] = moment
            context["snapshot_json"] = json.dumps(context["snapshot"], ensure_ascii=False, indent=2)
            context["snapshot_missing"] = then is None
    return render(request, svc, "audit.html", context, actor=actor)


def _as_of(raw: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=i18n.JST)


@router.post("/audit/{case_id}/verify", response_class=HTMLResponse)
async def audit_verify(
    case_id: str, request: Request, actor: Annotated[Actor, RequirePage(Permission.CASE_VERIFY)], svc: ServicesDep
) -> HTMLResponse:
    await checked_form(request)
    with svc.sessions.begin() as session:
        row = queries.case_row(session, case_id, set(actor.serves))
        if row is None:
            raise not_found()
        rows = CaseRepository(session).list_events(case_id)
        entries = queries.history(session, case_id)
        recent = queries.list_cases(session, visible=set(actor.serves), now=svc.clock(), limit=20).items
    result = await verify(svc.client, case_id, rows)
    settle_integrity_tasks(svc, case_id, result)
    context = {
        "case_id": case_id,
        "as_of": "",
        "snapshot": None,
        "entries": entries,
        "row": row,
        "recent": recent,
        "verdict": result,
    }
    return render(request, svc, "audit.html", context, actor=actor)


@router.get("/audit/{case_id}/export.json")
async def export_json(
    case_id: str, actor: Annotated[Actor, RequirePage(Permission.AUDIT_EXPORT)], svc: ServicesDep
) -> Response:
    """The case's whole history in the one export format, for ``python -m workflows replay`` (the API's
    ``/api/cases/{id}/temporal-history`` gives the same)."""
    with svc.sessions.begin() as session:
        if queries.case_row(session, case_id, set(actor.serves)) is None:
            raise not_found()
    exported = await exported_history(svc, actor, case_id)
    return Response(
        exported.model_dump_json(indent=2),
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}.json"'},
    )


CSV_COLUMNS = ("kind", "at", "actor_id", "actor_roles", "command", "seq", "transition_id", "from_state", "to_state")


@router.get("/audit/{case_id}/export.csv")
def export_csv(
    case_id: str, actor: Annotated[Actor, RequirePage(Permission.AUDIT_EXPORT)], svc: ServicesDep
) -> Response:
    """UTF-8 with a BOM and CRLF line ends, so that Excel opens the Japanese text correctly."""
    entries = _history_of(svc, actor, case_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["種別", "日時（日本時間）", "操作者", "役割", "操作", "番号", "遷移", "遷移前", "遷移後"])
    for entry in entries:
        data = entry.model_dump(mode="json")
        data["at"] = i18n.datetime_ja(entry.at)
        data["actor_roles"] = " ".join(entry.actor_roles)
        data["command"] = f"{COMMAND_NAMES.get(entry.command, entry.command)}（{entry.command}）"
        writer.writerow(["" if data.get(c) is None else data[c] for c in CSV_COLUMNS])
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}-history.csv"'},
    )


def _history_of(svc: Services, actor: Actor, case_id: str) -> Sequence[queries.HistoryEntry]:
    with svc.sessions.begin() as session:
        if queries.case_row(session, case_id, set(actor.serves)) is None:
            raise not_found()
        return queries.history(session, case_id)
