"""The Temporal Web UI path the README describes for auditors (issue 19): the embedded dev server's UI, in Debian
chromium, shows a case's workflow decoded once its Codec Server is set to Yorisoi's ``/api/codec`` with cross-origin
credentials and the auditor is signed in to Yorisoi in the same browser; without the codec it shows ciphertext only.

The codec is set in the UI's own "Codec Server" dialog, as the README tells an auditor to.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest_asyncio
from playwright.async_api import Browser, Page, expect
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from deploy.ports import free_port
from tests.browser.conftest import screenshot
from tests.browser.live import LiveApp, live_app, new_context, signed_in
from tests.conftest import DEV_SERVER
from workflows.search_attributes import ALL_KEYS

MARK = f"監査確認{uuid.uuid4().hex[:6]}"
CIPHERTEXT = re.compile(r'^"[A-Za-z0-9+/]{60,}')  # base64 of AES-GCM: what Temporal keeps of the input
DECODED = '"ruleset_id": "national-'  # a field of the case workflow's input (the national rule set in force), decoded


@pytest_asyncio.fixture(loop_scope="session")
async def ui_env() -> AsyncIterator[tuple[WorkflowEnvironment, str]]:
    """A dev server of its own with its Web UI, as ``make run`` starts it."""
    port = free_port()
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(DEV_SERVER),
        data_converter=pydantic_data_converter,
        search_attributes=list(ALL_KEYS),
        ui=True,
        ui_port=port,
    )
    try:
        yield env, f"http://127.0.0.1:{port}"
    finally:
        await env.shutdown()


async def _case_named(app: LiveApp) -> str:
    async with httpx.AsyncClient(base_url=app.url) as http:
        token = (await http.post("/api/auth/token", data={"username": "sw1", "password": "yorisoi-demo"})).json()
        opened = await http.post(
            "/api/cases",
            json={"municipality": "city-a", "client": {"name": MARK}},
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
        assert opened.status_code == 201, opened.text
    case_id: str = opened.json()["case_id"]
    app.worker.handles.append(app.worker.client.get_workflow_handle(f"case-{case_id}"))
    return case_id


async def _set_codec(page: Page, app: LiveApp) -> None:
    """The UI's Codec Server dialog, as the README tells an auditor to fill it in."""
    await page.get_by_label("Configure Codec Server").click()
    await page.get_by_text("Use my browser setting").click()
    await page.get_by_placeholder("Paste your endpoint here").fill(f"{app.url}/api/codec")
    await page.get_by_text("Include cross-origin credentials").click()
    await page.get_by_role("button", name="Apply").click()


async def test_the_temporal_ui_decodes_a_case_through_the_codec_for_a_signed_in_auditor(
    browser: Browser, ui_env: tuple[WorkflowEnvironment, str], tmp_path: Path
) -> None:
    env, ui = ui_env
    async with live_app(env, tmp_path, codec_origins=[ui]) as app:
        case_id = await _case_named(app)
        context, _ = await signed_in(browser, app, "aud1")
        try:
            page = await context.new_page()
            await page.goto(f"{ui}/namespaces/default/workflows/case-{case_id}")
            await expect(page.get_by_text(CIPHERTEXT).first).to_be_visible(timeout=30_000)
            await _set_codec(page, app)
            await page.reload()  # the page decodes what it loads from now on
            await expect(page.get_by_text(DECODED).first).to_be_visible(timeout=30_000)
            await screenshot(page, "temporal-ui-decoded")
        finally:
            await context.close()


async def test_without_the_codec_the_temporal_ui_shows_ciphertext_only(
    browser: Browser, ui_env: tuple[WorkflowEnvironment, str], tmp_path: Path
) -> None:
    env, ui = ui_env
    async with live_app(env, tmp_path, codec_origins=[ui]) as app:
        case_id = await _case_named(app)
        context = await new_context(browser, app)
        try:
            page = await context.new_page()
            await page.goto(f"{ui}/namespaces/default/workflows/case-{case_id}")
            await expect(page.get_by_text(CIPHERTEXT).first).to_be_visible(timeout=30_000)  # the input, as stored
            await screenshot(page, "temporal-ui-ciphertext")
            content = await page.content()
            assert '"ruleset_id"' not in content
            assert MARK not in content
        finally:
            await context.close()
