"""/api/meetings: a sitting of many cases records each case's outcome through the case's own commands, its packet
prints one page per case with only what the meeting may see, and only who serves the municipality sees it."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pypdf
from sqlalchemy import select

from statemachines.case.meetings import CONFIDENTIALITY_ACT9
from store.models import CaseEventRecord
from tests.web.apiharness import Api
from tests.web.meetings.waiting import (
    MEMBERS,
    closure_proposed,
    consented,
    on_agenda,
    sitting,
    sitting_title,
    state,
    three_waiting,
)

OUTCOMES = ("approve", "revise", "confirm_closure")


async def _put_on(api: Api, sitting_id: str, case_ids: list[str], user: str = "csw1") -> None:
    response = await api.post(user, f"/api/meetings/{sitting_id}/agenda", {"case_ids": case_ids})
    assert response.status_code == 200, response.text
    assert all(a["refused"] == [] for a in response.json())


async def test_a_sitting_records_each_case_as_its_single_commands_would(api: Api) -> None:
    cases = await three_waiting(api)
    created = await sitting(api)
    waiting = (await api.get("csw1", f"/api/meetings/{created['meeting_id']}/waiting")).json()
    assert {w["case_id"] for w in waiting} >= set(cases)
    await _put_on(api, created["meeting_id"], list(cases))
    assert await state(api, cases[1]) == "MEETING_PENDING"  # the consented plan was put on the sitting's day (T13)
    decisions = [{"case_id": c, "outcome": o, "minutes": f"{o} の議事録"} for c, o in zip(cases, OUTCOMES, strict=True)]
    response = await api.post("csw1", f"/api/meetings/{created['meeting_id']}/outcomes", {"decisions": decisions})
    assert response.status_code == 200, response.text
    assert [a["recorded"] for a in response.json()] == [True, True, True]
    assert [await state(api, c) for c in cases] == ["DECISION_PENDING", "PLAN_DRAFTING", "CLOSED"]
    for case_id in cases:  # the meeting record names the sitting; its events are the sitting's command ids
        records = (await api.get("csw1", f"/api/cases/{case_id}")).json()["records"]
        assert records["meetings"][-1]["sitting_id"] == created["meeting_id"]
        assert [a["organisation"] for a in records["meetings"][-1]["attendees"]] == [m["organisation"] for m in MEMBERS]
    detail = (await api.get("mun1", f"/api/meetings/{created['meeting_id']}")).json()
    assert [i["outcome"] for i in detail["agenda"]] == list(OUTCOMES)
    assert all(i["command_ids"] for i in detail["agenda"])
    with api.worker.sessions.begin() as session:
        sent = set(session.scalars(select(CaseEventRecord.command_id)))
    assert {c for i in detail["agenda"] for c in i["command_ids"]} <= sent


async def test_recording_again_sends_nothing_twice_and_a_decided_item_is_refused(api: Api) -> None:
    case_id = await on_agenda(api, "再送 花子")
    created = await sitting(api)
    await _put_on(api, created["meeting_id"], [case_id])
    body = {"decisions": [{"case_id": case_id, "outcome": "revise"}]}
    assert (await api.post("csw1", f"/api/meetings/{created['meeting_id']}/outcomes", body)).status_code == 200
    again = await api.post("csw1", f"/api/meetings/{created['meeting_id']}/outcomes", body)
    assert again.status_code == 409
    assert "記録済み" in again.json()["detail"]


async def test_a_refused_case_leaves_the_others_recorded(api: Api) -> None:
    plan_case, closure_case = await on_agenda(api, "定足 一子"), await closure_proposed(api, "定足 二子")
    created = await sitting(api)
    await _put_on(api, created["meeting_id"], [plan_case, closure_case])
    decisions = [
        {"case_id": plan_case, "outcome": "confirm_closure"},  # not an outcome a plan can have
        {"case_id": closure_case, "outcome": "confirm_closure"},
    ]
    response = await api.post("csw1", f"/api/meetings/{created['meeting_id']}/outcomes", {"decisions": decisions})
    first, second = response.json()
    assert not first["recorded"]
    assert [u["id"] for u in first["refused"]] == ["SITTING"]
    assert second["recorded"]
    assert await state(api, plan_case) == "MEETING_PENDING"
    assert await state(api, closure_case) == "CLOSED"


async def test_a_sitting_without_its_quorum_confirms_nothing(api: Api) -> None:
    """G5 refuses the plan's 協議 and G-MEETING-HELD the 終結 (issue 18 item 11): one sitting, one quorum."""
    plan_case, closure_case = await on_agenda(api, "定足 三子"), await closure_proposed(api, "定足 四子")
    created = await sitting(api, members=MEMBERS[:1])  # no municipal official, no quorum
    await _put_on(api, created["meeting_id"], [plan_case, closure_case])
    decisions = [{"case_id": plan_case, "outcome": "approve"}, {"case_id": closure_case, "outcome": "confirm_closure"}]
    response = await api.post("csw1", f"/api/meetings/{created['meeting_id']}/outcomes", {"decisions": decisions})
    first, second = response.json()
    assert (first["recorded"], [u["id"] for u in first["refused"]]) == (False, ["G5"])
    assert (second["recorded"], [u["id"] for u in second["refused"]]) == (False, ["G-MEETING-HELD"])
    assert [await state(api, c) for c in (plan_case, closure_case)] == ["MEETING_PENDING", "CLOSURE_REVIEW"]


