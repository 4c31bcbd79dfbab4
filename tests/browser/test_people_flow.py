"""Finding a 相談者 again, in Debian's chromium: sw1 takes a consultation and records the client (氏名, ふりがな,
生年月日) on the case's 相談受付 form; the inbox names the case by its 受付番号 with the client's name beside it; the
search box on /inbox finds her by kana typed in katakana with a full-width space, the one on /cases by part of it in
hiragana with a half-width space and her birth date; her page lists the case; the next consultation opens from there
with its form filled from her record. No URL the browser asked for holds her name or kana, in any spelling. Each page
is saved as a screenshot (test-artifacts/screenshots/people-*.png) and has no axe-core violation."""

from __future__ import annotations

import re
from urllib.parse import unquote

from playwright.async_api import Browser, Page, Request, expect

from tests.browser.conftest import screenshot
from tests.browser.live import LiveApp, signed_in
from tests.browser.test_accessibility import Findings
from tests.browser.test_ui_flows import send_form

NAME = "山田 花子"
KANA = "やまだ はなこ"
NUMBER = r"A市-\d{4}-00000"  # 受付番号: municipality, 年度, a serial per municipality and 年度
INTAKE: dict[str, object] = {
    "intake": {
        "received_on": "2026-11-30",
        "route": "visit_office",
        "topics": ["housing", "job_search"],
        "main_topic": "housing",
        "client": {"name": NAME, "name_kana": KANA, "birth_date": "1980-05-01", "phone": "090-1234-5678"},
    }
}
NEVER_IN_A_URL = ("山田", "花子", "やまだ", "はなこ", "ヤマダ", "ハナコ", "ﾔﾏﾀﾞ", "ﾊﾅｺ", "yamada", "hanako")


async def find(page: Page, typed: str, birth_date: str = "") -> None:
    """Type into the page's 「相談者を探す」 box, as a person would, and search (on the results page the box holds the
    last search: each field is filled anew)."""
    box = page.get_by_role("region", name="相談者を探す")
    await box.get_by_label("氏名・ふりがな（一部でも可）").fill(typed)
    await box.get_by_label("生年月日（任意）").fill(birth_date)
    await box.get_by_label("検索の目的").select_option(label="相談受付での本人確認")
    await box.get_by_role("button", name="検索").click()


def opened_case(app: LiveApp, page: Page) -> str:
    case_id = page.url.rsplit("/", 1)[1]
    app.worker.handles.append(app.worker.client.get_workflow_handle(f"case-{case_id}"))
    return case_id


async def test_sw_finds_a_client_again_by_kana_and_opens_her_next_consultation(
    browser: Browser,
    app: LiveApp,
    axe_source: str,
) -> None:
    findings = Findings(axe_source)
    context, sw = await signed_in(browser, app, "sw1")
    asked: list[str] = []

    def keep(request: Request) -> None:
        asked.append(request.url)

    context.on("request", keep)
    try:
        await sw.get_by_role("button", name="相談を受け付ける").click()
        await expect(sw).to_have_url(re.compile(r"/cases/[0-9a-f]+$"))
        first = opened_case(app, sw)
        await send_form(sw, "complete_intake", INTAKE)
        await expect(sw.locator("#client-name")).to_have_text(NAME)

        await sw.goto("/inbox")
        mine = sw.locator("section", has=sw.locator("#mine"))
        row = mine.locator("tr", has=sw.locator(f'a[href="/cases/{first}"]'))
        await expect(row.first).to_contain_text(re.compile(NUMBER + "1 " + NAME))
        await screenshot(sw, "people-inbox")

        await find(sw, "ヤマダ　ハナコ")  # katakana, with a full-width space
        results = sw.locator("#found + table")
        await expect(sw.get_by_role("heading", name="検索結果（1件）")).to_be_visible()
        await expect(results.get_by_role("link", name=NAME)).to_be_visible()
        await expect(results).to_contain_text("1980年5月1日")
        await screenshot(sw, "people-search")
        await findings.check(sw, "search results")

        await sw.goto("/cases")
        await find(sw, "やまだ はな", birth_date="1980-05-01")  # a part, in hiragana, with a half-width space
        await expect(results.get_by_role("link", name=NAME)).to_be_visible()
        await find(sw, "やまだ はな", birth_date="1980-05-02")
        await expect(sw.get_by_text("該当する相談者はいません。")).to_be_visible()
        await findings.check(sw, "no one found")
        await find(sw, "やまだ はな")
        await results.get_by_role("link", name=NAME).click()

        await expect(sw).to_have_url(re.compile(r"/people/[0-9a-f]+$"))
        person_url = sw.url
        await expect(sw.get_by_role("heading", level=1)).to_have_text(f"相談者：{NAME}")
        cases = sw.locator("section", has=sw.locator("#their-cases"))
        await expect(cases.get_by_role("link", name=re.compile(NUMBER + "1"))).to_be_visible()
        await screenshot(sw, "people-person")
        await findings.check(sw, "person")

        await sw.get_by_role("region", name="この方の新規相談を受け付ける").get_by_role("button").click()
        await expect(sw).to_have_url(re.compile(r"/cases/[0-9a-f]+$"))
        second = opened_case(app, sw)
        assert second != first
        await expect(sw.locator("#case-number")).to_have_text(re.compile(NUMBER + "2"))
        await sw.locator("#cmd-complete_intake summary").click()
        form = sw.locator("#cmd-complete_intake form")
        await expect(form.locator('[name="intake.client.name"]')).to_have_value(NAME)  # filled from her record
        await expect(form.locator('[name="intake.client.name_kana"]')).to_have_value(KANA)
        await expect(form.locator('[name="intake.client.birth_date"]')).to_have_value("1980-05-01")
        await screenshot(sw, "people-next-case")

        await sw.goto(person_url)
        await expect(cases.get_by_role("link", name=re.compile(NUMBER))).to_have_count(2)
    finally:
        await context.close()
    findings.assert_none()
    leaked = [url for url in asked if any(word in unquote(url) for word in NEVER_IN_A_URL)]
    assert asked, "no request was seen"
    assert not leaked, leaked
