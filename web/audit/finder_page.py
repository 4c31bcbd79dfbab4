"""The auditor's finder on the pages: the list of cases on ``/audit`` (filtered, paged, each row opening the case's
audit view), the integrity check started now with its progress, and the access log (``/audit/access-log``).

The page's filters come as the form sends them (strings): a date that is none is said on the page, not a 422. The
progress is a plain link 「進み具合を更新」 (no script, no meta refresh: the page's policy and WCAG 2.2.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from services.integrity_runs import IntegrityRunInProgress
from statemachines.case.record import STATES, CaseState
from statemachines.kernel.permissions import Permission, allowed
from statemachines.kernel.roles import Actor
from store.access_log import AccessLog
from store.audit_queries import users_serving
from store.integrity import IntegrityStatus
from store.names import case_numbers, municipality_names, user_names
from store.queries import Page
from web.audit.api import progress_of, runner
from web.audit.finder import CaseFilters, case_label, days, find_cases
from web.audit.words import PURPOSES, purpose_name, word
from web.core import i18n
from web.core.deps import Services, ServicesDep
from web.core.pages import checked_form, lang_of, render
from web.core.permissions import RequirePage

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
DATE_FILTERS = ("opened_from", "opened_to", "closed_from", "closed_to")


def parse_day(raw: str) -> date | None:
    """A date input's value (``2026-04-01``); ValueError when it is none."""
    return date.fromisoformat(raw) if raw else None


def pager(request: Request, page: Page[Any]) -> dict[str, Any]:
    """The links to the previous and next pages, keeping the filters."""

    def href(offset: int) -> str:
        query = {k: v for k, v in request.query_params.items() if k not in ("offset", "run")}
        query["offset"] = str(offset)
        return f"{request.url.path}?{urlencode(query)}"

    last = min(page.offset + len(page.items), page.total)
    return {
        "first": page.offset + 1 if page.items else 0,
        "last": last,
        "total": page.total,
        "previous": href(max(page.offset - page.limit, 0)) if page.offset > 0 else None,
        "next": href(page.offset + page.limit) if last < page.total else None,
    }


def words_of(request: Request) -> dict[str, Any]:
    """What the finder's templates name things with, in the reader's language."""
    lang = lang_of(request)
    return {
        "w": lambda key: word(key, lang),
        "case_label": case_label,
        "purpose_name": lambda p: purpose_name(p, lang),
        "field_name": lambda path: field_name(path, lang),
    }


def field_name(path: str, lang: str) -> str:
    """A logged field path in words: ``assessment.health`` → each part's label; ``*`` → the whole history."""
    if path == "*":
        return word("every_field", lang)
    return "・".join(i18n.field_label(part, lang) for part in path.split("."))


async def finder_context(
    request: Request, svc: Services, actor: Actor, raw: Mapping[str, str], offset: int
) -> dict[str, Any]:
    """The list of cases with its filters, and the integrity check's panel for who may start one."""
    bad_dates: list[str] = []
    dates: dict[str, date | None] = {}
    for name in DATE_FILTERS:
        try:
            dates[name] = parse_day(raw.get(name, ""))
        except ValueError:
            dates[name], bad_dates = None, [*bad_dates, name]
    filters = CaseFilters(
        municipality=raw.get("municipality") or None,
        state=CaseState(raw["state"]) if raw.get("state") in CaseState.__members__ else None,
        integrity=IntegrityStatus(raw["integrity"]) if raw.get("integrity") in set(IntegrityStatus) else None,
        **dates,
    )
    can_run = allowed(actor, Permission.INTEGRITY_RUN)
    latest = await runner(svc).latest() if can_run else None  # before the list: a finished run's results are in it
    page = find_cases(svc, actor, filters, limit=PAGE_SIZE, offset=offset)
    with svc.sessions.begin() as session:
        served = municipality_names(session, actor.serves)
    context: dict[str, Any] = {
        "page": page,
        "pager": pager(request, page),
        "filters": {key: raw.get(key, "") for key in ("municipality", "state", "integrity", *DATE_FILTERS)},
        "bad_dates": bad_dates,
        "municipalities": sorted((m, served.get(m, m)) for m in actor.serves),
        "states": [(s.value, STATES[s].name_ja) for s in CaseState],
        "integrities": [s.value for s in IntegrityStatus],
        "can_run": can_run,
        "latest_run": None if latest is None else progress_of(svc, latest),
        "can_read_log": allowed(actor, Permission.ACCESS_LOG_READ),
        "run_message": raw.get("run", ""),
    }
    return context


@router.post("/audit/integrity-runs")
async def start_integrity_run(
    request: Request, actor: Annotated[Actor, RequirePage(Permission.INTEGRITY_RUN)], svc: ServicesDep
) -> RedirectResponse:
    """「今すぐ検査する」: back to the list, saying whether it started or one was already running."""
    await checked_form(request)
    try:
        await runner(svc).start(started_by=actor.user_id, now=svc.clock())
    except IntegrityRunInProgress:
        return RedirectResponse("/audit?run=in_progress#integrity", status_code=303)
    return RedirectResponse("/audit?run=started#integrity", status_code=303)


@router.get("/audit/access-log", response_class=HTMLResponse)
def access_log_page(
    request: Request,
    actor: Annotated[Actor, RequirePage(Permission.ACCESS_LOG_READ)],
    svc: ServicesDep,
    user: str = "",
    case_id: str = "",
    from_: Annotated[str, Query(alias="from")] = "",
    to: str = "",
    purpose: str = "",
    field: Annotated[str, Query(max_length=200)] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    """Who read which 要配慮 fields of which case, when and why, named as people read them."""
    try:
        period, bad_dates = days(parse_day(from_), parse_day(to)), False
    except ValueError:
        period, bad_dates = days(None, None), True
    with svc.sessions.begin() as session:
        page = AccessLog(session).query(
            case_id=case_id or None,
            user_id=user or None,
            from_=period.start,
            to=period.end,
            purpose=purpose or None,
            field=field or None,
            visible=set(actor.serves),
            limit=PAGE_SIZE,
            offset=offset,
        )
        readers = users_serving(session, set(actor.serves))
        shown = {row.case_id for row in page.items if row.case_id}
        numbers = case_numbers(session, shown)
        names = {**dict(readers), **user_names(session, {row.user_id for row in page.items})}
    context = {
        **words_of(request),
        "page": page,
        "pager": pager(request, page),
        "names": names,
        "numbers": numbers,
        "readers": readers,
        "purposes": list(PURPOSES),
        "filters": {"user": user, "case_id": case_id, "from": from_, "to": to, "purpose": purpose, "field": field},
        "bad_dates": bad_dates,
    }
    return render(request, svc, "audit_access_log.html", context, actor=actor)
