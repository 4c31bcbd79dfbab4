"""Lists paged by cursor over HTTP: /api/tasks and /api/cases hand back ``next_cursor``, a bad or doubled page
position is a 422 that says what to do, and the inbox page links 「次へ」 through a queue longer than one page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from statemachines.kernel.events import TaskSpec
from store.repository import CaseRepository
from tests.web.apiharness import Api
from tests.web.pageclient import browser_for
from web.tasks.pages import INBOX_PAGE

DUE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def queue(sessions: sessionmaker[Session], case_id: str, count: int) -> None:
    """``count`` unassigned 相談支援員 tasks on the case: due in threes at the same minute, every seventh undated."""
    with sessions.begin() as session:
        repo = CaseRepository(session)
        for n in range(count):
            due = None if n % 7 == 0 else DUE + timedelta(minutes=n // 3)
            spec = TaskSpec(
                task_id=f"paging-{(n * 37) % count:04d}", kind="paging", title_ja=f"確認 {n}", title_en=f"Check {n}",
                role="SW", assignee=None, due_at=due, command="record_contact",
            )  # fmt: skip
            repo.open_task(case_id, spec, seq=0, at=DUE)


async def _walk(api: Api, url: str, **params: Any) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        response = await api.get("sw1", url, **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([item.get("task_id") or item["case_id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_the_api_pages_tasks_and_cases_by_cursor_without_gaps_or_repeats(pages_api: Api) -> None:
    api = pages_api
    case_id = await api.open_case("sw1")
    await api.open_case("sw1")
    queue(api.worker.sessions, case_id, 60)

    whole = (await api.get("sw1", "/api/tasks", scope="unassigned", limit=500)).json()["items"]
    pages = await _walk(api, "/api/tasks", scope="unassigned", limit=7)

    assert [t for page in pages for t in page] == [t["task_id"] for t in whole]
    assert len({t["task_id"] for t in whole}) == len(whole) >= 60
    cases = await _walk(api, "/api/cases", limit=1)
    assert len(cases) >= 2
    assert len({c for page in cases for c in page}) == len(cases)


async def test_a_bad_or_doubled_page_position_is_refused_saying_what_to_do(pages_api: Api) -> None:
    api = pages_api
    bad = await api.get("sw1", "/api/tasks", cursor="not-a-cursor")
    assert bad.status_code == 422
    assert "next_cursor" in bad.json()["errors"][0]["msg"]
    await api.open_case("sw1")
    await api.open_case("sw1")
    cursor = (await api.get("sw1", "/api/cases", limit=1)).json()["next_cursor"]
    assert cursor is not None

    doubled = await api.get("sw1", "/api/cases", cursor=cursor, offset=1)

    assert doubled.status_code == 422
    assert [e["loc"] for e in doubled.json()["errors"]] == [["query", "cursor"], ["query", "offset"]]
    assert "一緒に使えません" in doubled.json()["errors"][0]["msg"]


NEXT = re.compile(r'<a href="([^"]+)" rel="next">次へ</a>')


async def test_the_inbox_links_next_through_a_queue_longer_than_a_page(pages_api: Api) -> None:
    api = pages_api
    case_id = await api.open_case("sw1")
    queue(api.worker.sessions, case_id, INBOX_PAGE + 30)
    async with browser_for(api) as browser:
        await browser.login("sw1")
        first = await browser.get("/inbox")
        links = NEXT.findall(first.text)
        assert len(links) == 1, "the unassigned queue has a next page, my own tasks do not"
        second = await browser.get(unescape(links[0]))

    assert second.status_code == 200
    assert NEXT.search(second.text) is None
    assert "最初へ" in second.text
    shown = set(re.findall(r"確認 \d+", first.text)) | set(re.findall(r"確認 \d+", second.text))
    assert {f"確認 {n}" for n in range(INBOX_PAGE + 30)} <= shown
