"""Supervision (主任相談支援員, process.md §0 CSW): the caseload of each consultant, and one consultant's open cases.

``GET /api/supervision/caseloads``: per consultant (by display name) their open cases by stage, overdue tasks, cases
without contact with 本人 for ``no_contact_days`` (30 unless asked), plans past their period, cases in 連絡不通 and
支援困難事例; for the CSW, the municipality (MUN) and operations (OPS): counts only, no client is named.
``GET /api/supervision/consultants/{user_id}/cases``: that consultant's open cases (the CSW's, to advise and
reassign; no personal data). Both over the municipalities the caller serves; read from the store
(``store.supervision``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from store import supervision
from store.supervision import Caseload, SupervisedCase
from web.core.deps import ServicesDep
from web.core.errors import ConsultantNotVisibleError, ForbiddenError
from web.core.permissions import Require

router = APIRouter(prefix="/api/supervision", tags=["supervision"])

NoContactDays = Annotated[
    int, Query(ge=1, le=3650, description="a case counts as without contact after this many days (default 30)")
]


class CaseloadsAnswer(BaseModel):
    generated_at: datetime
    no_contact_days: int
    municipality: str | None
    caseloads: list[Caseload]
    total: Caseload


class CaseloadCasesAnswer(BaseModel):
    user_id: str
    display_name: str
    no_contact_days: int
    cases: list[SupervisedCase]


def served_municipality(actor: Actor, municipality: str | None) -> str | None:
    """A municipality the caller asks about must be one they serve (403 saying so)."""
    if municipality and municipality not in actor.serves:
        raise ForbiddenError("担当していない自治体の担当状況は見られません。")
    return municipality or None


@router.get("/caseloads", response_model=CaseloadsAnswer)
def caseloads(
    actor: Annotated[Actor, Require(Permission.SUPERVISION_READ)],
    svc: ServicesDep,
    no_contact_days: NoContactDays = supervision.DEFAULT_NO_CONTACT_DAYS,
    municipality: str | None = None,
) -> CaseloadsAnswer:
    place = served_municipality(actor, municipality)
    now = svc.clock()
    with svc.sessions.begin() as session:
        loads = supervision.caseloads(
            session, visible=set(actor.serves), now=now, no_contact_days=no_contact_days, municipality=place
        )
    return CaseloadsAnswer(
        generated_at=now,
        no_contact_days=no_contact_days,
        municipality=place,
        caseloads=loads,
        total=supervision.totals(loads),
    )


@router.get("/consultants/{user_id}/cases", response_model=CaseloadCasesAnswer)
def consultant_cases(
    user_id: str,
    actor: Annotated[Actor, Require(Permission.SUPERVISION_CASES)],
    svc: ServicesDep,
    no_contact_days: NoContactDays = supervision.DEFAULT_NO_CONTACT_DAYS,
) -> CaseloadCasesAnswer:
    with svc.sessions.begin() as session:
        caseload = supervision.consultant_caseload(
            session, user_id=user_id, visible=set(actor.serves), now=svc.clock(), no_contact_days=no_contact_days
        )
    if caseload is None:
        raise ConsultantNotVisibleError("担当している自治体の相談支援員・主任相談支援員に、このユーザーはいません。")
    return CaseloadCasesAnswer(
        user_id=user_id, display_name=caseload.display_name, no_contact_days=no_contact_days, cases=caseload.cases
    )
