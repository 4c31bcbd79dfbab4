"""The 相談者 pages: search results (``POST /people/search``: the name travels in the body, never in a URL) and one
person with their cases (``/people/{id}``), from which a new consultation of theirs opens.

A search refused (``PeopleQuery.parse``) is answered with the search box as it was sent, each field at fault marked
with what to do; what was typed is in that page's body only (served ``no-store``), as it was in the request's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from services.people import PURPOSE_NAMES, BadQuery, PeopleQuery, SearchPurpose
from statemachines.kernel.permissions import Permission, allowed
from statemachines.kernel.roles import Actor
from store.people import Person
from web.core.deps import ServicesDep
from web.core.names import names_for
from web.core.pages import checked_form, render
from web.core.permissions import RequirePage

router = APIRouter(include_in_schema=False)

Searcher = Annotated[Actor, RequirePage(Permission.PERSON_SEARCH)]
TYPED = ("q", "birth_date", "purpose")


@router.post("/people/search", response_class=HTMLResponse)
async def search(request: Request, actor: Searcher, svc: ServicesDep) -> HTMLResponse:
    form = await checked_form(request)
    typed = {name: str(form.get(name, "")) for name in TYPED}
    found: list[Person] = []
    total = 0
    problems: dict[str, str] = {}
    try:
        found, total = svc.people.search(actor, PeopleQuery.parse(typed["q"], typed["purpose"], typed["birth_date"]))
    except BadQuery as refused:
        problems = refused.problems
    context: dict[str, Any] = {
        "found": found,
        "total": total,
        "problems": problems,
        "typed": typed,
        "purposes": list(PURPOSE_NAMES.items()),
        "names": names_for(svc, actor),
    }
    return render(request, svc, "people.html", context, actor=actor, status_code=422 if problems else 200)


@router.get("/people/{person_id}", response_class=HTMLResponse)
def person(
    request: Request,
    person_id: Annotated[str, Path(min_length=1, max_length=32)],
    actor: Searcher,
    svc: ServicesDep,
) -> HTMLResponse:
    found, cases = svc.people.open(actor, person_id, SearchPurpose.CASEWORK.value)
    context = {
        "person": found,
        "cases": cases,
        "names": names_for(svc, actor),
        "municipalities": sorted(actor.serves),
        "can_open": allowed(actor, Permission.INTAKE_FORM),
    }
    return render(request, svc, "person.html", context, actor=actor)
