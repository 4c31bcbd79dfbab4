"""Nothing recorded is lost by a later command, over HTTP on the real workflow: T2 with only the 申込票's own fields
keeps the client recorded at T1, and a 訂正 changes or clears a field with a reason kept on the record and in the
history (statemachines/case/corrections.py)."""

from __future__ import annotations

from typing import Any

from statemachines.case.transitions import Trigger
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api
from tests.web.pageclient import browser_for, pages_api
from web.cases import correction

__all__ = ["pages_api"]

T = Trigger
CLIENT = {"name": "山田 花子", "name_kana": "やまだ はなこ", "phone": "090-1234-5678"}


async def _opened(api: Api) -> str:
    return await api.open_case("sw1", client=CLIENT, wishes="家賃を払い続けたい")


async def _intake(api: Api, case_id: str) -> dict[str, Any]:
    detail = await api.get("sw1", f"/api/cases/{case_id}")
    assert detail.status_code == 200, detail.text
    intake: dict[str, Any] = detail.json()["records"]["intake"]
    return intake


async def test_completing_the_intake_keeps_what_the_opening_recorded(api: Api) -> None:
    case_id = await _opened(api)
    response = await api.command("sw1", case_id, T.COMPLETE_INTAKE.value, VALID_PAYLOADS[T.COMPLETE_INTAKE])
    assert response.status_code == 200, response.text
    intake = await _intake(api, case_id)
    assert intake["client"]["name"] == "山田 花子"
    assert intake["client"]["phone"] == "090-1234-5678"
    assert intake["wishes"] == "家賃を払い続けたい"
    assert intake["topics"] == ["housing", "job_search"]


async def test_null_or_empty_sent_for_a_filled_field_keeps_it(api: Api) -> None:
    case_id = await _opened(api)
    intake = {**VALID_PAYLOADS[T.COMPLETE_INTAKE]["intake"], "route": "phone"}
    body = {"intake": {**intake, "client": {"phone": None, "name": ""}, "wishes": ""}}
    response = await api.command("sw1", case_id, T.COMPLETE_INTAKE.value, body)
    assert response.status_code == 200, response.text
    intake = await _intake(api, case_id)
    assert intake["client"]["phone"] == "090-1234-5678"
    assert intake["client"]["name"] == "山田 花子"
    assert intake["wishes"] == "家賃を払い続けたい"
    assert intake["route"] == "phone"


async def test_a_correction_clears_a_field_with_its_reason_in_the_record_and_the_history(api: Api) -> None:
    case_id = await _opened(api)
    body = {
        "corrections": [
            {"path": "intake.client.phone", "value": "080-9999-0000"},
            {"path": "intake.wishes", "value": None},
        ],
        "reason": "電話番号の聞き間違い、相談内容は本人の希望で削除",
    }
    response = await api.command("sw1", case_id, T.CORRECT_RECORD.value, body)
    assert response.status_code == 200, response.text
    detail = (await api.get("sw1", f"/api/cases/{case_id}")).json()
    intake = detail["records"]["intake"]
    assert intake["client"]["phone"] == "080-9999-0000"
    assert intake["wishes"] is None
    (correction,) = detail["records"]["corrections"]
    assert correction["paths"] == ["intake.client.phone", "intake.wishes"]
    assert correction["corrected"]["user_id"] == "sw1"
    history = (await api.get("aud1", f"/api/cases/{case_id}/history")).json()
    assert [e["command"] for e in history["entries"] if e["kind"] == "event"][-1] == "correct_record"


async def test_a_correction_the_record_cannot_take_is_refused_with_a_reason_and_changes_nothing(api: Api) -> None:
    case_id = await _opened(api)
    refusals = [
        ({"corrections": [{"path": "intake.client.birth_date", "value": "2026-02-30"}], "reason": "誤記"}, 422),
        ({"corrections": [{"path": "state", "value": "CLOSED"}], "reason": "誤記"}, 422),
        ({"corrections": [{"path": "intake.wishes", "value": "x"}], "reason": ""}, 422),
        ({"corrections": [{"path": "assessment.health", "value": "腰痛"}], "reason": "誤記"}, 409),
        ({"corrections": [{"path": "intake.client.phone", "value": "090-1234-5678"}], "reason": "誤記"}, 409),
    ]
    for body, status in refusals:
        response = await api.command("sw1", case_id, T.CORRECT_RECORD.value, body)
        assert response.status_code == status, (body, response.text)
        assert "訂正" in response.text or "値" in response.text or "項目" in response.text, response.text
    intake = await _intake(api, case_id)
    assert intake["client"]["phone"] == "090-1234-5678"
    assert intake["wishes"] == "家賃を払い続けたい"
    # a municipal officer does not correct a consultant's record
    response = await api.command("mun1", case_id, T.CORRECT_RECORD.value, VALID_PAYLOADS[T.CORRECT_RECORD])
    assert response.status_code == 403, response.text


async def test_the_case_page_corrects_a_field_chosen_by_its_japanese_name(pages_api: Api) -> None:
    case_id = await _opened(pages_api)
    url = f"/cases/{case_id}"
    action = f"{url}/commands/correct_record"
    async with browser_for(pages_api) as sw:
        await sw.login("sw1")
        page = await sw.get(url)
        no_reason = await sw.submit(url, action, {"corrections.0.path": "intake.client.phone", "reason": ""})
        bad_day = await sw.submit(
            url, action, {"corrections.0.path": "intake.client.birth_date", "corrections.0.value": "2001/2/30"}
        )
        done = await sw.submit(
            url,
            action,
            {
                "corrections.0.path": "intake.client.birth_date",
                "corrections.0.value": "1980年4月1日",
                "reason": "生年月日の誤記（本人確認書類で確認）",
            },
        )
        cleared = await sw.submit(
            url,
            action,
            {"corrections.0.path": "intake.wishes", "corrections.0.value": "", "reason": "本人の希望で削除"},
        )
    assert 'action="/cases/' + case_id + '/commands/correct_record"' in page.text
    assert '<option value="intake.client.phone">相談受付・申込票 › 本人の基本情報 › 電話番号</option>' in page.text
    assert no_reason.status_code == 422
    assert 'id="f-reason-error"' in no_reason.text
    assert bad_day.status_code == 422
    assert 'id="f-corrections-0-path-error"' in bad_day.text
    assert (done.status_code, cleared.status_code) == (303, 303)
    intake = (await pages_api.get("sw1", f"/api/cases/{case_id}")).json()["records"]["intake"]
    assert intake["client"]["birth_date"] == "1980-04-01"
    assert intake["wishes"] is None
    corrections = (await pages_api.get("sw1", f"/api/cases/{case_id}")).json()["records"]["corrections"]
    assert [c["paths"] for c in corrections] == [["intake.client.birth_date"], ["intake.wishes"]]


def test_typed_values_are_read_as_the_field_takes_them() -> None:
    assert correction.typed("intake.urgent", "はい") is True
    assert correction.typed("intake.urgent", "いいえ") is False
    assert correction.typed("intake.topics", "住まい、債務") == ["housing", "debt"]
    assert correction.typed("intake.route", "来所") == "visit_office"
    assert correction.typed("intake.client.birth_date", "2026/4/1") == "2026-04-01"
    assert correction.typed("intake.client.phone", "2026/4/1") == "2026/4/1"  # not a date field
    assert correction.typed("intake.wishes", "") is None
    assert correction.typed("intake.route", "窓口") == "窓口"  # passed on for the model to refuse by name
