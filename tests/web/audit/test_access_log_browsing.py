"""Browsing the access log: by user, case, period, purpose and field, through the API and on ``/audit/access-log``
(readers by name, purposes in words, each case's label linking to its audit view), always within one's towns."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from statemachines.case.transitions import Trigger
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api, seed_other_town
from tests.web.pageclient import browser_for
from web.core.i18n import JST

T = Trigger


async def _read_twice(api: Api) -> str:
    """A case whose アセスメント (要配慮 fields) sw1 and csw1 have read through the API (purpose ``read``)."""
    case_id = await api.open_case("sw1")
    for trigger in (T.COMPLETE_INTAKE, T.APPLY_FOR_SUPPORT, T.START_ASSESSMENT, T.COMPLETE_ASSESSMENT):
        response = await api.command("sw1", case_id, trigger.value, VALID_PAYLOADS[trigger])
        assert response.status_code == 200, response.text
    for user in ("sw1", "csw1"):
        assert (await api.get(user, f"/api/cases/{case_id}")).status_code == 200
    return case_id


async def _log(api: Api, **params: Any) -> list[dict[str, Any]]:
    response = await api.http.get("/api/audit/access-log", params=params, headers=await api.headers("aud1"))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_the_access_log_filters_by_user_case_purpose_field_and_period(api: Api) -> None:
    case_id, other = await _read_twice(api), await _read_twice(api)
    everything = await _log(api)
    reads = [e for e in everything if e["purpose"] == "read"]
    assert {(e["user_id"], e["case_id"]) for e in reads} >= {("sw1", case_id), ("csw1", case_id), ("sw1", other)}
    assert all(any(f.startswith("assessment.") for f in e["fields"]) for e in reads)

    mine = await _log(api, user="csw1", case_id=case_id, purpose="read")
    assert [(e["user_id"], e["case_id"], e["purpose"]) for e in mine] == [("csw1", case_id, "read")]
    a_field = mine[0]["fields"][0]
    assert {e["case_id"] for e in await _log(api, field=a_field, purpose="read")} == {case_id, other}
    assert await _log(api, field="assessment", user="csw1", case_id=case_id) == mine  # a record finds its fields
    assert await _log(api, field="assessmen") == []  # a part of a name is no field
    assert await _log(api, field="assessment%") == []  # LIKE's wildcards are plain characters
    assert await _log(api, purpose="export_history") == []

    at = datetime.fromisoformat(mine[0]["at"])
    assert await _log(api, user="csw1", case_id=case_id, **{"from": at.isoformat()}) == mine
    assert await _log(api, user="csw1", case_id=case_id, to=at.isoformat()) == []  # ``to`` excludes
    later = (at + timedelta(seconds=1)).isoformat()
    assert await _log(api, user="csw1", case_id=case_id, **{"from": later}) == []
    naive = await api.get("aud1", "/api/audit/access-log", to="2026-01-01T00:00:00")
    assert naive.status_code == 422


async def test_the_access_log_page_names_readers_purposes_and_cases(pages_api: Api) -> None:
    case_id = await _read_twice(pages_api)
    async with browser_for(pages_api) as b:
        await b.login("aud1")
        page = await b.get("/audit/access-log", case_id=case_id, purpose="read")
        by_user = await b.get("/audit/access-log", case_id=case_id, user="csw1")
        day = (await pages_api.get("aud1", "/api/audit/access-log", case_id=case_id)).json()["items"][0]["at"]
        today = datetime.fromisoformat(day).astimezone(JST).date()
        that_day = await b.get("/audit/access-log", case_id=case_id, **{"from": today.isoformat(), "to": str(today)})
        before = await b.get("/audit/access-log", case_id=case_id, to=str(today - timedelta(days=1)))
        bad = await b.get("/audit/access-log", **{"from": "2026-02-30"})
        audit = await b.get("/audit")
        await b.login("mun1")
        not_theirs = await b.get("/audit/access-log")

    assert page.status_code == 200
    for shown in ("相談支援員 佐藤", "主任相談支援員 鈴木", "ケースの閲覧（API）", f'href="/audit?case_id={case_id}"'):
        assert shown in page.text
    assert ">sw1<" not in page.text  # the reader by name, not by login
    assert "主任相談支援員 鈴木</td>" in by_user.text
    assert "相談支援員 佐藤</td>" not in by_user.text
    assert "相談支援員 佐藤</td>" in that_day.text
    assert "条件に合うものはありません。" in before.text
    assert (bad.status_code, 'aria-invalid="true"' in bad.text) == (200, True)
    assert "日付の形式が正しくありません" in bad.text
    assert 'href="/audit/access-log"' in audit.text
    assert not_theirs.status_code == 404  # the access log is the auditors' (ACCESS_LOG_READ)


async def test_the_access_log_page_shows_only_ones_own_towns_reads(pages_api: Api) -> None:
    seed_other_town(pages_api)
    theirs = await pages_api.open_case("sw-b", municipality="city-b")
    for trigger in (T.COMPLETE_INTAKE, T.APPLY_FOR_SUPPORT, T.START_ASSESSMENT, T.COMPLETE_ASSESSMENT):
        response = await pages_api.command("sw-b", theirs, trigger.value, VALID_PAYLOADS[trigger])
        assert response.status_code == 200, response.text
    assert (await pages_api.get("sw-b", f"/api/cases/{theirs}")).status_code == 200
    logged = (await pages_api.get("aud-b", "/api/audit/access-log", case_id=theirs)).json()["items"]
    assert [e["user_id"] for e in logged if e["purpose"] == "read"] == ["sw-b"]  # B町's auditor sees it
    async with browser_for(pages_api) as b:
        await b.login("aud1")
        page = await b.get("/audit/access-log")
        asked = await b.get("/audit/access-log", case_id=theirs)
    assert theirs not in page.text
    assert "条件に合うものはありません。" in asked.text
