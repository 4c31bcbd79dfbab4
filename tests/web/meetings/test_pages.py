"""The sitting's pages over HTTP: hold a sitting from /meetings, put the waiting cases on its agenda, record each
case's outcome and minutes from one page (a refused case beside its reasons, the others recorded), and the case's
page listing the sittings that discussed it, its timeline naming the sitting; names and 受付番号, never ids."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.web.apiharness import Api
from tests.web.meetings.waiting import (
    MEMBERS,
    closure_proposed,
    consented,
    held_day,
    on_agenda,
    sitting_title,
    state,
    three_waiting,
)
from tests.web.pageclient import Browser, browser_for, pages_api

__all__ = ["pages_api"]

MEMBER_FIELDS = {
    "members.0.organisation": MEMBERS[0]["organisation"],
    "members.0.role_label": "相談支援員",
    "members.1.organisation": MEMBERS[1]["organisation"],
    "members.1.is_municipal_official": "on",
    "members.2.organisation": MEMBERS[2]["organisation"],
}


async def _hold(browser: Browser, **fields: str) -> str:
    body = {"municipality": "city-a", "held_on": (await held_day(browser.api)).isoformat(), **MEMBER_FIELDS, **fields}
    response = await browser.submit("/meetings", "/meetings", body)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/meetings/[0-9a-f]{32}", location)
    return location


async def test_a_sitting_is_held_and_records_every_case_from_its_page(pages_api: Api) -> None:
    cases = await three_waiting(pages_api)
    title = sitting_title(await held_day(pages_api))
    async with browser_for(pages_api) as csw:
        await csw.login("csw1")
        url = await _hold(csw)
        page = await csw.get(url)
        added = await csw.submit(url, f"{url}/agenda", [("case_id", c) for c in cases])
        agenda = await csw.get(url)
        outcomes = {f"outcome.{c}": o for c, o in zip(cases, ("approve", "revise", "confirm_closure"), strict=True)}
        minutes = {f"minutes.{c}": f"議事録 {n}" for n, c in enumerate(cases, 1)}
        recorded = await csw.submit(url, f"{url}/outcomes", {**outcomes, **minutes})
        after = await csw.get(f"{url}?message=recorded")
        case_page = await csw.get(f"/cases/{cases[2]}")
        listed = await csw.get("/meetings")

    assert title in page.text
    assert "会議 一郎" in page.text  # waiting cases by name and 受付番号
    assert (added.status_code, added.headers["location"]) == (303, f"{url}?message=added")
    assert agenda.text.count('class="card agenda-item"') == 3
    assert 'href="' + url + '/packet.pdf"' in agenda.text
    assert (recorded.status_code, recorded.headers["location"]) == (303, f"{url}?message=recorded")
    assert [await state(pages_api, c) for c in cases] == ["DECISION_PENDING", "PLAN_DRAFTING", "CLOSED"]
    assert "結果を記録しました。" in after.text
    for word in ("プラン承認", "プラン修正", "終結を確認", "議事録 3"):
        assert word in after.text
    assert 'id="sitting-list"' in case_page.text
    assert f'<a href="{url}">{title}</a>（終結評価の確認：終結を確認）' in case_page.text
    assert "議事録 3" in case_page.text
    assert case_page.text.count('class="sitting-ref"') == 1  # the timeline names the sitting at its 終結 (T24)
    assert title in listed.text
    for id_ in cases:
        assert f">{id_}<" not in after.text


async def test_refused_cases_are_shown_beside_their_reasons(pages_api: Api) -> None:
    plan_case, closure_case = await on_agenda(pages_api, "拒否 一子"), await closure_proposed(pages_api, "拒否 二子")
    async with browser_for(pages_api) as csw:
        await csw.login("csw1")
        url = await _hold(csw, **{"members.1.is_municipal_official": ""})
        await csw.submit(url, f"{url}/agenda", [("case_id", plan_case), ("case_id", closure_case)])
        outcomes = {f"outcome.{plan_case}": "approve", f"outcome.{closure_case}": "confirm_closure"}
        answer = await csw.submit(url, f"{url}/outcomes", outcomes)

    assert answer.status_code == 409
    assert 'id="no-official"' in answer.text
    assert "記録できませんでした" in answer.text
    assert "<strong>G5</strong>" in answer.text
    assert "<strong>G-MEETING-HELD</strong>" in answer.text  # the same sitting cannot confirm the 終結 either
    assert await state(pages_api, closure_case) == "CLOSURE_REVIEW"
    assert await state(pages_api, plan_case) == "MEETING_PENDING"


async def test_a_sitting_of_another_town_or_with_nothing_chosen_is_refused_in_japanese(pages_api: Api) -> None:
    async with browser_for(pages_api) as sw2:
        await sw2.login("sw2")
        other = await sw2.submit("/meetings", "/meetings", {"municipality": "city-a", "held_on": "2030-12-10"})
    async with browser_for(pages_api) as csw:
        await csw.login("csw1")
        url = await _hold(csw)
        empty = await csw.submit(url, f"{url}/outcomes", {})
        no_day = await csw.submit("/meetings", "/meetings", {"municipality": "city-a"})
    async with browser_for(pages_api) as sw2:
        await sw2.login("sw2")
        hidden = await sw2.get(url)
    async with browser_for(pages_api) as ops:
        await ops.login("ops1")
        none = await ops.get("/meetings")
        packet = await ops.get(f"{url}/packet.pdf")

    assert other.status_code == 422
    assert "担当していない自治体" in other.text
    assert empty.status_code == 422
    assert "結果を選んだ議題がありません" in empty.text
    assert no_day.status_code == 422
    assert 'id="form-error"' in no_day.text
    assert hidden.status_code == 404
    assert none.status_code == 404
    assert packet.status_code == 404
    assert "支援調整会議" not in none.text.split("<main")[0]  # no nav link for OPS


async def test_a_support_meeting_s_packet_is_refused_to_a_consultant_with_the_error_page(pages_api: Api) -> None:
    case_id = await on_agenda(pages_api, "守秘 花子")
    async with browser_for(pages_api) as mun:
        await mun.login("mun1")
        acks = {f"members.{n}.confidentiality_acknowledged": "on" for n in range(3)}
        url = await _hold(mun, kind="act9_support_meeting", **acks)
        await mun.submit(url, f"{url}/agenda", {"case_id": case_id})
    async with browser_for(pages_api) as sw:
        await sw.login("sw1")
        page = await sw.get(url)
        refused = await sw.get(f"{url}/packet.pdf")

    assert 'id="act9-notice"' in page.text
    assert "/packet.pdf" not in page.text
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "会議の事務を担う主任相談支援員・自治体職員のみ" in refused.text


async def test_a_case_t13_refuses_is_shown_as_not_added_and_still_waits(pages_api: Api) -> None:
    case_id = await consented(pages_api, "付議 失敗子")
    number = (await pages_api.get("sw1", f"/api/cases/{case_id}")).json()["case_number"]
    yesterday = (await pages_api.server_day()) - timedelta(days=1)
    async with browser_for(pages_api) as csw:
        await csw.login("csw1")
        url = await _hold(csw, held_on=yesterday.isoformat())
        answer = await csw.submit(url, f"{url}/agenda", {"case_id": case_id})
        again = await csw.get(url)

    assert answer.status_code == 409
    assert 'id="not-added"' in answer.text
    assert f"{number} 付議 失敗子：<strong>G-DATES</strong>" in answer.text
    assert "過ぎています" in answer.text
    assert 'class="card agenda-item"' not in answer.text
    assert f'value="{case_id}"' in answer.text  # still among the waiting cases, to try another sitting
    assert 'class="card agenda-item"' not in again.text
    assert "議題はまだありません。" in again.text
    assert await state(pages_api, case_id) == "PLAN_CONSENTED"
