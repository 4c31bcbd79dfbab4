"""What every server-rendered page (Jinja2, Japanese first) shares: ``render``, the signed-in page actor, the CSRF
check of a form, the navigation by role, and the pages' own error answers. The pages themselves live in their
feature's folder (``web/auth``, ``web/tasks``, ``web/cases``, ``web/audit``, ``web/reports``, ``web/process``).

Pages talk to the same services as the API (``CaseService``, ``store.queries``) and validate commands with the same
payload models. Every page needs a session (the cookie set at login); without one it redirects to ``/login``.
Every form carries the CSRF token (``web.core.security``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from services.meetings import SittingNotFound
from services.people import NotAllowedToSeePeople, PersonNotFound
from services.waiting import ProjectionFailed, WorkerUnavailable
from statemachines.case.record import STATES, CaseState
from statemachines.case.transitions import TRANSITIONS
from statemachines.kernel.permissions import Permission, allowed
from statemachines.kernel.roles import ROLE_NAMES_JA, Actor
from store.crypto import KeyErasedError
from store.names import user_names
from web.core import errors, i18n, problems
from web.core.auth import AuthError, AuthReason
from web.core.deps import SESSION_COOKIE, Services, ServicesDep, SignedIn, authenticate
from web.core.request_log import CURRENT
from web.core.security import CSRF_FIELD, csrf_ok, csrf_token, ensure_csrf_cookie

WEB_ROOT = Path(__file__).resolve().parent.parent
STATIC = WEB_ROOT / "core" / "static"  # served at /static (api.py): the stylesheet and the pipeline board's script


def template_folders(web: Path) -> list[Path]:
    """``web/core/templates`` (base.html, error.html) and the ``templates`` folder of every feature of ``web/``.

    Names stay as they were (``case.html``, not ``cases/case.html``): a page renders its template, and every template
    extends ``base.html``, without saying where it lives. So a name in two folders is refused, never shadowed.
    """
    folders = [web / "core" / "templates", *sorted(p for p in web.glob("*/templates") if p.parent.name != "core")]
    seen: dict[str, Path] = {}
    for folder in folders:
        for template in sorted(folder.glob("*.html")):
            if template.name in seen:
                raise RuntimeError(f"{template.name} is in both {seen[template.name]} and {folder}")
            seen[template.name] = folder
    return folders


TEMPLATES = Jinja2Templates(directory=template_folders(WEB_ROOT))
LANG_COOKIE = "yorisoi_lang"
PAYLOADS = {t.trigger.value: t.payload for t in TRANSITIONS}
COMMAND_NAMES = {t.trigger.value: t.name_ja for t in reversed(TRANSITIONS)}  # the first row's name


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


def safe_next(value: str | None) -> str | None:
    """Only a path of this site (no scheme, no host, no //)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


HOMES = ((Permission.PIPELINE_HOME, "/pipeline"), (Permission.AUDIT_HOME, "/audit"))
"""Where signing in takes a person, the first that applies; anyone else to the inbox."""
NAV = (
    ("/inbox", "inbox", Permission.INBOX_WORK),
    ("/pipeline", "pipeline", Permission.PIPELINE_WORK),
    ("/supervision", "supervision", Permission.SUPERVISION_READ),
    ("/meetings", "meetings", Permission.MEETING_READ),
    ("/cases", "cases", Permission.CASE_READ),
    ("/audit", "audit", Permission.AUDIT_READ),
    ("/reports", "reports", Permission.REPORT_REVIEW),
    ("/process", "process", Permission.PROCESS_READ),
    ("/rulesets", "rulesets", Permission.RULESET_ADD),  # every role may read it; the administrator sets the values
)
"""The navigation: each page for who holds its permission (for /inbox and /pipeline: whose work they are)."""


def page_link(request: Request, param: str, cursor: str | None) -> str | None:
    """The URL of the next page of a list paged by ``param`` (its ``next_cursor``), keeping the other filters; None on
    the last page. A page message (``message``) and an ``offset`` are not carried over."""
    return None if cursor is None else _list_url(request, param, cursor)


def first_page_link(request: Request, param: str) -> str | None:
    """The URL of the list's first page, keeping the filters; None when this is the first page."""
    if request.query_params.get(param) is None and request.query_params.get("offset") in (None, "0"):
        return None
    return _list_url(request, param, None)


def _list_url(request: Request, param: str, cursor: str | None) -> str:
    query = {k: v for k, v in request.query_params.items() if k not in (param, "offset", "message")}
    if cursor is not None:
        query[param] = cursor
    return f"{request.url.path}?{urlencode(query)}" if query else request.url.path


def home_of(actor: Actor) -> str:
    return next((path for permission, path in HOMES if allowed(actor, permission)), "/inbox")


def nav_of(actor: Actor) -> list[tuple[str, str]]:
    return [(path, key) for path, key, permission in NAV if allowed(actor, permission)]


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
        "me": _me(svc, actor, lang) if actor else "",
        "nav": nav_of(actor) if actor else [],
        "csrf_field": CSRF_FIELD,
        "csrf": csrf_token(request),
        "state_name": lambda s: STATES[CaseState(s)].name_ja if s in CaseState.__members__ else s,
        "command_name": lambda c: COMMAND_NAMES.get(c, c),
        "option": lambda v: i18n.option_label(str(v), lang),
        "field_label": lambda name: i18n.field_label(name, lang),
        "era": i18n.era_of_iso,
        "path": request.url.path,
        **context,
    }
    response = TEMPLATES.TemplateResponse(request, template, full, status_code=status_code)
    ensure_csrf_cookie(request, response, secure=svc.secure_cookies)
    return response


