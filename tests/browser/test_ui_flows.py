"""The UI alone, in Debian's chromium: a case from intake to 終結 by sw1, csw1 and mun1 (the 終結 once the program its
支援決定 started has ended); a refused step shows its guard; ops1's pipeline changes by itself; aud1 looks at the case
as of a moment and verifies it. Each page is saved as a screenshot (test-artifacts/screenshots)."""

from __future__ import annotations

import re

from playwright.async_api import Browser, BrowserContext, Page, expect

from statemachines.case.record import CaseState
from statemachines.case.transitions import Trigger
from tests.browser.conftest import rendered_fonts, screenshot
from tests.browser.live import LiveApp, signed_in
from tests.statemachines.paths import PATHS
from tests.web.pageclient import form_fields

STEP_USER = {"check_plan": "csw1", "decide_support": "mun1"}


async def send_form(page: Page, command: str, payload: dict[str, object], form_id: str | None = None) -> None:
    """Open the command's form on the case page, fill it as a person would, and send it."""
    details = page.locator(f"#{form_id or f'cmd-{command}'}")
    if await details.get_attribute("open") is None:
        await details.locator("summary").click()
    form = details.locator("form")
    for name, value in form_fields(payload):
        field = form.locator(f'[name="{name}"]')
        kind = await field.first.get_attribute("type")
        tag = await field.first.evaluate("e => e.tagName")
        if kind == "checkbox":
            if await field.count() > 1:
                await form.locator(f'[name="{name}"][value="{value}"]').check()
            else:
                await field.check()
        elif tag == "SELECT":
            await field.select_option(value)
        else:
            await field.fill(value)
    await form.locator('button[type="submit"]').click()


async def end_the_program(page: Page, case_url: str) -> None:
    """The 終結 waits for the 就労準備支援 the 支援決定 started: 「進めない理由」 says so, the consultant ends it
    (利用中止) from its panel, and the 終結's form comes once the case has heard of it."""
    await page.goto(case_url)
    running = "利用が終わっていない事業があります（就労準備支援事業）"
    await expect(page.locator("section.blocked")).to_contain_text(running)
    await screenshot(page, "case-programs-running")
    reason: dict[str, object] = {"reason": "就職したため利用を終える"}
    await send_form(page, "withdraw", reason, form_id="prog-work_readiness-withdraw")
    await expect(page.locator('[role="status"]')).to_contain_text("記録しました。")
    for _ in range(50):  # the enrolment tells the case a moment after its own command
        await page.goto(case_url)
        if await page.locator("#cmd-confirm_closure").count():
            return
        await page.wait_for_timeout(100)
    raise AssertionError("the 終結 stayed blocked after the program ended")


async def test_a_case_goes_from_intake_to_closure_through_the_ui(browser: Browser, app: LiveApp) -> None:
    sw_context, sw = await signed_in(browser, app, "sw1")
    ops_context, ops = await signed_in(browser, app, "ops1")
    try:
        await ops.goto("/pipeline?refresh=2")
        intake_count = ops.locator('[data-state="INTAKE"] > .count')
        before = int(await intake_count.get_attribute("data-count") or "0")
        await screenshot(ops, "pipeline")

        await sw.goto("/inbox")
        await screenshot(sw, "inbox")
        await sw.get_by_role("button", name="相談を受け付ける").click()
        await expect(sw).to_have_url(re.compile(r"/cases/[0-9a-f]+$"))
        case_url = sw.url
        case_id = case_url.rsplit("/", 1)[1]
        case_handle = app.worker.client.get_workflow_handle(f"case-{case_id}")
        app.worker.handles.append(case_handle)
        # the wall screen refreshes itself: one more case in 相談受付, without a reload
        await expect(intake_count).to_have_attribute("data-count", str(before + 1), timeout=15_000)

        # An impossible step: the intake without any topic is refused with its guard and legal basis.
        await send_form(sw, "complete_intake", {"intake": {"received_on": "2026-11-30"}})
        refusal = sw.locator("#refused")
        await expect(refusal).to_contain_text("G-INTAKE")
        await expect(refusal).to_contain_text("根拠")
        await screenshot(sw, "case-refused")

        others: dict[str, tuple[BrowserContext, Page]] = {}
        for trigger in PATHS[CaseState.CLOSED]:
            user = STEP_USER.get(trigger.value, "sw1")
            if user == "sw1":
                page = sw
            else:
                if user not in others:
                    others[user] = await signed_in(browser, app, user)
                page = others[user][1]
            if trigger is Trigger.CONFIRM_CLOSURE:
                await end_the_program(sw, case_url)
            await page.goto(case_url)
            # a contact dated the day the case opened, on the server's clock (G-DATES)
            await send_form(page, trigger.value, await app.worker.contact(case_handle, trigger))
            await expect(page.locator('[role="status"]')).to_contain_text("記録しました。")
            if trigger.value in ("submit_plan", "decide_support"):
                await screenshot(page, f"case-after-{trigger.value}")
        await sw.goto(case_url)
        await expect(sw.locator("#case-state")).to_have_attribute("data-state", "CLOSED")
        assert (await rendered_fonts(sw, "h1")).get("Noto Sans CJK JP", 0) > 0
        await screenshot(sw, "case-closed")
        for context, _ in others.values():
            await context.close()
    finally:
        await sw_context.close()
        await ops_context.close()

    aud_context, aud = await signed_in(browser, app, "aud1")
    try:
        await aud.get_by_role("link", name="監査", exact=True).click()
        await aud.locator(f'tr[data-case="{case_id}"] a').click()  # found in the list, no id typed
        await aud.get_by_label("この時点の状態").fill("2020-01-01T00:00")
        await aud.get_by_role("button", name="表示").click()
        await expect(aud.get_by_text("この時点ではケースはまだありませんでした。")).to_be_visible()
        await aud.get_by_label("この時点の状態").fill("2099-01-01T00:00")
        await aud.get_by_role("button", name="表示").click()
        await expect(aud.locator("#asof-state")).to_have_attribute("data-state", "CLOSED")
        await aud.get_by_role("button", name="検証").click()
        await expect(aud.locator("#verdict")).to_have_attribute("data-verdict", "ok")
        await screenshot(aud, "audit-verified")
        await aud.goto("/process")
        await expect(aud.locator('svg[role="img"]')).to_be_visible()
        await screenshot(aud, "process")
    finally:
        await aud_context.close()


async def test_the_login_page_is_japanese_and_keyboard_usable(page: Page, app: LiveApp) -> None:
    await page.goto(f"{app.url}/login")
    assert await page.get_attribute("html", "lang") == "ja"
    await expect(page.get_by_label("ユーザーID")).to_be_focused()  # typing can start at once
    await page.keyboard.type("sw1")
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("パスワード")).to_be_focused()
    await page.keyboard.type("wrong")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("alert")).to_contain_text("ユーザーIDまたはパスワードが正しくありません。")
    await screenshot(page, "login-failed")
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
