"""Security basics of the pages: headers on every response, and CSRF protection of every form.

CSRF: each form carries a token in a hidden field; a POST whose field is not the expected one is refused (403) before
anything is done. Signed in, the token is derived from the session (an HMAC of its cookie under the signing key), so
a token planted in the browser or taken from another session's page does not pass; before signing in (the login
form) it is a double-submit token, a random value in an HttpOnly, SameSite=Strict cookie repeated in the field. The
session cookie is itself SameSite=Strict, so the token is a second line.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable

from fastapi import Request, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.core.asgi import HttpMiddleware
from web.core.deps import SESSION_COOKIE
from web.core.problems import problem

log = logging.getLogger("yorisoi.api")

CSRF_COOKIE = "yorisoi_csrf"
CSRF_FIELD = "csrf_token"

# Pages are served with everything from the app itself: no CDN, no inline script or style.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
# The OpenAPI docs page loads its own script and style from a CDN: only the API paths get the lighter policy.
API_CSP = "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"


def security_headers(path: str, existing: MutableHeaders) -> None:
    """The headers every response carries (set unless the route set its own)."""
    page = not path.startswith("/api/")
    existing.setdefault("Content-Security-Policy", PAGE_CSP if page else API_CSP)
    existing.setdefault("X-Content-Type-Options", "nosniff")
    existing.setdefault("X-Frame-Options", "DENY")
    existing.setdefault("Referrer-Policy", "same-origin")
    existing.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    existing.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if page and "Cache-Control" not in existing and not path.startswith("/static/"):
        existing["Cache-Control"] = "no-store"  # pages hold personal data: never kept by the browser


class SecurityHeaders(HttpMiddleware):
    """Every response gets the security headers, the 500 of an unforeseen failure included: that failure is caught
    here (inside Starlette's last-resort handler, which would answer bare and log the exception's text, where a
    database error quotes the input), logged by its type and place only, and answered with a generic 500: the
    problem on ``/api/…``, on a page path the error page ``page_failure`` draws (the 500 as a person reads it, in
    Japanese, without the failure's details), or the problem again should drawing that page fail too."""

    def __init__(self, app: ASGIApp, page_failure: Callable[[Scope], Response] | None = None) -> None:
        super().__init__(app)
        self.page_failure = page_failure

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        started = False

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                security_headers(path, MutableHeaders(scope=message))
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception as exc:  # the last line: whatever it was, the answer and the log stay clean
            route = scope.get("route")
            where = getattr(route, "path", None) or "(no route)"
            frame = _innermost(exc)
            log.error(
                "unhandled %s in %s %s at %s",
                type(exc).__name__,
                scope.get("method", "?"),
                where,
                frame,
                extra={"exception_type": type(exc).__name__, "route": where},
            )
            if started:
                return  # the answer had begun: nothing more can be said on this connection
            await self._failure(scope)(scope, receive, with_headers)

    def _failure(self, scope: Scope) -> Response:
        if self.page_failure is not None and not scope["path"].startswith("/api/"):
            try:
                return self.page_failure(scope)
            except Exception as exc:  # the page could not be drawn: the plain answer, never a second failure
                log.error("the error page failed: %s", type(exc).__name__, extra={"exception_type": type(exc).__name__})
        return problem(500, "internal_error", INTERNAL_JA, INTERNAL_EN)


INTERNAL_JA = (
    "サーバーで予期しないエラーが起きました。入力は保存されていない可能性があります。時間をおいて再度お試しください。"
)
INTERNAL_EN = "An unexpected error occurred on the server; the input may not have been saved."


def _innermost(exc: BaseException) -> str:
    """Where it failed (file:line of the innermost frame): enough to find it, and no values."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else "?"


def _bound(request: Request) -> str | None:
    """The CSRF token bound to the request's session (``TokenService.csrf_for``), or None without a session."""
    session = request.cookies.get(SESSION_COOKIE)
    if not session:
        return None
    tokens = request.app.state.services.tokens
    token: str = tokens.csrf_for(session)
    return token


def csrf_token(request: Request) -> str:
    """The token the request's forms carry: bound to the session when there is one; before signing in (the login
    form) the double-submit cookie's, or a new one (``ensure_csrf_cookie`` sets it on the response)."""
    bound = _bound(request)
    if bound is not None:
        return bound
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and len(existing) >= 32:
        return existing
    token: str | None = getattr(request.state, "new_csrf", None)
    if token is None:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def ensure_csrf_cookie(request: Request, response: Response, *, secure: bool) -> None:
    token = getattr(request.state, "new_csrf", None)
    if token is not None:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")


def csrf_ok(request: Request, submitted: object) -> bool:
    """With a session, the field must be that session's token; before signing in, the cookie's (double submit)."""
    if not isinstance(submitted, str):
        return False
    bound = _bound(request)
    expected = bound if bound is not None else request.cookies.get(CSRF_COOKIE)
    return expected is not None and len(expected) >= 32 and hmac.compare_digest(expected.encode(), submitted.encode())
