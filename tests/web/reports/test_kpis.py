"""GET /api/reports/kpis: who may read a municipality's indicators, ``as_of``, and the shape of the answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from deploy.demo import USERS
from tests.store.test_kpis import AS_OF, add_task, seed_case
from tests.web.apiharness import Api, running_api, seed_other_town

URL = "/api/reports/kpis"

NO_SHARE = {"of": None, "share": None}


@pytest_asyncio.fixture(loop_scope="session")
async def kpi_api(time_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Api]:
    """The API at AS_OF, with A市's plan waiting 12 days for the meeting and an overdue monitoring contact."""
    async with running_api(time_env, tmp_path, clock=lambda: AS_OF) as api:
        seed_other_town(api)
        with api.worker.sessions.begin() as s:
            seed_case(s, "k1", [(40, "INTAKE"), (35, "APPLIED"), (12, "MEETING_PENDING")], "sw1")
            seed_case(s, "k2", [(3, "INTAKE"), (1, "APPLIED")], None)
            add_task(s, "k1-monitoring", "k1", "monitoring_due", -2)
        yield api


async def test_every_role_serving_the_town_reads_its_indicators_without_names(kpi_api: Api) -> None:
    answers = {user: await kpi_api.get(user, URL, municipality="city-a") for user in ("sw1", "ops1", "aud1", "mun1")}
    assert {user: r.status_code for user, r in answers.items()} == dict.fromkeys(answers, 200)
    body = answers["ops1"].json()
    assert (body["municipality"], body["window_days"]) == ("city-a", 90)
    assert body["as_of"].startswith("2026-03-10T03:00:00")  # the app's clock
    indicators = {i["id"]: i for i in body["indicators"]}
    assert set(indicators["plans_awaiting_meeting"]) == {
        "id",
        "label_ja",
        "definition_ja",
        "measure",
        "total",
        "by_assignee",
    }
    assert indicators["plans_awaiting_meeting"]["label_ja"] == "支援調整会議待ちのプラン"
    assert indicators["plans_awaiting_meeting"]["total"] == {
        "count": 1,
        "median_days": 12.0,
        "p90_days": None,
        "oldest_days": 12.0,
        "of": None,  # a share's denominator: only the shares have one
        "share": None,
    }
    assert indicators["days_to_applied"]["by_assignee"] == [
        {"assignee": "sw1", "count": 1, "median_days": 5.0, "p90_days": 5.0, "oldest_days": None, **NO_SHARE},
        {"assignee": None, "count": 1, "median_days": 2.0, "p90_days": 2.0, "oldest_days": None, **NO_SHARE},
    ]
    assert indicators["overdue_monitoring"]["total"]["count"] == 1
    assert not [display for _, display, _, _ in USERS if display in answers["ops1"].text]  # user ids, never names


async def test_another_town_s_staff_are_refused(kpi_api: Api) -> None:
    statuses = {user: (await kpi_api.get(user, URL, municipality="city-a")).status_code for user in ("sw-b", "mun-b")}
    assert statuses == {"sw-b": 403, "mun-b": 403}
    assert (await kpi_api.get("mun1", URL, municipality="city-b")).status_code == 403


async def test_as_of_must_carry_a_time_zone_and_moves_the_ages(kpi_api: Api) -> None:
    naive = await kpi_api.get("mun1", URL, municipality="city-a", as_of="2026-03-10T12:00:00")
    assert naive.status_code == 422
    assert "タイムゾーン" in naive.text
    far = await kpi_api.get("mun1", URL, municipality="city-a", as_of="9999-12-31T23:00:00+09:00")
    assert far.status_code == 422
    later = (AS_OF + timedelta(days=3)).isoformat()
    answer = await kpi_api.get("mun1", URL, municipality="city-a", as_of=later, window_days=30)
    assert answer.status_code == 200, answer.text
    waiting = next(i for i in answer.json()["indicators"] if i["id"] == "plans_awaiting_meeting")
    assert waiting["total"]["oldest_days"] == 15.0
    assert answer.json()["window_days"] == 30


async def test_the_window_is_one_to_365_days(kpi_api: Api) -> None:
    statuses = [
        (await kpi_api.get("mun1", URL, municipality="city-a", window_days=days)).status_code for days in (0, 366, 365)
    ]
    assert statuses == [422, 422, 200]
