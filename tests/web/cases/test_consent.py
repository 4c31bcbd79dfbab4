"""Consent C1 and C2 as dated, revocable records: revoking C1 stops every sharing with 関係機関 until signed again."""

from __future__ import annotations

from typing import Any

from statemachines.case.transitions import Trigger
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api

T = Trigger
SIGNED = {"kind": "C1", "signed_on": "2026-11-30", "signed_by_client": True, "policy_version": "v4"}


async def _applied(api: Api) -> str:
    case_id = await api.open_case("sw1")
    for trigger in (T.COMPLETE_INTAKE, T.APPLY_FOR_SUPPORT):
        assert (await api.command("sw1", case_id, trigger.value, VALID_PAYLOADS[trigger])).status_code == 200
    return case_id


async def _start(api: Api, case_id: str, program: str, user: str = "sw1") -> Any:
    response = await api.post(user, f"/api/cases/{case_id}/programs", {"program": program})
    if response.status_code == 201:
        api.worker.handles.append(api.worker.client.get_workflow_handle(response.json()["enrolment"]["enrolment_id"]))
    return response


async def test_revoking_c1_blocks_referrals_and_the_hello_work_request_until_signed_again(api: Api) -> None:
    case_id = await _applied(api)
    referral = await _start(api, case_id, "referral")
    assert referral.status_code == 201, referral.text
    referral_url = f"/api/cases/{case_id}/programs/{referral.json()['enrolment']['enrolment_id']}/commands"
    revocation = {"revocation": {"kind": "C1", "revoked_on": "2026-12-01", "note": "家族に知られたくない"}}

    revoked = await api.command("sw1", case_id, "revoke_consent", revocation)
    again = await api.command("sw1", case_id, "revoke_consent", revocation)
    send = {"institution_id": "a-1-welfare-office", "reason": "生活保護の相談", "accepts_referrals": True}
    blocked_send = await api.post("sw1", referral_url, {"command": "send", "payload": send})
    blocked_start = await _start(api, case_id, "hello_work", "esw1")
    resigned = await api.command("sw1", case_id, "sign_consent", {"consent": SIGNED})
    sent = await api.post("sw1", referral_url, {"command": "send", "payload": send})

    assert revoked.status_code == 200, revoked.text
    c1 = revoked.json()["records"]["consent_c1"]
    assert c1["revoked_on"] == "2026-12-01"
    assert again.status_code == 409
    assert [g["id"] for g in again.json()["unmet_guards"]] == ["G-CONSENT-HELD"]
    assert blocked_send.status_code == 409
    assert [g["id"] for g in blocked_send.json()["unmet_guards"]] == ["G1"]
    assert blocked_start.status_code == 409
    assert resigned.status_code == 200
    history = resigned.json()["records"]["consent_history"]
    assert [(h["policy_version"], h["revoked_on"]) for h in history] == [("v3", None), ("v3", "2026-12-01")]
    assert resigned.json()["records"]["consent_c1"]["policy_version"] == "v4"
    assert sent.status_code == 200, sent.text
    log = (await api.get("aud1", f"/api/cases/{case_id}/history")).json()["entries"]
    refusals = [e for e in log if e["kind"] == "rejected"]
    assert {e["command"] for e in refusals} >= {"referral.send", "hello_work.start", "revoke_consent"}


async def test_a_referral_at_screening_after_c1_was_revoked_is_refused(api: Api) -> None:
    case_id = await api.open_case("sw1")
    assert (await api.command("sw1", case_id, "complete_intake", VALID_PAYLOADS[T.COMPLETE_INTAKE])).status_code == 200
    await api.command("sw1", case_id, "sign_consent", {"consent": SIGNED})
    revoked = await api.command(
        "sw1", case_id, "revoke_consent", {"revocation": {"kind": "C1", "revoked_on": "2026-11-30"}}
    )
    target = {"institution": "（名簿から）", "institution_id": "a-1-welfare-office", "shares_personal_data": True}

    refused = await api.command("sw1", case_id, "refer_out", {"referral": target})

    assert revoked.status_code == 200, revoked.text
    assert refused.status_code == 409
    assert [g["id"] for g in refused.json()["unmet_guards"]] == ["G-REFERRAL"]
