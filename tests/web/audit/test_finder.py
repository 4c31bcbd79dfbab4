"""The auditor's finder (``GET /api/audit/cases``): the cases one serves, newest first, filtered by municipality,
state, opening and closing days and the last integrity check; and the integrity check started now."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from temporalio.client import WorkflowExecutionStatus

from services.integrity_runs import NOW_WORKFLOW_ID
from statemachines.case.transitions import Trigger
from store.integrity import IntegrityRuns
from store.models import CaseEventRecord, CaseRecord
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api, seed_other_town
from web.core.i18n import JST
from workflows.integrity_workflow import IntegrityInput, IntegrityWorkflow

T = Trigger


async def _screened_case(api: Api, user: str = "sw1") -> str:
    case_id = await api.open_case(user)
    response = await api.command(user, case_id, T.COMPLETE_INTAKE.value, VALID_PAYLOADS[T.COMPLETE_INTAKE])
    assert response.status_code == 200, response.text
    return case_id


async def _cases(api: Api, user: str = "aud1", **params: Any) -> dict[str, Any]:
    response = await api.get(user, "/api/audit/cases", **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _ids(body: dict[str, Any]) -> list[str]:
    return [item["case_id"] for item in body["items"]]


async def _finished(api: Api, run_id: str) -> dict[str, Any]:
    """The run's progress once it finished (the worker runs it; nothing here moves the clock)."""
    for _ in range(300):
        progress: dict[str, Any] = (await api.get("aud1", f"/api/audit/integrity-runs/{run_id}")).json()
        if progress["status"] != "running":
            return progress
        await asyncio.sleep(0.1)
    raise AssertionError(f"the integrity run {run_id} did not finish")


async def test_the_list_is_newest_first_and_names_municipality_and_state(api: Api) -> None:
    older, newer = await _screened_case(api), await api.open_case("sw1")
    body = await _cases(api)
    assert _ids(body) == [newer, older]
    first = body["items"][0]
    assert (first["municipality"], first["municipality_name"]) == ("city-a", "A市 福祉事務所")
    assert (first["state"], first["state_name"]) == ("INTAKE", "相談受付")
    assert body["items"][1]["state_name"] == "スクリーニング"
    number = (await api.get("aud1", f"/api/cases/{newer}")).json()["case_number"]
    assert first["label"] == number  # the case's label: its 受付番号
    assert (first["closed_at"], first["integrity"], first["integrity_checked_at"]) == (None, "unchecked", None)
    paged = await _cases(api, limit=1, offset=1)
    assert (_ids(paged), paged["total"], paged["limit"], paged["offset"]) == ([older], 2, 1, 1)


async def test_filters_by_state_and_by_municipality_served(api: Api) -> None:
    screened, opened = await _screened_case(api), await api.open_case("sw1")
    assert _ids(await _cases(api, state="SCREENING")) == [screened]
    assert _ids(await _cases(api, state="INTAKE")) == [opened]
    assert _ids(await _cases(api, municipality="city-a", state="INTAKE")) == [opened]
    unknown_state = await api.get("aud1", "/api/audit/cases", state="NO_SUCH_STATE")
    assert unknown_state.status_code == 422


async def test_a_user_never_sees_another_municipalitys_cases(api: Api) -> None:
    seed_other_town(api)
    mine = await api.open_case("sw1")
    theirs = await api.open_case("sw-b", municipality="city-b")
    assert _ids(await _cases(api, "aud1")) == [mine]
    assert _ids(await _cases(api, "aud-b")) == [theirs]
    assert _ids(await _cases(api, "mun1")) == [mine]
    refused = await api.get("aud1", "/api/audit/cases", municipality="city-b")
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert "担当していない自治体" in refused.json()["detail"]
    assert (await api.get("sw1", "/api/audit/cases")).status_code == 403  # the auditors' list, not a consultant's


async def test_opened_and_closed_days_are_whole_days_in_japan_time_both_ends_included(api: Api) -> None:
    closed, still_open = await api.open_case("sw1"), await api.open_case("sw1")
    body = await _cases(api)
    opened_at = datetime.fromisoformat(body["items"][0]["opened_at"])
    day = opened_at.astimezone(JST).date()
    with api.worker.sessions.begin() as session:  # the read model as the projection leaves a 終結 (closed_at)
        session.execute(
            update(CaseRecord)
            .where(CaseRecord.case_id == closed)
            .values(closed_at=datetime(2026, 3, 31, 23, 30, tzinfo=JST).astimezone(UTC))
        )
    assert set(_ids(await _cases(api, opened_from=day.isoformat(), opened_to=day.isoformat()))) == {closed, still_open}
    assert _ids(await _cases(api, opened_to=(day - timedelta(days=1)).isoformat())) == []
    assert _ids(await _cases(api, opened_from=(day + timedelta(days=1)).isoformat())) == []
    assert _ids(await _cases(api, closed_from="2026-03-31", closed_to="2026-03-31")) == [closed]  # 23:30 JST
    assert _ids(await _cases(api, closed_from="2026-04-01")) == []  # 14:30 UTC on the 31st: not the 1st
    assert _ids(await _cases(api, closed_to="2026-03-30")) == []
    assert set(_ids(await _cases(api, opened_from="0001-01-01", opened_to="9999-12-31"))) == {closed, still_open}
    for bad in ("2026-13-45", "0000-01-01", "10000-01-01", "yesterday"):
        refused = await api.get("aud1", "/api/audit/cases", opened_from=bad)
        assert refused.status_code == 422, bad
        assert refused.json()["errors"][0]["loc"] == ["query", "opened_from"]


