"""Starting the integrity check now (the auditors' 「今すぐ検査」), and asking how far a run has got.

It is the nightly schedule's ``IntegrityWorkflow``, started under one fixed workflow id (``NOW_WORKFLOW_ID``): Temporal
itself refuses a second start while one runs. Before that, a run of any origin (the night's too) that the store still
shows unfinished and Temporal shows running refuses it as well, naming that run. Who started each run and when is
recorded (``integrity_runs``); the nightly ones have no starter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from store.integrity import IntegrityRunRow, IntegrityRuns
from workflows.integrity_workflow import SCHEDULE_ID, IntegrityInput, IntegrityWorkflow

NOW_WORKFLOW_ID = f"{SCHEDULE_ID}-now"


class IntegrityRunInProgress(Exception):
    """A run is going on: a second one would check the same chains twice at once."""

    def __init__(self, running: IntegrityRunRow | None) -> None:
        self.running = running
        where = f"（{running.checked}/{running.total}件まで検査済み）" if running is not None else ""
        super().__init__(
            f"整合性検査はすでに実行中です{where}。終わってから開始してください（進み具合は監査の画面で確認できます）。"
        )


class IntegrityRunNotFound(Exception):
    def __init__(self) -> None:
        super().__init__("その整合性検査の記録はありません。開始したときに返された run_id を確認してください。")


class RunStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"  # ended without finishing (terminated, failed, or gone from Temporal)


@dataclass(frozen=True)
class RunProgress:
    run: IntegrityRunRow
    status: RunStatus


@dataclass(frozen=True)
class IntegrityRunner:
    client: Client
    sessions: sessionmaker[Session]
    task_queue: str

    async def start(self, *, started_by: str, now: datetime) -> IntegrityRunRow:
        """Start a run now, recorded as ``started_by``'s; refused while another runs."""
        running = await self.running()
        if running is not None:
            raise IntegrityRunInProgress(running)
        try:
            handle = await self.client.start_workflow(
                IntegrityWorkflow.run,
                IntegrityInput(),
                id=NOW_WORKFLOW_ID,
                task_queue=self.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        except WorkflowAlreadyStartedError:
            raise IntegrityRunInProgress(await self.running()) from None
        run_id = handle.result_run_id or handle.run_id
        assert run_id is not None  # a started workflow has its run id
        try:
            return self._begin(run_id, started_by, now)
        except IntegrityError:  # its first batch made the row at the same moment: add who started it
            return self._begin(run_id, started_by, now)

    def _begin(self, run_id: str, started_by: str, now: datetime) -> IntegrityRunRow:
        with self.sessions.begin() as session:
            return IntegrityRuns(session).begin(
                run_id=run_id, workflow_id=NOW_WORKFLOW_ID, started_by=started_by, at=now
            )

    async def running(self) -> IntegrityRunRow | None:
        """The run still going, if any: unfinished in the store and running in Temporal."""
        with self.sessions.begin() as session:
            unfinished = IntegrityRuns(session).unfinished()
        for run in unfinished:
            if await self._is_running(run):
                return run
        return None

    async def _is_running(self, run: IntegrityRunRow) -> bool:
        try:
            described = await self.client.get_workflow_handle(run.workflow_id, run_id=run.run_id).describe()
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:  # gone from Temporal (past its retention): not running
                return False
            raise
        return described.status == WorkflowExecutionStatus.RUNNING

    async def progress(self, run_id: str) -> RunProgress:
        with self.sessions.begin() as session:
            run = IntegrityRuns(session).get(run_id)
        if run is None:
            raise IntegrityRunNotFound
        return await self._progress_of(run)

    async def latest(self) -> RunProgress | None:
        """The run started last (by anyone, or the schedule), with how far it got."""
        with self.sessions.begin() as session:
            run = IntegrityRuns(session).latest()
        return None if run is None else await self._progress_of(run)

    async def _progress_of(self, run: IntegrityRunRow) -> RunProgress:
        if run.finished_at is not None:
            return RunProgress(run, RunStatus.FINISHED)
        return RunProgress(run, RunStatus.RUNNING if await self._is_running(run) else RunStatus.STOPPED)
