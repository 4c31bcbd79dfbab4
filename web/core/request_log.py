"""Each request's id, its log line and its measurement (issue 15, "Logs" and "Metrics").

The request id is the caller's ``X-Request-ID`` when it is a safe short token (a proxy's, so one id follows the
request through both logs), else a new one; either way the response carries it back in ``X-Request-ID``. While the
request runs, every log line of the process carries it as ``request_id`` (``RequestFields``, a filter on the
handler ``api.py`` installs), and ``case_id`` once the route is known and has one. A case id is taken from the
route's path parameter only when it has the shape of one (hex): a path typed with a name in it puts nothing in a log.

When the answer has gone out, one line says what was asked and answered: the method, the route *template*, the
status and the time taken; never the path itself, the query string or the body (the access log of uvicorn, which
writes the path and query, is off). The same facts go to ``web.core.metrics``.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.core.asgi import HttpMiddleware
from web.core.metrics import UNMATCHED, ApiMetrics, command_of, method_label

log = logging.getLogger("yorisoi.request")

HEADER = "X-Request-ID"
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
CASE_ID = re.compile(r"[0-9a-f]{8,32}")


@dataclass
class RequestContext:
    """What the log lines of one request share; ``scope`` is the request's, which routing fills in as it goes."""

    request_id: str
    scope: Scope
    resolved: tuple[str, dict[str, Any]] | None = field(default=None)

    def case_id(self) -> str | None:
        params = self.scope.get("path_params") or (self.resolved[1] if self.resolved else {})
        found = params.get("case_id")
        return found if isinstance(found, str) and CASE_ID.fullmatch(found) else None


CURRENT: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("yorisoi_request", default=None)


class RequestFields(logging.Filter):
    """Adds ``request_id`` and ``case_id`` to the lines logged while a request runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = CURRENT.get()
        if context is not None:
            record.__dict__.setdefault("request_id", context.request_id)
            case_id = context.case_id()
            if case_id is not None:
                record.__dict__.setdefault("case_id", case_id)
        return True


def request_id_of(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` if it is a safe short token, else a new id."""
    headers: list[tuple[bytes, bytes]] = scope.get("headers") or []
    for name, value in headers:
        if name.lower() == b"x-request-id":
            text = value.decode("latin-1")
            if SAFE_REQUEST_ID.fullmatch(text):
                return text
            break
    return secrets.token_hex(16)


def resolve(scope: Scope, routes: Iterable[Any]) -> tuple[str, dict[str, Any]]:
    """The route template a request went to, and its path parameters. A request answered before routing (the input
    hygiene's refusal) or by a mount is matched here against the same routes; one that matches none is
    ``(unmatched)``."""
    template = getattr(scope.get("route"), "path", None)
    if isinstance(template, str):
        return template, dict(scope.get("path_params") or {})
    asked = {"type": "http", "method": scope.get("method"), "path": scope.get("path", ""), "root_path": ""}
    for candidate in _flattened(routes):
        try:
            match, child = candidate.matches(asked)
        except Exception:  # a path no route's converters can read
            break
        if match is Match.FULL:
            return getattr(candidate, "path", UNMATCHED), dict(child.get("path_params") or {})
    return UNMATCHED, {}


def _flattened(routes: Iterable[Any]) -> Iterator[Any]:
    """Every route, those of included routers too (FastAPI keeps an included router as one entry of its own)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _flattened(included.routes)
        else:
            yield route


class RequestLog(HttpMiddleware):
    """The outermost middleware: the request id, then after the answer the line and the measurement."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        context = RequestContext(request_id_of(scope), scope)
        token = CURRENT.set(context)
        started = time.perf_counter()
        status = 500

        async def answering(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[HEADER] = context.request_id
            await send(message)

        try:
            await self.app(scope, receive, answering)
        finally:
            self._answered(scope, context, status, time.perf_counter() - started)
            CURRENT.reset(token)

    def _answered(self, scope: Scope, context: RequestContext, status: int, seconds: float) -> None:
        app = scope.get("app")
        context.resolved = resolve(scope, getattr(app, "routes", []))
        route, params = context.resolved
        method = str(scope.get("method", "?"))
        if "path_params" not in scope:
            scope = {**scope, "path_params": params}
        self.metrics.observe(
            route=route, method=method, status=status, seconds=seconds, command=command_of(scope, method)
        )
        shown, took = method_label(method), round(seconds * 1000, 1)
        fields = {"method": shown, "route": route, "status": status, "duration_ms": took}
        level = logging.WARNING if status >= 500 else logging.INFO
        log.log(level, "%s %s %d %.1f ms", shown, route, status, took, extra=fields)
