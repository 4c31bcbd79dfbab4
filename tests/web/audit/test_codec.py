"""The codec endpoint: an auditor of the case's municipality decodes its Temporal payloads; nobody else does."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from statemachines.case.transitions import Trigger
from store.codec import key_id_of
from tests.browser.live import live_app
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api, seed_other_town
from workflows.__main__ import converter_for, replay_files

UI = "http://127.0.0.1:8233"


async def _case_with_name(api: Api, name: str) -> str:
    case_id = await api.open_case("sw1")
    intake = dict(VALID_PAYLOADS[Trigger.COMPLETE_INTAKE]["intake"])
    intake["client"] = {"name": name}
    assert (await api.command("sw1", case_id, "complete_intake", {"intake": intake})).status_code == 200
    return case_id


async def _activity_inputs(api: Api, case_id: str) -> list[Payload]:
    """The payloads the case's projections carried: a scheduled activity's input, or (a projection run in the
    command's own workflow task, issue 16) the local activity's marker details."""
    history = await api.worker.client.get_workflow_handle(f"case-{case_id}").fetch_history()
    found: list[Payload] = []
    for e in history.events:
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            found.extend(e.activity_task_scheduled_event_attributes.input.payloads)
        elif e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            details = e.marker_recorded_event_attributes.details
            if "result" in details:  # the local activity's result (its "data" is the SDK's own, unencoded)
                found.extend(details["result"].payloads)
    return found


def _body(payloads: list[Payload]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json_format.MessageToJson(Payloads(payloads=payloads)))
    return loaded


async def test_an_auditor_decodes_a_case_s_payloads_and_the_read_is_logged(api: Api) -> None:
    name = f"復号{uuid.uuid4().hex[:6]}"
    case_id = await _case_with_name(api, name)
    inputs = await _activity_inputs(api, case_id)
    assert {key_id_of(p) for p in inputs} == {case_id}
    assert all(name.encode() not in p.data for p in inputs)

    response = await api.post("aud1", "/api/codec/decode", _body(inputs))

    assert response.status_code == 200, response.text
    decoded = Payloads()
    json_format.Parse(response.content, decoded)
    assert len(decoded.payloads) == len(inputs)
    assert any(name.encode() in p.data for p in decoded.payloads)
    assert all(p.metadata["encoding"] == b"json/plain" for p in decoded.payloads)
    log = (await api.get("aud1", "/api/audit/access-log", case_id=case_id)).json()["items"]
    assert [(r["user_id"], r["purpose"], r["fields"]) for r in log if r["purpose"] == "codec_decode"] == [
        ("aud1", "codec_decode", ["*"])
    ]


async def test_only_auditors_of_the_case_s_municipality_decode(api: Api) -> None:
    seed_other_town(api)
    case_id = await _case_with_name(api, "限定")
    body = _body((await _activity_inputs(api, case_id))[:1])
    for user in ("sw1", "csw1", "mun1", "ops1", "admin"):
        assert (await api.post(user, "/api/codec/decode", body)).status_code == 403, user
    assert (await api.post("aud-b", "/api/codec/decode", body)).status_code == 404
    assert (await api.http.post("/api/codec/decode", json=body)).status_code == 401
    assert (await api.post("aud1", "/api/codec/decode", {"payloads": "no"})).status_code == 422
    empty = await api.post("aud1", "/api/codec/decode", {})
    assert empty.status_code == 200
    assert empty.json() == {}


async def test_the_temporal_ui_s_origin_may_call_it_with_credentials_and_no_other(api: Api) -> None:
    headers = {"Origin": UI, "Access-Control-Request-Method": "POST"}
    allowed = await api.http.options("/api/codec/decode", headers=headers)
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == UI
    assert allowed.headers["access-control-allow-credentials"] == "true"
    refused = await api.http.options("/api/codec/decode", headers={**headers, "Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers


async def test_the_auditor_cli_replays_an_exported_encrypted_history_through_the_endpoint(
    time_env: WorkflowEnvironment, tmp_path: Path, capsys: Any
) -> None:
    async with live_app(time_env, tmp_path) as live, httpx.AsyncClient(base_url=live.url) as http:
        token = (await http.post("/api/auth/token", data={"username": "sw1", "password": "yorisoi-demo"})).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        opened = await http.post("/api/cases", json={"municipality": "city-a"}, headers=headers)
        case_id = opened.json()["case_id"]
        live.worker.handles.append(live.worker.client.get_workflow_handle(f"case-{case_id}"))
        aud = (await http.post("/api/auth/token", data={"username": "aud1", "password": "yorisoi-demo"})).json()
        exported = await http.get(
            f"/api/cases/{case_id}/temporal-history", headers={"Authorization": f"Bearer {aud['access_token']}"}
        )
        path = tmp_path / f"case-{case_id}.json"
        path.write_text(json.dumps(exported.json()["runs"][0]), encoding="utf-8")

        without = await replay_files([path], None, converter_for(None, None))
        assert "--codec-endpoint" in capsys.readouterr().out
        refused = await replay_files([path], None, converter_for(f"{live.url}/api/codec", token["access_token"]))
        assert "403" in capsys.readouterr().out  # a consultant's token: not an auditor
        with_codec = await replay_files([path], None, converter_for(f"{live.url}/api/codec", aud["access_token"]))
        printed = capsys.readouterr().out

    assert without == 1  # ciphertext: neither replayed nor read
    assert refused == 1
    assert with_codec == 0
    assert "open_consultation" in printed
    assert "決定性 deterministic: OK" in printed
