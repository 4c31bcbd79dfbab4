"""Supervision in Debian's chromium: csw1 opens /supervision and sees the caseloads, goes to sw1's cases and one case,
leaves a 助言・指導 that then appears in sw1's /inbox, and flags the case as a 支援困難事例, which the caseloads then
count. Each page is saved as a screenshot (test-artifacts/screenshots) and has no axe-core violation."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests.browser.conftest import screenshot
from tests.browser.live import LiveApp, signed_in
from tests.browser.test_accessibility import Findings
from tests.browser.test_ui_flows import send_form

ADVICE = "家計の状況を本人と確認し、家計改善支援の利用を検討してください"
REASON = "多重債務と家族関係の課題が重なっている"


async def test_csw_supervises_from_the_caseloads_to_advice_and_a_difficult_case(
    browser: Browser,
    app: LiveApp,
    axe_source: str,
) -> None:
    findings = Findings(axe_source)
    sw_context, sw = await signed_in(browser, app, "sw1")
    csw_context, csw = await signed_in(browser, app, "csw1")
    try:
        await sw.get_by_role("button", name="相談を受け付ける").click()
        await expect(sw).to_have_url(re.compile(r"/cases/[0-9a-f]+$"))
        case_id = sw.url.rsplit("/", 1)[1]
        app.worker.handles.append(app.worker.client.get_workflow_handle(f"case-{case_id}"))

        await csw.goto("/supervision")
        row = csw.locator('tr[data-consultant="sw1"]')
        await expect(row.locator("th")).to_have_text("相談支援員 佐藤")
        await expect(row.locator('[data-count="open"]')).to_have_text("1")
        await expect(row.locator('[data-count="difficult"]')).to_have_text("0")
        await screenshot(csw, "supervision")
        await findings.check(csw, "/supervision")

        await row.get_by_role("link", name="相談支援員 佐藤").click()
        await expect(csw).to_have_url(re.compile(r"/supervision/consultants/sw1"))
        await expect(csw.locator(f'tr[data-case="{case_id}"]')).to_be_visible()
        await screenshot(csw, "supervision-consultant")
        await findings.check(csw, "/supervision/consultants/sw1")

        await csw.locator(f'tr[data-case="{case_id}"] th a').click()
        await expect(csw).to_have_url(re.compile(f"/cases/{case_id}$"))
        await send_form(csw, "give_advice", {"advice_text": ADVICE})
        await expect(csw.locator("#advice-list")).to_contain_text(ADVICE)
        await send_form(csw, "flag_difficult_case", {"reason": REASON})
        await expect(csw.locator("#difficult-case")).to_contain_text(REASON)
        await screenshot(csw, "case-supervised")
        await findings.check(csw, "case with advice and flag")

        await sw.goto("/inbox")
        mine = sw.locator("section", has=sw.locator("#mine"))
        await expect(mine.get_by_role("row", name=re.compile("助言・指導の確認"))).to_be_visible()
        await screenshot(sw, "inbox-advice")

        await csw.goto("/supervision")
        await expect(csw.locator('tr[data-consultant="sw1"] [data-count="difficult"]')).to_have_text("1")
        await expect(csw.locator("#caseload-table tfoot [data-count='difficult']")).to_have_text("1")
        await screenshot(csw, "supervision-after")
    finally:
        await sw_context.close()
        await csw_context.close()
    findings.assert_none()
