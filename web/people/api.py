"""/api/people: find a 相談者 again and read who they are, with their cases (``services.people``).

A name typed into a search is personal data: it is sent in the query string here, as the API's callers expect, and
never logged by the app (its log lines carry the route, not the URL); the pages send it in a POST body instead, so
that it stays out of the browser's history and any proxy's log.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from services.people import MAX_RESULTS, SearchPurpose
from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from store.people import Person, PersonCase
from web.core.deps import ServicesDep
from web.core.permissions import Require

router = APIRouter(prefix="/api/people", tags=["people"])

Searcher = Annotated[Actor, Require(Permission.PERSON_SEARCH)]


class PeopleFound(BaseModel):
    items: list[Person]
    total: int
    limit: int = MAX_RESULTS


class PersonFile(BaseModel):
    person: Person
    cases: list[PersonCase]


@router.get("", response_model=PeopleFound)
def search_people(
    actor: Searcher,
    svc: ServicesDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="氏名またはふりがな（部分一致）")],
    purpose: Annotated[SearchPurpose, Query(description="検索の目的（閲覧記録に残ります）")],
    birth_date: date | None = None,
) -> PeopleFound:
    found, total = svc.people.search(actor, q, purpose, birth_date=birth_date)
    return PeopleFound(items=found, total=total)


@router.get("/{person_id}", response_model=PersonFile)
def read_person(
    person_id: Annotated[str, Path(min_length=1, max_length=32)],
    actor: Searcher,
    svc: ServicesDep,
    purpose: Annotated[SearchPurpose, Query()] = SearchPurpose.CASEWORK,
) -> PersonFile:
    person, cases = svc.people.open(actor, person_id, purpose.value)
    return PersonFile(person=person, cases=cases)
