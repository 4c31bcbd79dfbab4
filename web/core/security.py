"""Security basics of the pages: headers on every response, and CSRF protection of every form.

CSRF uses a double-submit token: a random value in an HttpOnly, SameSite=Strict cookie, repeated in a hidden field of
each form; a POST to a page whose field does not match the cookie is refused (403) before anything is done. The
session cookie is itself SameSite=Strict, so the token is a second line, and it also covers the login form.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from starlette.middleware.base import BaseHTTPMiddleware

CSRF_COOKIE = "yorisoi_csrf"
CSRF_FIELD = "csrf_token"

# Pages are served with everything from the app itself: no CDN, no inline script or style.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
# The OpenAPI docs page loads its own script and style from a CDN: only the API paths get the lighter policy.
API_CSP = "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        path = request.url.path
        page = not path.startswith("/api/")
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP if page else API_CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if page and "Cache-Control" not in response.headers and not path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"  # pages hold personal data: never kept by the browser
        return response


def csrf_token(request: Request) -> str:
    """The request's CSRF token: the cookie's, or a new one (``ensure_csrf_cookie`` sets it on the response)."""
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
    cookie = request.cookies.get(CSRF_COOKIE)
    return (
        isinstance(submitted, str)
        and cookie is not None
        and len(cookie) >= 32
        and hmac.compare_digest(cookie.encode(), submitted.encode())
    )
