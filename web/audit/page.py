"""The auditors' page: without a case the finder (``web.audit.finder_page``); with one, its timeline, its state and
records as of any moment, 「検証」, and exports.

The CSV opens correctly in Excel: UTF-8 with a BOM and CRLF line ends.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from statemachines.case.rebuild import rebuild
from statemachines.kernel.permissions import Permission, allowed
from statemachines.kernel.roles import Actor
from store import queries
from store.names import case_numbers
from store.repository import CaseRepository
from web.audit.api import exported_history, settle_integrity_tasks
from web.audit.finder_page import finder_context, words_of
from web.audit.timeline import verify
from web.cases.casefile import Sheet, case_reader, sheets_as_of
from web.cases.visibility import shown_records
from web.core import i18n
from web.core.deps import Services, ServicesDep
from web.core.errors import ForbiddenError
from web.core.names import names_for
from web.core.pages import COMMAND_NAMES, checked_form, lang_of, not_found, render
from web.core.permissions import RequirePage

router = APIRouter(include_in_schema=False)


@router.get("/audit", response_class=HTMLResponse)
async def audit(
    request: Request,
    actor: Annotated[Actor, RequirePage(Permission.AUDIT_READ)],
    svc: ServicesDep,
    case_id: str | None = None,
    as_of: str | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    """Without a case: the finder (the list of cases, the integrity check). With one: its audit view."""
    if not case_id:
        try:
            found = await finder_context(request, svc, actor, request.query_params, offset)
        except ForbiddenError as exc:  # a municipality one does not serve, sent by hand
            refused = {**words_of(request), "refused": str(exc)}
            return render(request, svc, "audit.html", refused, actor=actor, status_code=403)
        return render(request, svc, "audit.html", {**words_of(request), **found}, actor=actor)
    context: dict[str, Any] = {"case_id": case_id, "as_of": as_of or "", "snapshot": None, "entries": []}
    with svc.sessions.begin() as session:
        row = queries.case_row(session, case_id, set(actor.serves))
        events = CaseRepository(session).list_events(case_id) if row is not None else []
        entries = queries.history(session, case_id) if row is not None else []
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
            context["snapshot_sheets"] = _sheets(request, svc, actor, context["snapshot"])
            context["snapshot_missing"] = then is None
    return render(request, svc, "audit.html", {**words_of(request), **_case_view(svc, actor), **context}, actor=actor)


def _sheets(request: Request, svc: Services, actor: Actor, snapshot: dict[str, Any] | None) -> list[Sheet]:
    """The records as of the moment as the case file's sheets (their 要配慮 fields were logged as they were read)."""
    if not snapshot:
        return []
    reader = case_reader(actor, lang_of(request), names_for(svc, actor), snapshot, {})
    return sheets_as_of(reader, snapshot) if reader.sees_records else []


def _case_view(svc: Services, actor: Actor) -> dict[str, Any]:
    return {"can_read_log": allowed(actor, Permission.ACCESS_LOG_READ), "names": names_for(svc, actor)}


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
        wrong_facts = CaseRepository(session).first_wrong_facts(case_id)
        entries = queries.history(session, case_id)
    result = await verify(svc.client, case_id, rows, wrong_facts)
    settle_integrity_tasks(svc, case_id, result)
    context = {
        **words_of(request),
        **_case_view(svc, actor),
        "case_id": case_id,
        "as_of": "",
        "snapshot": None,
        "entries": entries,
        "row": row,
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


CSV_COLUMNS = (
    "case_number",
    "kind",
    "at",
    "actor_id",
    "actor_roles",
    "command",
    "seq",
    "transition_id",
    "from_state",
    "to_state",
)


@router.get("/audit/{case_id}/export.csv")
def export_csv(
    case_id: str, actor: Annotated[Actor, RequirePage(Permission.AUDIT_EXPORT)], svc: ServicesDep
) -> Response:
    """UTF-8 with a BOM and CRLF line ends, so that Excel opens the Japanese text correctly."""
    entries = _history_of(svc, actor, case_id)
    with svc.sessions.begin() as session:
        number = case_numbers(session, {case_id}).get(case_id) or ""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        ["受付番号", "種別", "日時（日本時間）", "操作者", "役割", "操作", "番号", "遷移", "遷移前", "遷移後"]
    )
    for entry in entries:
        data = {**entry.model_dump(mode="json"), "case_number": number}
        data["at"] = i18n.datetime_ja(entry.at)
        data["actor_roles"] = " ".join(entry.actor_roles)
        data["command"] = f"{COMMAND_NAMES.get(entry.command, entry.command)}（{entry.command}）"
        writer.writerow(["" if data.get(c) is None else data[c] for c in CSV_COLUMNS])
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": _attachment(f"case-{case_id}-history.csv", f"{number or case_id}_経過.csv")},
    )


def _attachment(ascii_name: str, name: str) -> str:
    """A download's name: plain ASCII for old clients, the 受付番号's (UTF-8, RFC 6266) for the rest."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def _history_of(svc: Services, actor: Actor, case_id: str) -> Sequence[queries.HistoryEntry]:
    with svc.sessions.begin() as session:
        if queries.case_row(session, case_id, set(actor.serves)) is None:
            raise not_found()
        return queries.history(session, case_id)
