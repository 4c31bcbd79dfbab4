"""Random command sequences sent to a real CaseWorkflow: replaying its accepted events through the pure machine
yields the workflow's own record, and no sequence leaves an undefined state or a gap in the read model."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from temporalio.client import WorkflowUpdateFailedError

from statemachines.case.corrections import merged_payload
from statemachines.case.engine import CASE, open_case
from statemachines.case.rebuild import rebuild
from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.transitions import Trigger
from statemachines.kernel.roles import SYSTEM_ACTOR, Role
from statemachines.kernel.rules import DEFAULT_RULESET
from tests.factories import CITY, SW1
from tests.statemachines.strategies import Command, command_sequences
from tests.workflows.harness import Harness


def _replay(record: CaseRecord, accepted: list[tuple[Command, str]], events: list[Any]) -> CaseRecord:
    """The pure machine fed the accepted commands at the times the workflow recorded them, and what the workflow
    recorded of its own accord (TM4: the enrolments its 支援決定 started) where it recorded it. Each command's sheets
    are merged into the case's first (``merged_payload``), as the workflow merges them: a 訂正 of the 申込票 before
    the 相談受付 is kept by it."""
    sent = {command_id: command for command, command_id in accepted}
    opening = events[0]
    case = open_case(
        case_id=record.case_id,
        municipality=CITY,
        ruleset=DEFAULT_RULESET,
        actor=SW1,
        payload={},
        now=opening.at,
        command_id=opening.command_id,
    ).record
    for event in events[1:]:
        if event.command_id in sent:
            trigger, actor, payload = sent[event.command_id]
            # laid over the sheets the case holds, as the workflow does before it checks and records a command
            reopening = trigger is Trigger.REOPEN
            command, who, body = trigger.value, actor, merged_payload(case, payload, reopening=reopening)
        else:
            command, who, body = event.command, SYSTEM_ACTOR, event.payload
        case = CASE.apply(case, command, who, body, now=event.at, command_id=event.command_id).record
    return case


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=command_sequences())
async def test_replaying_accepted_events_through_the_pure_machine_yields_the_workflows_record(
    harness: Harness, sequence: list[Command]
) -> None:
    handle = await harness.open()
    accepted: list[tuple[Command, str]] = []
    for n, (trigger, actor, payload) in enumerate(sequence):
        if Role.SYSTEM in actor.roles:
            continue  # timers' own moves are refused from outside by design
        command_id = f"p-{n}"
        try:
            await harness.send(handle, trigger.value, actor, payload, command_id=command_id)
        except WorkflowUpdateFailedError:
            continue
        accepted.append(((trigger, actor, payload), command_id))
    record = await harness.record(handle)
    assert record.state in set(CaseState)
    events = harness.repo_do(lambda r: r.list_events(record.case_id))
    assert [e.seq for e in events] == list(range(1, record.seq + 1))
    assert harness.repo_do(lambda r: r.verify_chain(record.case_id)) is None
    replayed = _replay(record, accepted, events)
    assert replayed.model_dump(mode="json") == record.model_dump(mode="json")
    rebuilt = rebuild(events, municipality=CITY, ruleset=DEFAULT_RULESET)
    assert rebuilt is not None
    assert rebuilt.model_dump(mode="json") == record.model_dump(mode="json")
    await handle.terminate("example finished")
