"""A worker on its own task queue with the real projection activity on a real SQLite file."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio
from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest, DescribeWorkflowExecutionResponse
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.notifications import SmtpConfig
from statemachines.case.record import CaseRecord
from statemachines.case.timers import JST
from statemachines.case.transitions import Trigger
from statemachines.kernel.roles import Actor
from statemachines.kernel.rules import DEFAULT_RULESET, RuleSet
from store.codec import encrypted_data_converter
from store.crypto import DataKeys, MasterKey
from store.db import create_schema, make_engine, session_factory
from store.repository import CaseRepository
from tests.dbfixtures import read_model_url
from tests.factories import CITY, SW1, on_the_day
from worker import build_worker, heartbeating
from workflows.case_workflow import CaseWorkflow, workflow_id
from workflows.ids import case_of_workflow_id
from workflows.messages import CaseWorkflowInput, CommandOutcome, CommandRequest, OpenCase

TEST_MASTER_KEY = hashlib.sha256(b"yorisoi test master key").digest()


QUERY_TRIES = 5
QUERY_WAIT = timedelta(seconds=3)
"""A query the test server never answers is asked again after this wait (``Harness.record``)."""


@dataclass
class Harness:
    client: Client
    task_queue: str
    sessions: sessionmaker[Session]
    database_url: str = ""
    counter: int = field(default=0)
    handles: list[WorkflowHandle[Any, Any]] = field(default_factory=list)

    async def open(
        self,
        *,
        actor: Actor = SW1,
        ruleset: RuleSet = DEFAULT_RULESET,
        continue_after_events: int = 2000,
        case_id: str | None = None,
    ) -> WorkflowHandle[Any, Any]:
        case_id = case_id or uuid.uuid4().hex[:12]
        inp = CaseWorkflowInput(
            open=OpenCase(
                case_id=case_id, municipality=CITY, ruleset=ruleset, actor=actor, command_id=f"open-{case_id}"
            ),
            continue_after_events=continue_after_events,
        )
        handle = await self.client.start_workflow(
            CaseWorkflow.run, inp, id=workflow_id(case_id), task_queue=self.task_queue
        )
        self.handles.append(handle)
        await handle.execute_update(CaseWorkflow.projected)
        return handle

    async def terminate_all(self) -> None:
        """Running cases and their programs hold timers: on the time-skipping server they would stall the next test's
        clock. So does an activity or a workflow task still running when its workflow is terminated (the server never
        unlocks time for it): the notifications a last command started are let finish first, and so is the workflow
        task that hears their result (the projection runs as a local activity inside a workflow task, which no
        description lists as a pending activity)."""
        ids = [handle.id for handle in self.handles]
        for handle in self.handles:
            with contextlib.suppress(RPCError):
                description = await self._describe(handle.id)
                ids += [child.workflow_id for child in description.pending_children]
        for running in ids:
            await self._activities_done(running)
        for running in ids:
            with contextlib.suppress(RPCError):
                await self.client.get_workflow_handle(running).terminate(reason="test finished")

    async def _describe(self, wf_id: str) -> DescribeWorkflowExecutionResponse:
        """The raw description: ``handle.describe()`` decodes search attributes, which some test servers garble."""
        request = DescribeWorkflowExecutionRequest(
            namespace=self.client.namespace, execution=WorkflowExecution(workflow_id=wf_id)
        )
        return await self.client.workflow_service.describe_workflow_execution(request)

    async def _activities_done(self, wf_id: str, seconds: float = 10) -> None:
        """Waits until ``wf_id`` has no activity pending and no workflow task scheduled or running (at most
        ``seconds``): a run that has ended, or an unknown id, is done."""
        for _ in range(int(seconds * 20)):
            try:
                description = await self._describe(wf_id)
                if not description.pending_activities and not await self._workflow_task_open(wf_id):
                    return
            except RPCError:
                return
            await asyncio.sleep(0.05)

    async def _workflow_task_open(self, wf_id: str) -> bool:
        """Whether the run's last event is a workflow task scheduled or started, not yet completed."""
        last = None
        async for event in self.client.get_workflow_handle(wf_id).fetch_history_events():
            last = event.event_type
        return last in (EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)

    async def send(
        self,
        handle: WorkflowHandle[Any, Any],
        command: str,
        actor: Actor,
        payload: dict[str, Any] | None = None,
        command_id: str | None = None,
    ) -> CommandOutcome:
        self.counter += 1
        request = CommandRequest(
            command_id=command_id or f"cmd-{self.counter}-{uuid.uuid4().hex[:6]}", actor=actor, payload=payload or {}
        )
        result = await handle.execute_update(command, request, result_type=CommandOutcome, id=request.command_id)
        assert isinstance(result, CommandOutcome)
        return result

    async def record(self, handle: WorkflowHandle[Any, Any]) -> CaseRecord:
        """The case as its workflow holds it. A query that reaches a run in the workflow task that continues it as
        new is never answered by the time-skipping test server (the real server answers it from the new run): asked
        again, it reaches the new run. (Seen with the PostgreSQL read model, whose slower notification finishes just
        after the command's answer, so the continue-as-new's task is the one the next query meets.)"""
        for _ in range(QUERY_TRIES - 1):
            try:
                return await handle.query(CaseWorkflow.record, rpc_timeout=QUERY_WAIT)
            except RPCError as exc:
                if exc.status not in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):  # server; client wait
                    raise
        return await handle.query(CaseWorkflow.record)

    async def contact(
        self, handle: WorkflowHandle[Any, Any], trigger: Trigger, payload: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """``payload`` of ``trigger`` (the valid one by default), a contact dated the day its case opened (G-DATES:
        not before it, nor after the event's day, on the server's clock); a contact effort a day after the one
        before it (G-EFFORT-DAYS counts distinct days)."""
        record = await self.record(handle)
        day = record.opened_at.astimezone(JST).date()
        if trigger is Trigger.RECORD_CONTACT_EFFORT:
            day += timedelta(days=len(record.contact_efforts))
        return on_the_day(trigger, day, payload)

    def repo_do(self, fn: Any) -> Any:
        with self.sessions.begin() as session:
            return fn(CaseRepository(session))


def encrypted(client: Client, sessions: sessionmaker[Session]) -> Client:
    """The same server connection with Yorisoi's payload codec: data keys in ``sessions``' store.

    Every harness runs its workflows encrypted, as production does; ``Harness.client`` is this client. The master
    key is the tests' own, the same for a worker restarted on the same store.
    """
    keys = DataKeys(sessions, MasterKey(TEST_MASTER_KEY))
    config = client.config()
    config["data_converter"] = encrypted_data_converter(keys, case_of_workflow_id)
    return Client(**config)


@contextlib.asynccontextmanager
async def running_harness(
    client: Client,
    db_path: Path,
    *,
    task_queue: str | None = None,
    terminate: bool = True,
    smtp: SmtpConfig | None = None,
    encrypt: bool = True,
) -> AsyncIterator[Harness]:
    """A worker with the real projection on the read model ``db_path`` (a SQLite file, or its PostgreSQL stand-in in
    the PostgreSQL pass: ``tests.dbfixtures.read_model_url``); stops (and terminates cases) on exit.

    With ``smtp`` the notification e-mail goes to that server; without, notifications stay in the inbox. Payloads are
    encrypted unless ``encrypt`` is False (histories recorded as replay fixtures must stay readable without keys)."""
    url = read_model_url(db_path)
    engine = make_engine(url)
    create_schema(engine)
    sessions = session_factory(engine)
    if encrypt:
        client = encrypted(client, sessions)
    queue = task_queue or f"tq-{uuid.uuid4()}"
    worker: Worker = build_worker(client, queue, sessions, smtp, graceful_shutdown=timedelta(seconds=5))
    try:
        async with worker, heartbeating(sessions, queue):
            h = Harness(client=client, task_queue=queue, sessions=sessions, database_url=url)
            try:
                yield h
            finally:
                if terminate:
                    await h.terminate_all()
    finally:
        engine.dispose()


@pytest_asyncio.fixture(loop_scope="session")
async def harness(time_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_harness(time_env.client, tmp_path / "read-model.sqlite3") as h:
        yield h


async def drive(h: Harness, handle: WorkflowHandle[Any, Any], state: str) -> CaseRecord:
    """Send the commands of the table tests' path into ``state``, as the people who would send them."""
    from statemachines.case.record import CaseState
    from tests.statemachines.paths import ACTOR_FOR, PATHS

    for trigger in PATHS[CaseState(state)]:
        if trigger is Trigger.CONFIRM_CLOSURE:
            await end_programs(h, handle)  # the 終結 waits for the programs the 支援決定 started
        await h.send(handle, trigger.value, ACTOR_FOR.get(trigger, SW1), await h.contact(handle, trigger))
    record = await h.record(handle)
    assert record.state.value == state
    return record


async def end_programs(h: Harness, handle: WorkflowHandle[Any, Any], seconds: float = 30) -> list[str]:
    """The consultant ends (利用中止) each program the case's 支援決定 started that still runs, and waits until the
    case has heard each end: the 支援調整会議 confirms a 終結 only then (G-PROGRAMS-ENDED). The enrolments ended."""
    running = [eid for eid, e in (await h.record(handle)).enrolments.items() if not e.ended]
    for enrolment_id in running:
        program = h.client.get_workflow_handle(enrolment_id)
        reason = {"reason": "本人が就職したため利用を終える"}
        await h.send(program, "withdraw", SW1, reason, command_id=f"end-{enrolment_id}")
    for _ in range(int(seconds * 10)):
        if all(e.ended for e in (await h.record(handle)).enrolments.values()):
            return running
        await asyncio.sleep(0.1)
    raise AssertionError(f"the case did not hear its programs end: {(await h.record(handle)).enrolments}")


async def eventually(check: Any, seconds: float = 10) -> None:
    """Waits until ``check()`` holds: a fired timer reaches the read model a moment after the clock moves."""
    import asyncio

    for _ in range(int(seconds * 20)):
        if check():
            return
        await asyncio.sleep(0.05)
    assert check(), "the condition did not come true in time"
