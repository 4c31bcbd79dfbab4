"""The read-model database unavailable for 20 s in the middle of a burst: projections fail, retry and catch up."""

from __future__ import annotations

import asyncio
import time

import pytest
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client

from tests.faults.burst import (
    Burst,
    ServiceSender,
    assert_each_command_took_effect_once,
    case_service,
    interrupted_work,
    log,
    temporal_transient,
)
from tests.faults.outage import read_model_outage
from tests.faults.procs import Stack
from workflows.case_workflow import workflow_id

pytestmark = [pytest.mark.devserver, pytest.mark.timeout(110)]

OUTAGE_SECONDS = 20


async def highest_attempt(client: Client, case_ids: list[str]) -> int:
    """The highest attempt number among the cases' pending activities (1: none has failed yet)."""
    highest = 1
    for case_id in case_ids:
        request = DescribeWorkflowExecutionRequest(
            namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id(case_id))
        )
        described = await client.workflow_service.describe_workflow_execution(request)
        highest = max([highest, *(activity.attempt for activity in described.pending_activities)])
    return highest


async def test_projections_retry_through_a_read_model_outage_and_catch_up_once(stack: Stack) -> None:
    client = await stack.start_server()
    await stack.start_workers(3)
    sessions = stack.sessions()
    burst = Burst(
        ServiceSender(case_service(client, sessions, stack.settings.task_queue)), 20, temporal_transient, client=client
    )
    await burst.open_all()  # a new case needs a new data key, written to the read model: opened before the outage
    case_ids = [run.case_id for run in burst.runs]
    attempts_seen = 1
    answered_during_the_outage = 0

    async def outage() -> None:
        nonlocal attempts_seen, answered_during_the_outage
        await burst.reached(burst.cases + (burst.total - burst.cases) // 3)
        began = time.monotonic()
        async with read_model_outage(stack.settings.effective_database_url):
            answered_before = burst.completed
            while time.monotonic() - began < OUTAGE_SECONDS:
                attempts_seen = max(attempts_seen, await highest_attempt(client, case_ids))
                await asyncio.sleep(0.5)
            answered_during_the_outage = burst.completed - answered_before

    await burst.run_during(outage)
    interrupted = await interrupted_work(client, burst.runs)
    log.info(
        "%s; highest activity attempt seen during the outage %d; %d answered during it; %s",
        burst.summary(),
        attempts_seen,
        answered_during_the_outage,
        interrupted,
    )

    assert attempts_seen >= 2, "projections failed against the unavailable database and were retried"
    await assert_each_command_took_effect_once(burst.runs, sessions, client)
