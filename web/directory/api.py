"""/api/institutions: the 関係機関 directory (process.md §6), searched by category, 日常生活圏域 and text.

Everyone signed in may search it, but sees only the institutions of the municipalities they serve. A case gets
suggestions (the 地域包括支援センター of the client's area first from age 65); an administrator imports a CSV.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from pydantic import BaseModel

from statemachines.case.timers import JST
from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from statemachines.kernel.sensitivity import Sensitivity
from statemachines.policy.institutions import (
    CATEGORIES,
    ELDERLY_AGE,
    CategoryInfo,
    Institution,
    InstitutionCategory,
    age_on,
    suggest_for,
)
from statemachines.policy.sensitivity import visible_to
from store import queries
from store.errors import InstitutionNotFoundError
from store.institutions import CSV_COLUMNS, InstitutionRepository, load_csv
from store.queries import Page
from web.core.deps import ServicesDep
from web.core.errors import NotVisibleError
from web.core.permissions import Require

router = APIRouter(prefix="/api/institutions", tags=["institutions"])

MAX_IMPORT_BYTES = 5 * 1024 * 1024
SUGGESTION_POOL = 500
"""At most this many centres, and institutions of the client's area, are ranked for a suggestion."""

AreaQuery = Annotated[str | None, Query(min_length=1, max_length=64, description="日常生活圏域（中学校区）コード")]
Limit = Annotated[int, Query(ge=1, le=500)]


class Areas(BaseModel):
    municipality: str
    areas: list[str]


class Suggestions(BaseModel):
    """Where to refer the client of a case: :func:`statemachines.institutions.suggest_for` over the directory."""

    case_id: str
    municipality: str
    area: str | None
    age: int | None  # on today's date (JST), from the 相談受付票's birth date; None when not recorded
    elderly: bool  # 65 or over: the 地域包括支援センター of the area comes first
    items: list[Institution]


class ImportResult(BaseModel):
    added: int
    updated: int
    unchanged: int


def _visible(actor: Actor, municipality: str | None) -> set[str]:
    return set(actor.serves) if municipality is None else set(actor.serves) & {municipality}


