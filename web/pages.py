"""The server-rendered pages (Jinja2), Japanese first: login, tasks, pipeline, lists, process and password here,
the case page in ``web.page_case``, the auditors' in ``web.page_audit``, and what they share (``render``, the
session, the CSRF check).

Pages talk to the same services as the API (``CaseService``, ``store.queries``) and validate commands with the same
payload models. Every page needs a session (the cookie set at login); without one it redirects to ``/login``.
Every form carries the CSRF token (``web.security``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from statemachines.case import TRANSITIONS
from statemachines.case_record import STAGE_NAMES, STATES, CaseState, Stage
from statemachines.roles import Actor, Role
from store import queries
from store.accounts import AccountRepository
from store.crypto import KeyErasedError
from store.sessions import SessionKind
from web import errors, i18n
from web.auth import AuthError, AuthReason
from web.deps import SESSION_COOKIE, Services, ServicesDep, SignedIn, authenticate, set_session_cookie
from web.passwords import password_problems
from web.security import CSRF_FIELD, csrf_ok, csrf_token, ensure_csrf_cookie
from web.signin import TooManyAttempts, change_own_password, sign_in, sign_out, start_session

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)
LANG_COOKIE = "yorisoi_lang"
PAYLOADS = {t.trigger.value: t.payload for t in TRANSITIONS}
COMMAND_NAMES = {t.trigger.value: t.name_ja for t in reversed(TRANSITIONS)}  # the first row's name
STAFF = frozenset({Role.SW, Role.CSW, Role.ESW, Role.HHSW})
AUDITORS = frozenset({Role.AUD, Role.ADMIN, Role.MUN, Role.CSW})


class CaseNotVisible(Exception):
    pass


def not_found() -> CaseNotVisible:
    return CaseNotVisible()


class LoginRequired(Exception):
    def __init__(self, next_path: str, notice: AuthReason | None = None) -> None:
        self.next_path = next_path
        self.notice = notice  # why the session ended, said on the login page


# The ends of a session the login page explains (an invalid token or no session at all: nothing to explain).
LOGIN_NOTICES = frozenset(
    {AuthReason.SESSION_IDLE, AuthReason.SESSION_EXPIRED, AuthReason.PASSWORD_CHANGED, AuthReason.LOGGED_OUT}
)


class CsrfRefused(Exception):
    pass


def lang_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "ja")
    return lang if lang in i18n.LANGS else "ja"


def page_sign_in(request: Request, svc: ServicesDep) -> SignedIn:
    try:
        return authenticate(svc, request.cookies.get(SESSION_COOKIE))
    except AuthError as exc:
        raise LoginRequired(request.url.path, exc.reason if exc.reason in LOGIN_NOTICES else None) from exc


PageSignIn = Annotated[SignedIn, Depends(page_sign_in)]


def page_actor(signed_in: PageSignIn) -> Actor:
    return signed_in.actor


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
    if actor.has_any(frozenset({Role.MUN, Role.OPS, Role.CSW, Role.AUD, Role.ADMIN})):  # web.page_reports.VIEWERS
        items.append(("/reports", "reports"))
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


def form_items(form: FormData) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str) and key != CSRF_FIELD:
            out.setdefault(key, []).append(value)
    return out


# -- sign in and out -------------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, svc: ServicesDep, next: str | None = None, reason: str | None = None) -> HTMLResponse:
    notice = reason if reason in LOGIN_NOTICES else None
    context = {"next": _safe_next(next) or "", "error": None, "notice": notice, "demo": svc.demo}
    return render(request, svc, "login.html", context)


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
    with svc.sessions.begin() as session:
        actor = AccountRepository(session).actor(user)
    response = RedirectResponse(back or home_of(actor), status_code=303)
    set_session_cookie(response, start_session(svc, user, SessionKind.PAGE), secure=svc.secure_cookies)
    return response


@router.post("/logout")
async def logout(request: Request, svc: ServicesDep) -> Response:
    await checked_form(request)
    sign_out(svc, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(f"/login?reason={AuthReason.LOGGED_OUT.value}", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/password", response_class=HTMLResponse)
def password_page(request: Request, actor: PageActor, svc: ServicesDep) -> HTMLResponse:
    return render(request, svc, "password.html", {"problems": [], "done": False}, actor=actor)


@router.post("/password", response_class=HTMLResponse)
async def change_password(request: Request, signed_in: PageSignIn, svc: ServicesDep) -> HTMLResponse:
    """Change one's own password; the user's other sessions end, this one goes on."""
    actor = signed_in.actor
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
    change_own_password(svc, signed_in, new)
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
        mine, open_for_role = (
            queries.inbox(
                session,
                user_id=actor.user_id,
                roles=roles,
                visible=set(actor.serves),
                scope=scope,
                now=svc.clock(),
                limit=200,
            ).items
            for scope in ("mine", "unassigned")
        )
    context = {
        "mine": mine,
        "unassigned": open_for_role,
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
        notice = f"&reason={exc.notice.value}" if exc.notice else ""
        response = RedirectResponse(f"/login?next={quote(exc.next_path)}{notice}", status_code=303)
        if SESSION_COOKIE in request.cookies:  # a session that has ended: its cookie goes too
            response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        svc = request.app.state.services
        return render(request, svc, "error.html", {"code": 403, "reason": "csrf"}, status_code=403)

    async def not_visible(request: Request, exc: Exception) -> Response:
        svc = request.app.state.services
        return render(request, svc, "error.html", {"code": 404, "reason": "not_found"}, status_code=404)

    async def erased(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return errors.erased(request, exc)
        svc = request.app.state.services
        return render(request, svc, "error.html", {"code": 410, "reason": "erased"}, status_code=410)

    app.add_exception_handler(KeyErasedError, erased)
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(CaseNotVisible, not_visible)