async def test_a_case_not_waiting_or_of_another_municipality_is_not_put_on_the_agenda(api: Api) -> None:
    case_id = await api.open_case("sw1")
    created = await sitting(api)
    response = await api.post("csw1", f"/api/meetings/{created['meeting_id']}/agenda", {"case_ids": [case_id]})
    assert response.status_code == 409
    assert "議題にできません" in response.json()["detail"]


async def test_only_who_serves_the_municipality_sees_the_sitting(api: Api) -> None:
    created = await sitting(api)
    assert (await api.get("sw2", f"/api/meetings/{created['meeting_id']}")).status_code == 404
    assert (await api.get("sw2", "/api/meetings")).json() == []
    refused = await api.post("sw2", "/api/meetings", {"municipality": "city-a", "held_on": "2026-12-10"})
    assert refused.status_code == 403
    for user in ("ops1", "aud1", "admin", "esw1"):
        response = await api.get(user, f"/api/meetings/{created['meeting_id']}")
        assert response.status_code == 403, user
        assert "支援調整会議" in response.json()["detail"]


async def test_a_support_meeting_needs_every_member_s_confidentiality(api: Api) -> None:
    body = {"municipality": "city-a", "held_on": "2026-12-10", "kind": "act9_support_meeting", "members": MEMBERS}
    response = await api.post("mun1", "/api/meetings", body)
    assert response.status_code == 422
    assert "守秘義務" in response.json()["detail"]


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages]


