"""The whole app served over real HTTP (uvicorn on a free port) for the browser, with a real worker behind it, and a
browser context signed in to it."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, Page, expect
from temporalio.testing import WorkflowEnvironment

from api import create_app
from deploy.demo import seed_demo_world
from deploy.ports import free_port
from settings import Settings
from store.accounts import DEMO_PASSWORD
from tests.web.apiharness import seed_test_policies
from tests.workflows.harness import Harness, running_harness


@dataclass
class LiveApp:
    url: str
    worker: Harness
    app: FastAPI | None = None  # the app itself, for a test that adds a route of its own


@contextlib.asynccontextmanager
async def live_app(
    env: WorkflowEnvironment, tmp_path: Path, *, codec_origins: list[str] | None = None
) -> AsyncIterator[LiveApp]:
    db = tmp_path / "live.sqlite3"
    async with running_harness(env.client, db) as worker:
        seed_demo_world(worker.sessions)
        seed_test_policies(worker.sessions)  # the versions the consents of tests/factories.py name
        settings = Settings(
            data_dir=tmp_path,
            database_url=worker.database_url,
            task_queue=worker.task_queue,
            secret_key="browser-signing-key-0123456789abcdef",
            demo=True,
            secure_cookies=False,  # plain HTTP on 127.0.0.1, as `make run` serves it
            codec_origins=codec_origins or [],
        )
        port = free_port()
        served = create_app(settings, client=worker.client)
        config = uvicorn.Config(served, host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        try:
            for _ in range(200):
                if server.started:
                    break
                await asyncio.sleep(0.05)
            assert server.started, "uvicorn did not start"
            yield LiveApp(url=f"http://127.0.0.1:{port}", worker=worker, app=served)
        finally:
            server.should_exit = True
            await task


async def new_context(browser: Browser, app: LiveApp) -> BrowserContext:
    """A browser context on ``app``, as a Japanese user in Tokyo sees it."""
    return await browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900}, base_url=app.url
    )


async def signed_in(browser: Browser, app: LiveApp, user: str) -> tuple[BrowserContext, Page]:
    """A new context in which ``user`` has signed in on the login page, as a person would."""
    context = await new_context(browser, app)
    page = await context.new_page()
    await page.goto("/inbox")
    await expect(page).to_have_url(re.compile(r"/login\?next=/inbox$"))  # no session: the login page
    await page.get_by_label("ユーザーID").fill(user)
    await page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="ログイン").click()
    await expect(page.get_by_role("button", name="ログアウト")).to_be_visible()
    return context, page
