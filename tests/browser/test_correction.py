"""A 訂正 in Debian's chromium: sw1 opens the case page of a consultation whose client was recorded at 相談受付, picks
「相談受付・申込票 › 本人の基本情報 › 電話番号」 in 「記録の訂正」 by its Japanese name, first sends it without a reason
(the error says so, in Japanese, beside the field), then with one; the case file marks the field as corrected. Each
state of the page is saved as a screenshot and has no axe-core violation."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, expect

from tests.browser.conftest import screenshot
from tests.browser.live import LiveApp, signed_in
from tests.browser.test_accessibility import Findings
from tests.web.apiharness import Api

PHONE = "相談受付・申込票 › 本人の基本情報 › 電話番号"


async def test_a_consultant_corrects_a_recorded_field_with_a_reason(
    browser: Browser,
    app: LiveApp,
    axe_source: str,
) -> None:
    findings = Findings(axe_source)
    async with httpx.AsyncClient(base_url=app.url) as http:
        api = Api(http=http, worker=app.worker)
        case_id = await api.open_case("sw1", client={"name": "山田 花子", "phone": "090-1234-5678"})
    context, sw = await signed_in(browser, app, "sw1")
    try:
        await sw.goto(f"/cases/{case_id}")
        form = sw.locator("#cmd-correct_record")
        await form.locator("summary").click()
        await form.get_by_label("訂正する項目").select_option(label=PHONE)
        await form.get_by_label("訂正後の値", exact=False).fill("080-9999-0000")
        await form.get_by_role("button").click()
        await expect(sw.locator("#f-reason-error")).to_be_visible()
        await expect(sw.locator("#f-reason-error")).to_contain_text("入力してください")
        await screenshot(sw, "correction-refused")
        await findings.check(sw, "correction refused")

        form = sw.locator("#cmd-correct_record")
        await form.get_by_label("訂正する項目").select_option(label=PHONE)
        await form.get_by_label("訂正後の値", exact=False).fill("080-9999-0000")
        await form.get_by_label("訂正の理由").fill("相談受付時の聞き間違い（本人に確認済み）")
        await form.get_by_role("button").click()
        await expect(sw.get_by_role("status")).to_contain_text("記録しました")
        await screenshot(sw, "correction-done")
        await findings.check(sw, "correction done")
    finally:
        await context.close()
    async with httpx.AsyncClient(base_url=app.url) as http:
        record = (await Api(http=http, worker=app.worker).get("sw1", f"/api/cases/{case_id}")).json()["records"]
    assert record["intake"]["client"]["phone"] == "080-9999-0000"
    assert record["corrections"][0]["reason"] == "相談受付時の聞き間違い（本人に確認済み）"
    findings.assert_none()
