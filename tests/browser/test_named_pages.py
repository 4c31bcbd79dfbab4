"""The pages of the s6 fixes in Debian's chromium, each saved as a screenshot (test-artifacts/screenshots) with no
axe-core violation: a consultant's cases named by 受付番号 and client, the Japanese 500 page of a page that fails, and
a 支援調整会議 whose day T13 refuses, naming the case it did not add."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from fastapi.responses import HTMLResponse
from playwright.async_api import Browser, expect

from tests.browser.conftest import screenshot
from tests.browser.live import LiveApp, signed_in
from tests.browser.test_accessibility import Findings
from tests.web.apiharness import Api
from tests.web.meetings.waiting import consented, sitting


async def test_a_consultant_s_cases_the_500_page_and_a_case_not_added_to_a_sitting(
    browser: Browser,
    app: LiveApp,
    axe_source: str,
) -> None:
    findings = Findings(axe_source)
    assert app.app is not None

    def broken() -> HTMLResponse:
        raise RuntimeError("SELECT name FROM people -- 秘密")

    app.app.add_api_route("/test-only/broken", broken, methods=["GET"], response_class=HTMLResponse)
    async with httpx.AsyncClient(base_url=app.url) as http:
        api = Api(http=http, worker=app.worker)
        case_id = await consented(api, "画面 確子")
        number = (await api.get("sw1", f"/api/cases/{case_id}")).json()["case_number"]
        yesterday = (await api.server_day()) - timedelta(days=1)
        past = await sitting(api, held_on=yesterday.isoformat())
        context, csw = await signed_in(browser, app, "csw1")
        try:
            await csw.goto("/supervision/consultants/sw1")
            row = csw.locator(f'tr[data-case="{case_id}"]')
            await expect(row.locator("th")).to_contain_text(f"{number} 画面 確子")
            await expect(row.locator("th")).not_to_contain_text("No.")
            await screenshot(csw, "supervision-consultant-named")
            await findings.check(csw, "/supervision/consultants/sw1 (named)")

            answer = await csw.goto("/test-only/broken")
            assert answer is not None
            assert answer.status == 500
            await expect(csw.locator("h1")).to_have_text("エラーが発生しました（500）")
            await expect(csw.get_by_role("alert")).to_contain_text("サーバーで予期しないエラーが起きました")
            await expect(csw.locator("#request-id")).to_contain_text("問い合わせ番号")
            await expect(csw.locator("main")).not_to_contain_text("秘密")
            await screenshot(csw, "error-500")
            await findings.check(csw, "the 500 page")

            await csw.goto(f"/meetings/{past['meeting_id']}")
            await csw.locator(f'.waiting-case[data-case="{number}"] input').check()
            await csw.get_by_role("button", name="議題に加える").click()
            await expect(csw.locator("#not-added")).to_contain_text(f"{number} 画面 確子：G-DATES")
            await expect(csw.locator(".agenda-item")).to_have_count(0)
            await expect(csw.locator(f'.waiting-case[data-case="{number}"]')).to_be_visible()
            await screenshot(csw, "meeting-not-added")
            await findings.check(csw, "sitting with a case not added")
            await expect(csw).to_have_url(re.compile(r"/meetings/[0-9a-f]{32}/agenda$"))
        finally:
            await context.close()
    findings.assert_none()
