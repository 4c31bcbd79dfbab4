"""The 支援調整会議 as a sitting in Debian's chromium: csw1 holds a sitting on /meetings with its members, puts three
waiting cases on its agenda (a plan put on the agenda, a plan only consented, a 終結 proposed), prints the packet
(one page per case), and records 承認 / 修正 / 終結を確認 with minutes for each from the sitting's page; each case
moves as its single-case commands would have moved it, and each case's page names the sitting in its history. Each
page is saved as a screenshot (test-artifacts/screenshots) and has no axe-core violation."""

from __future__ import annotations

import io
import re

import anyio
import httpx
import pypdf
from playwright.async_api import Browser, expect

from tests.browser.conftest import screenshot
from tests.browser.live import LiveApp, signed_in
from tests.browser.test_accessibility import Findings
from tests.web.apiharness import Api
from tests.web.meetings.waiting import MEMBERS, held_day, sitting_title, state, three_waiting

OUTCOMES = ("プラン承認", "プラン修正", "終結を確認")
EXPECTED = ("DECISION_PENDING", "PLAN_DRAFTING", "CLOSED")
NAMES = ("会議 一郎", "会議 二郎", "会議 三郎")


async def test_csw_holds_a_sitting_prints_its_packet_and_records_three_outcomes_from_one_page(
    browser: Browser,
    app: LiveApp,
    axe_source: str,
) -> None:
    findings = Findings(axe_source)
    async with httpx.AsyncClient(base_url=app.url) as http:
        api = Api(http=http, worker=app.worker)
        cases = await three_waiting(api)
        numbers = [(await api.get("sw1", f"/api/cases/{c}")).json()["case_number"] for c in cases]
        day = await held_day(api)  # the Temporal server's day (G-DATES: a 会議日 is not after the day it is recorded)
        title = sitting_title(day)
        context, csw = await signed_in(browser, app, "csw1")
        try:
            await csw.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="支援調整会議").click()
            await expect(csw).to_have_url(re.compile(r"/meetings$"))
            await findings.check(csw, "/meetings")
            await csw.get_by_label("開催日").fill(day.isoformat())
            await csw.get_by_label("名称（任意）").fill("第12回")
            for n, member in enumerate(MEMBERS):
                await csw.locator(f"#m-{n}-org").fill(member["organisation"])
                if member.get("is_municipal_official"):
                    await csw.locator(f"#m-{n}-official").check()
            await screenshot(csw, "meetings")
            await csw.get_by_role("button", name="会議を作成する").click()
            await expect(csw).to_have_url(re.compile(r"/meetings/[0-9a-f]{32}$"))
            await expect(csw.locator("#sitting-title")).to_have_text(f"{title}　第12回")

            for number in numbers:
                await csw.locator(f'.waiting-case[data-case="{number}"] input').check()
            await findings.check(csw, "sitting with waiting cases")
            await csw.get_by_role("button", name="議題に加える").click()
            await expect(csw.get_by_role("status")).to_have_text("議題に加えました。")
            await expect(csw.locator(".agenda-item")).to_have_count(3)
            for number, name in zip(numbers, NAMES, strict=True):
                await expect(csw.locator(f'.agenda-item[data-case="{number}"] h3')).to_contain_text(name)

            async with csw.expect_download() as download_info:
                await csw.get_by_role("link", name=re.compile("会議資料を印刷する")).click()
            packet = await (await download_info.value).path()
            pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(await anyio.Path(packet).read_bytes())).pages]
            assert len(pages) == 3
            assert all(number in page for number, page in zip(numbers, pages, strict=True))

            for n, (outcome, number) in enumerate(zip(OUTCOMES, numbers, strict=True), 1):
                item = csw.locator(f'.agenda-item[data-case="{number}"]')
                await item.get_by_label(re.compile("^結果")).select_option(label=outcome)
                await item.get_by_label(re.compile("^議事録")).fill(f"{outcome}とした（議題{n}）")
            await screenshot(csw, "meeting-agenda")
            await findings.check(csw, "sitting with its agenda")
            await csw.get_by_role("button", name="結果を記録する").click()
            await expect(csw.get_by_role("status")).to_have_text("結果を記録しました。")
            for outcome, number in zip(OUTCOMES, numbers, strict=True):
                await expect(csw.locator(f'.agenda-item[data-case="{number}"] .item-outcome')).to_contain_text(outcome)
            await screenshot(csw, "meeting-recorded")
            await findings.check(csw, "sitting recorded")
            assert [await state(api, c) for c in cases] == list(EXPECTED)

            for case_id in cases:
                await csw.goto(f"/cases/{case_id}")
                await expect(csw.locator("#sitting-list")).to_contain_text(title)
                await expect(csw.locator(".timeline .sitting-ref").first).to_contain_text("支援調整会議")
            await screenshot(csw, "case-sittings")
            await findings.check(csw, "case with its sittings")
        finally:
            await context.close()
    findings.assert_none()
