"""Verify a case: replay its Temporal history against today's code, and hold its ``case_events`` rows against it.

The projection activity's inputs in the history carry every event the workflow produced, with its hash. A row of
``case_events`` that was altered, deleted or reordered no longer matches them (nor its own chain), and its seq is
reported.
"""

from __future__ import annotations

from pydantic import BaseModel
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from statemachines.events import CaseEvent, Projection, first_broken_link
from workflows import workflow_runner
from workflows.case_workflow import PROJECT_ACTIVITY, CaseWorkflow, workflow_id


class VerifyResult(BaseModel):
    deterministic: bool
    chain_intact: bool
    events: int
    first_bad_seq: int | None
    runs: int
    replay_error: str | None = None


async def fetch_histories(client: Client, case_id: str) -> list[WorkflowHistory]:
    """Every run of the case, oldest first, following the continue-as-new chain backwards."""
    histories: list[WorkflowHistory] = []
    run_id: str | None = None
    while True:
        history = await client.get_workflow_handle(workflow_id(case_id), run_id=run_id).fetch_history()
        histories.append(history)
        started = history.events[0].workflow_execution_started_event_attributes
        run_id = started.continued_execution_run_id or None
        if run_id is None:
            return list(reversed(histories))


def projected_events(histories: list[WorkflowHistory]) -> dict[int, CaseEvent]:
    """The events the workflow handed to the projection, by seq, decoded from the activity inputs."""
    converter = pydantic_data_converter.payload_converter
    found: dict[int, CaseEvent] = {}
    for history in histories:
        for event in history.events:
            if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                continue
            attributes = event.activity_task_scheduled_event_attributes
            if attributes.activity_type.name != PROJECT_ACTIVITY:
                continue
            projection = converter.from_payload(attributes.input.payloads[0], Projection)
            found[projection.event.seq] = projection.event
    return found


async def replay(histories: list[WorkflowHistory]) -> str | None:
    replayer = Replayer(
        workflows=[CaseWorkflow], data_converter=pydantic_data_converter, workflow_runner=workflow_runner()
    )
    for history in histories:
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        if result.replay_failure is not None:
            return f"{type(result.replay_failure).__name__}: {result.replay_failure}"
    return None


def first_mismatch(rows: list[CaseEvent], recorded: dict[int, CaseEvent]) -> int | None:
    """The first seq where the stored rows and the workflow's own events disagree, or the chain breaks."""
    candidates: list[int] = []
    broken = first_broken_link(rows)
    if broken is not None:
        candidates.append(broken)
    by_seq = {row.seq: row for row in rows}
    for seq in sorted(set(recorded) | set(by_seq)):
        row, event = by_seq.get(seq), recorded.get(seq)
        if row is None or event is None or row.hash != event.hash or row != event:
            candidates.append(seq)
            break
    return min(candidates) if candidates else None


async def verify(client: Client, case_id: str, rows: list[CaseEvent]) -> VerifyResult:
    histories = await fetch_histories(client, case_id)
    error = await replay(histories)
    recorded = projected_events(histories)
    bad = first_mismatch(rows, recorded)
    return VerifyResult(
        deterministic=error is None,
        chain_intact=bad is None,
        events=len(recorded),
        first_bad_seq=bad,
        runs=len(histories),
        replay_error=error,
    )
