"""The nightly integrity check: every case's hash chain in the read model and the pure machine's rebuild of its
events (``store.integrity_pass``), a task for the auditors on a break.

A broken chain (an altered, deleted or reordered ``case_events`` row) opens one AUD task per case and seq, named by
the day it was found: re-running the check the same night opens nothing new, the next night opens it again if the
break is still there. Each batch also records every case's result and the run's progress (``store.integrity``), which
the auditors' list and the run's progress read. Logs carry case ids and seqs only.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from statemachines.kernel.events import TaskSpec
from statemachines.policy.integrity import INTEGRITY_TASK, BrokenChain, ChainBatch, ChainReport
from store.integrity import IntegrityRuns
from store.integrity_pass import case_ids_after, check_cases
from store.repository import CaseRepository
from workflows.activity_refs import VERIFY_CHAINS


class IntegrityActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @VERIFY_CHAINS.defn
    async def verify_chains(self, batch: ChainBatch) -> ChainReport:
        """Verify the chains of the next ``limit`` cases; a broken one opens a task for the auditors."""
        info = activity.info()
        run = (info.workflow_id or "", info.workflow_run_id or "")  # always IntegrityWorkflow's
        report = await asyncio.to_thread(self._verify, batch, run, info.current_attempt_scheduled_time)
        for broken in report.broken:
            activity.logger.error("case %s: hash chain broken at seq %d", broken.case_id, broken.seq)
        return report

    def _verify(self, batch: ChainBatch, run: tuple[str, str], now: datetime) -> ChainReport:
        with self._sessions.begin() as session:
            case_ids = case_ids_after(session, batch.after_case_id, batch.limit)
            checks = check_cases(session, case_ids)
            broken = [
                BrokenChain(case_id=c.case_id, seq=c.broken_seq, finding=c.finding or "chain")
                for c in checks
                if c.broken_seq is not None
            ]
            repo = CaseRepository(session)
            for found in broken:
                task = _auditor_task(found, batch.checked_on, now)
                repo.open_task(found.case_id, task, seq=0, at=now)
            IntegrityRuns(session).record_batch(
                run_id=run[1],
                workflow_id=run[0],
                after_case_id=batch.after_case_id,
                checks=checks,
                at=now,
                finished=len(case_ids) < batch.limit,
            )
        return ChainReport(checked=len(case_ids), broken=broken, last_case_id=case_ids[-1] if case_ids else None)


def _auditor_task(found: BrokenChain, checked_on: str, now: datetime) -> TaskSpec:
    seq = found.seq
    if found.finding == "rebuild":
        title_ja = f"記録の不整合の疑い（処理の流れで再現できない記録、seq {seq}）：検証と原因の確認"
        title_en = f"The case's record at seq {seq} is not one its process makes: verify and investigate"
    else:
        title_ja = f"記録の改ざん・欠落の疑い（ハッシュ連鎖の不一致、seq {seq}）：検証と原因の確認"
        title_en = f"The case's hash chain is broken at seq {seq}: verify and investigate"
    return TaskSpec(
        task_id=f"integrity:{found.case_id}:{seq}:{checked_on}",
        kind=INTEGRITY_TASK,
        title_ja=title_ja,
        title_en=title_en,
        role="AUD",
        assignee=None,
        due_at=now,
        command="verify",
    )
