"""The dates a person declares, checked against the day the command is given (G-DATES, statemachines/case/dates.py),
over HTTP on the real workflow: a 生年月日 or a 連絡日 of 9999-12-31, a 会議予定日 already past, each refused with 409
naming the field in Japanese, and nothing written."""

from __future__ import annotations

from typing import Any

from statemachines.case.transitions import Trigger
from tests.factories import VALID_PAYLOADS, contact_note
from tests.web.apiharness import Api
from tests.web.cases.test_consistency import TO_DECISION_PENDING, TO_PLAN_DRAFTING, _walk

T = Trigger


def _said(response: Any) -> tuple[str, str]:
    assert response.status_code == 409, response.text
    [unmet] = response.json()["unmet_guards"]
    return unmet["id"], unmet["message_ja"]


async def test_a_case_opened_with_a_birth_date_still_to_come_is_refused_naming_it_and_not_opened(api: Api) -> None:
    before = (await api.get("ops1", "/api/cases")).json()["total"]
    for born, said in [("9999-12-31", "より後です"), ("1899-12-31", "が1900年より前です")]:
        refused = await api.post("sw1", "/api/cases", {"municipality": "city-a", "client": {"birth_date": born}})
        guard, message = _said(refused)
        assert guard == "G-DATES"
        assert message.startswith(f"生年月日（{born}）")
        assert said in message
    assert (await api.get("ops1", "/api/cases")).json()["total"] == before  # no case was opened
    assert await api.open_case("sw1", client={"birth_date": "1980-05-01"})


async def test_a_contact_dated_9999_12_31_is_refused_naming_the_contact_day_and_nothing_is_recorded(api: Api) -> None:
    case_id = await api.open_case("sw1")
    await _walk(api, case_id, [*TO_PLAN_DRAFTING, *TO_DECISION_PENDING])
    decided = await api.command("mun1", case_id, "decide_support", VALID_PAYLOADS[T.DECIDE_SUPPORT])
    assert decided.status_code == 200, decided.text

    far = await api.command(
        "esw1", case_id, "record_contact", {"monitoring_note": {**contact_note(), "contact_on": "9999-12-31"}}
    )
    guard, message = _said(far)
    assert guard == "G-DATES"
    assert message.startswith("連絡日（9999-12-31）が今日（")
    early = await api.command(
        "esw1", case_id, "record_contact", {"monitoring_note": {**contact_note(), "contact_on": "2000-01-01"}}
    )
    assert _said(early)[1].startswith("連絡日（2000-01-01）がケースの受付（")
    detail = (await api.get("sw1", f"/api/cases/{case_id}")).json()
    assert detail["records"].get("monitoring") in (None, [])  # nothing recorded
    assert (
        await api.command("esw1", case_id, "record_contact", await api.contact(case_id, T.RECORD_CONTACT))
    ).status_code == 200


async def test_a_meeting_planned_for_a_day_already_past_is_refused(api: Api) -> None:
    case_id = await api.open_case("sw1")
    await _walk(api, case_id, [*TO_PLAN_DRAFTING, *TO_DECISION_PENDING[:3]])
    refused = await api.command("sw1", case_id, "put_on_agenda", {"planned_meeting_on": "2000-01-01"})
    guard, message = _said(refused)
    assert (guard, message.split("（")[0]) == ("G-DATES", "会議予定日")
    assert "が過ぎています" in message
