"""Supervision through the real workflows (time-skipping server): the ESW's tasks of a program reach the case's
就労支援員 (told in their inbox), or the ESW queue when the case has none, and follow a new one; a 助言・指導 reaches
the assignee's tasks and inbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from statemachines.case.record import CaseState
from statemachines.case.transitions import Trigger
from statemachines.enrolments import decided_enrolment_id
from statemachines.kernel.roles import OrgKind, Role
from store.accounts import AccountRepository
from store.notifications import NotificationRepository
from tests.factories import CSW1, ESW1, MUN1, SW1, VALID_PAYLOADS, plan
from tests.faults.burst import case_service
from tests.statemachines.paths import ACTOR_FOR, PATHS
from tests.statemachines.programs.tables import CT
from tests.workflows.harness import Harness, eventually, running_harness

PROGRAM = "certified_training"  # its first state's task (あっせん) is the 就労支援員's


@pytest_asyncio.fixture(loop_scope="session")
async def h(own_time_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_harness(own_time_env.client, tmp_path / "rm.sqlite3") as harness:
        with harness.sessions.begin() as session:  # the people told of their tasks (an unknown assignee is not)
            accounts = AccountRepository(session)
            accounts.add_organisation("city-a", OrgKind.MUNICIPALITY, "A市", ["city-a"])
            accounts.add_organisation("contractor-a", OrgKind.CONTRACTOR, "A市 自立相談支援機関", ["city-a"])
            for user_id, role in (("sw1", Role.SW), ("esw1", Role.ESW), ("esw2", Role.ESW)):
                accounts.add_user(user_id, "pw", {role}, "contractor-a", f"{user_id} さん")
        yield harness


async def _decided(h: Harness, esw: str | None) -> tuple[str, WorkflowHandle[Any, Any]]:
    """A case through its 支援決定 with the program in the plan (its 就労支援員 set first when ``esw``)."""
    handle = await h.open()
    if esw is not None:
        await h.send(handle, Trigger.ASSIGN_EMPLOYMENT_SUPPORTER.value, CSW1, {"employment_supporter": esw})
    for trigger in PATHS[CaseState.DECISION_PENDING]:
        payload = {"plan": plan(programs=(PROGRAM,))} if trigger is Trigger.SUBMIT_PLAN else VALID_PAYLOADS[trigger]
        await h.send(handle, trigger.value, ACTOR_FOR.get(trigger, SW1), payload)
    decision = {"decision": {"decided_on": "2026-11-30", "programs": [{"program": PROGRAM, "approved": True}]}}
    await h.send(handle, Trigger.DECIDE_SUPPORT.value, MUN1, decision)
    case_id = (await h.record(handle)).case_id
    child = h.client.get_workflow_handle(decided_enrolment_id(case_id, PROGRAM, 1))
    h.handles.append(child)
    await child.execute_update("projected")
    return case_id, child


def _tasks(h: Harness, case_id: str, kind: str) -> list[str | None]:
    return [t.assignee for t in h.repo_do(lambda r: r.list_tasks(case_id, status="open")) if t.kind == kind]


def _told(h: Harness, user_id: str, case_id: str) -> list[str]:
    with h.sessions.begin() as session:
        rows = NotificationRepository(session).list_for(user_id, limit=200).items
    return [n.idempotency_key for n in rows if n.case_id == case_id]


async def test_a_program_s_esw_task_reaches_the_case_s_employment_supporter(h: Harness) -> None:
    case_id, _ = await _decided(h, "esw1")
    assert _tasks(h, case_id, "ct_match") == ["esw1"]
    assert any(key.endswith(":ct_match") for key in _told(h, "esw1", case_id))
    assert not any(key.endswith(":ct_match") for key in _told(h, "sw1", case_id))


async def test_without_an_employment_supporter_the_esw_task_waits_in_the_esw_queue(h: Harness) -> None:
    case_id, _ = await _decided(h, None)
    assert _tasks(h, case_id, "ct_match") == [None]


async def test_a_new_employment_supporter_takes_the_open_task_and_the_next_ones(h: Harness) -> None:
    case_id, child = await _decided(h, None)
    handle = h.client.get_workflow_handle(f"case-{case_id}")
    service = case_service(h.client, h.sessions, h.task_queue)  # the API's path: the service tells the enrolments
    payload = {"employment_supporter": "esw2"}
    await service.send(case_id, Trigger.ASSIGN_EMPLOYMENT_SUPPORTER.value, CSW1, payload, "hand-over-1")
    await handle.execute_update("projected")
    assert _tasks(h, case_id, "ct_match") == ["esw2"]  # the read model hands over the open one
    await h.send(child, "match_provider", ESW1, CT.payloads["match_provider"])
    await h.send(child, "decide", MUN1, CT.payloads["decide"])
    await child.execute_update("projected")
    assert _tasks(h, case_id, "ct_start") == ["esw2"]  # opened after the signal: the new 就労支援員's


async def test_an_advice_reaches_the_assignee_s_tasks_and_inbox(h: Harness) -> None:
    handle = await h.open()
    case_id = (await h.record(handle)).case_id
    await h.send(handle, Trigger.GIVE_ADVICE.value, CSW1, VALID_PAYLOADS[Trigger.GIVE_ADVICE])
    assert _tasks(h, case_id, "review_advice") == ["sw1"]
    # the notifications start after the projection, in the background (issue 16): the inbox hears a moment later
    await eventually(lambda: f"task:{case_id}:2:review_advice:1" in _told(h, "sw1", case_id))
    await h.send(handle, Trigger.FLAG_DIFFICULT_CASE.value, CSW1, VALID_PAYLOADS[Trigger.FLAG_DIFFICULT_CASE])
    assert _tasks(h, case_id, "difficult_case") == [None]
    row = h.repo_do(lambda r: r.get_case(case_id))
    assert row is not None
    assert row.difficult_case is True
