"""Composition root of the HTTP service: ``create_app(settings)``; ``python api.py`` serves it with uvicorn."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import uvicorn
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from temporalio.client import Client

from deploy.connect import connect_temporal, data_keys
from deploy.logs import configure_logging
from services.cases import CaseService
from settings import Settings
from statemachines.kernel.rules import RuleBook
from store.codec import CaseKeyCodec
from store.db import create_schema, make_engine, session_factory
from store.rulesets import RulesetRepository
from store.sessions import SessionPolicy
from store.throttle import ThrottlePolicy
from web import routers
from web.core import errors, pages
from web.core.auth import TokenService
from web.core.deps import Services
from web.core.hygiene import InputHygiene
from web.core.metrics import ApiMetrics
from web.core.problems import Problem
from web.core.request_log import RequestFields, RequestLog
from web.core.security import SecurityHeaders

log = logging.getLogger("yorisoi.api")


def create_app(
    settings: Settings, *, client: Client | None = None, clock: Callable[[], datetime] | None = None
) -> FastAPI:
    """The API. Tests pass the Temporal client of their test server and, where time matters, a clock."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.effective_database_url)
        create_schema(engine)
        sessions = session_factory(engine)
        codec = client.data_converter.payload_codec if client is not None else None
        keys = codec.keys if isinstance(codec, CaseKeyCodec) else data_keys(settings, sessions)
        temporal = client or await connect_temporal(settings, keys)

        def rulebook() -> RuleBook:
            with sessions.begin() as session:
                return RulesetRepository(session).rulebook()

        services = Services(
            sessions=sessions,
            client=temporal,
            task_queue=settings.task_queue,
            demo=settings.demo,
            secure_cookies=settings.secure_cookies,
            throttle=ThrottlePolicy(
                max_failures=settings.login_max_failures,
                window=timedelta(minutes=settings.login_lock_minutes),
                lock=timedelta(minutes=settings.login_lock_minutes),
            ),
            cases=CaseService(
                temporal,
                sessions,
                settings.task_queue,
                rulebook,
                person_secret=settings.signing_key(),
                answer_within=settings.command_timeout_seconds,
            ),
            tokens=TokenService(settings.signing_key()),
            session_policy=SessionPolicy(
                lifetime=timedelta(minutes=settings.token_ttl_minutes),
                idle=timedelta(minutes=settings.session_idle_minutes),
            ),
        )
        services.keys = keys
        services.codec_origins = settings.effective_codec_origins()
        if clock is not None:
            services.clock = clock
        app.state.services = services
        metrics.watch(services.sessions, services.clock)
        try:
            yield
        finally:
            metrics.forget()
            engine.dispose()

    app = FastAPI(
        title="Yorisoi（寄り添い）",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        description="自立相談支援事業のケースワークフロー API",
        responses={  # every error, of every route, in one shape (web/core/problems.py)
            "4XX": {"model": Problem, "description": "RFC 9457 problem details (application/problem+json)"},
            "5XX": {"model": Problem, "description": "RFC 9457 problem details (application/problem+json)"},
        },
    )
    metrics = ApiMetrics()
    app.state.metrics = metrics
    app.state.metrics_token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    errors.install(app)
    pages.page_errors(app)
    app.add_middleware(InputHygiene)
    app.add_middleware(SecurityHeaders, page_failure=pages.internal_error_page)  # the refusals and the 500 too
    app.add_middleware(RequestLog, metrics=metrics)  # outermost: every answer, the 500 included, logged and counted
    app.mount("/static", StaticFiles(directory=str(pages.STATIC)), name="static")
    for router in (*routers.PAGE_ROUTERS, *routers.API_ROUTERS):
        app.include_router(router)
    return app


async def serve(settings: Settings) -> None:
    config = uvicorn.Config(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's lines go through deploy.logs like every other
        access_log=False,  # it writes the path and query string; web.core.request_log writes the route template
        # The client address (sign-in throttling) comes from X-Forwarded-For only behind the proxies named.
        proxy_headers=settings.forwarded_allow_ips is not None,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    await uvicorn.Server(config).serve()


if __name__ == "__main__":
    settings = Settings()
    configure_logging(settings.log_format, settings.log_level, filters=[RequestFields()])
    asyncio.run(serve(settings))
