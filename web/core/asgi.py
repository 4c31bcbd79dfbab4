"""The shape of Yorisoi's pure ASGI middlewares (``SecurityHeaders``, ``InputHygiene``): HTTP requests go to
``http``; anything else (the lifespan) passes through untouched. Pure ASGI rather than ``BaseHTTPMiddleware``, so a
middleware can answer before the app runs, read the body once and hand it on, and catch what the app raised."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError
