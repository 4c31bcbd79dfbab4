"""The server-rendered pages (Jinja2): login, tasks, pipeline, case, audit and process, Japanese first.

Pages talk to the same services as the API (``CaseService``, ``store.queries``) and validate commands with the same
payload models. Every page needs a session (the cookie set at login); without one it redirects to ``/login``.
Every form carries the CSRF token (``web.security``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from statemachines.case import TRANSITIONS
from statemachines.case_record import STAGE_NAMES, STATES, CaseRecord, CaseState, Stage
from statemachines.engine import CommandRejected, PayloadInvalid, parse_payload
from statemachines.program_tasks import EnrolmentRow
from statemachines.programs import BY_ID as PROGRAM_DEFS
from statemachines.rebuild import rebuild
from statemachines.roles import Actor, Role
from statemachines.sensitivity import redact, special_care_paths, visible_to
from store import queries
from store.access_log import AccessLog
from store.accounts import AccountRepository
from store.appointments import AppointmentRepository
from store.programs import ProgramRepository
from store.repository import CaseRepository
from web import i18n
from web.api_cases import settle_integrity_tasks, shown_records
from web.audit import verify
from web.auth import AuthError
from web.deps import SESSION_COOKIE, Services, ServicesDep, current_actor
from web.forms import build_form, errors_by_path, read_form
from web.passwords import password_problems
from web.security import CSRF_FIELD, csrf_ok, csrf_token, ensure_csrf_cookie
from web.signin import TooManyAttempts, sign_in

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)
LANG_COOKIE = "yorisoi_lang"
PAYLOADS = {t.trigger.value: t.payload for t in TRANSITIONS}
COMMAND_NAMES = {t.trigger.value: t.name_ja for t in reversed(TRANSITIONS)}  # the first row's name
STAFF = frozenset({Role.SW, Role.CSW, Role.ESW, Role.HHSW})
AUDITORS = frozenset({Role.AUD, Role.ADMIN, Role.MUN, Role.CSW})


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class CsrfRefused(Exception):
    pass


def lang_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "ja")
    return lang if lang in i18n.LANGS else "ja"


def page_actor(request: Request, svc: ServicesDep) -> Actor:
    try:
        return current_actor(svc, request, None)
    except AuthError as exc:
        raise LoginRequired(request.url.path) from exc


PageActor = Annotated[Actor, Depends(page_actor)]


def _safe_next(value: str | None) -> str | None:
    """Only a path of this site (no scheme, no host, no //)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


def home_of(actor: Actor) -> str:
    if Role.OPS in actor.roles:
        return "/pipeline"
    if Role.AUD in actor.roles:
        return "/audit"
    return "/inbox"


def nav_of(actor: Actor) -> list[tuple[str, str]]:
    items = []
    if actor.has_any(STAFF | {Role.MUN, Role.AUD}):  # auditors get the integrity check's tasks
        items.append(("/inbox", "inbox"))
    if actor.has_any(frozenset({Role.OPS, Role.CSW, Role.MUN, Role.ADMIN})):
        items.append(("/pipeline", "pipeline"))
    items.append(("/cases", "cases"))
    if actor.has_any(AUDITORS):
        items.append(("/audit", "audit"))
    items.append(("/process", "process"))
    return items


def render(
    request: Request,
    svc: Services,
    template: str,
    context: Mapping[str, Any],
    *,
    actor: Actor | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = lang_of(request)
    full = {
        "request": request,
        "lang": lang,
        "t": lambda key: i18n.t(key, lang),
        "date": i18n.date_ja if lang == "ja" else i18n.date_en,
        "datetime": i18n.datetime_ja,
        "actor": actor,
        "nav": nav_of(actor) if actor else [],
        "csrf_field": CSRF_FIELD,
        "csrf": csrf_token(request),
        "state_name": lambda s: STATES[CaseState(s)].name_ja if s in CaseState.__members__ else s,
        "command_name": lambda c: COMMAND_NAMES.get(c, c),
        "option": lambda v: i18n.option_label(str(v), lang),
        "era": i18n.era_of_iso,
        "path": request.url.path,
        **context,
    }
    response = TEMPLATES.TemplateResponse(request, template, full, status_code=status_code)
    ensure_csrf_cookie(request, response, secure=svc.secure_cookies)
    return response


async def checked_form(request: Request) -> FormData:
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        raise CsrfRefused()
    return form


def _multi(form: FormData) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str) and key != CSRF_FIELD:
            out.setdefault(key, []).append(value)
    return out


# -- sign in and out -------------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, svc: ServicesDep, next: str | None = None) -> HTMLResponse:
    return render(request, svc, "login.html", {"next": _safe_next(next) or "", "error": None, "demo": svc.demo})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, svc: ServicesDep) -> Response:
    form = await checked_form(request)
    user_id, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    back = _safe_next(str(form.get("next", ""))) or ""
    try:
        user = sign_in(svc, user_id, password, request.client.host if request.client else None)
    except TooManyAttempts as exc:
        context = {"next": back, "error": None, "locked": str(exc), "demo": svc.demo}
        locked_page = render(request, svc, "login.html", context, status_code=429)
        locked_page.headers["Retry-After"] = str(exc.retry_after_seconds)
        return locked_page
    except AuthError:
        context = {"next": back, "error": "login_failed", "demo": svc.demo}
        return render(request, svc, "login.html", context, status_code=401)
    issued = svc.tokens.issue(user.user_id, now=svc.clock())
    with svc.sessions.begin() as session:
        accounts = AccountRepository(session)
        found = accounts.get_user(user.user_id)
        assert found is not None
        actor = accounts.actor(found)
    target = _safe_next(str(form.get("next", ""))) or home_of(actor)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issued.access_token,
        max_age=issued.expires_in,
        httponly=True,
        samesite="strict",
        secure=svc.secure_cookies,
        path="/",
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await checked_form(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/password", response_class=HTMLResponse)
def password_page(request: Request, actor: PageActor, svc: ServicesDep) -> HTMLResponse:
    return render(request, svc, "password.html", {"problems": [], "done": False}, actor=actor)


@router.post("/password", response_class=HTMLResponse)
async def change_password(request: Request, actor: PageActor, svc: ServicesDep) -> HTMLResponse:
    form = await checked_form(request)
    current, new = str(form.get("current_password", "")), str(form.get("new_password", ""))
    try:
        sign_in(svc, actor.user_id, current, request.client.host if request.client else None)
    except (AuthError, TooManyAttempts) as exc:
        problems = [str(exc) if isinstance(exc, TooManyAttempts) else "現在のパスワードが正しくありません。"]
        return render(
            request, svc, "password.html", {"problems": problems, "done": False}, actor=actor, status_code=422
        )
    problems = password_problems(actor.user_id, new, current)
    if problems:
        return render(
            request, svc, "password.html", {"problems": problems, "done": False}, actor=actor, status_code=422
        )
    with svc.sessions.begin() as session:
        AccountRepository(session).set_password(actor.user_id, new, now=svc.clock())
    return render(request, svc, "password.html", {"problems": [], "done": True}, actor=actor)


@router.get("/lang")
def switch_language(request: Request, to: str = "ja", back: str | None = None) -> Response:
    response = RedirectResponse(_safe_next(back) or "/", status_code=303)
    response.set_cookie(LANG_COOKIE, to if to in i18n.LANGS else "ja", samesite="strict", path="/", max_age=31536000)
    return response


@router.get("/")
def home(actor: PageActor) -> Response:
    return RedirectResponse(home_of(actor), status_code=303)


# -- tasks ---------------------------------------------------------------------------------------------------------


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request, actor: PageActor, svc: ServicesDep, message: str | None = None) -> HTMLResponse:
    roles = {r.value for r in actor.roles}
    with svc.sessions.begin() as session:
        mine = queries.inbox(
            session,
            user_id=actor.user_id,
            roles=roles,
            visible=set(actor.serves),
            scope="mine",
            now=svc.clock(),
            limit=200,
        )
        open_for_role = queries.inbox(
            session,
            user_id=actor.user_id,
            roles=roles,
            visible=set(actor.serves),
            scope="unassigned",
            now=svc.clock(),
            limit=200,
        )
    context = {
        "mine": mine.items,
        "unassigned": open_for_role.items,
        "municipalities": sorted(actor.serves),
        "can_open": actor.has_any(frozenset({Role.SW, Role.CSW})),
        "message": message,
    }
    return render(request, svc, "inbox.html", context, actor=actor)


