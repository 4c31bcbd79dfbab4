"""The reports pages: a month's 支援状況調査 figures beside their 目安値, the last 12 months as charts, the submitted
versions and what changed since, the submission (提出) form, and the 目安値 with their sources.

Everything goes through ``web.reports.api`` (the same figures, checks and messages as the API): the pages add the
choosing, the charts (``web.reports.chart``) and the forms. The pages are for whoever serves the municipality and
works with its counts (``REPORT_REVIEW``); to anyone else they do not exist (404, as the auditors' page).
A municipality one does not serve is refused (403) with the API's message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.reports import months_back
from statemachines.kernel.permissions import Permission, allowed
from statemachines.kernel.roles import Actor
from statemachines.policy.scheduling import JST
from statemachines.policy.statistics import FIGURE_LABELS, PER_100K, Target
from statemachines.policy.targets import INDICATORS as TARGET_INDICATORS
from store.reports import DuplicateTargetError, MonthlyReport, ReportRepository
from web.core.deps import Services, ServicesDep
from web.core.errors import ForbiddenError
from web.core.pages import checked_form, render
from web.core.permissions import RequirePage, require
from web.reports import api as api_reports
from web.reports.api import MONTH, SubmitRequest, monthly_answer, served
from web.reports.chart import Point, month_chart, shown
from web.reports.export import ReportFile, month_ja, municipality_name, submission_ja

router = APIRouter(include_in_schema=False)

CHARTS: tuple[tuple[str, bool], ...] = (
    ("new_consultations", False),
    ("plans_created", False),
    ("employment_support_targets", False),
    ("employment_income_rate", True),
)
"""The figures the 目安値 are set for, charted: per 100,000 population, and the rate as a percentage."""
INDICATORS = TARGET_INDICATORS
"""What a 目安値 may be set for: the charted figures and the FY2018 KPI ratios (プラン作成率 …, ステップアップ率)."""
CHART_MONTHS = 12


def last_complete_month(now: datetime) -> str:
    """The month before the current one in Japan: the latest that may be submitted."""
    day = now.astimezone(JST).date().replace(day=1) - timedelta(days=1)
    return f"{day.year:04d}-{day.month:02d}"


def reports_url(municipality: str, month: str, **extra: str) -> str:
    return "/reports?" + urlencode({"municipality": municipality, "month": month, **extra})


def chart_series(svc: Services, municipality: str, month: str) -> list[tuple[str, MonthlyReport]]:
    """The last 12 months' reports, as ``GET /api/reports/series`` counts them."""
    with svc.sessions.begin() as session:
        repo = ReportRepository(session)
        return [(wanted, repo.monthly(municipality, wanted)) for wanted in months_back(month, CHART_MONTHS)]


def _points(series: list[tuple[str, MonthlyReport]], key: str) -> list[Point]:
    points = []
    for month, report in series:
        figure = next((f for f in report.figures if f.key == key), None)
        value = None if figure is None else (figure.per_100k if key in PER_100K else figure.value)
        points.append(Point(month, value, None if figure is None else figure.target))
    return points


def _charts(series: list[tuple[str, MonthlyReport]]) -> list[dict[str, Any]]:
    charts = []
    for key, percent in CHARTS:
        label = FIGURE_LABELS[key] + ("" if percent else "（人口10万人当たり）")
        points = _points(series, key)
        charts.append({"key": key, "label": label, "percent": percent, "points": points})
        charts[-1]["svg"] = month_chart(f"chart-{key.replace('_', '-')}", label, points, percent=percent)
    return charts


def _refused(request: Request, svc: Services, actor: Actor, message: str, code: int = 403) -> HTMLResponse:
    return render(
        request, svc, "reports_refused.html", {"message": message, "code": code}, actor=actor, status_code=code
    )