async def test_integrity_is_shown_after_a_run_started_now_with_who_and_when(api: Api) -> None:
    intact, altered = await _screened_case(api), await _screened_case(api)
    with api.worker.sessions.begin() as session:
        session.execute(
            update(CaseEventRecord)
            .where(CaseEventRecord.case_id == altered, CaseEventRecord.seq == 2)
            .values(actor_id="someone-else")
        )
    assert {i["integrity"] for i in (await _cases(api))["items"]} == {"unchecked"}

    started = await api.post("aud1", "/api/audit/integrity-runs")
    assert started.status_code == 202, started.text
    run = started.json()
    assert (run["started_by"], run["started_by_name"], run["total"]) == ("aud1", "A市 監査担当 山本", 2)
    done = await _finished(api, run["run_id"])

    assert (done["status"], done["checked"], done["total"], done["broken"]) == ("finished", 2, 2, 1)
    assert done["finished_at"] is not None
    assert done["started_at"] == run["started_at"]
    by_id = {i["case_id"]: i for i in (await _cases(api))["items"]}
    assert (by_id[intact]["integrity"], by_id[intact]["broken_seq"]) == ("ok", None)
    assert (by_id[altered]["integrity"], by_id[altered]["broken_seq"]) == ("broken", 2)
    assert by_id[altered]["integrity_checked_at"] is not None
    assert _ids(await _cases(api, integrity="broken")) == [altered]
    assert _ids(await _cases(api, integrity="ok")) == [intact]
    assert _ids(await _cases(api, integrity="unchecked")) == []


async def test_a_second_run_is_refused_while_one_runs(api: Api) -> None:
    """Held by the fixed workflow id (Temporal refuses a second start), and by a run the store shows unfinished that
    Temporal shows running (the night's, whatever its id)."""
    await api.open_case("sw1")
    nobody = f"nobody-listens-{uuid.uuid4().hex[:8]}"
    blocking = await api.worker.client.start_workflow(
        IntegrityWorkflow.run, IntegrityInput(), id=NOW_WORKFLOW_ID, task_queue=nobody
    )
    nightly = await api.worker.client.start_workflow(
        IntegrityWorkflow.run, IntegrityInput(), id=f"yorisoi-integrity-run-{uuid.uuid4().hex[:8]}", task_queue=nobody
    )
    try:
        by_id = await api.post("aud1", "/api/audit/integrity-runs")
        assert (by_id.status_code, by_id.json()["code"]) == (409, "integrity_run_in_progress")
        assert "すでに実行中" in by_id.json()["detail"]
        await blocking.terminate()
        with api.worker.sessions.begin() as session:  # the night's run, as its first batch records it
            IntegrityRuns(session).begin(
                run_id=nightly.result_run_id or "", workflow_id=nightly.id, started_by=None, at=datetime.now(UTC)
            )
        by_store = await api.post("admin", "/api/audit/integrity-runs")
        assert (by_store.status_code, by_store.json()["code"]) == (409, "integrity_run_in_progress")
        assert "0/1件まで検査済み" in by_store.json()["detail"]
    finally:
        for handle in (blocking, nightly):
            if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
                await handle.terminate()
    stopped = (await api.get("aud1", f"/api/audit/integrity-runs/{nightly.result_run_id}")).json()
    assert (stopped["status"], stopped["started_by"]) == ("stopped", None)  # ended without finishing
    again = await api.post("admin", "/api/audit/integrity-runs")  # a run that ended no longer holds the next
    assert again.status_code == 202, again.text
    assert (await _finished(api, again.json()["run_id"]))["status"] == "finished"


async def test_only_auditors_and_the_administrator_start_runs_and_read_their_progress(api: Api) -> None:
    for user in ("sw1", "csw1", "esw1", "mun1", "ops1"):
        started = await api.post(user, "/api/audit/integrity-runs")
        assert (started.status_code, started.json()["code"]) == (403, "forbidden"), user
        assert "監査担当・管理者" in started.json()["detail"]
        assert (await api.get(user, "/api/audit/integrity-runs/any")).status_code == 403, user
    unknown = await api.get("aud1", "/api/audit/integrity-runs/no-such-run")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "integrity_run_not_found")
