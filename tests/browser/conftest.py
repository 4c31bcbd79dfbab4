"""Real-browser fixtures: Debian's chromium (``make browser``) driven by Playwright, never a downloaded browser."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Locator, Page, async_playwright
from temporalio.testing import WorkflowEnvironment

from tests.browser.live import LiveApp, live_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"


def _require_chromium() -> str:
    if not CHROMIUM.is_file():
        missing = "Debian chromium is not installed: run `make browser` (apt-get install chromium fonts-noto-cjk)"
        if os.environ.get("YORISOI_REQUIRE_BROWSER"):  # CI: a browser that failed to install must not pass quietly
            pytest.fail(missing)
        pytest.skip(missing)
    return str(CHROMIUM)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One headless Debian chromium per session; skips the browser tests when it is not installed."""
    executable = _require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh context and page per test, as a Japanese user in Tokyo sees it."""
    context = await browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900}
    )
    try:
        yield await context.new_page()
    finally:
        await context.close()


@pytest_asyncio.fixture(loop_scope="session")
async def app(time_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[LiveApp]:
    """The whole app over real HTTP with a worker behind it, on the shared time-skipping server (live.py)."""
    async with live_app(time_env, tmp_path) as running:
        yield running


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe.min.js as ``npm ci`` installed it; its absence skips, or fails where the browser tests must run (CI)."""
    if not AXE.is_file():
        missing = "axe-core is not installed: run `make browser` (npm ci installs it as package-lock.json pins it)"
        if os.environ.get("YORISOI_REQUIRE_BROWSER"):  # CI: an install that failed must not pass quietly
            pytest.fail(missing)
        pytest.skip(missing)
    return AXE.read_text(encoding="utf-8")


async def screenshot(page: Page, name: str, part: Locator | None = None) -> Path:
    """Save a full-page PNG (or of ``part`` of it only) to test-artifacts/screenshots/<name>.png under the repo root
    and return its path."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"screenshot name must be a plain file name, not {name!r}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if part is not None:
        await part.screenshot(path=path)
    else:
        await page.screenshot(path=path, full_page=True)
    return path


async def rendered_fonts(page: Page, selector: str) -> dict[str, int]:
    """The platform fonts chromium really drew ``selector``'s text with, as family name -> glyph count.

    ``document.fonts.check()`` cannot tell this: it is true even for a font that is not installed at all.
    """
    cdp = await page.context.new_cdp_session(page)
    try:
        await cdp.send("DOM.enable")
        await cdp.send("CSS.enable")
        document = await cdp.send("DOM.getDocument")
        node = await cdp.send("DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": selector})
        if not node["nodeId"]:
            raise LookupError(f"no element matches {selector!r}")
        fonts = await cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
        return {str(font["familyName"]): int(font["glyphCount"]) for font in fonts["fonts"]}
    finally:
        await cdp.detach()