@router.post("/inbox/claim/{task_id}")
async def claim_task(task_id: str, request: Request, actor: PageActor, svc: ServicesDep) -> Response:
    await checked_form(request)
    with svc.sessions.begin() as session:
        queries.claim_task(
            session,
            task_id=task_id,
            user_id=actor.user_id,
            roles={r.value for r in actor.roles},
            visible=set(actor.serves),
            now=svc.clock(),
        )
    return RedirectResponse("/inbox?message=claimed", status_code=303)


@router.post("/cases/new")
async def open_case(request: Request, actor: PageActor, svc: ServicesDep) -> Response:
    form = await checked_form(request)
    municipality = str(form.get("municipality", ""))
    if municipality not in actor.serves:
        return RedirectResponse("/inbox?message=municipality", status_code=303)
    outcome = await svc.cases.open(
        municipality=municipality, actor=actor, payload={}, command_id=uuid.uuid4().hex, now=svc.clock()
    )
    return RedirectResponse(f"/cases/{quote(outcome.case_id)}", status_code=303)


# -- pipeline and lists --------------------------------------------------------------------------------------------


def _pipeline_context(actor: Actor, svc: Services, municipality: str | None, assignee: str | None) -> dict[str, Any]:
    municipality = municipality or None
    assignee = assignee or None
    with svc.sessions.begin() as session:
        board = queries.pipeline(
            session, visible=set(actor.serves), municipality=municipality, assignee=assignee, now=svc.clock()
        )
    buckets = list(board["stages"][0]["states"][0]["aging"]) if board["stages"] else []
    query = "&".join(f"{k}={quote(v)}" for k, v in (("municipality", municipality), ("assignee", assignee)) if v)
    return {
        "board": board,
        "buckets": buckets,
        "municipality": municipality or "",
        "assignee": assignee or "",
        "municipalities": sorted(actor.serves),
        "query": query,
        "generated_at": svc.clock(),
    }


