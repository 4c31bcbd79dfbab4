"""Reports: the monthly 支援状況調査 figures from the event log, their 目安値, and submitted (frozen) months.

Counts only, no personal data: every staff role of a municipality may read its reports (OPS included: counts are
their work). The municipality (MUN) or an administrator submits a month once it has ended; ADMIN records 目安値.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.reports import months_back
from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from statemachines.policy.statistics import Target, month_bounds
from store.reports import Difference, MonthlyReport, ReportRepository, Submitted, differences
from web.core.deps import Services, ServicesDep
from web.core.errors import ForbiddenError
from web.core.permissions import Require
from web.reports.export import (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    ReportFile,
    content_disposition,
    csv_bytes,
    municipality_name,
    xlsx_bytes,
)

router = APIRouter(prefix="/api/reports", tags=["reports"])

MONTH = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")
Month = Annotated[str, Query(pattern=MONTH.pattern, description="YYYY-MM (the month in Japan)")]


class MonthlyAnswer(BaseModel):
    report: MonthlyReport
    submitted: list[Submitted]
    matches_submitted: bool | None = Field(description="None: never submitted; else whether today's hash is the same")
    differences: list[Difference] = Field(description="figures that changed since the latest submission")


class SubmitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    municipality: str = Field(min_length=1, max_length=64)
    month: str = Field(pattern=MONTH.pattern)
    note: str | None = Field(default=None, max_length=1000, description="修正報告の理由など")


def served(actor: Actor, municipality: str) -> None:
    if municipality not in actor.serves:
        raise ForbiddenError("担当していない自治体の報告は見られません。")


def monthly_answer(svc: ServicesDep, municipality: str, month: str) -> MonthlyAnswer:
    with svc.sessions.begin() as session:
        repo = ReportRepository(session)
        report = repo.monthly(municipality, month)
        versions = repo.submitted(municipality, month)
    latest = versions[-1].report if versions else None
    return MonthlyAnswer(
        report=report,
        submitted=versions,
        matches_submitted=None if latest is None else latest.hash == report.hash,
        differences=[] if latest is None else differences(latest, report),
    )


@router.get("/monthly", response_model=MonthlyAnswer)
def monthly(
    municipality: str, month: Month, actor: Annotated[Actor, Require(Permission.REPORT_READ)], svc: ServicesDep
) -> MonthlyAnswer:
    """The §4.1 figures of the month, per 100,000 population beside the 目安値; the submitted versions and what
    changed since the latest one."""
    served(actor, municipality)
    return monthly_answer(svc, municipality, month)


@router.post("/monthly/submit", response_model=Submitted, status_code=status.HTTP_201_CREATED)
def submit(
    body: SubmitRequest, actor: Annotated[Actor, Require(Permission.REPORT_SUBMIT)], svc: ServicesDep
) -> Submitted:
    """Freeze the month as reported (a later submission is a new version, a 修正報告); only a month that has ended."""
    served(actor, body.municipality)
    now = svc.clock()
    if month_bounds(body.month)[1] > now:
        raise HTTPException(409, f"{body.month} はまだ終わっていません。月が終わってから提出してください。")
    with svc.sessions.begin() as session:
        repo = ReportRepository(session)
        if repo.submitted(body.municipality, body.month) and not body.note:
            raise HTTPException(422, "提出済みの月を再提出（修正報告）するときは、理由（note）を記入してください。")
        return repo.submit(repo.monthly(body.municipality, body.month), by=actor.user_id, now=now, note=body.note)


@router.get("/series", response_model=list[MonthlyReport])
def series(
    municipality: str,
    actor: Annotated[Actor, Require(Permission.REPORT_READ)],
    svc: ServicesDep,
    to: Month,
    months: Annotated[int, Query(ge=1, le=36)] = 12,
) -> list[MonthlyReport]:
    """The last ``months`` months up to ``to``, oldest first (the charts of /reports)."""
    served(actor, municipality)
    with svc.sessions.begin() as session:
        repo = ReportRepository(session)
        return [repo.monthly(municipality, m) for m in months_back(to, months)]


@router.get("/targets", response_model=list[Target])
def targets(actor: Annotated[Actor, Require(Permission.REPORT_READ)], svc: ServicesDep) -> list[Target]:
    """The 目安値 in the table: the §4.2 national figures and those an administrator added, with their sources."""
    with svc.sessions.begin() as session:
        return sorted(ReportRepository(session).targets(), key=lambda t: (t.municipality, t.fiscal_year, t.indicator))


@router.post("/targets", response_model=Target, status_code=status.HTTP_201_CREATED)
def add_target(
    target: Target, actor: Annotated[Actor, Require(Permission.REPORT_TARGET_ADD)], svc: ServicesDep
) -> Target:
    if target.municipality != "*" and target.municipality not in actor.serves:
        raise ForbiddenError("担当していない自治体の目安値は登録できません。")
    with svc.sessions.begin() as session:
        ReportRepository(session).add_target(target, by=actor.user_id, now=svc.clock())
    return target


# -- exports: the month as CSV (Excel) and xlsx, for the same readers as /monthly ------------------------------------


def report_file(svc: Services, municipality: str, month: str) -> ReportFile:
    answer = monthly_answer(svc, municipality, month)
    with svc.sessions.begin() as session:
        name = municipality_name(session, municipality)
    return ReportFile(
        report=answer.report, submitted=answer.submitted, municipality_name=name, generated_at=svc.clock()
    )


@router.get("/monthly.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def monthly_csv(
    municipality: str, month: Month, actor: Annotated[Actor, Require(Permission.REPORT_READ)], svc: ServicesDep
) -> Response:
    """The month's figures as CSV: UTF-8 with a BOM (Excel opens it), header lines, one row per figure."""
    served(actor, municipality)
    file = report_file(svc, municipality, month)
    disposition = content_disposition(file.report, file.municipality_name, "csv")
    return Response(csv_bytes(file), media_type=CSV_MEDIA_TYPE, headers={"Content-Disposition": disposition})


@router.get("/monthly.xlsx", response_class=Response, responses={200: {"content": {XLSX_MEDIA_TYPE: {}}}})
def monthly_xlsx(
    municipality: str, month: Month, actor: Annotated[Actor, Require(Permission.REPORT_READ)], svc: ServicesDep
) -> Response:
    """The month's figures as an Excel sheet laid out like the 支援状況調査 form, the hash in its footer."""
    served(actor, municipality)
    file = report_file(svc, municipality, month)
    disposition = content_disposition(file.report, file.municipality_name, "xlsx")
    return Response(xlsx_bytes(file), media_type=XLSX_MEDIA_TYPE, headers={"Content-Disposition": disposition})
