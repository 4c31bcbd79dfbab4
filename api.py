"""Composition root of the HTTP service: ``create_app(settings)``; ``python api.py`` serves it with uvicorn."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from temporalio.client import Client

from deploy.connect import connect_temporal, data_keys
from settings import Settings
from statemachines.rules import RuleBook
from store.codec import CaseKeyCodec
from store.db import create_schema, make_engine, session_factory
from store.rulesets import RulesetRepository
from store.sessions import SessionPolicy
from store.throttle import ThrottlePolicy
from web import (
    api_admin,
    api_appointments,
    api_cases,
    api_codec,
    api_institutions,
    api_kpis,
    api_notifications,
    api_policies,
    api_programs,
    api_reports,
    api_retention,
    api_tasks,
    errors,
    page_audit,
    page_case,
    page_reports,
    pages,
)
from web.auth import TokenService
from web.case_service import CaseService
from web.deps import Services
from web.security import SecurityHeaders

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
            cases=CaseService(temporal, sessions, settings.task_queue, rulebook, person_secret=settings.signing_key()),
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
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="Yorisoi（寄り添い）",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        description="自立相談支援事業のケースワークフロー API",
    )
    errors.install(app)
    pages.page_errors(app)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(Path(pages.__file__).parent / "static")), name="static")
    for page_module in (pages, page_case, page_audit, page_reports):
        app.include_router(page_module.router)
    for module in (
        api_admin,
        api_cases,
        api_programs,
        api_tasks,
        api_kpis,
        api_notifications,
        api_institutions,
        api_appointments,
        api_codec,
        api_retention,
        api_policies,
        api_reports,
    ):
        app.include_router(module.router)
    app.include_router(api_cases.audit_router)
    return app


async def serve(settings: Settings) -> None:
    config = uvicorn.Config(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_level="info",
        # The client address (sign-in throttling) comes from X-Forwarded-For only behind the proxies named.
        proxy_headers=settings.forwarded_allow_ips is not None,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    await uvicorn.Server(config).serve()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(serve(Settings()))
