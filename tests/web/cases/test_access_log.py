"""要配慮 fields and integrity: roles see what their tags allow, every read is in access_log, broken chains reach
the auditors."""

from __future__ import annotations

import httpx
from sqlalchemy import select, update
from temporalio.testing import WorkflowEnvironment

from statemachines.case.transitions import Trigger
from store.models import CaseEventRecord
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api
from tests.web.pageclient import browser_for
from workflows.integrity_workflow import IntegrityInput, IntegrityWorkflow

T = Trigger


async def _assessed(api: Api) -> str:
    case_id = await api.open_case("sw1")
    for trigger in (T.COMPLETE_INTAKE, T.APPLY_FOR_SUPPORT, T.START_ASSESSMENT, T.COMPLETE_ASSESSMENT):
        assert (await api.command("sw1", case_id, trigger.value, VALID_PAYLOADS[trigger])).status_code == 200
    return case_id


async def test_reading_special_care_fields_is_logged_and_ops_sees_no_records(api: Api) -> None:
    case_id = await _assessed(api)

    consultant = await api.get("sw1", f"/api/cases/{case_id}")
    operations = await api.get("ops1", f"/api/cases/{case_id}")
    admin = await api.get("admin", f"/api/cases/{case_id}")
    log = await api.get("aud1", "/api/audit/access-log", case_id=case_id)

    assert (
        consultant.json()["records"]["assessment"]["health"]
        == VALID_PAYLOADS[T.COMPLETE_ASSESSMENT]["assessment"]["health"]
    )
    assert operations.status_code == 200
    assert operations.json()["records"] == {}  # states and counts, not records
    assert operations.json()["state"] == "PLAN_DRAFTING"
    assert "health" not in admin.json()["records"]["assessment"]
    assert log.status_code == 200, log.text
    rows = log.json()["items"]
    reads = [r for r in rows if r["user_id"] == "sw1" and r["purpose"] == "read"]
    assert reads, rows
    assert "assessment.health" in reads[0]["fields"]
    assert not [r for r in rows if r["user_id"] in ("ops1", "admin")]  # they were shown none
    assert {r["purpose"] for r in rows} >= {"command", "read"}


async def _log(api: Api, params: dict[str, str]) -> httpx.Response:
    """``user`` is also the name of Api.get's own argument: ask through the client."""
    return await api.http.get("/api/audit/access-log", params=params, headers=await api.headers("aud1"))


async def test_the_access_log_filters_and_is_for_auditors_only(api: Api) -> None:
    case_id = await _assessed(api)
    await api.get("csw1", f"/api/cases/{case_id}")

    by_user = await _log(api, {"case_id": case_id, "user": "csw1"})
    future = await api.get("aud1", "/api/audit/access-log", case_id=case_id, **{"from": "2099-01-01T00:00:00+09:00"})
    naive = await api.get("aud1", "/api/audit/access-log", **{"from": "2026-01-01T00:00:00"})
    refused = await api.get("sw1", "/api/audit/access-log", case_id=case_id)
    other_town = await _log(api, {"user": "sw2"})

    assert [r["user_id"] for r in by_user.json()["items"]] == ["csw1"]
    assert future.json()["total"] == 0
    assert naive.status_code == 422
    assert refused.status_code == 403
    assert other_town.json()["items"] == []


async def test_the_case_page_and_the_audit_snapshot_are_logged_too(pages_api: Api) -> None:
    case_id = await pages_api.open_case("sw1", wishes="家賃が払えず退去を求められている", topics=["housing"])
    async with browser_for(pages_api) as sw:
        await sw.login("sw1")
        await sw.get(f"/cases/{case_id}")
    async with browser_for(pages_api) as aud:
        await aud.login("aud1")
        await aud.get("/audit", case_id=case_id, as_of="2099-01-01T00:00")

    rows = (await pages_api.get("aud1", "/api/audit/access-log", case_id=case_id)).json()["items"]
    fields = {(r["user_id"], r["purpose"]): r["fields"] for r in rows}
    assert fields[("sw1", "case_page")] == ["intake.wishes"]  # the intake form shows what was said
    assert fields[("aud1", "audit_as_of")] == ["intake.wishes"]


async def test_a_broken_chain_reaches_the_auditors_tasks_and_a_clean_verify_closes_it(
    api: Api, time_env: WorkflowEnvironment
) -> None:
    case_id = await _assessed(api)
    with api.worker.sessions.begin() as session:
        row = session.scalars(
            select(CaseEventRecord).where(CaseEventRecord.case_id == case_id, CaseEventRecord.seq == 3)
        ).one()
        original, row.actor_id = row.actor_id, "tampered"

    with time_env.auto_time_skipping_disabled():  # waiting must not move the shared server's clock (it has no timer)
        result = await api.worker.client.execute_workflow(
            IntegrityWorkflow.run, IntegrityInput(), id=f"integrity-{case_id}", task_queue=api.worker.task_queue
        )
    tasks = (await api.get("aud1", "/api/tasks", scope="role")).json()["items"]
    with api.worker.sessions.begin() as session:
        session.execute(
            update(CaseEventRecord)
            .where(CaseEventRecord.case_id == case_id, CaseEventRecord.seq == 3)
            .values(actor_id=original)
        )
    verified = await api.post("aud1", f"/api/cases/{case_id}/verify")
    after = (await api.get("aud1", "/api/tasks", scope="role")).json()["items"]

    assert [(b.case_id, b.seq) for b in result.broken] == [(case_id, 3)]
    assert [(t["case_id"], t["kind"]) for t in tasks] == [(case_id, "chain_broken")]
    assert verified.json()["chain_intact"] is True, verified.json()
    assert after == []


async def test_a_program_panel_shows_the_record_as_each_role_may_see_it_and_logs_the_read(pages_api: Api) -> None:
    case_id = await pages_api.open_case("sw1")
    for trigger in (T.COMPLETE_INTAKE, T.APPLY_FOR_SUPPORT):
        assert (await pages_api.command("sw1", case_id, trigger.value, VALID_PAYLOADS[trigger])).status_code == 200
    started = await pages_api.post("sw1", f"/api/cases/{case_id}/programs", {"program": "referral"})
    enrolment_id = started.json()["enrolment"]["enrolment_id"]
    pages_api.worker.handles.append(pages_api.worker.client.get_workflow_handle(enrolment_id))
    send = {"institution_id": "a-1-welfare-office", "reason": "生活保護の相談を希望", "accepts_referrals": False}
    sent = await pages_api.post(
        "sw1", f"/api/cases/{case_id}/programs/{enrolment_id}/commands", {"command": "send", "payload": send}
    )
    assert sent.status_code == 200, sent.text

    pages = {}
    for user in ("sw1", "admin", "ops1"):
        async with browser_for(pages_api) as browser:
            await browser.login(user)
            pages[user] = (await browser.get(f"/cases/{case_id}")).text
    rows = (await pages_api.get("aud1", "/api/audit/access-log", case_id=case_id)).json()["items"]

    assert "生活保護の相談を希望" in pages["sw1"]
    assert "A市 福祉事務所 生活保護担当" in pages["admin"]  # the basic fields, the institution by its name
    assert "a-1-welfare-office" not in pages["admin"]
    assert "生活保護の相談を希望" not in pages["admin"]
    assert "A市 福祉事務所 生活保護担当" not in pages["ops1"]
    page_reads = [(r["user_id"], r["fields"]) for r in rows if r["purpose"] == "case_page"]
    assert ("sw1", ["programs.referral.sendings[].reason"]) in page_reads
    assert not [user for user, _ in page_reads if user in ("admin", "ops1")]
