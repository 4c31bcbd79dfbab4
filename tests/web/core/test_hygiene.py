"""Hostile and mistaken input (issue 15, items 1–3 and 10): what no field can store is refused with a 422 that names
where it was, before anything reaches Temporal or the read model; nothing is written; no input value is logged; an
unforeseen failure is a 500 that still carries the security headers and logs no input. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from statemachines.case.transitions import Trigger
from store.models import CaseEventRecord, CaseRecord, RejectionRecord
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api

MARK = "ログ禁止" + uuid.uuid4().hex[:6]  # a value that must never reach a log line


def _counts(api: Api) -> dict[str, int]:
    with api.worker.sessions.begin() as session:
        tables = (CaseRecord, CaseEventRecord, RejectionRecord)
        return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0 for t in tables}


async def _raw(api: Api, user: str, url: str, body: str) -> Any:
    headers = {**await api.headers(user), "Content-Type": "application/json"}
    return await api.http.post(url, content=body.encode("utf-8", "surrogatepass"), headers=headers)


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ('{"municipality":"city-a","wishes":NaN}', None),
        ('{"municipality":"city-a","wishes":Infinity}', None),
        ('{"municipality":"city-a","client":{"name":"\\ud800' + MARK + '"}}', ["body", "client", "name"]),
        ('{"municipality":"city-a","client":["' + MARK + '", NaN]}', None),
        ('{"municipality":"city-a","client":{"name":"a\\u0000' + MARK + '"}}', ["body", "client", "name"]),
        ('{"municipality":"city-a","topics":["x\\u0001"]}', ["body", "topics", 0]),
    ],
    ids=["NaN", "Infinity", "lone surrogate", "NaN beside a name", "NUL", "control character"],
)
async def test_what_no_field_can_hold_is_refused_naming_where(
    api: Api, caplog: pytest.LogCaptureFixture, body: str, loc: list[Any] | None
) -> None:
    caplog.set_level(logging.DEBUG)
    before = _counts(api)
    response = await _raw(api, "sw1", "/api/cases", body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] in {"invalid_number", "invalid_character"}
    assert MARK not in response.text
    if loc is not None:
        assert problem["loc"] == loc
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert _counts(api) == before
    assert not [r for r in caplog.records if MARK in f"{r.getMessage()} {r.__dict__}"]


async def test_a_nul_in_a_command_id_never_reaches_the_workflow(api: Api) -> None:
    case_id = await api.open_case("sw1")
    before = _counts(api)
    payload = VALID_PAYLOADS[Trigger.COMPLETE_INTAKE]
    response = await api.command("sw1", case_id, "complete_intake", payload, command_id="abc\u0000def")
    assert response.status_code == 422, response.text
    assert response.json()["loc"] == ["body", "command_id"]
    assert _counts(api) == before
    # the case is not blocked: the next command goes through at once
    assert (await api.command("sw1", case_id, "complete_intake", payload)).status_code == 200


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/cases", {"state": "\u0000"}),
        ("/api/cases", {"assignee": "a\u0000b"}),
        ("/api/tasks", {"kind": "\ud800"}),
        ("/api/cases/a\u0000b", {}),
    ],
    ids=["NUL state", "NUL assignee", "lone surrogate", "NUL in the path"],
)
async def test_a_query_or_path_no_field_can_hold_is_refused(api: Api, url: str, params: dict[str, str]) -> None:
    query = "&".join(f"{k}={_pct(v)}" for k, v in params.items())
    response = await api.http.get(
        _pct_path(url) + (f"?{query}" if query else ""), headers=await api.headers("ops1" if params else "sw1")
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_character"


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/cases", "opened_from=0001-01-01T00:00:00%2B09:00"),
        ("/api/cases", "opened_to=9999-12-31T23:59:59-14:00"),
        ("/api/tasks", "due_before=0001-01-01T00:00:00%2B09:00"),
        ("/api/audit/access-log", "from=0001-01-01T00:00:00%2B09:00"),
        ("/api/audit/access-log", "to=9999-12-31T23:59:59-14:00"),
    ],
)
async def test_a_moment_beyond_the_calendar_is_a_422_not_a_500(api: Api, url: str, param: str) -> None:
    user = "aud1" if "audit" in url else "ops1"
    response = await api.http.get(f"{url}?{param}", headers=await api.headers(user))
    assert response.status_code == 422, response.text


async def test_a_body_too_large_is_refused_before_it_is_read(api: Api) -> None:
    body = '{"municipality":"city-a","wishes":"' + "あ" * (8 * 1024 * 1024) + '"}'
    response = await _raw(api, "sw1", "/api/cases", body)
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "body_too_large"


async def test_opening_a_case_where_the_user_does_not_serve_is_a_403_that_writes_nothing(api: Api) -> None:
    before = _counts(api)
    response = await api.post("sw1", "/api/cases", {"municipality": "city-b"})
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "municipality_not_served"
    assert "city-b" not in response.json()["detail"]
    assert _counts(api) == before


async def test_an_unforeseen_failure_is_a_500_with_the_security_headers_and_no_input_logged(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.cases import CaseService

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"the store failed with parameters ({MARK!r},)")

    monkeypatch.setattr(CaseService, "open", broken)
    caplog.set_level(logging.DEBUG)
    response = await api.post("sw1", "/api/cases", {"municipality": "city-a", "wishes": MARK})
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response.headers
    assert MARK not in response.text
    logged = [f"{r.getMessage()} {r.exc_text or ''} {r.__dict__}" for r in caplog.records]
    assert any("RuntimeError" in line for line in logged), "the failure is logged by its type"
    assert not [line for line in logged if MARK in line]


def _pct(value: str) -> str:
    from urllib.parse import quote

    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def _pct_path(url: str) -> str:
    from urllib.parse import quote

    return quote(url.encode("utf-8", "surrogatepass"), safe="/")


async def test_a_page_form_with_a_nul_gets_the_error_page(api: Api) -> None:
    response = await api.http.post("/login", data={"username": "sw1\u0000", "password": "x"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "使用できない文字" in response.text
    assert 'lang="ja"' in response.text


async def test_a_page_form_sent_as_multipart_is_refused_before_any_route(api: Api) -> None:
    """Only url-encoded bodies are checked at the door, and every page form is sent so; a multipart one would carry a
    NUL past the check (to PostgreSQL's text), so a page refuses it, with the error page."""
    before = _counts(api)
    response = await api.http.post("/cases/new", files={"municipality": (None, "city-a\u0000")})
    assert response.status_code == 415
    assert response.headers["content-type"].startswith("text/html")
    assert "画面のリンクやボタンから操作し直してください" in response.text
    assert _counts(api) == before
