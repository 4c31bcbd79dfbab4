"""An unforeseen failure on a page path answers the Japanese error page (500, no details of the failure, the request's
id to quote to operations); on an API path the JSON problem, as before. The failing routes are added to the app here,
for the test only."""

from __future__ import annotations

import logging

import pytest
from fastapi.responses import HTMLResponse

from tests.web.apiharness import Api
from tests.web.pageclient import browser_for, pages_api

__all__ = ["pages_api"]

SECRET = "SELECT * FROM people WHERE name = '秘密 太郎'"


def _add_failing_routes(api: Api) -> None:
    assert api.app is not None

    def broken_page() -> HTMLResponse:
        raise RuntimeError(SECRET)

    def broken_api() -> dict[str, str]:
        raise RuntimeError(SECRET)

    api.app.add_api_route("/test-only/broken", broken_page, methods=["GET"], response_class=HTMLResponse)
    api.app.add_api_route("/api/test-only/broken", broken_api, methods=["GET"])


async def test_a_page_that_fails_answers_the_japanese_error_page_and_the_api_its_problem(
    pages_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    _add_failing_routes(pages_api)
    caplog.set_level(logging.ERROR)
    async with browser_for(pages_api) as sw:
        await sw.login("sw1")
        page = await sw.get("/test-only/broken")
        api = await sw.http.get("/api/test-only/broken", headers={"X-Request-ID": "req-api-1"})
        quoted = await sw.http.get("/test-only/broken", headers={"X-Request-ID": "req-page-1"})

    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")  # the page's headers still
    assert '<html lang="ja"' in page.text
    assert "サーバーで予期しないエラーが起きました" in page.text
    assert page.headers["X-Request-ID"] in page.text
    assert "秘密" not in page.text
    assert "SELECT" not in page.text
    assert "RuntimeError" not in page.text
    assert "Traceback" not in page.text
    assert ".py" not in page.text
    assert (quoted.status_code, quoted.headers["X-Request-ID"]) == (500, "req-page-1")
    assert '<p id="request-id">問い合わせ番号：<code>req-page-1</code></p>' in quoted.text
    assert api.status_code == 500
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["code"] == "internal_error"
    assert "秘密" not in api.text
    assert "秘密" not in caplog.text  # logged by its type and place only, as before
