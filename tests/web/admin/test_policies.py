"""The 個人情報取扱規程's versions over HTTP, and consents refused (422, nothing sent) unless they name one in force."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from statemachines.case.transitions import Trigger
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api, seed_other_town
from tests.web.pageclient import browser_for, form_fields

T = Trigger
URL = "/api/privacy-policies"


def version(municipality: str, name: str, effective_from: str) -> dict[str, Any]:
    return {
        "municipality": municipality,
        "version": name,
        "title": "個人情報の管理・取扱規程",
        "effective_from": effective_from,
        "summary": "相談支援に必要な範囲で取得し、本人の同意なく提供しない。",
        "document_sha256": hashlib.sha256(f"{municipality}/{name}".encode()).hexdigest(),
    }


def c1(policy_version: str, signed_on: str = "2026-11-30") -> dict[str, Any]:
    return {"kind": "C1", "signed_on": signed_on, "signed_by_client": True, "policy_version": policy_version}


async def _screened(api: Api) -> str:
    case_id = await api.open_case("sw1")
    response = await api.command("sw1", case_id, T.COMPLETE_INTAKE.value, VALID_PAYLOADS[T.COMPLETE_INTAKE])
    assert response.status_code == 200, response.text
    return case_id


async def _events(api: Api, case_id: str) -> tuple[int, int]:
    """What GET shows of the case's events: its seq, and the entries of its history."""
    detail = (await api.get("sw1", f"/api/cases/{case_id}")).json()
    history = (await api.get("sw1", f"/api/cases/{case_id}/history")).json()
    return detail["seq"], len(history["entries"])


# -- the versions -------------------------------------------------------------------------------------------------


async def test_an_administrator_adds_a_version_for_every_municipality_or_their_own(api: Api) -> None:
    adopted = version("city-a", "A市-2027", "2027-04-01")
    everywhere = await api.post("admin", URL, version("*", "2026-10", "2026-10-01"))
    own = await api.post("admin", URL, adopted)

    assert everywhere.status_code == 201, everywhere.text
    assert own.status_code == 201, own.text
    body = own.json()
    assert {k: body[k] for k in adopted} == adopted
    assert body["created_by"] == "admin"


async def test_only_an_administrator_adds_a_version_and_only_for_a_town_they_serve(api: Api) -> None:
    seed_other_town(api)
    statuses = {}
    for user in ("sw1", "csw1", "esw1", "mun1", "ops1", "aud1"):
        statuses[user] = (await api.post(user, URL, version("city-a", f"x-{user}", "2027-04-01"))).status_code
    other_town = await api.post("admin-b", URL, version("city-a", "x-admin-b", "2027-04-01"))
    unserved = await api.post("admin", URL, version("city-b", "x-admin", "2027-04-01"))

    assert statuses == dict.fromkeys(statuses, 403)
    assert other_town.status_code == 403
    assert unserved.status_code == 403
    assert "担当していない自治体" in unserved.json()["detail"]
    listed = {p["version"] for p in (await api.get("sw1", URL)).json()}
    assert not {v for v in listed if v.startswith("x-")}


async def test_the_same_version_again_is_409_in_japanese(api: Api) -> None:
    first = await api.post("admin", URL, version("city-a", "A-1", "2027-04-01"))
    again = await api.post("admin", URL, {**version("city-a", "A-1", "2028-04-01"), "title": "改訂版"})

    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_privacy_policy"
    assert "「A-1」" in again.json()["detail"]
    assert "既に登録されています" in again.json()["detail"]


async def test_a_version_that_does_not_fit_is_422(api: Api) -> None:
    for change in ({"document_sha256": "not-a-hash"}, {"version": "v" * 41}, {"title": ""}, {"effective_from": "x"}):
        response = await api.post("admin", URL, {**version("city-a", "A-1", "2027-04-01"), **change})
        assert response.status_code == 422, change


async def test_everyone_signed_in_lists_a_town_s_versions_with_every_town_s(api: Api) -> None:
    seed_other_town(api)
    assert (await api.post("admin", URL, version("city-a", "A-1", "2027-04-01"))).status_code == 201
    assert (await api.post("admin-b", URL, version("city-b", "B-1", "2027-04-01"))).status_code == 201

    lists = {user: (await api.get(user, URL, municipality="city-a")).json() for user in ("sw1", "aud1", "ops1", "sw-b")}
    unsigned = await api.http.get(URL)

    versions = [p["version"] for p in lists["sw1"]]
    assert versions == ["A-1", "2025-04", "v3", "v4"]  # newest first; "*": the demo's and the tests'
    assert all(found == lists["sw1"] for found in lists.values())
    assert [p["version"] for p in (await api.get("sw1", URL, municipality="city-b")).json()] == ["B-1", *versions[1:]]
    assert unsigned.status_code == 401


# -- consents of case commands ------------------------------------------------------------------------------------


async def test_a_consent_naming_an_unregistered_version_is_422_on_its_field_and_changes_nothing(api: Api) -> None:
    seed_other_town(api)
    assert (await api.post("admin-b", URL, version("city-b", "B-1", "2000-01-01"))).status_code == 201
    case_id = await _screened(api)
    before = await _events(api, case_id)
    apply = {**VALID_PAYLOADS[T.APPLY_FOR_SUPPORT], "consent_c1": c1("v9")}

    unknown = await api.command("sw1", case_id, "apply_for_support", apply)
    other_town = await api.command("sw1", case_id, "sign_consent", {"consent": c1("B-1")})
    after = await _events(api, case_id)

    assert unknown.status_code == 422, unknown.text
    [error] = unknown.json()["errors"]
    assert error["loc"] == ["consent_c1", "policy_version"]
    assert error["type"] == "policy_version_unknown"
    assert error["msg"] == (
        "policy_version「v9」は登録された個人情報取扱規程の版ではありません（2026-11-30 に有効な版: 2025-04、v3、v4）"
    )
    assert other_town.status_code == 422  # B町's version is not A市's
    assert other_town.json()["errors"][0]["loc"] == ["consent", "policy_version"]
    assert after == before
    assert (await api.get("sw1", f"/api/cases/{case_id}")).json()["state"] == "SCREENING"


