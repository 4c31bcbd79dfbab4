"""Schemathesis against the API's own OpenAPI document: whatever it is sent, it never answers 5xx.

The second test lays the worst input over what schemathesis draws: one string, number or date of the request (query,
path or JSON body) becomes a NUL, a lone surrogate, an RTL override, NaN or ±Infinity, or a day of year 1 or 9999.
Nothing may answer 5xx, a refusal may write nothing, and no marker the request carried may reach a log line.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.parse
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core import NOT_SET
from sqlalchemy import func, select

from store.appointment_records import AppointmentRecord
from store.institutions import InstitutionRecord
from store.models import CaseEventRecord, CaseRecord, RulesetRecord, TaskRecord, UserRecord
from store.programs import EnrolmentRecord
from tests.web.apiharness import Api, json_log_lines

EXAMPLES = int(os.environ.get("YORISOI_FUZZ_EXAMPLES", "250"))  # `make fuzz` asks for thousands
WRITTEN = (  # what a refused request must leave as it was (refusals and sign-in failures are recorded on purpose)
    CaseRecord,
    CaseEventRecord,
    TaskRecord,
    AppointmentRecord,
    InstitutionRecord,
    RulesetRecord,
    EnrolmentRecord,
    UserRecord,
)
SCHEMAS: dict[int, Any] = {}
ACCEPTED = {"method", "url", "headers", "params", "json", "data", "content"}


async def _schema(api: Api) -> Any:
    key = id(api)
    if key not in SCHEMAS:
        document = (await api.http.get("/api/openapi.json")).json()
        SCHEMAS[key] = schemathesis.openapi.from_dict(document)
    return SCHEMAS[key]


def _counts(api: Api) -> dict[str, int]:
    with api.worker.sessions.begin() as session:
        return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0 for t in WRITTEN}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), user=st.sampled_from(["sw1", "mun1", "aud1", "admin", None]))
async def test_no_request_makes_the_api_fail_with_a_5xx(api: Api, data: st.DataObject, user: str | None) -> None:
    schema = await _schema(api)
    case = data.draw(schema.as_strategy())
    headers = await api.headers(user) if user else {}
    kwargs = {
        k: v
        for k, v in case.as_transport_kwargs(base_url="http://yorisoi.test", headers=headers).items()
        if k in ACCEPTED and v is not NOT_SET
    }
    if isinstance(kwargs.get("data"), bytes | str):  # a raw body (e.g. text/csv) is httpx's content=
        kwargs["content"] = kwargs.pop("data")
    before = _counts(api)
    response = await api.http.request(**kwargs)
    if 400 <= response.status_code < 500:
        assert _counts(api) == before, ("a refused request wrote", case.method, case.formatted_path)
    if response.status_code == 201 and case.formatted_path == "/api/cases":  # terminated when the test ends
        api.worker.handles.append(api.worker.client.get_workflow_handle(f"case-{response.json()['case_id']}"))
    if case.formatted_path == "/api/health":  # 503 is its answer while a part is down (no worker poll here)
        assert response.status_code in (200, 503)
        return
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])


MARK = "fuzzmark"  # every hostile string carries it: found in a log line, the input reached the log
HOSTILE_STRINGS = (
    f"{MARK}\x00nul",
    f"{MARK}\ud800lone",
    f"{MARK}\u202eevil",
    f"{MARK}" + "長" * 5000,
)
HOSTILE_NUMBERS = (float("nan"), float("inf"), float("-inf"), 1e309, -(2**63) - 1, 2**64)
HOSTILE_DAYS = ("0001-01-01", "9999-12-31", "0001-01-01T00:00:00+09:00", "9999-12-31T23:59:59-14:00", "0000-00-00")
HOSTILE_QUERY = (f"{MARK}\x00nul", f"{MARK}\u202eevil", "0001-01-01T00:00:00+09:00", "9999-12-31", "NaN")


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """Every scalar of a JSON body with where it sits."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, (*path, i))]
    return [(path, value)]