def _reports_page(
    request: Request,
    svc: Services,
    actor: Actor,
    municipality: str | None,
    month: str | None,
    *,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    """The page of ``municipality``'s ``month`` (defaults: the first one served, the last complete month)."""
    chosen = municipality or min(actor.serves, default=None)
    if chosen is None:
        return _refused(request, svc, actor, "担当する自治体がありません。")
    try:
        served(actor, chosen)
    except ForbiddenError as exc:
        return _refused(request, svc, actor, str(exc))
    default = last_complete_month(svc.clock())
    bad_month = bool(month) and not MONTH.fullmatch(month or "")
    month = default if bad_month or not month else month
    answer = monthly_answer(svc, chosen, month)
    series = chart_series(svc, chosen, month)
    with svc.sessions.begin() as session:
        name = municipality_name(session, chosen)
    context = {
        "municipality": chosen,
        "municipality_name": name,
        "municipalities": sorted(actor.serves),
        "month": month,
        "month_ja": month_ja(month),
        "bad_month": bad_month,
        "answer": answer,
        "changed": {d.key: d for d in answer.differences},
        "submission": submission_ja_of(answer, name, svc),
        "charts": _charts(series),
        "months": [m for m, _ in series],
        "indicators": [(key, FIGURE_LABELS[key], percent) for key, percent in CHARTS],
        "can_submit": allowed(actor, Permission.REPORT_SUBMIT),
        "month_ended": month <= default,
        "fmt": shown,
        "query": urlencode({"municipality": chosen, "month": month}),
        **extra,
    }
    return render(request, svc, "reports.html", context, actor=actor, status_code=status_code)


def submission_ja_of(answer: api_reports.MonthlyAnswer, name: str | None, svc: Services) -> str:
    return submission_ja(ReportFile(answer.report, answer.submitted, name, svc.clock()))


@router.get("/reports", response_class=HTMLResponse)
def reports(
    request: Request,
    actor: Annotated[Actor, RequirePage(Permission.REPORT_REVIEW)],
    svc: ServicesDep,
    municipality: str | None = None,
    month: str | None = None,
    submitted: int | None = None,
) -> HTMLResponse:
    return _reports_page(request, svc, actor, municipality, month, submitted_version=submitted)


@router.post("/reports/submit", response_class=HTMLResponse)
async def submit_report(
    request: Request, actor: Annotated[Actor, RequirePage(Permission.REPORT_REVIEW)], svc: ServicesDep
) -> Response:
    """提出: the API's submission; its refusals (month not ended, a resubmission without a reason) shown on the page."""
    form = await checked_form(request)
    municipality, month = str(form.get("municipality", "")), str(form.get("month", ""))
    note = str(form.get("note", "")).strip()
    try:
        body = SubmitRequest(municipality=municipality, month=month, note=note or None)
        done = api_reports.submit(body, require(actor, Permission.REPORT_SUBMIT), svc)
    except ValidationError:
        error, status_code = "対象月または理由の入力内容を確認してください（理由は1000文字以内）。", 422
    except ForbiddenError as exc:
        error, status_code = str(exc), 403
    except HTTPException as exc:
        error, status_code = str(exc.detail), exc.status_code
    else:
        return RedirectResponse(reports_url(municipality, month, submitted=str(done.version)), status_code=303)
    page_month = month if MONTH.fullmatch(month) else None
    return _reports_page(
        request, svc, actor, municipality, page_month, status_code=status_code, submit_error=error, note=note
    )


# -- 目安値 (targets) ---------------------------------------------------------------------------------------------


def _targets_page(
    request: Request, svc: Services, actor: Actor, *, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    mine = [t for t in api_reports.targets(actor, svc) if t.municipality == "*" or t.municipality in actor.serves]
    context = {
        "targets": mine,
        "labels": FIGURE_LABELS,
        "indicators": [(key, FIGURE_LABELS[key]) for key in INDICATORS],
        "municipalities": sorted(actor.serves),
        "can_add": allowed(actor, Permission.REPORT_TARGET_ADD),
        "fmt": shown,
        "form": extra.pop("form", {}),
        **extra,
    }
    return render(request, svc, "reports_targets.html", context, actor=actor, status_code=status_code)


@router.get("/reports/targets", response_class=HTMLResponse)
def targets(
    request: Request,
    actor: Annotated[Actor, RequirePage(Permission.REPORT_REVIEW)],
    svc: ServicesDep,
    added: bool = False,
) -> HTMLResponse:
    return _targets_page(request, svc, actor, added=added)


def _target_of(form: dict[str, str]) -> Target:
    """The form's 目安値; a rate is a ratio (0.7 for 70%), which the form says and checks."""
    target = Target.model_validate(
        {
            "fiscal_year": form["fiscal_year"],
            "indicator": form["indicator"],
            "value": form["value"],
            "municipality": form["municipality"] or "*",
            "source": form["source"],
        }
    )
    if target.indicator.endswith("rate") and target.value > 1:
        raise ValueError("就労・増収率の目安値は割合で入力してください（70% は 0.7）。")
    return target


@router.post("/reports/targets", response_class=HTMLResponse)
async def add_target(
    request: Request, actor: Annotated[Actor, RequirePage(Permission.REPORT_REVIEW)], svc: ServicesDep
) -> Response:
    """An administrator's 目安値 (a year's national one, or a municipality's own) through the API's checks."""
    raw = await checked_form(request)
    names = ("fiscal_year", "indicator", "value", "municipality", "source")
    form = {name: str(raw.get(name, "")).strip() for name in names}
    try:
        api_reports.add_target(_target_of(form), require(actor, Permission.REPORT_TARGET_ADD), svc)
    except ValidationError as exc:
        fields = sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})
        error, status_code = f"入力内容を確認してください（{'、'.join(fields)}）。", 422
    except ValueError as exc:
        error, status_code = str(exc), 422
    except ForbiddenError as exc:
        error, status_code = str(exc), 403
    except DuplicateTargetError as exc:
        error, status_code = str(exc), 409
    else:
        return RedirectResponse("/reports/targets?added=true", status_code=303)
    return _targets_page(request, svc, actor, status_code=status_code, error=error, form=form)
