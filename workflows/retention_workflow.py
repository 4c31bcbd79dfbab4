"""RetentionWorkflow: the nightly erasure of ended cases past their retention (schedule ``yorisoi-retention``).

It walks the ended cases in batches (an activity each) and returns which were erased, which a legal hold kept and
which still had a running workflow (tried again the next night). It runs under the ``system`` key: its payloads
are case ids and counts.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field
from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from statemachines.case.timers import JST
    from statemachines.policy.retention import ErasureBatch
    from workflows.activity_refs import ERASE_DUE_CASES, execute

SCHEDULE_ID = "yorisoi-retention"
NIGHTLY_CRON = "0 4 * * *"  # 04:00 Japan time, after the 03:00 integrity check


class RetentionInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    batch_size: int = Field(default=200, ge=1, le=5_000)


class RetentionResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    run_on: str
    examined: int
    erased: list[str]
    held: list[str]
    running: list[str]


@workflow.defn(name="RetentionWorkflow")
class RetentionWorkflow:
    @workflow.run
    async def run(self, inp: RetentionInput) -> RetentionResult:
        today = workflow.now().astimezone(JST).date()
        after, examined = "", 0
        erased: list[str] = []
        held: list[str] = []
        running: list[str] = []
        while True:
            report = await execute(
                ERASE_DUE_CASES,
                ErasureBatch(after_case_id=after, limit=inp.batch_size, today=today),
                start_to_close_timeout=timedelta(minutes=10),
                retry_policy=RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=5)),
            )
            examined += report.examined
            erased += report.erased
            held += report.held
            running += report.running
            if report.last_case_id is None or report.examined < inp.batch_size:
                return RetentionResult(
                    run_on=today.isoformat(), examined=examined, erased=erased, held=held, running=running
                )
            after = report.last_case_id
