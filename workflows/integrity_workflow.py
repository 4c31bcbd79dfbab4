"""IntegrityWorkflow: the nightly check of every case's hash chain (started by the schedule ``yorisoi-integrity``).

It walks the cases in batches (an activity each), so a national store of hundreds of thousands of cases is checked
in bounded steps, and returns how many it checked and which chains were broken. Each broken chain has opened a task
for the auditors (``activities.integrity``).
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field
from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from statemachines.case.timers import JST
    from statemachines.policy.integrity import BrokenChain, ChainBatch
    from workflows.activity_refs import VERIFY_CHAINS, execute

SCHEDULE_ID = "yorisoi-integrity"
NIGHTLY_CRON = "0 3 * * *"  # 03:00 Japan time, read with the schedule's time zone


class IntegrityInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    batch_size: int = Field(default=500, ge=1, le=10_000)


class IntegrityResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    checked_on: str
    checked: int
    broken: list[BrokenChain]


@workflow.defn(name="IntegrityWorkflow")
class IntegrityWorkflow:
    @workflow.run
    async def run(self, inp: IntegrityInput) -> IntegrityResult:
        checked_on = workflow.now().astimezone(JST).date().isoformat()
        after, checked, broken = "", 0, []
        while True:
            report = await execute(
                VERIFY_CHAINS,
                ChainBatch(after_case_id=after, limit=inp.batch_size, checked_on=checked_on),
                start_to_close_timeout=timedelta(minutes=10),
                retry_policy=RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=5)),
            )
            checked += report.checked
            broken += report.broken
            if report.last_case_id is None or report.checked < inp.batch_size:
                return IntegrityResult(checked_on=checked_on, checked=checked, broken=broken)
            after = report.last_case_id
