"""The supervision pages over HTTP: the caseloads by display name (no login id shown), the drill-down for the CSW
only, the reassignment posted to the case's own command route, and the case page's supervision panel."""

from __future__ import annotations

from statemachines.case.transitions import Trigger as T
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api
from tests.web.pageclient import browser_for, pages_api

__all__ = ["pages_api"]


async def test_caseloads_name_consultants_and_drill_down_reassigns(pages_api: Api) -> None:
    case_id = await pages_api.open_case("sw1")
    async with browser_for(pages_api) as csw:
        await csw.login("csw1")
        caseloads = await csw.get("/supervision")
        cases = await csw.get("/supervision/consultants/sw1")
        moved = await csw.submit(
            "/supervision/consultants/sw1", f"/cases/{case_id}/commands/assign", {"assignee": "csw1"}
        )
        after = await csw.get("/supervision/consultants/csw1")
    async with browser_for(pages_api) as mun:
        await mun.login("mun1")
        counts = await mun.get("/supervision")
        refused = await mun.get("/supervision/consultants/sw1")

    assert caseloads.status_code == 200
    assert "相談支援員 佐藤" in caseloads.text
    assert '<a href="/supervision/consultants/sw1?no_contact_days=30">' in caseloads.text
    assert ">sw1<" not in caseloads.text
    assert f'href="/cases/{case_id}"' in cases.text
    assert f'action="/cases/{case_id}/commands/assign"' in cases.text
    assert '<option value="csw1">主任相談支援員 鈴木</option>' in cases.text
    assert (moved.status_code, moved.headers["location"]) == (303, f"/cases/{case_id}?message=done")
    assert f'href="/cases/{case_id}"' in after.text
    assert "相談支援員 佐藤" in counts.text
    assert "/supervision/consultants/" not in counts.text  # counts only: no drill-down for the municipality
    assert refused.status_code == 404


async def test_the_case_page_shows_the_flag_and_advices_and_no_idle_supervision_reasons(pages_api: Api) -> None:
    case_id = await pages_api.open_case("sw1")
    async with browser_for(pages_api) as sw:
        await sw.login("sw1")
        quiet = await sw.get(f"/cases/{case_id}")
        for trigger in (T.GIVE_ADVICE, T.FLAG_DIFFICULT_CASE):
            response = await pages_api.command("csw1", case_id, trigger.value, VALID_PAYLOADS[trigger])
            assert response.status_code == 200, response.text
        supervised = await sw.get(f"/cases/{case_id}")

    assert "確認待ちの助言・指導がありません" not in quiet.text
    assert "支援困難事例として登録されていません" not in quiet.text
    assert 'id="difficult-case"' in supervised.text
    assert VALID_PAYLOADS[T.FLAG_DIFFICULT_CASE]["reason"] in supervised.text
    assert VALID_PAYLOADS[T.GIVE_ADVICE]["advice_text"] in supervised.text
    assert "主任相談支援員 鈴木" in supervised.text
    assert 'id="cmd-acknowledge_advice"' in supervised.text


async def test_a_consultant_s_cases_are_named_by_their_number_and_client_not_their_id(pages_api: Api) -> None:
    case_id = await pages_api.open_case("sw1", client={"name": "監督 花子"})
    number = (await pages_api.get("sw1", f"/api/cases/{case_id}")).json()["case_number"]
    async with browser_for(pages_api) as csw:
        await csw.login("csw1")
        cases = await csw.get("/supervision/consultants/sw1")
    api_cases = (await pages_api.get("csw1", "/api/supervision/consultants/sw1/cases")).json()["cases"]
    log = (await pages_api.get("aud1", "/api/audit/access-log", case_id=case_id, purpose="supervision")).json()

    assert cases.status_code == 200
    assert number
    assert f'<a href="/cases/{case_id}">{number}</a> 監督 花子' in cases.text
    assert f"（{number} 監督 花子）</label>" in cases.text  # the reassignment's label names the case too
    assert "No. " not in cases.text
    assert case_id[:6] not in cases.text.replace(f"/cases/{case_id}", "").replace(f'"{case_id}"', "").replace(
        f"assignee-{case_id}", ""
    )
    assert [c["case_number"] for c in api_cases if c["case_id"] == case_id] == [number]
    assert all("person_id" not in c for c in api_cases)  # the API names no one
    assert [(i["user_id"], i["fields"]) for i in log["items"]] == [("csw1", ["intake.client.name"])]
