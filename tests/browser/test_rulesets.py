"""The rule sets' program values in Debian's chromium (issue 18 item 9): the administrator opens 「事業の値」 from the
navigation, reads each value in force in Japanese (名称, 値, 出典, 適用開始日), is refused a period typed in words (the
field marked, the reason in Japanese), then sets A市's shelter length from a day on and finds it in the new version.
axe-core reports no WCAG 2.1 A/AA violation at any step. Screenshots: test-artifacts/screenshots/rulesets-*.png."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from services.rulesets import DURATION_HINT
from tests.browser.conftest import screenshot
from tests.browser.live import LiveApp, signed_in
from tests.browser.test_accessibility import Findings


async def test_an_administrator_reads_and_sets_a_municipality_s_program_value(
    browser: Browser, app: LiveApp, axe_source: str
) -> None:
    findings = Findings(axe_source)
    context, admin = await signed_in(browser, app, "admin")
    try:
        await admin.get_by_role("link", name="事業の値", exact=True).click()
        await expect(admin.get_by_role("heading", level=1)).to_have_text("ルールセット（事業の値）")
        national = admin.locator("section[data-from]").first
        for header in ("事業", "名称", "値", "出典", "適用開始日"):
            await expect(national.get_by_role("columnheader", name=header, exact=True)).to_be_visible()
        resume = national.locator('tr[data-value="housing_benefit.resume_within"]')
        await expect(resume).to_contain_text("支給停止から再開できる期間（過ぎると支給終了）")
        await expect(resume).to_contain_text("2年")
        await expect(resume).to_contain_text("施行規則§12②")
        await findings.check(admin, "rulesets")
        await screenshot(admin, "rulesets")

        form = admin.get_by_role("region", name="自治体の値を設定する")
        await form.get_by_label("自治体").select_option(label="A市 福祉事務所")
        await form.get_by_label("名称").select_option(
            label="居住支援事業／一時生活支援事業：一時生活支援（シェルター）の利用期間"
        )
        await form.get_by_label("値").fill("2 months")
        await form.get_by_label("出典").fill("市一時生活支援事業実施要綱 第5条 [LOCAL]")
        await form.get_by_label("適用開始日").fill("2028-04-01")
        await form.get_by_role("button", name="登録する").click()
        value = admin.locator("#r-value")
        await expect(value).to_have_attribute("aria-invalid", "true")
        await expect(admin.locator("#e-value")).to_have_text(DURATION_HINT)
        await findings.check(admin, "rulesets refused")
        await screenshot(admin, "rulesets-refused")

        await value.fill("P2M")
        await admin.get_by_role("button", name="登録する").click()
        await expect(admin.get_by_role("status")).to_have_text("事業の値を登録しました。")
        mine = admin.locator('section[data-from="2028-04-01"]')
        await expect(mine.get_by_role("heading", level=2)).to_contain_text("A市 福祉事務所")
        shelter = mine.locator('tr[data-value="housing_support.shelter_max"]')
        await expect(shelter).to_contain_text("2か月")
        await expect(shelter).to_contain_text("（自治体の値）")
        await expect(shelter).to_contain_text("市一時生活支援事業実施要綱 第5条")
        await findings.check(admin, "rulesets set")
        await screenshot(admin, "rulesets-set")
    finally:
        await context.close()
    findings.assert_none()
