"""One whole case (and a 連絡不通 → 中断 case) on the real dev server, with a crash of worker and server midway."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowHistory
from temporalio.worker import Replayer

from deploy.ports import free_port
from statemachines.case.transitions import Trigger
from store.archive import HistoryArchive
from tests.conftest import DEV_SERVER
from tests.factories import SW1
from tests.workflows.devserver import DevServer
from tests.workflows.harness import Harness, end_programs, running_harness
from tests.workflows.scenario import (
    CLOSURE,
    FIRST_HALF,
    INTERRUPTION,
    LIFECYCLE_RULES,
    NO_CONTACT_RULES,
    SECOND_HALF,
    TO_ASSESSMENT,
    run_steps,
    wait_for_state,
)
from workflows import workflow_runner
from workflows.case_workflow import CaseWorkflow, workflow_id

pytestmark = pytest.mark.devserver
HISTORIES = Path(__file__).parent.parent / "histories"
HISTORY_VERSION = "v7"  # v2: archive-history-on-end; v3: start-program-workflows; v4: more programs; v5: notify;
# v6: merge-recorded-sheets (statemachines.case.corrections); v7: plan-dates-checked, decision-within-application,
# case-records-its-enrolments (statemachines.case.consistency)
PROGRAM_STATE = "record_program_state"  # TM4: the 支援決定 records the two enrolments it starts, then each end
LIFECYCLE_COMMANDS = [
    "open_consultation",
    *[t.value for t, _, _ in FIRST_HALF],
    PROGRAM_STATE,
    PROGRAM_STATE,
    *[t.value for t, _, _ in SECOND_HALF],
    PROGRAM_STATE,
    PROGRAM_STATE,
    *[t.value for t, _, _ in CLOSURE],
    "start_follow_up",
    "complete_follow_up",
]


def _assert_projected_once(h: Harness, case_id: str, seq: int) -> list[str]:
    events = h.repo_do(lambda r: r.list_events(case_id))
    assert [e.seq for e in events] == list(range(1, seq + 1))
    assert h.repo_do(lambda r: r.verify_chain(case_id)) is None
    return [e.command for e in events]


RECORDING = bool(os.environ.get("YORISOI_RECORD_HISTORIES"))


async def _replay_and_maybe_record(h: Harness, handles: dict[str, WorkflowHandle[Any, Any]]) -> None:
    replayer = Replayer(
        workflows=[CaseWorkflow], data_converter=h.client.data_converter, workflow_runner=workflow_runner()
    )
    for name, handle in handles.items():
        history = await handle.fetch_history()
        await replayer.replay_workflow(history)  # raises on any nondeterminism
        if RECORDING:
            (HISTORIES / f"{name}-{HISTORY_VERSION}.json").write_text(history.to_json() + "\n", encoding="utf-8")


async def _assert_archived(h: Harness, case_id: str) -> None:
    with h.sessions.begin() as session:
        runs = HistoryArchive(session).load(case_id)
    assert len(runs) == 1
    history = WorkflowHistory.from_json(workflow_id(case_id), runs[0][1])
    replayer = Replayer(
        workflows=[CaseWorkflow], data_converter=h.client.data_converter, workflow_runner=workflow_runner()
    )
    await replayer.replay_workflow(history)


async def test_a_case_runs_from_intake_to_follow_up_across_a_crash_of_worker_and_server(tmp_path: Path) -> None:
    server = DevServer(DEV_SERVER, tmp_path / "temporal.db")
    read_model = tmp_path / "read-model.sqlite3"
    queue = "tq-lifecycle"
    client = await server.start()
    try:
        async with running_harness(client, read_model, task_queue=queue, terminate=False, encrypt=not RECORDING) as h:
            main = await h.open(ruleset=LIFECYCLE_RULES, case_id="lifecycle")
            lost = await h.open(ruleset=NO_CONTACT_RULES, case_id="contact-lost")
            await run_steps(h, lost, TO_ASSESSMENT)
            await run_steps(h, main, FIRST_HALF)
            assert (await h.record(main)).state.value == "SUPPORT_ACTIVE"
        server.kill()  # the worker is gone and the server dies without warning

        server.port = free_port()
        client = await server.start()
        async with running_harness(client, read_model, task_queue=queue, terminate=False, encrypt=not RECORDING) as h:
            main = h.client.get_workflow_handle(workflow_id("lifecycle"))
            lost = h.client.get_workflow_handle(workflow_id("contact-lost"))
            await run_steps(h, main, SECOND_HALF)
            assert len(await end_programs(h, main)) == 2  # 就労準備支援 and 家計改善支援 of the first plan
            await run_steps(h, main, CLOSURE)
            await wait_for_state(h, main, "FOLLOW_UP")
            await h.send(main, Trigger.COMPLETE_FOLLOW_UP, SW1, await h.contact(main, Trigger.COMPLETE_FOLLOW_UP))
            await wait_for_state(h, lost, "CONTACT_LOST")
            await run_steps(h, lost, INTERRUPTION)

            main_record, lost_record = await h.record(main), await h.record(lost)
            assert main_record.state.value == "CLOSED"
            assert main_record.plan_version == 2
            assert lost_record.state.value == "INTERRUPTED"
            assert _assert_projected_once(h, "lifecycle", main_record.seq) == LIFECYCLE_COMMANDS
            lost_commands = _assert_projected_once(h, "contact-lost", lost_record.seq)
            assert lost_commands[-4:] == [
                "lose_contact",
                "record_contact_effort",
                "record_contact_effort",
                "confirm_interruption",
            ]
            still_open = {t.kind for t in h.repo_do(lambda r: r.list_tasks("lifecycle", status="open"))}
            assert not still_open  # every task of the case and of the programs it started is done
            await _assert_archived(h, "lifecycle")
            await _assert_archived(h, "contact-lost")
            await _replay_and_maybe_record(h, {"lifecycle": main, "contact-lost": lost})
    finally:
        server.kill()
