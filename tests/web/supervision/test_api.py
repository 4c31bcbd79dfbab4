"""Supervision over HTTP, from cases run through the real workflows: the caseload counts per consultant (by display
name), one consultant's cases, the 助言・指導 reaching the assignee's tasks, the 支援困難事例 in the CSW queue, and the
case's 就労支援員 (who may be one, and who may not: 422)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from statemachines.case.record import Stage
from statemachines.case.transitions import Trigger as T
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api, running_api

LATER = timedelta(days=40)  # the app's clock: every case opened now has had no contact for 40 days


@pytest_asyncio.fixture(loop_scope="session")
async def supervision_api(time_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(time_env, tmp_path, clock=lambda: datetime.now(UTC) + LATER) as api:
        yield api


async def _ok(api: Api, user: str, case_id: str, trigger: T, payload: dict[str, Any] | None = None) -> None:
    response = await api.command(user, case_id, trigger.value, VALID_PAYLOADS[trigger] if payload is None else payload)
    assert response.status_code == 200, response.text


async def _row(api: Api, user: str, consultant: str | None, **params: Any) -> dict[str, Any]:
    response = await api.get(user, "/api/supervision/caseloads", **params)
    assert response.status_code == 200, response.text
    rows: dict[str | None, dict[str, Any]] = {row["user_id"]: row for row in response.json()["caseloads"]}
    return rows[consultant]


async def _kinds(api: Api, user: str, case_id: str, scope: str) -> set[str]:
    response = await api.get(user, "/api/tasks", scope=scope)
    return {t["kind"] for t in response.json()["items"] if t["case_id"] == case_id}


async def test_caseload_counts_per_consultant_by_display_name(supervision_api: Api) -> None:
    api = supervision_api
    screened = await api.open_case("sw1")
    await _ok(api, "sw1", screened, T.COMPLETE_INTAKE)
    flagged = await api.open_case("sw1")
    await _ok(api, "csw1", flagged, T.FLAG_DIFFICULT_CASE)

    sw1 = await _row(api, "csw1", "sw1")
    assert sw1["display_name"] == "相談支援員 佐藤"
    assert sw1["open_cases"] == 2
    assert sw1["by_stage"][Stage.CONSULTATION.value] == 2
    assert (sw1["difficult"], sw1["no_contact"], sw1["contact_lost"], sw1["plans_past_period"]) == (1, 2, 0, 0)
    assert sw1["overdue_tasks"] == 2  # the intake and screening tasks were due days before the clock
    assert (await _row(api, "csw1", "sw1", no_contact_days=60))["no_contact"] == 0
    assert (await _row(api, "csw1", "csw1"))["display_name"] == "主任相談支援員 鈴木"
    assert await _row(api, "mun1", "sw1") == sw1  # the municipality sees the same counts
    assert await _row(api, "ops1", "sw1") == sw1


async def test_caseloads_refuse_who_may_not_and_bad_days(supervision_api: Api) -> None:
    api = supervision_api
    refused = await api.get("sw1", "/api/supervision/caseloads")
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert "主任相談支援員" in refused.json()["detail"]
    bad = await api.get("csw1", "/api/supervision/caseloads", no_contact_days=0)
    assert bad.status_code == 422
    other = await api.get("csw1", "/api/supervision/caseloads", municipality="city-b")
    assert other.status_code == 403
    cases = await api.get("mun1", "/api/supervision/consultants/sw1/cases")
    assert cases.status_code == 403
    unknown = await api.get("csw1", "/api/supervision/consultants/nobody/cases")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "consultant_not_found")


async def test_a_consultant_s_cases_difficult_first_without_client_names(supervision_api: Api) -> None:
    api = supervision_api
    plain = await api.open_case("sw1")
    flagged = await api.open_case("sw1")
    await _ok(api, "csw1", flagged, T.FLAG_DIFFICULT_CASE)
    response = await api.get("csw1", "/api/supervision/consultants/sw1/cases")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["display_name"] == "相談支援員 佐藤"
    ids = [c["case_id"] for c in body["cases"]]
    assert ids.index(flagged) < ids.index(plain)
    first = body["cases"][0]
    assert first["difficult"] is True
    assert first["no_contact"] is True
    assert not {"intake", "client", "name", "reason"} & set(first)


async def test_an_advice_reaches_the_assignee_and_a_difficult_case_the_csw_queue(supervision_api: Api) -> None:
    api = supervision_api
    case_id = await api.open_case("sw1")
    await _ok(api, "csw1", case_id, T.GIVE_ADVICE)
    assert "review_advice" in await _kinds(api, "sw1", case_id, "mine")
    refused = await api.command("esw1", case_id, "acknowledge_advice", {"advice_no": 1})
    assert refused.status_code == 409
    await _ok(api, "sw1", case_id, T.ACKNOWLEDGE_ADVICE)
    assert "review_advice" not in await _kinds(api, "sw1", case_id, "mine")

    await _ok(api, "csw1", case_id, T.FLAG_DIFFICULT_CASE)
    assert "difficult_case" in await _kinds(api, "csw1", case_id, "unassigned")
    await _ok(api, "sw1", case_id, T.COMPLETE_INTAKE)  # the case moves on: the flag's task stays
    assert "difficult_case" in await _kinds(api, "csw1", case_id, "unassigned")
    await _ok(api, "csw1", case_id, T.LIFT_DIFFICULT_CASE)
    assert "difficult_case" not in await _kinds(api, "csw1", case_id, "unassigned")
    read = await api.get("csw1", f"/api/cases/{case_id}")
    record = read.json()["records"]
    assert record.get("difficult_case") is None
    assert record["advices"][0]["response"] == VALID_PAYLOADS[T.ACKNOWLEDGE_ADVICE]["response"]


async def test_the_employment_supporter_must_be_an_esw_of_the_case_s_town(supervision_api: Api) -> None:
    api = supervision_api
    case_id = await api.open_case("sw1")
    for who in ("sw1", "nobody", "sw2"):
        refused = await api.command("csw1", case_id, "assign_employment_supporter", {"employment_supporter": who})
        assert refused.status_code == 422, who
        assert "就労支援員" in refused.text
    await _ok(api, "csw1", case_id, T.ASSIGN_EMPLOYMENT_SUPPORTER, {"employment_supporter": "esw1"})
    read = await api.get("csw1", f"/api/cases/{case_id}")
    assert read.json()["records"]["employment_supporter"] == "esw1"