@router.get("/pipeline", response_class=HTMLResponse)
def pipeline(
    request: Request,
    actor: PageActor,
    svc: ServicesDep,
    municipality: str | None = None,
    assignee: str | None = None,
    refresh: Annotated[int, Query(ge=2, le=300, description="seconds between refreshes of the board")] = 15,
) -> HTMLResponse:
    context = {**_pipeline_context(actor, svc, municipality, assignee), "refresh": refresh}
    return render(request, svc, "pipeline.html", context, actor=actor)


@router.get("/pipeline/board", response_class=HTMLResponse)
def pipeline_board(
    request: Request,
    actor: PageActor,
    svc: ServicesDep,
    municipality: str | None = None,
    assignee: str | None = None,
) -> HTMLResponse:
    """The board alone: the pipeline page fetches it every few seconds (a wall screen stays current)."""
    return render(
        request, svc, "pipeline_board.html", _pipeline_context(actor, svc, municipality, assignee), actor=actor
    )


@router.get("/cases", response_class=HTMLResponse)
def case_list(
    request: Request,
    actor: PageActor,
    svc: ServicesDep,
    state: str | None = None,
    stage: str | None = None,
    municipality: str | None = None,
    assignee: str | None = None,
    overdue: bool | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    with svc.sessions.begin() as session:
        page = queries.list_cases(
            session,
            visible=set(actor.serves),
            stage=stage or None,
            state=state or None,
            assignee=assignee or None,
            municipality=municipality or None,
            overdue=overdue,
            now=svc.clock(),
            limit=100,
            offset=offset,
        )
    context = {
        "page": page,
        "filters": {
            "state": state or "",
            "stage": stage or "",
            "municipality": municipality or "",
            "assignee": assignee or "",
        },
        "states": [(s.value, STATES[s].name_ja) for s in CaseState],
        "stages": [(s.value, STAGE_NAMES[s][0]) for s in Stage],
    }
    return render(request, svc, "cases.html", context, actor=actor)


# -- the case page -------------------------------------------------------------------------------------------------


async def _case_context(
    svc: Services,
    actor: Actor,
    case_id: str,
    lang: str,
    errors: Mapping[str, Mapping[str, str]] | None = None,
    values: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    with svc.sessions.begin() as session:
        row = queries.case_row(session, case_id, set(actor.serves))
        if row is None:
            raise _not_found()
        entries = queries.history(session, case_id)
        tasks = CaseRepository(session).list_tasks(case_id, status="open")
        enrolments = ProgramRepository(session).enrolments(case_id)
        appointments = AppointmentRepository(session).list(case_id=case_id, visible=actor.serves, limit=50)
    view = await svc.cases.view(case_id, actor)
    record = redact(CaseRecord, view.record.model_dump(mode="json"), visible_to(actor.roles))
    forms: list[dict[str, Any]] = []
    shown: dict[str, Any] = {}
    blocked: list[dict[str, Any]] = []
    for option in view.allowed_commands:
        name = option.command
        if option.allowed:
            model = PAYLOADS[name]
            prefilled = (values or {}).get(name) or _prefill(model, record)
            shown.update({k: v for k, v in prefilled.items() if k in CaseRecord.model_fields})
            fields = build_form(model, prefilled, (errors or {}).get(name, {}), lang, hints=_hints(record))
            forms.append(
                {
                    "command": name,
                    "name_ja": COMMAND_NAMES.get(name, name),
                    "fields": fields,
                    "requires": option.requires,
                }
            )
        elif option.unmet_guards and any(u.kind.value != "role" for u in option.unmet_guards):
            if any(u.kind.value == "state" for u in option.unmet_guards):
                continue  # not a step of this state: nothing to explain
            blocked.append({"command": name, "name_ja": COMMAND_NAMES.get(name, name), "unmet": option.unmet_guards})
    paths = special_care_paths(CaseRecord, shown)  # the forms show what the case holds: a read of those fields
    if paths:
        with svc.sessions.begin() as session:
            AccessLog(session).record(
                user_id=actor.user_id, case_id=case_id, fields=paths, purpose="case_page", now=svc.clock()
            )
    return {
        "row": row,
        "view": view,
        "entries": entries,
        "tasks": tasks,
        "enrolments": [await _enrolment_panel(svc, actor, e, lang, errors, values) for e in enrolments],
        "appointments": appointments,
        "forms": forms,
        "blocked": blocked,
        "record": record,
        "stage_name": STAGE_NAMES[Stage(view.stage)][0],
    }


async def _enrolment_panel(
    svc: Services,
    actor: Actor,
    row: EnrolmentRow,
    lang: str,
    errors: Mapping[str, Mapping[str, str]] | None,
    values: Mapping[str, Mapping[str, Any]] | None,
) -> dict[str, Any]:
    """An enrolment as its panel shows it: names in Japanese, for 住居確保給付金 the months used and left, and a
    form for each of its commands possible now (an ended enrolment has none)."""
    defn = PROGRAM_DEFS.get(row.program)
    state = defn.states.get(row.state) if defn is not None else None
    panel: dict[str, Any] = {
        "row": row,
        "name_ja": defn.name_ja if defn is not None else row.program,
        "state_ja": state.name_ja if state is not None else row.state,
        "forms": [],
    }
    if defn is not None and state is not None and not state.terminal:
        _, allowed = await svc.cases.program(row.enrolment_id, actor)
        payloads = {t.trigger: t.payload for t in defn.transitions}
        names = {t.trigger: t.name_ja for t in reversed(defn.transitions)}
        for option in allowed:
            command = str(option["command"])
            if not option["allowed"] or command not in payloads:
                continue
            key = f"{row.enrolment_id}:{command}"
            prefilled = (values or {}).get(key)
            fields = build_form(payloads[command], prefilled, (errors or {}).get(key, {}), lang)
            panel["forms"].append({"command": command, "name_ja": names[command], "fields": fields, "key": key})
    if row.program == "housing_benefit" and defn is not None:
        used = int(row.summary.get("months_granted") or 0)
        cap = getattr(defn.record_type.model_fields["rules"].default, "max_months", 9)
        panel["months"] = {
            "used": used,
            "left": max(cap - used, 0),
            "cap": cap,
            "period_end": row.summary.get("period_end"),
        }
    return panel


class CaseNotVisible(Exception):
    pass


def _not_found() -> CaseNotVisible:
    return CaseNotVisible()


def _hints(record: Mapping[str, Any]) -> dict[str, list[str]]:
    """The evaluation answers one yes/no per goal of the plan (G-EVALUATION counts them)."""
    goals = [str(g.get("description", "")) for g in ((record.get("plan") or {}).get("goals") or [])]
    return {"evaluation.goals_achieved": [f"目標{i + 1}：{text}" for i, text in enumerate(goals)]} if goals else {}


def _prefill(model: Any, record: Mapping[str, Any]) -> dict[str, Any]:
    """A form starts from what the case already holds for the same fields (a draft plan, the intake, ...)."""
    return {name: record[name] for name in model.model_fields if record.get(name) is not None}


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(
    case_id: str, request: Request, actor: PageActor, svc: ServicesDep, message: str | None = None
) -> HTMLResponse:
    context = await _case_context(svc, actor, case_id, lang_of(request))
    context["message"] = message
    return render(request, svc, "case.html", context, actor=actor)


@router.post("/cases/{case_id}/commands/{command}", response_class=HTMLResponse)
async def case_command(case_id: str, command: str, request: Request, actor: PageActor, svc: ServicesDep) -> Response:
    form = await checked_form(request)
    model = PAYLOADS.get(command)
    if model is None:
        return RedirectResponse(f"/cases/{quote(case_id)}", status_code=303)
    payload = read_form(model, _multi(form))
    lang = lang_of(request)
    try:
        parse_payload(command, payload)
        with svc.sessions.begin() as session:
            if queries.case_row(session, case_id, set(actor.serves)) is None:
                raise _not_found()
        await svc.cases.send(case_id, command, actor, payload, str(form.get("command_id") or uuid.uuid4().hex))
    except PayloadInvalid as exc:
        context = await _case_context(
            svc, actor, case_id, lang, {command: errors_by_path(exc.errors)}, {command: payload}
        )
        context.update(message=None, failed=command, form_error="errors")
        return render(request, svc, "case.html", context, actor=actor, status_code=422)
    except CommandRejected as exc:
        context = await _case_context(svc, actor, case_id, lang, None, {command: payload})
        context.update(message=None, failed=command, refused=exc.unmet)
        return render(request, svc, "case.html", context, actor=actor, status_code=409)
    return RedirectResponse(f"/cases/{quote(case_id)}?message=done", status_code=303)


@router.post("/cases/{case_id}/programs/{enrolment_id}/commands/{command}", response_class=HTMLResponse)
async def program_command(
    case_id: str, enrolment_id: str, command: str, request: Request, actor: PageActor, svc: ServicesDep
) -> Response:
    """A program's command from its panel: the same checks as ``/api/cases/{id}/programs/{eid}/commands``."""
    form = await checked_form(request)
    with svc.sessions.begin() as session:
        if queries.case_row(session, case_id, set(actor.serves)) is None:
            raise _not_found()
        found = [e for e in ProgramRepository(session).enrolments(case_id) if e.enrolment_id == enrolment_id]
    defn = PROGRAM_DEFS.get(found[0].program) if found else None
    payloads = {t.trigger: t.payload for t in defn.transitions} if defn is not None else {}
    if defn is None or command not in payloads:
        raise _not_found()
    payload = read_form(payloads[command], _multi(form))
    key = f"{enrolment_id}:{command}"
    lang = lang_of(request)
    try:
        await svc.cases.send_program(
            case_id, enrolment_id, defn.id, command, actor, payload, str(form.get("command_id") or uuid.uuid4().hex)
        )
    except PayloadInvalid as exc:
        context = await _case_context(svc, actor, case_id, lang, {key: errors_by_path(exc.errors)}, {key: payload})
        context.update(message=None, failed=key, form_error="errors")
        return render(request, svc, "case.html", context, actor=actor, status_code=422)
    except CommandRejected as exc:
        context = await _case_context(svc, actor, case_id, lang, None, {key: payload})
        context.update(message=None, failed=key, refused=exc.unmet, failed_name=f"{defn.name_ja}：{command}")
        return render(request, svc, "case.html", context, actor=actor, status_code=409)
    return RedirectResponse(f"/cases/{quote(case_id)}?message=done#programs", status_code=303)


# -- audit ---------------------------------------------------------------------------------------------------------


def _require_auditor(actor: Actor) -> None:
    if not actor.has_any(AUDITORS):
        raise CaseNotVisible()


@router.get("/audit", response_class=HTMLResponse)
async def audit(
    request: Request,
    actor: PageActor,
    svc: ServicesDep,
    case_id: str | None = None,
    as_of: str | None = None,
) -> HTMLResponse:
    _require_auditor(actor)
    context: dict[str, Any] = {"case_id": case_id or "", "as_of": as_of or "", "snapshot": None, "entries": []}
    with svc.sessions.begin() as session:
        context["recent"] = queries.list_cases(session, visible=set(actor.serves), now=svc.clock(), limit=20).items
        row = queries.case_row(session, case_id, set(actor.serves)) if case_id else None
        events = CaseRepository(session).list_events(case_id) if row is not None and case_id else []
        entries = queries.history(session, case_id) if row is not None and case_id else []
    context["row"] = row
    context["entries"] = entries
    if row is not None and as_of:
        moment = _as_of(as_of)
        if moment is None:
            context["as_of_error"] = True
        else:
            ruleset = (await svc.cases.record(row.case_id)).ruleset
            then = rebuild(events, municipality=row.municipality, ruleset=ruleset, as_of=moment)
            context["entries"] = [e for e in entries if e.at <= moment]
            context["snapshot"] = (
                None
                if then is None
                else shown_records(
                    svc,
                    actor,
                    row.case_id,
                    then.model_dump(mode="json", exclude={"ruleset", "last_hash"}),
                    "audit_as_of",
                )
            )
            context["snapshot_at"] = moment
            context["snapshot_json"] = json.dumps(context["snapshot"], ensure_ascii=False, indent=2)
            context["snapshot_missing"] = then is None
    return render(request, svc, "audit.html", context, actor=actor)


def _as_of(raw: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=i18n.JST)


@router.post("/audit/{case_id}/verify", response_class=HTMLResponse)
async def audit_verify(case_id: str, request: Request, actor: PageActor, svc: ServicesDep) -> HTMLResponse:
    await checked_form(request)
    _require_auditor(actor)
    with svc.sessions.begin() as session:
        row = queries.case_row(session, case_id, set(actor.serves))
        if row is None:
            raise _not_found()
        rows = CaseRepository(session).list_events(case_id)
        entries = queries.history(session, case_id)
        recent = queries.list_cases(session, visible=set(actor.serves), now=svc.clock(), limit=20).items
    result = await verify(svc.client, case_id, rows)
    settle_integrity_tasks(svc, case_id, result)
    context = {
        "case_id": case_id,
        "as_of": "",
        "snapshot": None,
        "entries": entries,
        "row": row,
        "recent": recent,
        "verdict": result,
    }
    return render(request, svc, "audit.html", context, actor=actor)


@router.get("/audit/{case_id}/export.json")
def export_json(case_id: str, actor: PageActor, svc: ServicesDep) -> Response:
    _require_auditor(actor)
    entries = _history_of(svc, actor, case_id)
    body = json.dumps([e.model_dump(mode="json") for e in entries], ensure_ascii=False, indent=2)
    return Response(
        body,
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}-history.json"'},
    )


CSV_COLUMNS = ("kind", "at", "actor_id", "actor_roles", "command", "seq", "transition_id", "from_state", "to_state")


@router.get("/audit/{case_id}/export.csv")
def export_csv(case_id: str, actor: PageActor, svc: ServicesDep) -> Response:
    """UTF-8 with a BOM and CRLF line ends, so that Excel opens the Japanese text correctly."""
    _require_auditor(actor)
    entries = _history_of(svc, actor, case_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["種別", "日時（日本時間）", "操作者", "役割", "操作", "番号", "遷移", "遷移前", "遷移後"])
    for entry in entries:
        data = entry.model_dump(mode="json")
        data["at"] = i18n.datetime_ja(entry.at)
        data["actor_roles"] = " ".join(entry.actor_roles)
        data["command"] = f"{COMMAND_NAMES.get(entry.command, entry.command)}（{entry.command}）"
        writer.writerow(["" if data.get(c) is None else data[c] for c in CSV_COLUMNS])
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}-history.csv"'},
    )


