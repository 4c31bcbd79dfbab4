"""The supervision pages: ``/supervision`` (each consultant's caseload, for the CSW, MUN and OPS: counts only) and
``/supervision/consultants/{user_id}`` (one consultant's open cases, for the CSW, each with a link to its page and a
form that reassigns it through the case's own ``assign`` command)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from statemachines.case.record import STAGE_NAMES, Stage
from statemachines.kernel.permissions import Permission, allowed
from statemachines.kernel.roles import ASSIGNERS, Actor
from store import supervision
from web.core.deps import ServicesDep
from web.core.names import names_for
from web.core.pages import not_found, render
from web.core.permissions import RequirePage

router = APIRouter(include_in_schema=False)

Days = Annotated[int, Query(ge=1, le=3650, description="days without contact that count")]


@router.get("/supervision", response_class=HTMLResponse)
def supervision_page(
    request: Request,
    actor: Annotated[Actor, RequirePage(Permission.SUPERVISION_READ)],
    svc: ServicesDep,
    no_contact_days: Days = supervision.DEFAULT_NO_CONTACT_DAYS,
    municipality: str | None = None,
) -> HTMLResponse:
    place = municipality if municipality in actor.serves else None
    with svc.sessions.begin() as session:
        loads = supervision.caseloads(
            session, visible=set(actor.serves), now=svc.clock(), no_contact_days=no_contact_days, municipality=place
        )
        places = supervision.municipality_names(session, actor.serves)
    context: dict[str, Any] = {
        "caseloads": loads,
        "total": supervision.totals(loads),
        "stages": [(stage.value, STAGE_NAMES[stage][0], STAGE_NAMES[stage][1]) for stage in Stage],
        "no_contact_days": no_contact_days,
        "municipality": place or "",
        "municipalities": sorted(places.items(), key=lambda item: item[1]),
        "drill_down": allowed(actor, Permission.SUPERVISION_CASES),
        "generated_at": svc.clock(),
    }
    return render(request, svc, "supervision.html", context, actor=actor)


@router.get("/supervision/consultants/{user_id}", response_class=HTMLResponse)
def consultant_page(
    user_id: str,
    request: Request,
    actor: Annotated[Actor, RequirePage(Permission.SUPERVISION_CASES)],
    svc: ServicesDep,
    no_contact_days: Days = supervision.DEFAULT_NO_CONTACT_DAYS,
) -> HTMLResponse:
    with svc.sessions.begin() as session:
        caseload = supervision.consultant_caseload(
            session, user_id=user_id, visible=set(actor.serves), now=svc.clock(), no_contact_days=no_contact_days
        )
        if caseload is None:
            raise not_found()
        places = supervision.municipality_names(session, {c.municipality for c in caseload.cases})
    context: dict[str, Any] = {
        "user_id": user_id,
        "display_name": caseload.display_name,
        "cases": caseload.cases,
        "places": places,
        "no_contact_days": no_contact_days,
        "consultants": sorted(caseload.consultants.items(), key=lambda item: (item[1], item[0])),
        "can_assign": actor.has_any(ASSIGNERS),
        "stage_names": {stage.value: STAGE_NAMES[stage] for stage in Stage},
        "names": names_for(svc, actor, {c.case_id: c.person_id for c in caseload.cases}, purpose="supervision"),
    }
    return render(request, svc, "supervision_cases.html", context, actor=actor)
