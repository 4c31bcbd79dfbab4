"""Durable timers on the time-skipping server: months pass in milliseconds, with the real projection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from statemachines.case.tasks import ALL_KINDS as CASE_TASK_KINDS
from statemachines.case.transitions import Trigger
from statemachines.kernel.rules import RuleSet
from tests.factories import SW1, VALID_PAYLOADS
from tests.workflows.harness import Harness, drive, running_harness

T = Trigger
DAY = timedelta(days=1)


@pytest_asyncio.fixture(loop_scope="session")
async def timer_harness(own_time_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_harness(own_time_env.client, tmp_path / "read-model.sqlite3") as h:
        yield h


def open_tasks(h: Harness, case_id: str) -> set[str]:
    """The case's own open tasks (its programs' tasks are tested with the programs)."""
    return {t.kind for t in h.repo_do(lambda r: r.list_tasks(case_id, status="open")) if t.kind in CASE_TASK_KINDS}


async def test_thirty_days_of_silence_opens_the_monitoring_task(
    timer_harness: Harness, own_time_env: WorkflowEnvironment
) -> None:
    handle = await timer_harness.open()
    record = await drive(timer_harness, handle, "SUPPORT_ACTIVE")
    await own_time_env.sleep(29 * DAY)
    await handle.execute_update("projected")
    assert "monitoring_due" not in open_tasks(timer_harness, record.case_id)

    await own_time_env.sleep(2 * DAY)
    await handle.execute_update("projected")
    assert "monitoring_due" in open_tasks(timer_harness, record.case_id)
    assert (await timer_harness.record(handle)).state.value == "SUPPORT_ACTIVE"

    await timer_harness.send(handle, T.RECORD_CONTACT, SW1, await timer_harness.contact(handle, T.RECORD_CONTACT))
    assert "monitoring_due" not in open_tasks(timer_harness, record.case_id)


async def test_the_plan_period_end_opens_the_evaluation_task(
    timer_harness: Harness, own_time_env: WorkflowEnvironment
) -> None:
    rules = RuleSet(
        ruleset_id="short-plan",
        effective_from=date(2025, 4, 1),
        plan_period="P3M",
        monitoring_interval="P1Y",
        no_contact_threshold="P2Y",
    )
    handle = await timer_harness.open(ruleset=rules)
    record = await drive(timer_harness, handle, "SUPPORT_ACTIVE")
    await own_time_env.sleep(85 * DAY)
    await handle.execute_update("projected")
    assert "evaluation_due" not in open_tasks(timer_harness, record.case_id)

    await own_time_env.sleep(8 * DAY)
    await handle.execute_update("projected")
    assert "evaluation_due" in open_tasks(timer_harness, record.case_id)
    await timer_harness.send(handle, T.START_EVALUATION, SW1, {})
    assert open_tasks(timer_harness, record.case_id) == {"evaluate"}


async def test_a_new_plan_resets_the_plan_period_timer(
    timer_harness: Harness, own_time_env: WorkflowEnvironment
) -> None:
    rules = RuleSet(
        ruleset_id="short-plan-2",
        effective_from=date(2025, 4, 1),
        plan_period="P30D",
        monitoring_interval="P1Y",
        no_contact_threshold="P2Y",
    )
    handle = await timer_harness.open(ruleset=rules)
    record = await drive(timer_harness, handle, "SUPPORT_ACTIVE")
    await own_time_env.sleep(20 * DAY)
    for trigger in (
        T.START_EVALUATION,
        T.REPLAN,
        T.SUBMIT_PLAN,
        T.CHECK_PLAN,
        T.RECORD_PLAN_CONSENT,
        T.PUT_ON_AGENDA,
        T.OPEN_MEETING_ITEM,
        T.APPROVE_PLAN,
        T.DECIDE_SUPPORT,
    ):
        from tests.statemachines.paths import ACTOR_FOR

        await timer_harness.send(handle, trigger.value, ACTOR_FOR.get(trigger, SW1), VALID_PAYLOADS[trigger])
    await own_time_env.sleep(20 * DAY)  # 40 days after the first plan started, 20 after the second
    await handle.execute_update("projected")
    assert "evaluation_due" not in open_tasks(timer_harness, record.case_id)
    await own_time_env.sleep(11 * DAY)
    await handle.execute_update("projected")
    assert "evaluation_due" in open_tasks(timer_harness, record.case_id)
    assert (await timer_harness.record(handle)).plan_version == 2


async def test_the_no_contact_threshold_moves_the_case_to_contact_lost(
    timer_harness: Harness, own_time_env: WorkflowEnvironment
) -> None:
    handle = await timer_harness.open()
    record = await drive(timer_harness, handle, "SUPPORT_ACTIVE")
    await own_time_env.sleep(61 * DAY)
    await handle.execute_update("projected")
    after = await timer_harness.record(handle)
    assert after.state.value == "CONTACT_LOST"
    assert after.state_before_contact_lost is not None
    assert "contact_efforts" in open_tasks(timer_harness, record.case_id)
    events = timer_harness.repo_do(lambda r: r.list_events(record.case_id))
    assert events[-1].transition_id == "T26"
    assert events[-1].actor_id == "system"

    await timer_harness.send(handle, T.RESTORE_CONTACT, SW1, await timer_harness.contact(handle, T.RESTORE_CONTACT))
    assert (await timer_harness.record(handle)).state.value == "SUPPORT_ACTIVE"


async def test_follow_ups_fire_after_closure(timer_harness: Harness, own_time_env: WorkflowEnvironment) -> None:
    handle = await timer_harness.open()
    record = await drive(timer_harness, handle, "CLOSED")
    await own_time_env.sleep(32 * DAY)
    await handle.execute_update("projected")
    assert (await timer_harness.record(handle)).state.value == "FOLLOW_UP"
    assert open_tasks(timer_harness, record.case_id) == {"follow_up"}

    await timer_harness.send(
        handle, T.COMPLETE_FOLLOW_UP, SW1, await timer_harness.contact(handle, T.COMPLETE_FOLLOW_UP)
    )
    assert (await timer_harness.record(handle)).state.value == "CLOSED"
    await own_time_env.sleep(62 * DAY)  # the 3-month follow-up, counted from the closure
    await handle.execute_update("projected")
    after = await timer_harness.record(handle)
    assert after.state.value == "FOLLOW_UP"
    assert after.follow_ups_started == 2