def _me(svc: Services, actor: Actor, lang: str) -> str:
    """The signed-in user as the header names them: their display name, with the roles it does not already say
    (「相談支援員 佐藤」, 「佐藤（相談支援員・主任相談支援員）」)."""
    with svc.sessions.begin() as session:
        name = user_names(session, [actor.user_id]).get(actor.user_id, actor.user_id)
    roles = sorted(actor.roles, key=lambda r: r.value)
    words = [ROLE_NAMES_JA.get(r, r.value) if lang == "ja" else r.value for r in roles]
    unsaid = [w for w in words if w not in name]
    return f"{name}（{'・'.join(words)}）" if unsaid else name


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


# -- errors of pages -----------------------------------------------------------------------------------------------


Handler = Callable[[Request, Exception], Response | Awaitable[Response]]


def _error_page(request: Request, code: int, reason: str, detail: str = "") -> HTMLResponse:
    return _error_page_with(request, code, reason, {"detail": detail})


def _error_page_with(request: Request, code: int, reason: str, extra: Mapping[str, Any]) -> HTMLResponse:
    context = {"code": code, "reason": reason, **extra}
    return render(request, request.app.state.services, "error.html", context, status_code=code)


def _page_or_api(
    api: Callable[[Request, Exception], Response], code: int, reason: str, *, says_why: bool = False
) -> Handler:
    """The API's problem on ``/api/…``, the error page with ``reason`` everywhere else (and the exception's own
    words, a Japanese sentence for the person, when ``says_why``)."""

    async def handle(request: Request, exc: Exception) -> Response:
        problem = api(request, exc)
        if request.url.path.startswith("/api/"):
            return problem
        page = _error_page(request, code, reason, str(exc) if says_why else "")
        if "Retry-After" in problem.headers:  # the page says when to come back as the API does
            page.headers["Retry-After"] = problem.headers["Retry-After"]
        return page

    return handle


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    notice = f"&reason={exc.notice.value}" if exc.notice else ""
    response = RedirectResponse(f"/login?next={quote(exc.next_path)}{notice}", status_code=303)
    if SESSION_COOKIE in request.cookies:  # a session that has ended: its cookie goes too
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def _http_error(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/api/"):
        return problems.http_problem(request, exc)
    assert isinstance(exc, StarletteHTTPException)
    response = _error_page(request, exc.status_code, "not_found" if exc.status_code == 404 else "http")
    response.headers.update(exc.headers or {})
    return response


def internal_error_page(scope: Scope) -> Response:
    """The 500 of an unforeseen failure on a page path (``SecurityHeaders`` calls it): the error page, saying what
    a person can do and the request's id to quote to operations, and nothing of the failure itself."""
    context = CURRENT.get()
    request_id = context.request_id if context is not None else ""
    request = Request(scope)
    return _error_page_with(request, 500, "internal", {"request_id": request_id})


def page_errors(app: Any) -> None:
    """Pages answer with pages (a login redirect, the error page with its reason), the API with its problems."""
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _page_or_api(problems.invalid_request, 422, "invalid"))
    app.add_exception_handler(KeyErasedError, _page_or_api(errors.erased, 410, "erased"))
    app.add_exception_handler(WorkerUnavailable, _page_or_api(errors.worker_unavailable, 503, "worker"))
    app.add_exception_handler(ProjectionFailed, _page_or_api(errors.projection_failed, 503, "held"))
    app.add_exception_handler(PersonNotFound, _page_or_api(errors.person_not_found, 404, "person_not_found"))
    app.add_exception_handler(NotAllowedToSeePeople, _page_or_api(errors.not_allowed_to_see_people, 403, "http"))
    app.add_exception_handler(errors.ForbiddenError, _page_or_api(errors.forbidden, 403, "forbidden", says_why=True))
    app.add_exception_handler(SittingNotFound, _page_or_api(errors.sitting_not_found, 404, "not_found"))
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(CsrfRefused, lambda request, exc: _error_page(request, 403, "csrf"))
    app.add_exception_handler(CaseNotVisible, lambda request, exc: _error_page(request, 404, "not_found"))