async def test_a_consent_signed_before_its_version_took_effect_is_422(api: Api) -> None:
    case_id = await _screened(api)
    # The version takes effect on the day the case opened on the Temporal server's clock: a 署名日 is never after the
    # day it is recorded (G-DATES), so the day before it is the one to refuse.
    day = await api.server_day()
    eve = day - timedelta(days=1)
    assert (await api.post("admin", URL, version("city-a", "A-2027", day.isoformat()))).status_code == 201
    before = await _events(api, case_id)

    early = await api.command("sw1", case_id, "sign_consent", {"consent": c1("A-2027", signed_on=eve.isoformat())})
    after = await _events(api, case_id)

    assert early.status_code == 422, early.text
    [error] = early.json()["errors"]
    assert error["type"] == "policy_version_not_in_force"
    assert "「A-2027」" in error["msg"]
    assert f"{day.isoformat()} 施行" in error["msg"]
    assert f"{eve.isoformat()} に有効な版: 2025-04、v3、v4" in error["msg"]
    assert after == before
    on_the_day = await api.command("sw1", case_id, "sign_consent", {"consent": c1("A-2027", signed_on=day.isoformat())})
    assert on_the_day.status_code == 200, on_the_day.text
    assert on_the_day.json()["records"]["consent_c1"]["policy_version"] == "A-2027"


async def test_a_consent_naming_a_version_in_force_is_accepted(api: Api) -> None:
    case_id = await _screened(api)
    before = await _events(api, case_id)

    applied = await api.command("sw1", case_id, "apply_for_support", VALID_PAYLOADS[T.APPLY_FOR_SUPPORT])  # "v3"

    assert applied.status_code == 200, applied.text
    assert applied.json()["records"]["consent_c1"]["policy_version"] == "v3"
    assert (await _events(api, case_id))[0] == before[0] + 1


async def test_every_refused_consent_of_a_payload_is_named(api: Api) -> None:
    case_id = await _screened(api)
    target = {"institution": "（名簿から）", "institution_id": "a-1-welfare-office", "shares_personal_data": True}

    response = await api.command("sw1", case_id, "refer_out", {"referral": target, "consent_c1": c1("v9")})

    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["errors"]] == [["consent_c1", "policy_version"]]


async def test_the_case_page_shows_the_refusal_next_to_the_field(pages_api: Api) -> None:
    case_id = await _screened(pages_api)
    url = f"/cases/{case_id}"
    async with browser_for(pages_api) as b:
        await b.login("sw1")
        refused = await b.submit(url, f"{url}/commands/sign_consent", form_fields({"consent": c1("v9")}))

    assert refused.status_code == 422
    assert 'id="f-consent-policy_version-error"' in refused.text
    assert "policy_version「v9」は登録された個人情報取扱規程の版ではありません" in refused.text


# -- the ハローワーク支援要請's consent -------------------------------------------------------------------------------


async def _hello_work(api: Api) -> tuple[str, str]:
    case_id = await _screened(api)
    applied = await api.command("sw1", case_id, "apply_for_support", VALID_PAYLOADS[T.APPLY_FOR_SUPPORT])
    assert applied.status_code == 200, applied.text
    started = await api.post("esw1", f"/api/cases/{case_id}/programs", {"program": "hello_work"})
    assert started.status_code == 201, started.text
    enrolment_id: str = started.json()["enrolment"]["enrolment_id"]
    api.worker.handles.append(api.worker.client.get_workflow_handle(enrolment_id))
    return case_id, enrolment_id


def hw_consent(policy_version: str, consented_on: str = "2030-11-01") -> dict[str, Any]:
    return {"consented_on": consented_on, "policy_version": policy_version, "signed_by_client": True}


async def test_the_hello_work_consent_is_refused_unless_its_version_is_in_force(api: Api) -> None:
    assert (await api.post("admin", URL, version("city-a", "A-2031", "2031-04-01"))).status_code == 201
    case_id, enrolment_id = await _hello_work(api)
    url = f"/api/cases/{case_id}/programs/{enrolment_id}"
    before = (await api.get("esw1", url)).json()["record"]

    async def consent(payload: dict[str, Any]) -> Any:
        return await api.post("esw1", f"{url}/commands", {"command": "consent", "payload": payload})

    unknown = await consent(hw_consent("v9"))
    early = await consent(hw_consent("A-2031"))
    unchanged = (await api.get("esw1", url)).json()["record"]
    accepted = await consent(hw_consent("v4"))

    assert unknown.status_code == 422, unknown.text
    [error] = unknown.json()["errors"]
    assert error["loc"] == ["policy_version"]
    assert error["msg"] == (
        "policy_version「v9」は登録された個人情報取扱規程の版ではありません（2030-11-01 に有効な版: 2025-04、v3、v4）"
    )
    assert early.status_code == 422, early.text
    assert early.json()["errors"][0]["type"] == "policy_version_not_in_force"
    assert unchanged == before
    assert (unchanged["state"], unchanged["consent"]) == ("CANDIDATE", None)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["record"]["state"] == "CONSENTED"
    assert accepted.json()["record"]["consent"] == {"consented_on": "2030-11-01", "policy_version": "v4"}
