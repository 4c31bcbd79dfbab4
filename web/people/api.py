"""/api/people: find a 相談者 again and read who they are, with their cases (``services.people``).

A name typed into a search is personal data: it is sent in the query string here, as the API's callers expect, and
never logged by the app (its log lines carry the route, not the URL); the pages send it in a POST body instead, so
that it stays out of the browser's history and any proxy's log.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from services.people import MAX_QUERY_LENGTH, MAX_RESULTS, PeopleQuery, SearchPurpose, search_purpose
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


PURPOSES = [p.value for p in SearchPurpose]
Purpose = Query(description="検索・閲覧の目的（閲覧記録に残ります）", json_schema_extra={"enum": PURPOSES})


@router.get("", response_model=PeopleFound)
def search_people(
    actor: Searcher,
    svc: ServicesDep,
    q: Annotated[
        str,
        Query(
            description=f"氏名またはふりがな（部分一致、{MAX_QUERY_LENGTH}文字まで）",
            json_schema_extra={"maxLength": MAX_QUERY_LENGTH},
        ),
    ],
    purpose: Annotated[str, Purpose],
    birth_date: Annotated[
        str, Query(description="生年月日（1980-05-01）で絞り込む", json_schema_extra={"format": "date"})
    ] = "",
) -> PeopleFound:
    """Checked as the search box's are (``PeopleQuery.parse``): a 422 ``invalid_query`` names each field at fault
    and says, in Japanese, what to enter instead."""
    found, total = svc.people.search(actor, PeopleQuery.parse(q, purpose, birth_date))
    return PeopleFound(items=found, total=total)


@router.get("/{person_id}", response_model=PersonFile)
def read_person(
    person_id: Annotated[str, Path(min_length=1, max_length=32)],
    actor: Searcher,
    svc: ServicesDep,
    purpose: Annotated[str, Purpose] = SearchPurpose.CASEWORK.value,
) -> PersonFile:
    person, cases = svc.people.open(actor, person_id, search_purpose(purpose).value)
    return PersonFile(person=person, cases=cases)