def _history_of(svc: Services, actor: Actor, case_id: str) -> Sequence[queries.HistoryEntry]:
    with svc.sessions.begin() as session:
        if queries.case_row(session, case_id, set(actor.serves)) is None:
            raise _not_found()
        return queries.history(session, case_id)


# -- process -------------------------------------------------------------------------------------------------------


@router.get("/process", response_class=HTMLResponse)
def process(request: Request, actor: PageActor, svc: ServicesDep) -> HTMLResponse:
    from web.diagram import process_svg

    lang = lang_of(request)
    transitions = [
        {
            "id": t.id,
            "name_ja": t.name_ja,
            "from": "、".join(STATES[s].name_ja for s in t.source),
            "to": "（直前の状態）" if t.dest_previous else (STATES[t.dest].name_ja if t.dest else "（変わらない）"),
            "guards": t.guards,
        }
        for t in TRANSITIONS
    ]
    # Inline in the page, the SVG's own <style> would break the CSP (no inline style): yorisoi.css has its rules.
    svg = re.sub(r"<style>.*?</style>", "", process_svg(lang), flags=re.S)
    return render(request, svc, "process.html", {"svg": svg, "transitions": transitions}, actor=actor)


# -- errors of pages -----------------------------------------------------------------------------------------------


def page_errors(app: Any) -> None:
    """Pages answer with pages: a login redirect, a 403 for a bad CSRF token, a 404 page."""

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        svc = request.app.state.services
        return render(request, svc, "error.html", {"code": 403, "reason": "csrf"}, status_code=403)

    async def not_visible(request: Request, exc: Exception) -> Response:
        svc = request.app.state.services
        return render(request, svc, "error.html", {"code": 404, "reason": "not_found"}, status_code=404)

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(CaseNotVisible, not_visible)
