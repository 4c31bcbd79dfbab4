"""Reading a case's Temporal history from the outside: every run, the events it projected, a replay verdict.

Used by the API's verify, the auditor CLI (``python -m workflows replay``) and the tests; never by workflow code.
"""

from __future__ import annotations

import json

from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import MarkerRecordedEventAttributes
from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from statemachines.kernel.events import CaseEvent
from workflows import workflow_runner
from workflows.activity_refs import PROJECT_ANSWERED, PROJECT_TRANSITION
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
    """The events the workflow handed to the projection, by seq, decoded from the activity inputs (or, for the
    projection run in the update's workflow task, from the results of its local activity).

    ``converter`` is the one the workflows ran with: with the payload codec, it needs the case's data key.
    """
    found: dict[int, CaseEvent] = {}
    for history in histories:
        for event in history.events:
            if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
                answered = _answered_projection(event.marker_recorded_event_attributes)
                if answered is not None:
                    [answer] = await converter.decode([answered], [PROJECT_ANSWERED.output])
                    found[answer.event.seq] = answer.event
                continue
            if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                continue
            attributes = event.activity_task_scheduled_event_attributes
            if attributes.activity_type.name != PROJECT_TRANSITION.name:
                continue
            [projection] = await converter.decode([attributes.input.payloads[0]], [PROJECT_TRANSITION.input])
            found[projection.event.seq] = projection.event
    return found


LOCAL_ACTIVITY_MARKER = "core_local_activity"


def _answered_projection(marker: MarkerRecordedEventAttributes) -> Payload | None:
    """The result of a ``PROJECT_ANSWERED`` local activity (behind the patch ``project-in-update-task``), which
    carries the event it projected: a local activity's marker records its type (``data``, JSON written by the SDK's
    core) and its result, not its input."""
    if marker.marker_name != LOCAL_ACTIVITY_MARKER or "result" not in marker.details or "data" not in marker.details:
        return None
    data = json.loads(marker.details["data"].payloads[0].data)
    kind = data.get("activity_type", data.get("activityType"))
    if kind != PROJECT_ANSWERED.name or not marker.details["result"].payloads:
        return None
    return marker.details["result"].payloads[0]


async def replay(histories: list[WorkflowHistory], converter: DataConverter = pydantic_data_converter) -> str | None:
    """None when today's code replays every run; otherwise what went wrong."""
    replayer = Replayer(workflows=[CaseWorkflow], data_converter=converter, workflow_runner=workflow_runner())
    for history in histories:
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        if result.replay_failure is not None:
            return f"{type(result.replay_failure).__name__}: {result.replay_failure}"
    return None