@router.get("", response_model=Page[Institution])
def search(
    actor: Annotated[Actor, Require(Permission.DIRECTORY_READ)],
    svc: ServicesDep,
    category: InstitutionCategory | None = None,
    area: AreaQuery = None,
    q: Annotated[
        str | None, Query(max_length=200, description="名称・読み仮名・住所・備考（空白区切りで AND）")
    ] = None,
    accepts_referrals: bool | None = None,
    municipality: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[Institution]:
    """The institutions of the municipalities one serves, by municipality, area, category (§6 order) and name."""
    with svc.sessions.begin() as session:
        return InstitutionRepository(session).search(
            _visible(actor, municipality),
            category=category,
            area_code=area,
            text=q,
            accepts_referrals=accepts_referrals,
            limit=limit,
            offset=offset,
        )


@router.get("/categories", response_model=list[CategoryInfo])
def categories(actor: Annotated[Actor, Require(Permission.DIRECTORY_READ)]) -> list[CategoryInfo]:
    """Every category of process.md §6, with its Japanese name, group (A–I) and source."""
    return list(CATEGORIES.values())


@router.get("/areas", response_model=list[Areas])
def areas(actor: Annotated[Actor, Require(Permission.DIRECTORY_READ)], svc: ServicesDep) -> list[Areas]:
    """The 日常生活圏域 codes of the directory, for each municipality one serves."""
    with svc.sessions.begin() as session:
        repository = InstitutionRepository(session)
        return [Areas(municipality=m, areas=repository.areas(m)) for m in sorted(actor.serves)]


@router.get("/suggestions", response_model=Suggestions)
async def suggestions(
    case_id: Annotated[str, Query(min_length=1, max_length=64)],
    actor: Annotated[Actor, Require(Permission.DIRECTORY_READ)],
    svc: ServicesDep,
    area: AreaQuery = None,
    limit: Limit = 20,
) -> Suggestions:
    """Institutions of the case's municipality accepting referrals, in the order to suggest them.

    The 相談受付票 has no area yet: pass the client's 日常生活圏域 as ``area``.
    """
    with svc.sessions.begin() as session:
        row = queries.case_row(session, case_id, set(actor.serves))
    if row is None:
        raise NotVisibleError("ケースが見つかりません。")
    birth_date = (await svc.cases.record(case_id)).intake.client.birth_date
    if Sensitivity.SPECIAL_CARE not in visible_to(actor.roles):  # OPS, ADMIN: not even the age it gives
        birth_date = None
    today = svc.clock().astimezone(JST).date()
    age = age_on(birth_date, today) if birth_date is not None and birth_date <= today else None
    with svc.sessions.begin() as session:
        candidates = _candidates(InstitutionRepository(session), row.municipality, area, limit)
    return Suggestions(
        case_id=case_id,
        municipality=row.municipality,
        area=area,
        age=age,
        elderly=age is not None and age >= ELDERLY_AGE,
        items=suggest_for(age, area, candidates)[:limit],
    )


def _candidates(
    repository: InstitutionRepository, municipality: str, area: str | None, limit: int
) -> list[Institution]:
    """Enough of the municipality's directory for the first ``limit`` suggestions: the 地域包括支援センター, the
    institutions of the area, and the first ``limit`` of all, in directory order (area, §6 category, 読み, id)."""
    visible = {municipality}
    pages = [
        repository.search(
            visible,
            category=InstitutionCategory.COMMUNITY_GENERAL_SUPPORT_CENTER,
            accepts_referrals=True,
            limit=SUGGESTION_POOL,
        ),
        repository.search(visible, accepts_referrals=True, limit=limit),
    ]
    if area is not None:
        pages.append(repository.search(visible, area_code=area, accepts_referrals=True, limit=SUGGESTION_POOL))
    found = {i.institution_id: i for page in pages for i in page.items}
    order = list(InstitutionCategory)
    return sorted(
        found.values(),
        key=lambda i: (i.area_code, order.index(i.category), i.name_kana or i.name_ja, i.institution_id),
    )


@router.post(
    "/import",
    response_model=ImportResult,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": f"UTF-8 (BOM optional), header line: {','.join(CSV_COLUMNS)}",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def import_csv(
    request: Request, actor: Annotated[Actor, Require(Permission.INSTITUTION_IMPORT)], svc: ServicesDep
) -> ImportResult:
    """ADMIN: add or overwrite institutions from a CSV sent as the request body (``Content-Type: text/csv``).

    UTF-8, with or without a BOM, at most 5 MB, with the header line ``institution_id,name_ja,name_kana,category,
    municipality,area_code,address,phone,email,accepts_referrals,note`` (see ``store/institutions.py``). Only rows
    of the municipalities one serves; every row is checked first, and a single bad row refuses the whole file (422
    with every error and its line). An id used by another municipality's institution is a 409.
    """
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_IMPORT_BYTES:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "CSVは5MB以内にしてください。")
    institutions = load_csv(bytes(body), municipalities=actor.serves)
    with svc.sessions.begin() as session:
        counts = InstitutionRepository(session).upsert_many(institutions, visible=actor.serves)
    return ImportResult(**asdict(counts))


@router.get("/{institution_id}", response_model=Institution)
def get_institution(
    institution_id: Annotated[str, Path(min_length=1, max_length=64)],
    actor: Annotated[Actor, Require(Permission.DIRECTORY_READ)],
    svc: ServicesDep,
) -> Institution:
    """One institution; 404 when there is none or it is of a municipality one does not serve."""
    with svc.sessions.begin() as session:
        found = InstitutionRepository(session).get(institution_id, visible=actor.serves)
    if found is None:
        raise InstitutionNotFoundError(institution_id)
    return found
