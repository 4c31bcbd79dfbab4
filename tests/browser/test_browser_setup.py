"""The real-browser setup works: Debian chromium starts, and Japanese renders in Noto Sans CJK, not as boxes."""

from __future__ import annotations

from playwright.async_api import Page

from tests.browser.conftest import rendered_fonts, screenshot

HEADING = "寄り添い 相談受付"
JAPANESE_PAGE = f"""<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<title>寄り添い</title>
<style>body {{ font-family: "Noto Sans CJK JP", sans-serif; font-size: 32px; margin: 40px; }}</style>
</head>
<body>
<h1 id="heading">{HEADING}</h1>
<p>ご相談の内容を入力してください。受付時間は平日九時から十七時です。</p>
</body>
</html>"""


async def test_japanese_renders_in_noto_sans_cjk(page: Page) -> None:
    await page.set_content(JAPANESE_PAGE)
    await page.evaluate("document.fonts.ready")
    assert await page.evaluate("document.documentElement.lang") == "ja"
    assert await page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "Asia/Tokyo"

    # Every glyph of the heading (its space included) is drawn by the installed Noto Sans CJK JP, not a fallback.
    assert await rendered_fonts(page, "#heading") == {"Noto Sans CJK JP": len(HEADING)}

    path = await screenshot(page, "browser-setup-japanese")
    assert path.is_file()
    assert path.stat().st_size > 5_000
