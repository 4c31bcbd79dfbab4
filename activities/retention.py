"""The nightly erasure of ended cases whose retention has passed (crypto-shredding, ``store.retention``).

A case is erased only when it is due (every kind of record it holds has passed its retention since it ended), no
legal hold is in place, and none of its workflows still runs in Temporal (a running one would need its key to go on:
it is left for a later night). Each erasure is one transaction: the data key, the read model's payloads and the
``case_erasures`` record together. Logs carry case ids only.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from statemachines.policy.retention import ErasureBatch, ErasureReport
from store.crypto import DataKeys
from store.programs import EnrolmentRecord
from store.retention import RetentionRepository, RetentionRow, forget_old_pages
from workflows.activity_refs import ERASE_DUE_CASES


class RetentionActivities:
    def __init__(self, client: Client, sessions: sessionmaker[Session], keys: DataKeys | None) -> None:
        self._client = client
        self._sessions = sessions
        self._keys = keys

    @ERASE_DUE_CASES.defn
    async def erase_due_cases(self, batch: ErasureBatch) -> ErasureReport:
        now = activity.info().current_attempt_scheduled_time
        examined, due, last = await asyncio.to_thread(self._due, batch)
        erased, held, running = [], [], []
        for row, workflow_ids in due:
            if row.held:
                held.append(row.case_id)
            elif await self._any_running(workflow_ids):
                running.append(row.case_id)
            elif await asyncio.to_thread(self._erase, row, now):
                erased.append(row.case_id)
                activity.logger.info("case %s: erased after its retention (due %s)", row.case_id, row.due_on)
        if erased:
            await asyncio.to_thread(forget_old_pages, self._sessions)
        return ErasureReport(examined=examined, erased=erased, held=held, running=running, last_case_id=last)

    def _due(self, batch: ErasureBatch) -> tuple[int, list[tuple[RetentionRow, list[str]]], str | None]:
        with self._sessions.begin() as session:
            repo = RetentionRepository(session)
            case_ids = repo.ended_cases(after=batch.after_case_id, limit=batch.limit)
            due = []
            for case_id in case_ids:
                row = repo.row(case_id)
                if row is None or row.due_on > batch.today:
                    continue
                enrolments = select(EnrolmentRecord.enrolment_id).where(EnrolmentRecord.case_id == case_id)
                due.append((row, [f"case-{case_id}", *session.scalars(enrolments)]))
            return len(case_ids), due, case_ids[-1] if case_ids else None

    async def _any_running(self, workflow_ids: list[str]) -> bool:
        for workflow_id in workflow_ids:
            request = DescribeWorkflowExecutionRequest(
                namespace=self._client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
            )
            try:  # the raw description: its status is all we need, and nothing of it is decoded
                described = await self._client.workflow_service.describe_workflow_execution(request)
            except RPCError as exc:
                if exc.status == RPCStatusCode.NOT_FOUND:
                    continue  # gone from Temporal (its retention): nothing runs
                raise
            if described.workflow_execution_info.status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING:
                return True
        return False

    def _erase(self, row: RetentionRow, now: datetime) -> bool:
        with self._sessions.begin() as session:
            repo = RetentionRepository(session)
            if repo.erasure(row.case_id) is not None or repo.active_hold(row.case_id) is not None:
                return False  # erased by a concurrent run, or held since the batch was read
            repo.erase(row, self._keys, now=now)
        return True
