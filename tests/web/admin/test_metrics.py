"""``GET /metrics`` (web/admin/metrics.py, web/core/metrics.py): commands by outcome, latency by route template, the
read model's gauges as the store holds them, and who may read it. The real app on a real worker and store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, update

from api import create_app
from settings import Settings
from statemachines.case.transitions import Trigger
from statemachines.policy.dead_letters import DeadLetter
from store.dead_letters import DeadLetters
from store.integrity import CaseCheck, IntegrityRuns
from store.models import CaseRecord, TaskRecord
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api, seed_other_town
from tests.web.pageclient import browser_for, form_fields

T = Trigger
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    """Every sample of an exposition, by name and labels."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


async def scrape(api: Api) -> str:
    response = await api.http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_commands_are_counted_by_name_and_outcome_and_requests_by_route_template(api: Api) -> None:
    name = f"計測 花子{uuid.uuid4().hex[:6]}"
    case_id = await api.open_case("sw1", client={"name": name, "name_kana": "ケイソク ハナコ"})
    assert (await api.command("sw1", case_id, "complete_intake", VALID_PAYLOADS[T.COMPLETE_INTAKE])).status_code == 200
    refused = await api.command("sw1", case_id, "complete_assessment", {"assessment": {"health": name}})
    assert refused.status_code == 409
    bad_note = {"contact_on": "not a date", "method": "phone", "content": name}
    invalid = await api.command("sw1", case_id, "record_contact", {"monitoring_note": bad_note})
    assert invalid.status_code == 422
    assert (await api.get("sw1", f"/api/cases/{case_id}")).status_code == 200

    text = await scrape(api)
    found = samples(text)
    commands = {
        (dict(labels)["command"], dict(labels)["outcome"]): count
        for (metric, labels), count in found.items()
        if metric == "yorisoi_commands_total"
    }
    assert commands == {
        ("open_consultation", "accepted"): 1,
        ("complete_intake", "accepted"): 1,
        ("complete_assessment", "rejected"): 1,
        ("record_contact", "invalid"): 1,
    }
    latency = "yorisoi_http_request_duration_seconds_count"
    assert value(found, latency, route="/api/cases/{case_id}", method="GET", status_class="2xx") == 1
    assert value(found, latency, route="/api/cases/{case_id}/commands", method="POST", status_class="4xx") == 2
    assert value(found, latency, route="/api/cases", method="POST", status_class="2xx") == 1
    for secret in (case_id, name, "sw1", "ケイソク"):
        assert secret not in text


async def test_the_gauges_are_what_the_store_holds(api: Api) -> None:
    seed_other_town(api)
    for user in ("sw1", "sw1", "sw-b"):
        case_id = await api.open_case(user, municipality="city-a" if user == "sw1" else "city-b")
    now = datetime.now(UTC)
    with api.worker.sessions.begin() as session:
        first = session.scalars(select(TaskRecord).where(TaskRecord.status == "open").order_by(TaskRecord.task_id))
        late = first.first()
        assert late is not None
        session.execute(update(TaskRecord).where(TaskRecord.task_id == late.task_id).values(due_at=now - timedelta(1)))
        DeadLetters(session).record(
            DeadLetter(
                workflow_id=f"case-{case_id}",
                case_id=case_id,
                seq=2,
                kind="case",
                error_type="E",
                error="e",
                failed_at=now,
            )
        )
        runs = IntegrityRuns(session)
        runs.begin(run_id="night", workflow_id="nightly-run", started_by=None, at=now - timedelta(hours=3))
        checks = [CaseCheck(case_id=case_id, broken_seq=None), CaseCheck(case_id=late.case_id, broken_seq=4)]
        runs.record_batch(
            run_id="night", workflow_id="nightly-run", after_case_id="", checks=checks, at=now, finished=True
        )
        runs.begin(run_id="now", workflow_id="audit-run", started_by="aud1", at=now)  # an auditor's: not the night's
        runs.record_batch(
            run_id="now", workflow_id="audit-run", after_case_id="", checks=checks[:1], at=now, finished=True
        )
        rows = session.execute(
            select(CaseRecord.municipality, TaskRecord.due_at)
            .join(CaseRecord, CaseRecord.case_id == TaskRecord.case_id)
            .where(TaskRecord.status == "open")
        ).all()
    expected_open = {m: sum(1 for row in rows if row[0] == m) for m in {row[0] for row in rows}}
    expected_late = {m: sum(1 for row in rows if row[0] == m and row[1] and row[1] < now) for m in expected_open}
    assert set(expected_open) == {"city-a", "city-b"}
    assert sum(expected_late.values()) == 1

    found = samples(await scrape(api))
    assert {m: value(found, "yorisoi_open_tasks", municipality=m) for m in expected_open} == expected_open
    assert {m: value(found, "yorisoi_overdue_tasks", municipality=m) for m in expected_open} == expected_late
    assert (value(found, "yorisoi_dead_letters_waiting"), value(found, "yorisoi_cases_held")) == (1, 1)
    assert value(found, "yorisoi_integrity_last_run_finished_timestamp_seconds") == now.timestamp()
    assert value(found, "yorisoi_integrity_last_run_cases_checked") == 2
    assert value(found, "yorisoi_integrity_last_run_cases_broken") == 1
    assert value(found, "yorisoi_read_model_up") == 1


async def test_metrics_answer_only_on_this_machine_without_a_token(api: Api) -> None:
    assert api.app is not None
    remote = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app, client=("203.0.113.9", 40000)), base_url="http://yorisoi.test"
    )
    async with remote:
        refused = await remote.get("/metrics")
    assert refused.status_code == 403
    assert refused.json()["code"] == "metrics_not_allowed"
    assert (await api.http.get("/metrics")).status_code == 200  # the harness's client is 127.0.0.1


async def test_with_a_token_metrics_answer_only_to_its_bearer(tmp_path: Path) -> None:
    token = uuid.uuid4().hex
    app = create_app(Settings(data_dir=tmp_path, metrics_token=token))
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://yorisoi.test") as http:
        answers = [
            (await http.get("/metrics", headers=headers)).status_code
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {token}"})
        ]
    assert answers == [401, 401, 200]


async def test_a_command_from_the_case_page_s_form_is_counted_too(pages_api: Api) -> None:
    case_id = await pages_api.open_case("sw1")
    async with browser_for(pages_api) as browser:
        await browser.login("sw1")
        url = f"/cases/{case_id}"
        fields = form_fields(VALID_PAYLOADS[T.COMPLETE_INTAKE])
        done = await browser.submit(url, f"{url}/commands/complete_intake", fields)
        refused = await browser.submit(url, f"{url}/commands/complete_intake", fields)  # not from SCREENING
    assert (done.status_code, refused.status_code) == (303, 409)

    found = samples(await scrape(pages_api))
    assert value(found, "yorisoi_commands_total", command="complete_intake", outcome="accepted") == 1
    assert value(found, "yorisoi_commands_total", command="complete_intake", outcome="rejected") == 1
    latency = "yorisoi_http_request_duration_seconds_count"
    assert value(found, latency, route="/cases/{case_id}/commands/{command}", method="POST", status_class="3xx") == 1
