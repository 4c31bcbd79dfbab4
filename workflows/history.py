"""Reading a case's Temporal history from the outside: every run, the events it projected, a replay verdict.

Used by the API's verify, the auditor CLI (``python -m workflows replay``) and the tests; never by workflow code.
"""

from __future__ import annotations

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from statemachines.kernel.events import CaseEvent
from workflows import workflow_runner
from workflows.activity_refs import PROJECT_TRANSITION
from workflows.case_workflow import CaseWorkflow, workflow_id


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


async def projected_events(
    histories: list[WorkflowHistory], converter: DataConverter = pydantic_data_converter
) -> dict[int, CaseEvent]:
    """The events the workflow handed to the projection, by seq, decoded from the activity inputs.

    ``converter`` is the one the workflows ran with: with the payload codec, it needs the case's data key.
    """
    found: dict[int, CaseEvent] = {}
    for history in histories:
        for event in history.events:
            if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                continue
            attributes = event.activity_task_scheduled_event_attributes
            if attributes.activity_type.name != PROJECT_TRANSITION.name:
                continue
            [projection] = await converter.decode([attributes.input.payloads[0]], [PROJECT_TRANSITION.input])
            found[projection.event.seq] = projection.event
    return found


async def replay(histories: list[WorkflowHistory], converter: DataConverter = pydantic_data_converter) -> str | None:
    """None when today's code replays every run; otherwise what went wrong."""
    replayer = Replayer(workflows=[CaseWorkflow], data_converter=converter, workflow_runner=workflow_runner())
    for history in histories:
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        if result.replay_failure is not None:
            return f"{type(result.replay_failure).__name__}: {result.replay_failure}"
    return None