async def test_the_packet_prints_one_page_per_case_and_logs_each(api: Api) -> None:
    cases = await three_waiting(api)
    created = await sitting(api, title="第12回")
    title = sitting_title(date.fromisoformat(created["held_on"]))
    await _put_on(api, created["meeting_id"], list(cases))
    response = await api.get("sw1", f"/api/meetings/{created['meeting_id']}/packet.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    pages = _pages(response.content)
    assert len(pages) == 3
    numbers = [(await api.get("sw1", f"/api/cases/{c}")).json()["case_number"] for c in cases]
    for page, number, name in zip(pages, numbers, ("会議 一郎", "会議 二郎", "会議 三郎"), strict=True):
        assert number in page
        assert name in page
        assert title in page
        assert "腰痛" not in page  # never the assessment
    assert "仕事を見つけて家賃を払い続けたい" in pages[0]  # the plan summary
    assert "終結評価" in pages[2]
    for case_id in cases:
        log = (await api.get("aud1", "/api/audit/access-log", case_id=case_id, purpose="form_pdf")).json()["items"]
        assert [i["user_id"] for i in log] == ["sw1"]
        assert "intake.client.name" in log[0]["fields"]
    for user in ("ops1", "aud1", "admin"):
        assert (await api.get(user, f"/api/meetings/{created['meeting_id']}/packet.pdf")).status_code == 403


async def test_without_consent_a_coordination_meeting_s_packet_prints_only_the_number(api: Api) -> None:
    case_id = await on_agenda(api, "同意 撤回")
    revoke = {"revocation": {"kind": "C1", "revoked_on": "2026-01-06", "note": "本人の申し出"}}
    assert (await api.command("sw1", case_id, "revoke_consent", revoke)).status_code == 200
    created = await sitting(api)
    await _put_on(api, created["meeting_id"], [case_id])
    [page] = _pages((await api.get("csw1", f"/api/meetings/{created['meeting_id']}/packet.pdf")).content)
    assert "同意 撤回" not in page
    assert "本人の同意" in page
    log = (await api.get("aud1", "/api/audit/access-log", case_id=case_id, purpose="form_pdf")).json()["items"]
    assert log == []


async def test_a_support_meeting_s_packet_is_its_secretariat_s_with_the_duty_on_every_page(api: Api) -> None:
    case_id = await on_agenda(api, "守秘 太郎")
    members = [{**m, "confidentiality_acknowledged": True} for m in MEMBERS]
    created = await sitting(api, "mun1", kind="act9_support_meeting", members=members)
    await _put_on(api, created["meeting_id"], [case_id], user="mun1")
    refused = await api.get("sw1", f"/api/meetings/{created['meeting_id']}/packet.pdf")
    assert refused.status_code == 403
    assert "支援会議" in refused.json()["detail"]
    response = await api.get("csw1", f"/api/meetings/{created['meeting_id']}/packet.pdf")
    assert response.status_code == 200
    [page] = _pages(response.content)
    assert "守秘 太郎" in page
    assert "第9条第5項" in page
    assert "非公開" in page
    assert CONFIDENTIALITY_ACT9[:20] in page.replace("\n", "")


async def test_a_case_whose_t13_is_refused_is_not_left_on_the_agenda(api: Api) -> None:
    """A sitting held yesterday: T13 refuses its day as 会議予定日 (G-DATES, a day that has passed), so the consented
    plan is not put on the agenda; it still waits, and a sitting of today takes it."""
    case_id = await consented(api, "付議 失敗")
    yesterday = (await api.server_day()) - timedelta(days=1)
    past = await sitting(api, held_on=yesterday.isoformat())
    response = await api.post("csw1", f"/api/meetings/{past['meeting_id']}/agenda", {"case_ids": [case_id]})
    assert response.status_code == 200, response.text
    [answer] = response.json()
    assert (answer["added"], [u["id"] for u in answer["refused"]]) == (False, ["G-DATES"])
    assert "過ぎています" in answer["refused"][0]["message_ja"]
    assert (await api.get("csw1", f"/api/meetings/{past['meeting_id']}")).json()["agenda"] == []
    assert case_id in {
        w["case_id"] for w in (await api.get("csw1", f"/api/meetings/{past['meeting_id']}/waiting")).json()
    }
    assert await state(api, case_id) == "PLAN_CONSENTED"
    today = await sitting(api)
    added = await api.post("csw1", f"/api/meetings/{today['meeting_id']}/agenda", {"case_ids": [case_id]})
    assert [(a["added"], a["refused"]) for a in added.json()] == [(True, [])]
    assert [i["case_id"] for i in (await api.get("csw1", f"/api/meetings/{today['meeting_id']}")).json()["agenda"]] == [
        case_id
    ]
