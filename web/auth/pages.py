"""Sign in and out, the password change, the language switch and the home redirect, as pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from store.accounts import AccountRepository
from store.sessions import SessionKind
from web.auth.passwords import password_problems
from web.auth.signin import change_own_password, sign_in, sign_out, start_session
from web.core import i18n
from web.core.auth import AuthError, AuthReason, TooManyAttempts
from web.core.deps import SESSION_COOKIE, ServicesDep, set_session_cookie
from web.core.pages import (
    LANG_COOKIE,
    LOGIN_NOTICES,
    PageActor,
    PageSignIn,
    checked_form,
    home_of,
    render,
    safe_next,
)

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, svc: ServicesDep, next: str | None = None, reason: str | None = None) -> HTMLResponse:
    notice = reason if reason in LOGIN_NOTICES else None
    context = {"next": safe_next(next) or "", "error": None, "notice": notice, "demo": svc.demo}
    return render(request, svc, "login.html", context)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, svc: ServicesDep) -> Response:
    form = await checked_form(request)
    user_id, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    back = safe_next(str(form.get("next", ""))) or ""
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
    response = RedirectResponse(safe_next(back) or "/", status_code=303)
    response.set_cookie(LANG_COOKIE, to if to in i18n.LANGS else "ja", samesite="strict", path="/", max_age=31536000)
    return response


@router.get("/")
def home(actor: PageActor) -> Response:
    return RedirectResponse(home_of(actor), status_code=303)
