"""Auditors: the timeline, a case as it stood at a moment, and verification against the Temporal history."""

from __future__ import annotations

from sqlalchemy import text

from statemachines.case.transitions import Trigger
from store.repository import CaseRepository
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api
from tests.workflows.harness import eventually

T = Trigger


async def _case_with_events(api: Api) -> str:
    case_id = await api.open_case("sw1")
    for trigger in (T.COMPLETE_INTAKE, T.APPLY_FOR_SUPPORT, T.START_ASSESSMENT):
        assert (await api.command("sw1", case_id, trigger.value, VALID_PAYLOADS[trigger])).status_code == 200
    return case_id


async def test_the_timeline_lists_events_and_marks_rejected_attempts(api: Api) -> None:
    case_id = await _case_with_events(api)
    assert (await api.command("sw1", case_id, "submit_plan", {})).status_code == 409
    entries = (await api.get("aud1", f"/api/cases/{case_id}/history")).json()["entries"]
    events = [e for e in entries if e["kind"] == "event"]
    assert [e["seq"] for e in events] == [1, 2, 3, 4]
    assert [e["to_state"] for e in events] == ["INTAKE", "SCREENING", "APPLIED", "ASSESSMENT"]
    assert all(len(e["hash"]) == 64 for e in events)
    rejected = [e for e in entries if e["kind"] == "rejected"]
    assert [r["command"] for r in rejected] == ["submit_plan"]


async def test_as_of_shows_the_case_as_it_stood_then(api: Api) -> None:
    case_id = await _case_with_events(api)
    entries = (await api.get("aud1", f"/api/cases/{case_id}/history")).json()["entries"]
    applied_at = next(e["at"] for e in entries if e.get("seq") == 3)
    then = (await api.get("aud1", f"/api/cases/{case_id}/history", as_of=applied_at)).json()
    assert then["as_of"]["state"] == "APPLIED"
    assert then["as_of"]["records"]["consent_c1"]["kind"] == "C1"
    assert then["as_of"]["records"]["assessment"] is None
    assert then["as_of"]["ruleset"]["ruleset_id"]
    assert [e["seq"] for e in then["entries"]] == [1, 2, 3]
    before = (await api.get("aud1", f"/api/cases/{case_id}/history", as_of="2000-01-01T00:00:00+09:00")).json()
    assert before["as_of"]["exists"] is False
    naive = await api.get("aud1", f"/api/cases/{case_id}/history", as_of="2026-01-01T00:00:00")
    assert naive.status_code == 422


async def test_verify_passes_on_a_clean_case(api: Api) -> None:
    case_id = await _case_with_events(api)
    result = (await api.post("aud1", f"/api/cases/{case_id}/verify")).json()
    assert result == {
        "deterministic": True,
        "chain_intact": True,
        "events": 4,
        "first_bad_seq": None,
        "runs": 1,
        "replay_error": None,
        "payloads_erased": False,
    }


async def test_verify_names_the_seq_of_an_altered_row(api: Api) -> None:
    case_id = await _case_with_events(api)
    with api.worker.sessions.begin() as session:
        session.execute(
            text("UPDATE case_events SET payload = :p WHERE case_id = :c AND seq = 2"),
            {"p": '{"intake": {"topics": ["debt"]}}', "c": case_id},
        )
    result = (await api.post("aud1", f"/api/cases/{case_id}/verify")).json()
    assert result["deterministic"] is True
    assert result["chain_intact"] is False
    assert result["first_bad_seq"] == 2


async def test_verify_names_the_seq_whose_report_facts_were_altered(api: Api) -> None:
    """``case_events.facts`` feed the 支援状況調査 from beside the chain: verify recomputes them from the payload."""
    case_id = await _case_with_events(api)
    with api.worker.sessions.begin() as session:
        session.execute(
            text("UPDATE case_events SET facts = :f WHERE case_id = :c AND seq = 3"),
            {"f": '{"employed": true, "income_increased": true}', "c": case_id},
        )
        assert CaseRepository(session).verify_chain(case_id) == 3  # the nightly check's answer too
    result = (await api.post("aud1", f"/api/cases/{case_id}/verify")).json()
    assert result["deterministic"] is True
    assert result["chain_intact"] is False
    assert result["first_bad_seq"] == 3


