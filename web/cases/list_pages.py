"""The case list (``/cases``, filtered and paged) and 新規相談受付 from the inbox (``/cases/new``)."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from statemachines.case.record import STAGE_NAMES, STATES, CaseState, Stage
from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from store import queries
from web.core.deps import ServicesDep
from web.core.pages import PageActor, checked_form, render
from web.core.permissions import RequirePage

router = APIRouter(include_in_schema=False)


@router.get("/cases", response_class=HTMLResponse)
def case_list(
    request: Request,
    actor: Annotated[Actor, RequirePage(Permission.CASE_READ)],
    svc: ServicesDep,
    state: str | None = None,
    stage: str | None = None,
    municipality: str | None = None,
    assignee: str | None = None,
    overdue: bool | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    with svc.sessions.begin() as session:
        page = queries.list_cases(
            session,
            visible=set(actor.serves),
            stage=stage or None,
            state=state or None,
            assignee=assignee or None,
            municipality=municipality or None,
            overdue=overdue,
            now=svc.clock(),
            limit=100,
            offset=offset,
        )
    context = {
        "page": page,
        "filters": {
            "state": state or "",
            "stage": stage or "",
            "municipality": municipality or "",
            "assignee": assignee or "",
        },
        "states": [(s.value, STATES[s].name_ja) for s in CaseState],
        "stages": [(s.value, STAGE_NAMES[s][0]) for s in Stage],
    }
    return render(request, svc, "cases.html", context, actor=actor)


@router.post("/cases/new")
async def open_case(request: Request, actor: PageActor, svc: ServicesDep) -> Response:
    form = await checked_form(request)
    municipality = str(form.get("municipality", ""))
    if municipality not in actor.serves:
        return RedirectResponse("/inbox?message=municipality", status_code=303)
    outcome = await svc.cases.open(
        municipality=municipality, actor=actor, payload={}, command_id=uuid.uuid4().hex, now=svc.clock()
    )
    return RedirectResponse(f"/cases/{quote(outcome.case_id)}", status_code=303)
