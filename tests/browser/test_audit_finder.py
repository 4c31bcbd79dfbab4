"""The auditor's finder in Debian's chromium: aud1 finds a case in the list on /audit (no id typed), opens its audit
view from the row, verifies it, reads who looked at its 要配慮 fields, and starts the integrity check, whose progress
the page shows. Each step is saved as a screenshot (test-artifacts/screenshots/audit-*.png)."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Browser, expect

from statemachines.case.transitions import Trigger
from tests.browser.conftest import screenshot
from tests.browser.live import LiveApp, signed_in
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api

T = Trigger


async def _assessed_and_read(app: LiveApp) -> str:
    """A case through its アセスメント, whose record csw1 has read (an access-log entry)."""
    async with httpx.AsyncClient(base_url=app.url) as http:
        api = Api(http=http, worker=app.worker)
        case_id = await api.open_case("sw1")
        for trigger in (T.COMPLETE_INTAKE, T.APPLY_FOR_SUPPORT, T.START_ASSESSMENT, T.COMPLETE_ASSESSMENT):
            response = await api.command("sw1", case_id, trigger.value, VALID_PAYLOADS[trigger])
            assert response.status_code == 200, response.text
        assert (await api.get("csw1", f"/api/cases/{case_id}")).status_code == 200
        await api.open_case("sw1")  # a newer case above it in the list
    return case_id


async def test_an_auditor_finds_a_case_opens_it_and_reads_its_access_log(browser: Browser, app: LiveApp) -> None:
    case_id = await _assessed_and_read(app)
    context, aud = await signed_in(browser, app, "aud1")
    try:
        await aud.get_by_role("link", name="監査", exact=True).click()
        cases = aud.locator("#audit-cases tbody tr")
        await expect(cases).to_have_count(2)
        await expect(aud.locator("#audit-cases")).to_contain_text("A市 福祉事務所")
        await expect(aud.locator("#audit-cases")).to_contain_text("未検証")
        await screenshot(aud, "audit-finder")

        await aud.get_by_label("状態").select_option(label="支援調整会議 付議待ち")  # no such case yet
        await aud.get_by_role("button", name="絞り込む").click()
        await expect(aud.get_by_text("条件に合うものはありません。")).to_be_visible()
        await aud.get_by_label("状態").select_option(label="プラン（案）作成")
        await aud.get_by_role("button", name="絞り込む").click()
        await expect(cases).to_have_count(1)
        await aud.locator(f'tr[data-case="{case_id}"] a').click()

        number = re.compile(r"受付番号 A市-\d{4}-000001（プラン（案）作成）")  # the first case opened
        heading = aud.get_by_role("heading", level=2, name=number)
        await expect(heading).to_be_visible()
        await aud.get_by_role("button", name="検証").click()
        await expect(aud.locator("#verdict")).to_have_attribute("data-verdict", "ok")
        await screenshot(aud, "audit-case")

        await aud.get_by_role("link", name="このケースの閲覧記録").click()
        log = aud.locator("#access-log")
        await expect(log).to_contain_text("主任相談支援員 鈴木")
        await expect(log).to_contain_text("ケースの閲覧（API）")
        await aud.get_by_label("閲覧者").select_option(label="主任相談支援員 鈴木")
        await aud.get_by_role("button", name="絞り込む").click()
        await expect(log.locator("tbody tr")).to_have_count(1)
        await screenshot(aud, "audit-access-log")

        await aud.goto("/audit")
        await aud.get_by_role("button", name="今すぐ検査する").click()
        await expect(aud.get_by_role("status")).to_have_text("整合性検査を開始しました。")
        run = aud.locator("#run")
        for _ in range(60):
            if await run.get_attribute("data-status") == "finished":
                break
            await aud.get_by_role("link", name="進み具合を更新").click()
        await expect(run).to_have_attribute("data-status", "finished")
        await expect(run).to_have_attribute("data-checked", "2")
        await expect(run).to_contain_text("A市 監査担当 山本")
        await expect(aud.locator(f'tr[data-case="{case_id}"] [data-integrity]')).to_contain_text("正常")
        await screenshot(aud, "audit-integrity-run")
    finally:
        await context.close()
