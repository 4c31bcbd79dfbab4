"""One shape for every error (issue 15, item 13): RFC 9457 problem details with ``code``, ``message_ja``,
``message_en`` and ``errors[]`` (with ``loc``, never the value sent), served as ``application/problem+json`` and
documented for every operation of the OpenAPI document."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from statemachines.case.transitions import Trigger
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api

SECRET = "秘密の入力" + uuid.uuid4().hex[:6]
MEMBERS = {"type", "title", "status", "code", "detail", "message_ja", "message_en", "errors"}


def _is_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body.keys() >= MEMBERS, body
    assert (body["status"], body["code"], body["type"]) == (status, code, f"urn:yorisoi:problem:{code}")
    assert body["detail"] == body["message_ja"]
    assert body["message_ja"]
    assert body["message_en"]
    assert all({"loc", "msg", "type"} <= e.keys() for e in body["errors"])
    return body


async def test_errors_of_every_kind_come_in_the_one_shape(api: Api) -> None:
    case_id = await api.open_case("sw1")
    headers = await api.headers("sw1")

    bad_query = await api.get("sw1", "/api/cases", limit="many")
    body = _is_problem(bad_query, 422, "invalid_request")
    assert body["errors"][0]["loc"] == ["query", "limit"]

    bad_body = await api.post("sw1", "/api/cases", {"municipality": "city-a", "topics": SECRET})
    body = _is_problem(bad_body, 422, "invalid_request")
    assert SECRET not in bad_body.text  # FastAPI's own answer echoed the input

    payload = {"intake": {**VALID_PAYLOADS[Trigger.COMPLETE_INTAKE]["intake"], "topics": SECRET}}
    bad_payload = await api.command("sw1", case_id, "complete_intake", payload)
    body = _is_problem(bad_payload, 422, "invalid_payload")
    assert body["errors"][0]["loc"][:2] == ["intake", "topics"]
    assert SECRET not in bad_payload.text

    _is_problem(await api.command("sw1", case_id, "confirm_closure", {}), 409, "not_possible_from_state")
    valid = VALID_PAYLOADS[Trigger.COMPLETE_INTAKE]
    _is_problem(await api.command("aud1", case_id, "complete_intake", valid), 403, "role_not_allowed")
    _is_problem(await api.get("sw1", "/api/cases/0000000000000000"), 404, "case_not_found")
    _is_problem(await api.http.get("/api/no-such-route", headers=headers), 404, "not_found")
    _is_problem(await api.http.delete("/api/cases", headers=headers), 405, "method_not_allowed")
    unauthenticated = _is_problem(await api.http.get("/api/cases"), 401, "not_authenticated")
    assert unauthenticated["message_en"] != unauthenticated["message_ja"]
    nul = await api.http.get("/api/cases", params={"state": "\u0000"}, headers=headers)
    _is_problem(nul, 422, "invalid_character")


@pytest.mark.parametrize("status", ["4XX", "5XX"])
async def test_every_operation_documents_the_problem_shape(api: Api, status: str) -> None:
    document = (await api.http.get("/api/openapi.json")).json()
    assert "Problem" in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path)
            assert "422" not in operation["responses"], (method, path)  # FastAPI's other shape is gone
