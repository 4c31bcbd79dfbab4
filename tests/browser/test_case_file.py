"""The case file in Debian's chromium: sw1 reads every sheet of a case walked to 終結 through the API — headings and
labels in Japanese, no JSON anywhere — goes from the contents to a sheet, unfolds an earlier version of the plan,
filters the 経過一覧 by kind and reaches the forms in one click. Each sheet is saved as a screenshot
(test-artifacts/screenshots/casefile-*.png)."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import screenshot
from tests.browser.live import LiveApp, signed_in
from tests.web.apiharness import Api
from tests.web.cases.walked import walked_to_closure

SHEETS = {  # id -> heading, in the order of the process
    "sheet-intake": "相談受付・申込票",
    "sheet-assessment": "インテーク・アセスメントシート",
    "sheet-plan": "プランシート",
    "sheet-meetings": "支援調整会議",
    "sheet-decision": "支援決定",
    "sheet-programs": "事業の記録",
    "sheet-progress": "支援経過記録（経過一覧）",
    "sheet-evaluation": "評価シート",
    "sheet-closure": "終結",
}
READ = {  # what each sheet shows of the case: a label and its value, in Japanese
    "sheet-intake": ("電話番号", "080-1111-2222 訂正済み（No.1、"),
    "sheet-assessment": ("健康・障害・受診状況", "腰痛"),
    "sheet-plan": ("目標及びその達成時期", "家計を立て直す"),
    "sheet-meetings": ("結果", "終結の確認"),
    "sheet-decision": ("事業", "住居確保給付金"),
    "sheet-programs": ("求職活動の状況", "2026年12月"),
    "sheet-progress": ("助言・指導の内容", "次回面談で家計の状況を本人と一緒に確認してください"),
    "sheet-evaluation": ("目標2", "はい"),
    "sheet-closure": ("終結理由", "就職"),
}


async def _no_json(page: Page) -> None:
    """No JSON on the page, and no internal name (snake_case) shown as text in the case file."""
    html = await page.content()
    assert '{"' not in html
    assert "<pre" not in html
    sheets = await page.locator("#case-file-section").inner_html()
    assert re.findall(r">\s*([a-z]+(?:_[a-z]+)+)\s*<", sheets) == []


async def test_a_consultant_reads_every_sheet_of_a_closed_case(browser: Browser, app: LiveApp) -> None:
    async with httpx.AsyncClient(base_url=app.url) as http:
        walked = await walked_to_closure(Api(http=http, worker=app.worker))
    context, sw = await signed_in(browser, app, "sw1")
    try:
        await sw.goto(f"/cases/{walked.case_id}")
        await expect(sw.locator("#case-state")).to_have_text("終結")
        contents = sw.get_by_role("navigation", name="目次")
        await expect(contents.get_by_role("link")).to_have_text(list(SHEETS.values()))
        await _no_json(sw)
        await screenshot(sw, "casefile")
        for sheet_id, heading in SHEETS.items():
            sheet = sw.locator(f"#{sheet_id}")
            await expect(sheet.get_by_role("heading", name=heading, exact=True)).to_be_visible()
            label, value = READ[sheet_id]
            row = sheet.locator("dl.sheet > div").filter(has=sw.get_by_text(label, exact=True)).filter(has_text=value)
            await expect(row.first).to_be_visible()
            await screenshot(sw, f"casefile-{sheet_id.removeprefix('sheet-')}", sheet)

        await contents.get_by_role("link", name="プランシート").click()
        await expect(sw).to_have_url(re.compile(r"#sheet-plan$"))
        plan = sw.locator("#sheet-plan")
        await expect(plan.get_by_role("heading", name="第1版からの変更")).to_be_visible()
        await expect(plan).to_contain_text("目標及びその達成時期に追加：「家計を立て直す」")
        earlier = plan.locator("details.sheet-part")
        await expect(earlier.get_by_text("体調に配慮")).to_be_hidden()
        await earlier.get_by_text("以前の版：第1版").click()
        await expect(earlier.get_by_text("体調に配慮")).to_be_visible()
        await screenshot(sw, "casefile-plan-versions", plan)

        progress = sw.locator("#sheet-progress")
        await progress.get_by_role("link", name="助言・指導（1）").click()
        await expect(sw).to_have_url(re.compile(r"\?kind=advices#sheet-progress$"))
        await expect(progress.locator("tbody > tr")).to_have_count(1)
        await expect(progress.locator("tbody > tr")).to_contain_text("助言・指導")
        await expect(progress.get_by_role("link", name="助言・指導（1）")).to_have_attribute("aria-current", "true")
        await _no_json(sw)
        await screenshot(sw, "casefile-progress-advices", progress)
        await progress.get_by_role("link", name="すべて").click()
        await expect(progress.locator("tbody > tr")).to_have_count(4)
        await expect(progress.locator('tr[data-kind="corrections"]')).to_contain_text(
            "相談受付・申込票 › 本人の基本情報 › 電話番号"
        )

        await sw.get_by_role("link", name="操作へ").click()
        await expect(sw).to_have_url(re.compile(r"#actions$"))
        await expect(sw.get_by_role("heading", name="できる操作")).to_be_in_viewport()
    finally:
        await context.close()
