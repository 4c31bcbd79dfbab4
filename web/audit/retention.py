"""Retention and legal holds: when an ended case's records are erased, and the holds that keep them.

A legal hold (審査請求・訴訟・監査 pending) is placed and released by the municipality (MUN) or an administrator, with
a reason; while it is in place the nightly erasure (``workflows.retention_workflow``) leaves the case alone.
Municipal staff, auditors and administrators see where the ended cases of their municipalities stand.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from statemachines.policy.scheduling import JST
from store.retention import LegalHold, RetentionRepository, RetentionRow
from web.cases.visibility import visible_row
from web.core.deps import ServicesDep
from web.core.permissions import Require

router = APIRouter(prefix="/api", tags=["retention"])


class HoldRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000, description="審査請求・訴訟などの理由（記録に残ります）")


class CaseRetention(BaseModel):
    case_id: str
    ended: bool
    retention: RetentionRow | None  # None while the case has not ended
    holds: list[LegalHold]


class Erasure(BaseModel):
    case_id: str
    erased_at: datetime
    due_on: date
    documents: list[str]
    events_erased: int


@router.post("/cases/{case_id}/legal-hold", response_model=LegalHold, status_code=status.HTTP_201_CREATED)
def place_hold(
    case_id: str, body: HoldRequest, actor: Annotated[Actor, Require(Permission.LEGAL_HOLD_PLACE)], svc: ServicesDep
) -> LegalHold:
    """Keep the case's records past their retention (409 if a hold is already in place or it was erased)."""
    visible_row(svc, actor, case_id)
    with svc.sessions.begin() as session:
        return RetentionRepository(session).place_hold(case_id, by=actor.user_id, reason=body.reason, now=svc.clock())


@router.post("/cases/{case_id}/legal-hold/release", response_model=LegalHold)
def release_hold(
    case_id: str, body: HoldRequest, actor: Annotated[Actor, Require(Permission.LEGAL_HOLD_RELEASE)], svc: ServicesDep
) -> LegalHold:
    """End the hold; the case is erased the next night its retention has passed (409 if there is no hold)."""
    visible_row(svc, actor, case_id)
    with svc.sessions.begin() as session:
        return RetentionRepository(session).release_hold(case_id, by=actor.user_id, reason=body.reason, now=svc.clock())


@router.get("/cases/{case_id}/retention", response_model=CaseRetention)
def case_retention(
    case_id: str, actor: Annotated[Actor, Require(Permission.RETENTION_READ)], svc: ServicesDep
) -> CaseRetention:
    visible_row(svc, actor, case_id)
    with svc.sessions.begin() as session:
        repo = RetentionRepository(session)
        row = repo.row(case_id)
        return CaseRetention(case_id=case_id, ended=row is not None, retention=row, holds=repo.holds(case_id))


@router.get("/retention", response_model=list[RetentionRow])
def retention_list(
    actor: Annotated[Actor, Require(Permission.RETENTION_READ)],
    svc: ServicesDep,
    due_only: bool = False,
    after: Annotated[str, Query(max_length=64)] = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[RetentionRow]:
    """The ended, not yet erased cases of one's municipalities, in case id order (page on with ``after``)."""
    today = svc.clock().astimezone(JST).date()
    with svc.sessions.begin() as session:
        repo = RetentionRepository(session)
        rows = [repo.row(c) for c in repo.ended_cases(after=after, limit=limit, municipalities=set(actor.serves))]
    return [r for r in rows if r is not None and (not due_only or r.due_on <= today)]


@router.get("/retention/erasures", response_model=list[Erasure])
def erasures(
    actor: Annotated[Actor, Require(Permission.ERASURE_READ)],
    svc: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[Erasure]:
    """The cases erased after their retention, newest first: when, on what due date, which records."""
    with svc.sessions.begin() as session:
        return [
            Erasure(
                case_id=r.case_id,
                erased_at=r.erased_at,
                due_on=r.due_on,
                documents=r.documents,
                events_erased=r.events_erased,
            )
            for r in RetentionRepository(session).erased_cases(set(actor.serves), limit=limit)
        ]
