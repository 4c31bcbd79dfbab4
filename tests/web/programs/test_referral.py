"""関係機関へのつなぎ over HTTP: whether the institution accepts referrals comes from the directory; a T4 つなぎ is
sent and followed up."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api
from tests.web.programs.enrolments import T


async def test_whether_an_institution_accepts_referrals_comes_from_the_directory(api: Api) -> None:
    case_id = await api.open_case("sw1")
    for trigger in (T.COMPLETE_INTAKE, T.APPLY_FOR_SUPPORT):
        assert (await api.command("sw1", case_id, trigger.value, VALID_PAYLOADS[trigger])).status_code == 200
    started = await api.post("sw1", f"/api/cases/{case_id}/programs", {"program": "referral"})
    assert started.status_code == 201, started.text
    enrolment_id = started.json()["enrolment"]["enrolment_id"]
    api.worker.handles.append(api.worker.client.get_workflow_handle(enrolment_id))
    url = f"/api/cases/{case_id}/programs/{enrolment_id}/commands"

    claimed = {"institution_id": "a-1-real-estate-agent", "reason": "住まい探し", "accepts_referrals": True}
    refused = await api.post("sw1", url, {"command": "send", "payload": claimed})
    assert refused.status_code == 409  # the directory says it takes no referrals, whatever the client claims
    assert [g["id"] for g in refused.json()["unmet_guards"]] == ["G-RF1"]
    unknown = await api.post("sw1", url, {"command": "send", "payload": {**claimed, "institution_id": "nope"}})
    assert unknown.status_code == 422
    sent = await api.post(
        "sw1",
        url,
        {
            "command": "send",
            "payload": {"institution_id": "a-1-welfare-office", "reason": "生活保護の相談", "accepts_referrals": False},
        },
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["record"]["state"] == "SENT"


async def test_a_t4_referral_to_a_directory_institution_is_sent_and_followed_up(api: Api) -> None:
    case_id = await api.open_case("sw1")
    assert (await api.command("sw1", case_id, "complete_intake", VALID_PAYLOADS[T.COMPLETE_INTAKE])).status_code == 200
    target = {"institution": "（名簿から）", "institution_id": "a-1-welfare-office", "shares_personal_data": True}
    signed = {"kind": "C1", "signed_on": "2026-11-30", "signed_by_client": True, "policy_version": "v3"}

    without_consent = await api.command("sw1", case_id, "refer_out", {"referral": target})
    not_accepting = await api.command(
        "sw1",
        case_id,
        "refer_out",
        {"referral": {**target, "institution_id": "a-1-real-estate-agent"}, "consent_c1": signed},
    )
    unknown = await api.command("sw1", case_id, "refer_out", {"referral": {**target, "institution_id": "nope"}})
    referred = await api.command(
        "sw1", case_id, "refer_out", {"referral": {**target, "accepts_referrals": False}, "consent_c1": signed}
    )

    assert without_consent.status_code == 409
    assert [g["id"] for g in without_consent.json()["unmet_guards"]] == ["G-REFERRAL"]
    assert not_accepting.status_code == 409  # the directory's answer, not the client's
    assert [g["id"] for g in not_accepting.json()["unmet_guards"]] == ["G-REFERRAL-ACCEPTS"]
    assert unknown.status_code == 422
    assert referred.status_code == 200, referred.text
    assert referred.json()["state"] == "REFERRED_OUT"
    enrolments: list[dict[str, Any]] = []
    for _ in range(100):  # the referral's child workflow projects its events a moment after T4
        enrolments = (await api.get("sw1", f"/api/cases/{case_id}/programs")).json()
        if enrolments and enrolments[0]["state"] == "SENT":
            break
        await asyncio.sleep(0.05)
    [enrolment] = enrolments
    api.worker.handles.append(api.worker.client.get_workflow_handle(enrolment["enrolment_id"]))
    assert (enrolment["program"], enrolment["state"]) == ("referral", "SENT")
    detail = (await api.get("sw1", f"/api/cases/{case_id}/programs/{enrolment['enrolment_id']}")).json()
    [sending] = detail["record"]["sendings"]
    assert sending["institution_id"] == "a-1-welfare-office"
    view = (await api.get("sw1", f"/api/cases/{case_id}")).json()
    assert "福祉事務所" in str(view)  # the directory's name replaced the placeholder
