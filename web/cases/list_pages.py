"""The case list (``/cases``, filtered and paged) and 新規相談受付 from the inbox (``/cases/new``)."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.people import PURPOSE_NAMES
from statemachines.case.record import STAGE_NAMES, STATES, CaseState, Stage
from statemachines.kernel.permissions import Permission, allowed
from statemachines.kernel.roles import Actor
from store import queries
from web.core.deps import ServicesDep
from web.core.names import names_for
from web.core.pages import PageActor, checked_form, first_page_link, page_link, render
from web.core.params import Cursor, page_key
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
    number: Annotated[str | None, Query(max_length=64)] = None,
    overdue: bool | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    cursor: Cursor | None = None,
) -> HTMLResponse:
    after = page_key(cursor, offset)
    with svc.sessions.begin() as session:
        page = queries.list_cases(
            session,
            visible=set(actor.serves),
            stage=stage or None,
            state=state or None,
            assignee=assignee or None,
            municipality=municipality or None,
            number=number or None,
            overdue=overdue,
            now=svc.clock(),
            limit=100,
            offset=offset,
            after=after,
        )
    context = {
        "page": page,
        "next_page": page_link(request, "cursor", page.next_cursor),
        "first_page": first_page_link(request, "cursor"),
        "filters": {
            "state": state or "",
            "stage": stage or "",
            "municipality": municipality or "",
            "assignee": assignee or "",
            "number": number or "",
        },
        "names": names_for(svc, actor, {c.case_id: c.person_id for c in page.items}),
        "can_search": allowed(actor, Permission.PERSON_SEARCH),
        "purposes": list(PURPOSE_NAMES.items()),
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
    person_id = str(form.get("person_id", "")) or None
    payload: dict[str, object] = {}
    if person_id is not None:  # a known person's new consultation starts from their recorded identity
        payload = {"intake": {"client": svc.people.identity_for_new_case(actor, person_id, {})}}
    outcome = await svc.cases.open(
        municipality=municipality,
        actor=actor,
        payload=payload,
        command_id=uuid.uuid4().hex,
        person_id=person_id,
        now=svc.clock(),
    )
    return RedirectResponse(f"/cases/{quote(outcome.case_id)}", status_code=303)
