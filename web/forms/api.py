"""``GET /api/cases/{id}/forms/{form}.pdf`` and, for a download from the case page with its session,
``GET /cases/{id}/forms/{form}.pdf``: a 帳票 as PDF (``web.forms.catalogue`` names them), from the recorded data.

Who may download is decided by what the form prints, from the sensitivity table (``web.forms.access``): 403 for a
role that may not see it, after the case's municipality (404). Each download is written to the access log with the
要配慮 fields it printed (purpose ``form_pdf``).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

import anyio
from fastapi import APIRouter, HTTPException, Response

from statemachines.case.numbers import fiscal_year
from statemachines.case.record import CaseRecord
from statemachines.kernel.roles import Actor
from statemachines.programs.hello_work.records import HelloWorkRecord
from store.access_log import AccessLog
from store.appointments import AppointmentRepository
from store.names import municipality_names, user_names
from store.programs import ProgramRepository
from web.cases.visibility import visible_row
from web.core.deps import ActorDep, Services, ServicesDep
from web.core.errors import ForbiddenError
from web.core.i18n import JST, wareki
from web.core.pages import PageActor
from web.core.problems import problem
from web.forms.access import REFUSED, may_download, printed_paths, tags_under
from web.forms.blocks import day
from web.forms.catalogue import FormSpec, form_named
from web.forms.render import FormFontsMissing, render_pdf
from web.forms.sheets import FormContext, staff_ids

PURPOSE = "form_pdf"
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The form as PDF (A4)."}
}

router = APIRouter(prefix="/api/cases/{case_id}/forms", tags=["forms"])
page_router = APIRouter(include_in_schema=False)


@router.get("/{form}.pdf", response_class=Response, responses=PDF)
async def form_pdf(case_id: str, form: str, actor: ActorDep, svc: ServicesDep) -> Response:
    """【1】``intake``, 【2】``assessment``, 【3】``plan``, 【4】``progress``, 【5】``evaluation``, 個人票A
    ``hello_work`` and the 支援決定通知 ``decision-<program>`` (e.g. ``decision-work_readiness``)."""
    return await download(svc, actor, case_id, form)


@page_router.get("/cases/{case_id}/forms/{form}.pdf", response_class=Response)
async def form_pdf_page(case_id: str, form: str, actor: PageActor, svc: ServicesDep) -> Response:
    return await download(svc, actor, case_id, form)


async def download(svc: Services, actor: Actor, case_id: str, form_id: str) -> Response:
    spec = form_named(form_id)
    if spec is None:
        raise HTTPException(404, "この帳票はありません。")
    visible_row(svc, actor, case_id)
    if not may_download(actor, _tags(spec)):
        raise ForbiddenError(REFUSED)
    record = await svc.cases.record(case_id)
    hello_work = await _hello_work(svc, actor, case_id) if spec.program_prints else None
    if spec.program is not None and not _decided(record, spec):
        raise HTTPException(404, "この事業の支援決定は記録されていません。")
    ctx = _context(svc, record, hello_work, spec)
    try:
        pdf = await anyio.to_thread.run_sync(lambda: render_pdf(document(spec, ctx), at=svc.clock()))
    except FormFontsMissing:
        return problem(
            503, "form_fonts_missing", "帳票用の日本語フォント（fonts-noto-cjk）がインストールされていません。"
        )
    _log(svc, actor, record, hello_work, spec)
    name = quote(f"{record.case_number or '帳票'}_{spec.title}.pdf")
    disposition = f"attachment; filename=\"form.pdf\"; filename*=UTF-8''{name}"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": disposition})


def _tags(spec: FormSpec) -> set[Any]:
    return tags_under(CaseRecord, spec.prints) | tags_under(HelloWorkRecord, spec.program_prints)


def _decided(record: CaseRecord, spec: FormSpec) -> bool:
    return record.decision is not None and any(d.program is spec.program for d in record.decision.programs)


async def _hello_work(svc: Services, actor: Actor, case_id: str) -> HelloWorkRecord:
    with svc.sessions.begin() as session:
        found = [e for e in ProgramRepository(session).enrolments(case_id) if e.program == "hello_work"]
    if not found:
        raise HTTPException(404, "このケースにはハローワーク同行の事業利用がありません。")
    data, _ = await svc.cases.programs.read(found[-1].enrolment_id, actor)
    return HelloWorkRecord.model_validate(data)


def _context(svc: Services, record: CaseRecord, hello_work: HelloWorkRecord | None, spec: FormSpec) -> FormContext:
    with svc.sessions.begin() as session:
        names = user_names(session, staff_ids(record))
        municipality = municipality_names(session, [record.municipality]).get(record.municipality, "")
        office = (
            AppointmentRepository(session).get_office(hello_work.office_id)
            if hello_work and hello_work.office_id
            else None
        )
    return FormContext(
        record=record,
        today=svc.clock().astimezone(JST).date(),
        municipality=municipality,
        names=names,
        hello_work=hello_work,
        office=office.name_ja if office else "",
        program=spec.program,
    )


def document(spec: FormSpec, ctx: FormContext) -> dict[str, Any]:
    """What the template draws: the title, the words on every page (受付番号, 年度, page numbers) and the blocks."""
    opened = ctx.record.opened_at.astimezone(JST).date()
    return {
        "title": spec.title,
        "subtitle": "",
        "header_left": f"{spec.series}　{spec.title}",
        "case_number": ctx.record.case_number or "",
        "fiscal_year": f"{wareki(date(fiscal_year(opened), 4, 1))}度",
        "footer_left": ctx.municipality,
        "issued": f"出力日 {day(ctx.today)}",
        "blocks": spec.build(ctx),
    }


def _log(svc: Services, actor: Actor, record: CaseRecord, hello_work: HelloWorkRecord | None, spec: FormSpec) -> None:
    paths = printed_paths(CaseRecord, record.model_dump(mode="json"), spec.prints)
    if hello_work is not None:
        hw = hello_work.model_dump(mode="json")
        paths += printed_paths(HelloWorkRecord, hw, spec.program_prints, "programs.hello_work.")
    with svc.sessions.begin() as session:
        AccessLog(session).record(
            user_id=actor.user_id, case_id=record.case_id, fields=paths, purpose=PURPOSE, now=svc.clock()
        )
