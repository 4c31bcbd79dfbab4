"""The auditor's replay end to end (issue 19): what the API exports, the CLI replays: every run of a case across
continue-as-new, the archive after Temporal's retention, a tampered file (the seq named, exit 1) and files that are
not case histories (one line, exit 2, never a traceback). The erased case's skeleton: ``test_retention.py``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.testing import WorkflowEnvironment

from statemachines.case.transitions import Trigger
from tests.factories import ESW1, VALID_PAYLOADS
from tests.web.apiharness import Api, running_api
from tests.workflows.harness import drive
from workflows.__main__ import main, replay_files
from workflows.export import FORMAT, CaseHistoryExport

CONTACTS = 40


async def _export(api: Api, case_id: str, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    response = await api.get("aud1", f"/api/cases/{case_id}/temporal-history")
    assert response.status_code == 200, response.text
    exported: dict[str, Any] = response.json()
    path = tmp_path / f"export-{case_id}.json"
    path.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    return exported, path


async def _long_case(api: Api) -> str:
    """A case whose workflow continued as new more than once (every 50 events)."""
    h = api.worker
    handle = await h.open(continue_after_events=50)
    await drive(h, handle, "SUPPORT_ACTIVE")
    for i in range(CONTACTS):
        await h.send(
            handle, Trigger.RECORD_CONTACT.value, ESW1, await h.contact(handle, Trigger.RECORD_CONTACT), f"c-{i}"
        )
    await handle.execute_update("projected")
    return str(handle.id).removeprefix("case-")


async def test_a_case_of_several_runs_exports_and_replays_run_by_run(
    api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = await _long_case(api)
    exported, path = await _export(api, case_id, tmp_path)
    assert (exported["format"], exported["version"], exported["case_id"]) == (FORMAT, 1, case_id)
    assert len(exported["runs"]) >= 2
    assert exported["digest"] == CaseHistoryExport.model_validate(exported).content_digest()

    converter = api.worker.client.data_converter
    assert await replay_files([path], None, converter) == 0
    printed = capsys.readouterr().out
    assert f"{len(exported['runs'])} runs" in printed
    assert "決定性 deterministic: OK" in printed
    assert "ハッシュ連鎖 chain: OK" in printed
    assert "ファイルのダイジェスト digest: OK" in printed

    assert await replay_files([path], None, converter, as_json=True) == 0
    report = json.loads(capsys.readouterr().out)
    last = report["timeline"][-1]
    assert (report["passed"], report["runs"], report["events"]) == (True, len(exported["runs"]), last["seq"])
    assert [e["seq"] for e in report["timeline"]] == list(range(1, last["seq"] + 1))  # across every run


async def test_a_tampered_file_names_the_seq_and_exits_1(
    api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = await api.open_case("sw1")
    for trigger in (Trigger.COMPLETE_INTAKE, Trigger.APPLY_FOR_SUPPORT, Trigger.START_ASSESSMENT):
        assert (await api.command("sw1", case_id, trigger.value, VALID_PAYLOADS[trigger])).status_code == 200
    exported, path = await _export(api, case_id, tmp_path)
    # Each projection runs as a local activity in its command's workflow task (issue 16): its marker's result
    # carries the event it projected.
    projected = [
        e["markerRecordedEventAttributes"]["details"]
        for e in exported["runs"][0]["events"]
        if e["eventType"] in ("EVENT_TYPE_MARKER_RECORDED", EventType.EVENT_TYPE_MARKER_RECORDED)
        and e["markerRecordedEventAttributes"]["markerName"] == "core_local_activity"
        and "result" in e["markerRecordedEventAttributes"]["details"]
    ]
    assert len(projected) == 4
    projected[2]["result"] = projected[1]["result"]  # seq 3's projection replaced by seq 2's: seq 3 is gone
    path.write_text(json.dumps(exported), encoding="utf-8")

    assert await replay_files([path], None, api.worker.client.data_converter) == 1
    printed = capsys.readouterr().out
    assert "ハッシュ連鎖 chain: NG at seq 3" in printed
    assert "digest: NG" in printed


WRONG = {
    "not JSON": "これはJSONではありません",
    "cut short": '{"format": "yorisoi.case-history", "version": 1, "runs": [{"events": [',
    "a list": "[1, 2, 3]",
    "another format": '{"format": "something-else", "version": 1}',
    "a later version": '{"format": "yorisoi.case-history", "version": 2}',
    "a bad field": '{"format": "yorisoi.case-history", "version": 1, "case_id": "", "source": "x"}',
    "a history without events": '{"events": []}',
    "runs that are not histories": '{"case_id": "c", "source": "temporal", "runs": [{"nope": 1}]}',
}


@pytest.mark.parametrize("content", list(WRONG.values()), ids=list(WRONG))
def test_a_file_that_is_not_a_case_history_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    path = tmp_path / "history.json"
    path.write_text(content, encoding="utf-8")
    assert main(["replay", str(path)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"error: {path}: ")
    assert "Traceback" not in captured.err + captured.out


def test_a_binary_file_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "case-abc.json"
    path.write_bytes(b"\xff\xfe\x00binary")
    assert main(["replay", str(path), "--json"]) == 2
    assert "not a text file" in capsys.readouterr().out


@pytest.mark.devserver
async def test_after_temporals_retention_the_archive_exports_and_replays(
    local_env: WorkflowEnvironment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_api(local_env, tmp_path) as api:
        case_id = await api.open_case("sw1")
        for trigger in (Trigger.COMPLETE_INTAKE, Trigger.END_WITH_INFORMATION):
            assert (await api.command("sw1", case_id, trigger.value, VALID_PAYLOADS[trigger])).status_code == 200
        await api.worker.client.get_workflow_handle(f"case-{case_id}").execute_update("projected")
        request = DeleteWorkflowExecutionRequest(  # what the namespace's retention does, now
            namespace=api.worker.client.namespace, workflow_execution=WorkflowExecution(workflow_id=f"case-{case_id}")
        )
        await api.worker.client.workflow_service.delete_workflow_execution(request)
        exported: dict[str, Any] = {}
        for _ in range(100):  # the deletion is asynchronous on the server
            exported, path = await _export(api, case_id, tmp_path)
            if exported["source"] == "archive":
                break
            await asyncio.sleep(0.1)
        assert exported["source"] == "archive"
        assert await replay_files([path], None, api.worker.client.data_converter) == 0
    printed = capsys.readouterr().out
    assert "end_with_information" in printed
    assert "ハッシュ連鎖 chain: OK" in printed
