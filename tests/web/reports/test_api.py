"""The monthly report through the API, from cases run through the real workflows: figures known by construction,
frozen submissions, the same hash on regeneration, and a late event shown as a difference."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from statemachines.case.record import CaseState as S
from statemachines.case.transitions import Trigger as T
from statemachines.policy.scheduling import JST
from statemachines.policy.statistics import DEFINITIONS
from store.models import CaseEventRecord
from tests.factories import SW1, VALID_PAYLOADS, evaluation
from tests.statemachines.paths import ACTOR_FOR, PATHS
from tests.web.apiharness import Api, running_api, seed_other_town
from tests.workflows.harness import Harness

LATER = timedelta(days=40)  # the app's clock: the month of the events has ended


@pytest_asyncio.fixture(loop_scope="session")
async def reports_api(time_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(time_env, tmp_path, clock=lambda: datetime.now(UTC) + LATER) as api:
        yield api


async def _run(h: Harness, steps: list[tuple[T, dict[str, Any] | None]]) -> str:
    handle = await h.open(case_id=f"rep-{uuid.uuid4().hex[:8]}")
    for trigger, payload in steps:
        await h.send(
            handle, trigger.value, ACTOR_FOR.get(trigger, SW1), VALID_PAYLOADS[trigger] if payload is None else payload
        )
    await handle.execute_update("projected")
    return handle.id.removeprefix("case-")


def _to_decision(target: bool) -> list[tuple[T, dict[str, Any] | None]]:
    steps: list[tuple[T, dict[str, Any] | None]] = [(t, None) for t in PATHS[S.SUPPORT_ACTIVE]]
    assessment = {
        "assessment": {**VALID_PAYLOADS[T.COMPLETE_ASSESSMENT]["assessment"], "employment_support_target": target}
    }
    return [(t, assessment if t == T.COMPLETE_ASSESSMENT else p) for t, p in steps]


async def _seed_month(api: Api) -> str:
    h = api.worker
    await _run(h, [(T.COMPLETE_INTAKE, None), (T.END_WITH_INFORMATION, None)])
    await _run(h, [(T.COMPLETE_INTAKE, None), (T.REFER_OUT, None)])  # to 生活保護窓口
    employed = {**VALID_PAYLOADS[T.PROPOSE_CLOSURE]}
    await _run(h, [*_to_decision(True), (T.START_EVALUATION, None), (T.PROPOSE_CLOSURE, employed)])
    raised = {"evaluation": {**evaluation("replan"), "income_increased": True, "improvements": {}}}
    await _run(h, [*_to_decision(False), (T.START_EVALUATION, None), (T.REPLAN, raised)])
    with h.sessions.begin() as session:
        first = min(r.at for r in session.query(CaseEventRecord))
    return first.astimezone(JST).strftime("%Y-%m")


async def test_a_seeded_month_gives_the_figures_known_by_construction(reports_api: Api) -> None:
    api = reports_api
    month = await _seed_month(api)
    response = await api.get("mun1", "/api/reports/monthly", municipality="city-a", month=month)
    assert response.status_code == 200, response.text
    body = response.json()
    counts = body["report"]["counts"]
    assert counts == {
        "new_consultations": 4,
        "ended_with_information": 1,
        "referred_out": 1,
        "referred_to_public_assistance": 1,
        "plans_created": 2,
        "employment_support_targets": 1,
        "employed": 1,
        "income_increased": 0,
        "employed_or_income_increased": 1,
        "evaluated_plan_holders": 2,
        "improved": 1,
        "housing_benefit_new_decisions": 0,
        "housing_benefit_extensions": 0,
        "housing_benefit_stops": 0,
    }
    shown = {f["key"]: f for f in body["report"]["figures"]}
    population = body["report"]["population"]
    assert population, "the demo world's A市 has a population"
    assert shown["new_consultations"]["per_100k"] == round(4 * 100_000 / population, 2)
    assert shown["employment_income_rate"]["value"] == 1.0
    assert shown["new_consultations"]["target"] is None  # no 目安値 published for the year: none carried forward
    assert "公表値が確認できていません" in shown["new_consultations"]["target_note"]
    assert body["report"]["definitions"] == DEFINITIONS
    assert body["submitted"] == []
    assert body["matches_submitted"] is None


async def test_a_submitted_month_is_frozen_and_a_late_event_shows_as_a_difference(reports_api: Api) -> None:
    api = reports_api
    seed_other_town(api)
    month = await _seed_month(api)
    ask = {"municipality": "city-a", "month": month}
    assert (await api.post("sw1", "/api/reports/monthly/submit", ask)).status_code == 403
    assert (await api.post("mun-b", "/api/reports/monthly/submit", ask)).status_code == 403
    this_month = (datetime.now(UTC) + LATER).astimezone(JST).strftime("%Y-%m")
    early = await api.post("mun1", "/api/reports/monthly/submit", {**ask, "month": this_month})
    assert early.status_code == 409
    submitted = await api.post("mun1", "/api/reports/monthly/submit", ask)
    assert submitted.status_code == 201, submitted.text
    frozen = submitted.json()
    again = (await api.get("ops1", "/api/reports/monthly", **ask)).json()
    assert again["report"]["hash"] == frozen["hash"]  # regenerated: the same hash
    assert again["matches_submitted"] is True
    assert again["differences"] == []

    await _run(api.worker, [(T.COMPLETE_INTAKE, None), (T.END_WITH_INFORMATION, None)])  # recorded after submission

    corrected = (await api.get("mun1", "/api/reports/monthly", **ask)).json()
    assert corrected["matches_submitted"] is False
    assert {(d["key"], d["submitted"], d["now"]) for d in corrected["differences"]} == {
        ("new_consultations", 4, 5),
        ("ended_with_information", 1, 2),
        ("plan_rate", 0.5, 0.4),  # the fiscal year's plans ÷ its new consultations
    }
    assert corrected["submitted"][0]["report"]["counts"]["new_consultations"] == 4  # the frozen version stays
    unexplained = await api.post("mun1", "/api/reports/monthly/submit", ask)
    assert unexplained.status_code == 422
    second = await api.post("mun1", "/api/reports/monthly/submit", {**ask, "note": "月末の受付の計上漏れを修正"})
    assert second.status_code == 201
    assert second.json()["version"] == 2
    assert (await api.get("mun-b", "/api/reports/monthly", **ask)).status_code == 403