def _set(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    body[path[0]] = _set(body[path[0]], path[1:], value)
    return body


def _hostile_for(value: Any) -> st.SearchStrategy[Any]:
    if isinstance(value, bool) or value is None:
        return st.sampled_from(HOSTILE_STRINGS)
    if isinstance(value, int | float):
        return st.sampled_from(HOSTILE_NUMBERS)
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[:4].isdigit():
        return st.sampled_from(HOSTILE_DAYS)
    return st.sampled_from(HOSTILE_STRINGS + HOSTILE_DAYS)


def _made_hostile(case: Any, data: st.DataObject) -> tuple[str, tuple[Any, ...], Any] | None:
    """One string, number or date of ``case`` made the worst it can be: where, which, and the body's hostile value
    (laid over the body by ``_transport``); None when the request carries nothing."""
    body = case.body if isinstance(case.body, dict | list) else None
    places = [("body", path, value) for path, value in _leaves(body)] if body is not None else []
    places += [("query", (k,), v) for k, v in (case.query or {}).items()]
    places += [("path", (k,), v) for k, v in (case.path_parameters or {}).items()]
    if not places:
        return None
    where, path, old = data.draw(st.sampled_from(places))
    if where == "body":  # laid over the body as httpx gets it (schemathesis would not serialise it)
        return where, path, data.draw(_hostile_for(old))
    if where == "query":
        case.query = {**(case.query or {}), path[0]: data.draw(st.sampled_from(HOSTILE_QUERY))}
    else:
        hostile = data.draw(st.sampled_from(HOSTILE_QUERY)).replace("\x00", "%00")  # a URL carries NUL so
        case.path_parameters = {**(case.path_parameters or {}), path[0]: hostile}
    return where, path, None


def _transport(case: Any, headers: dict[str, str], path: tuple[Any, ...], hostile: Any) -> dict[str, Any]:
    """httpx's arguments for ``case`` with ``hostile`` at ``path`` of its body (when given), written as the bytes a
    client sends: JSON text with NaN, Infinity and escaped lone surrogates; a form with a surrogate as its bytes."""
    kwargs = {
        k: v
        for k, v in case.as_transport_kwargs(base_url="http://yorisoi.test", headers=headers).items()
        if k in ACCEPTED and v is not NOT_SET
    }
    if "json" in kwargs:
        body = kwargs.pop("json") if hostile is None else _set(kwargs.pop("json"), path, hostile)
        kwargs["content"] = json.dumps(body, ensure_ascii=True, allow_nan=True).encode()
        kwargs["headers"] = {**kwargs.get("headers", {}), "content-type": "application/json"}
    if isinstance(kwargs.get("data"), dict):
        fields = dict(kwargs.pop("data"))
        if hostile is not None:
            fields[path[0]] = hostile
        form = urllib.parse.urlencode(fields, doseq=True, errors="surrogatepass")
        kwargs["content"] = form.encode()
        kwargs["headers"] = {**kwargs.get("headers", {}), "content-type": "application/x-www-form-urlencoded"}
    if isinstance(kwargs.get("data"), bytes | str):
        kwargs["content"] = kwargs.pop("data")
    return kwargs


@settings(max_examples=max(EXAMPLES // 2, 60), deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), user=st.sampled_from(["sw1", "csw1", "mun1", "aud1"]))
async def test_the_worst_input_in_any_field_is_refused_and_never_logged(
    api: Api, data: st.DataObject, user: str
) -> None:
    case = data.draw((await _schema(api)).as_strategy())
    made = _made_hostile(case, data)
    if made is None:
        return
    where, path, hostile = made
    kwargs = _transport(case, await api.headers(user), path, hostile)
    before = _counts(api)
    with json_log_lines(logging.DEBUG) as logged:
        response = await api.http.request(**kwargs)
    if 400 <= response.status_code < 500:
        assert _counts(api) == before, ("a refused request wrote", case.method, case.formatted_path, where, path)
    if response.status_code == 201 and case.formatted_path == "/api/cases":  # terminated when the test ends
        api.worker.handles.append(api.worker.client.get_workflow_handle(f"case-{response.json()['case_id']}"))
    if case.formatted_path == "/api/health":
        assert response.status_code in (200, 503)
    else:
        assert response.status_code < 500, (case.method, case.formatted_path, where, path, response.text[:300])
    server_lines = [line for line in logged.getvalue().splitlines() if '"logger": "httpx"' not in line]  # the client's
    assert not [line for line in server_lines if MARK in line], (case.method, case.formatted_path, where, path)