async def test_verify_names_the_seq_of_a_deleted_row(api: Api) -> None:
    case_id = await _case_with_events(api)
    with api.worker.sessions.begin() as session:
        session.execute(text("DELETE FROM case_events WHERE case_id = :c AND seq = 3"), {"c": case_id})
    result = (await api.post("aud1", f"/api/cases/{case_id}/verify")).json()
    assert result["chain_intact"] is False
    assert result["first_bad_seq"] == 3


async def test_only_auditing_roles_verify(api: Api) -> None:
    case_id = await _case_with_events(api)
    assert (await api.post("sw1", f"/api/cases/{case_id}/verify")).status_code == 403


async def test_an_ended_case_is_archived_and_its_history_exported(api: Api) -> None:
    from store.archive import HistoryArchive

    case_id = await api.open_case("sw1")
    for trigger in (T.COMPLETE_INTAKE, T.END_WITH_INFORMATION):
        assert (await api.command("sw1", case_id, trigger.value, VALID_PAYLOADS[trigger])).status_code == 200
    handle = api.worker.client.get_workflow_handle(f"case-{case_id}")
    await handle.execute_update("projected")

    def archived() -> list[object]:
        with api.worker.sessions.begin() as session:
            return list(HistoryArchive(session).load(case_id))

    await eventually(lambda: len(archived()) == 1)  # archived by the run once the end is projected
    exported = await api.get("aud1", f"/api/cases/{case_id}/temporal-history")
    assert exported.status_code == 200
    assert exported.json()["source"] == "temporal"
    assert exported.json()["runs"][0]["events"]
    assert (await api.get("sw1", f"/api/cases/{case_id}/temporal-history")).status_code == 403


async def test_after_temporals_retention_the_export_comes_from_the_archive(api: Api) -> None:
    from datetime import UTC, datetime

    from statemachines.kernel.events import GENESIS_HASH, CaseEvent, CaseSnapshotRow, Projection, chain_hash
    from store.archive import HistoryArchive
    from store.repository import CaseRepository

    at = datetime(2020, 1, 6, tzinfo=UTC)
    body = CaseEvent(
        case_id="gone",
        seq=1,
        at=at,
        actor_id="sw1",
        actor_roles=["SW"],
        command="open_consultation",
        command_id="o",
        transition_id="T1",
        from_state=None,
        to_state="CLOSED",
        prev_hash=GENESIS_HASH,
        hash="",
    )
    event = body.model_copy(update={"hash": chain_hash(GENESIS_HASH, body.canonical_content())})
    row = CaseSnapshotRow(
        case_id="gone",
        municipality="city-a",
        stage="termination",
        state="CLOSED",
        emergency_active=False,
        assignee="sw1",
        opened_at=at,
        updated_at=at,
        closed_at=at,
        next_due_at=None,
        next_due_kind=None,
        ruleset_id="national-2025-04",
        plan_version=0,
        last_seq=1,
    )
    with api.worker.sessions.begin() as session:
        CaseRepository(session).apply_projection(Projection(case=row, event=event))
        HistoryArchive(session).save("gone", [("run-1", '{"events": [{"eventId": "1"}]}')], at)
    exported = await api.get("aud1", "/api/cases/gone/temporal-history")
    assert exported.status_code == 200
    body = exported.json()
    assert (body["case_id"], body["source"], body["runs"]) == ("gone", "archive", [{"events": [{"eventId": "1"}]}])
    assert (body["format"], body["version"], body["payloads_erased"]) == ("yorisoi.case-history", 1, False)
