"""The nightly integrity check: an altered, deleted or reordered event row is found by seq, for the auditors."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import delete, select, update
from temporalio.testing import WorkflowEnvironment

from statemachines.case.transitions import Trigger
from store.models import CaseEventRecord, TaskRecord
from tests.factories import SW1, VALID_PAYLOADS
from tests.workflows.harness import Harness, running_harness
from worker import ensure_schedules
from workflows.integrity_workflow import SCHEDULE_ID, IntegrityInput, IntegrityResult, IntegrityWorkflow
from workflows.retention_workflow import SCHEDULE_ID as RETENTION_SCHEDULE


async def _case(h: Harness) -> str:
    handle = await h.open()
    await h.send(handle, Trigger.COMPLETE_INTAKE.value, SW1, VALID_PAYLOADS[Trigger.COMPLETE_INTAKE])
    await h.send(handle, Trigger.APPLY_FOR_SUPPORT.value, SW1, VALID_PAYLOADS[Trigger.APPLY_FOR_SUPPORT])
    await handle.execute_update("projected")
    return handle.id.removeprefix("case-")


async def _check(h: Harness, env: WorkflowEnvironment, batch_size: int = 2) -> IntegrityResult:
    with env.auto_time_skipping_disabled():  # waiting must not move the shared server's clock (it has no timer)
        result = await h.client.execute_workflow(
            IntegrityWorkflow.run,
            IntegrityInput(batch_size=batch_size),
            id=f"integrity-{uuid.uuid4().hex[:8]}",
            task_queue=h.task_queue,
        )
    assert isinstance(result, IntegrityResult)
    return result


def _auditor_tasks(h: Harness) -> list[tuple[str, str, str]]:
    with h.sessions.begin() as session:
        rows = session.scalars(select(TaskRecord).where(TaskRecord.kind == "chain_broken").order_by(TaskRecord.case_id))
        return [(r.case_id, r.role, r.status) for r in rows]


async def test_altered_deleted_and_reordered_rows_are_named_by_seq_and_given_to_the_auditors(
    time_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    async with running_harness(time_env.client, tmp_path / "rm.sqlite3") as h:
        intact, altered, deleted, reordered = [await _case(h) for _ in range(4)]
        with h.sessions.begin() as session:
            session.execute(
                update(CaseEventRecord)
                .where(CaseEventRecord.case_id == altered, CaseEventRecord.seq == 2)
                .values(actor_id="someone-else")
            )
            session.execute(delete(CaseEventRecord).where(CaseEventRecord.case_id == deleted, CaseEventRecord.seq == 2))
            rows = {
                r.seq: r for r in session.scalars(select(CaseEventRecord).where(CaseEventRecord.case_id == reordered))
            }
            rows[2].seq, rows[3].seq = -3, -2  # swap seq 2 and 3 without breaking the unique key
            session.flush()
            rows[2].seq, rows[3].seq = 3, 2

        first = await _check(h, time_env)
        again = await _check(h, time_env)

        assert first.checked == 4  # in batches of two
        assert {(b.case_id, b.seq) for b in first.broken} == {(altered, 2), (deleted, 2), (reordered, 2)}
        assert intact not in {b.case_id for b in first.broken}
        assert _auditor_tasks(h) == sorted((c, "AUD", "open") for c in (altered, deleted, reordered))
        assert {(b.case_id, b.seq) for b in again.broken} == {(b.case_id, b.seq) for b in first.broken}
        assert len(_auditor_tasks(h)) == 3  # the same night: no second task


async def test_the_worker_creates_the_nightly_schedules_once(local_env: WorkflowEnvironment) -> None:
    assert await ensure_schedules(local_env.client, "tq-integrity") == [SCHEDULE_ID, RETENTION_SCHEDULE]
    assert await ensure_schedules(local_env.client, "tq-integrity") == []
    for schedule_id, hour in ((SCHEDULE_ID, 3), (RETENTION_SCHEDULE, 4)):
        described = await local_env.client.get_schedule_handle(schedule_id).describe()
        [calendar] = described.schedule.spec.calendars  # the server keeps the cron line as a calendar
        assert ([r.start for r in calendar.hour], [r.start for r in calendar.minute]) == ([hour], [0])
        assert described.schedule.spec.time_zone_name == "Asia/Tokyo"
