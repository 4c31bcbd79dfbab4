"""The 相談者 pages: search results (``POST /people/search``: the name travels in the body, never in a URL) and one
person with their cases (``/people/{id}``), from which a new consultation of theirs opens."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from services.people import PURPOSE_NAMES, BadQuery, SearchPurpose
from statemachines.kernel.permissions import Permission, allowed
from statemachines.kernel.roles import Actor
from store.people import Person
from web.core.deps import ServicesDep
from web.core.names import names_for
from web.core.pages import checked_form, render
from web.core.permissions import RequirePage

router = APIRouter(include_in_schema=False)

Searcher = Annotated[Actor, RequirePage(Permission.PERSON_SEARCH)]


def _birth_date(raw: str) -> tuple[date | None, str | None]:
    if not raw:
        return None, None
    try:
        return date.fromisoformat(raw), None
    except ValueError:
        return None, "生年月日は 1980-05-01 の形で入力してください。"


@router.post("/people/search", response_class=HTMLResponse)
async def search(request: Request, actor: Searcher, svc: ServicesDep) -> HTMLResponse:
    form = await checked_form(request)
    query = str(form.get("q", ""))[:100]
    raw_purpose = str(form.get("purpose", ""))
    purpose = SearchPurpose(raw_purpose) if raw_purpose in SearchPurpose.__members__.values() else None
    birth, problem = _birth_date(str(form.get("birth_date", "")))
    found: list[Person] = []
    total = 0
    if purpose is None:
        problem = "検索の目的を選んでください（閲覧記録に残ります）。"
    if problem is None and purpose is not None:
        try:
            found, total = svc.people.search(actor, query, purpose, birth_date=birth)
        except BadQuery as exc:
            problem = str(exc)
    context = {
        "found": found,
        "total": total,
        "problem": problem,
        "purposes": list(PURPOSE_NAMES.items()),
        "chosen": raw_purpose,
        "names": names_for(svc, actor),
    }
    return render(request, svc, "people.html", context, actor=actor, status_code=422 if problem else 200)


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
