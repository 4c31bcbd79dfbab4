"""CaseWorkflow on the time-skipping server: commands as updates, rejections, idempotency, queries."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from statemachines.case.transitions import Trigger
from statemachines.kernel.rules import DEFAULT_RULESET
from tests.factories import MUN_AT_CONTRACTOR, SW1, VALID_PAYLOADS
from tests.workflows.harness import Harness
from workflows.messages import REJECTED, CaseWorkflowInput, OpenCase

T = Trigger


async def test_opening_a_consultation_projects_the_intake_task_to_its_opener(harness: Harness) -> None:
    handle = await harness.open()
    record = await harness.record(handle)
    assert record.state == "INTAKE"

    tasks = harness.repo_do(lambda r: r.list_tasks(record.case_id, status="open"))
    assert [(t.kind, t.assignee, t.command) for t in tasks] == [("intake", "sw1", "complete_intake")]


async def test_an_illegal_command_is_rejected_with_its_unmet_guards_and_leaves_no_event(harness: Harness) -> None:
    handle = await harness.open()
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await harness.send(handle, "complete_intake", SW1, {})
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == REJECTED
    assert [d["id"] for d in cause.details] == ["G-INTAKE"]
    history = await handle.fetch_history()
    accepted = [
        e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        for e in history.events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
    ]
    assert "complete_intake" not in accepted


async def test_a_repeated_command_id_changes_nothing(harness: Harness) -> None:
    handle = await harness.open()
    first = await harness.send(handle, T.COMPLETE_INTAKE, SW1, VALID_PAYLOADS[T.COMPLETE_INTAKE], command_id="same")
    again = await harness.send(handle, T.COMPLETE_INTAKE, SW1, VALID_PAYLOADS[T.COMPLETE_INTAKE], command_id="same")
    assert first == again
    record = await harness.record(handle)
    assert record.seq == 2
    events = harness.repo_do(lambda r: r.list_events(record.case_id))
    assert [e.seq for e in events] == [1, 2]


async def test_a_contractor_can_never_fire_the_municipal_decision(harness: Harness) -> None:
    handle = await harness.open()
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await harness.send(handle, T.DECIDE_SUPPORT, MUN_AT_CONTRACTOR, VALID_PAYLOADS[T.DECIDE_SUPPORT])
    assert isinstance(info.value.cause, ApplicationError)
    assert [d["id"] for d in info.value.cause.details] == ["STATE"]


async def test_a_case_opened_by_someone_who_may_not_fails_the_workflow_instead_of_retrying(
    harness: Harness,
) -> None:
    from temporalio.client import WorkflowFailureError

    from tests.factories import SW2

    handle = await harness.client.start_workflow(
        "CaseWorkflow",
        CaseWorkflowInput(
            open=OpenCase(case_id="refused", municipality="city-a", ruleset=DEFAULT_RULESET, actor=SW2, command_id="x")
        ),
        id="case-refused",
        task_queue=harness.task_queue,
    )
    with pytest.raises(WorkflowFailureError) as info:
        await handle.result()
    assert isinstance(info.value.cause, ApplicationError)
    assert info.value.cause.type == REJECTED


async def test_search_attributes_say_where_a_case_stands_and_never_who_it_is(harness: Harness) -> None:
    from workflows import search_attributes as sa

    handle = await harness.open()
    intake = {
        "intake": {
            **VALID_PAYLOADS[T.COMPLETE_INTAKE]["intake"],
            "client": {"name": "寄添 花子", "name_kana": "よりそい はなこ", "phone": "090-0000-0000"},
        }
    }
    await harness.send(handle, T.COMPLETE_INTAKE, SW1, intake)
    attributes = (await handle.describe()).typed_search_attributes
    assert attributes.get(sa.STAGE) == "consultation"
    assert attributes.get(sa.STATE) == "SCREENING"
    assert attributes.get(sa.MUNICIPALITY) == "city-a"
    assert attributes.get(sa.ASSIGNEE) == "sw1"
    assert attributes.get(sa.NEXT_DUE) is not None
    values = " ".join(str(p.value) for p in attributes)
    assert "寄添" not in values
    assert "090-0000-0000" not in values  # the phone (a bare "090" can be part of a timestamp)


async def test_the_view_query_explains_what_each_person_can_do_next(harness: Harness) -> None:
    from statemachines.case.view import CaseView
    from tests.factories import MUN1

    handle = await harness.open()
    view = await handle.query("view", MUN1, result_type=CaseView)
    allowed = {o.command for o in view.allowed_commands if o.allowed}
    assert "complete_intake" not in allowed
    sw_view = await handle.query("view", SW1, result_type=CaseView)
    complete = next(o for o in sw_view.allowed_commands if o.command == "complete_intake")
    assert complete.allowed
    assert [r["id"] for r in complete.requires] == ["G-INTAKE"]
