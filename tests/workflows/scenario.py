"""The full lifecycle driven as people would drive it, shared by the dev-server test and the history recorder."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from temporalio.client import WorkflowHandle

from statemachines.case.transitions import Trigger
from statemachines.kernel.rules import RuleSet
from tests.factories import CSW1, ESW1, MUN1, SW1, evaluation, plan
from tests.workflows.harness import Harness

T = Trigger

LIFECYCLE_RULES = RuleSet(ruleset_id="scenario-lifecycle", effective_from=date(2025, 4, 1), follow_up_offsets=["PT2S"])
NO_CONTACT_RULES = RuleSet(
    ruleset_id="scenario-no-contact",
    effective_from=date(2025, 4, 1),
    no_contact_threshold="PT2S",
    min_contact_efforts=2,
)

FIRST_HALF: list[tuple[Trigger, Any, dict[str, Any] | None]] = [
    (T.COMPLETE_INTAKE, SW1, None),
    (T.START_EMERGENCY_SUPPORT, SW1, None),
    (T.APPLY_FOR_SUPPORT, SW1, None),
    (T.START_ASSESSMENT, SW1, None),
    (T.COMPLETE_ASSESSMENT, SW1, None),
    (T.SUBMIT_PLAN, SW1, None),
    (T.RETURN_PLAN, CSW1, None),
    (T.SUBMIT_PLAN, SW1, {"plan": plan(programs=("work_readiness", "household_budget"))}),
    (T.CHECK_PLAN, CSW1, None),
    (T.RECORD_PLAN_CONSENT, SW1, None),
    (T.END_EMERGENCY_SUPPORT, SW1, None),
    (T.PUT_ON_AGENDA, SW1, None),
    (T.OPEN_MEETING_ITEM, SW1, None),
    (T.APPROVE_PLAN, SW1, None),
    (
        T.DECIDE_SUPPORT,
        MUN1,
        {
            "decision": {
                "decided_on": "2026-01-20",
                "programs": [
                    {"program": "work_readiness", "approved": True},
                    {"program": "household_budget", "approved": True},
                ],
            }
        },
    ),
]
SECOND_HALF: list[tuple[Trigger, Any, dict[str, Any] | None]] = [
    (T.RECORD_CONTACT, ESW1, None),
    (T.START_EVALUATION, SW1, None),
    (T.REPLAN, SW1, {"evaluation": {**evaluation("replan"), "goals_achieved": [False]}}),
    (T.SUBMIT_PLAN, SW1, {"plan": plan(programs=())}),
    (T.CHECK_PLAN, CSW1, None),
    (T.RECORD_PLAN_CONSENT, SW1, None),
    (T.PUT_ON_AGENDA, SW1, None),
    (T.OPEN_MEETING_ITEM, MUN1, None),
    (T.APPROVE_PLAN, MUN1, None),
    (T.RECORD_CONTACT, SW1, None),
    (T.START_EVALUATION, SW1, None),
    (T.PROPOSE_CLOSURE, SW1, None),
]
CLOSURE: list[tuple[Trigger, Any, dict[str, Any] | None]] = [(T.CONFIRM_CLOSURE, SW1, None)]
"""Once the programs of the first plan have ended (``end_programs``): the 終結 waits for them."""
INTERRUPTION: list[tuple[Trigger, Any, dict[str, Any] | None]] = [
    (T.RECORD_CONTACT_EFFORT, SW1, None),
    (T.RECORD_CONTACT_EFFORT, SW1, {"contact_effort": {"on": "2026-02-01", "method": "note_left"}}),
    (T.CONFIRM_INTERRUPTION, SW1, None),
]
TO_ASSESSMENT = FIRST_HALF[:1] + FIRST_HALF[2:4]


async def run_steps(
    h: Harness, handle: WorkflowHandle[Any, Any], steps: list[tuple[Trigger, Any, dict[str, Any] | None]]
) -> None:
    for trigger, who, payload in steps:
        await h.send(
            handle,
            trigger.value,
            who,
            await h.contact(handle, trigger, payload),
            command_id=f"{trigger.value}-{(await h.record(handle)).seq}",
        )


async def wait_for_state(h: Harness, handle: WorkflowHandle[Any, Any], state: str, seconds: float = 30) -> None:
    for _ in range(int(seconds * 10)):
        if (await h.record(handle)).state.value == state:
            await handle.execute_update("projected")
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"case did not reach {state}; it is {(await h.record(handle)).state.value}")


Restart = Callable[[], Awaitable[Harness]]
