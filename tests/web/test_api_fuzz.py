"""Schemathesis against the API's own OpenAPI document: whatever it is sent, it never answers 5xx."""

from __future__ import annotations

import os
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
from tests.web.apiharness import Api

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
