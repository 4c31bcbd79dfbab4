"""The full lifecycle driven as people would drive it, shared by the dev-server test and the history recorder."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from temporalio.client import WorkflowHandle

from statemachines.case.timers import JST
from statemachines.case.transitions import Trigger
from statemachines.kernel.rules import RuleSet
from tests.factories import CSW1, ESW1, MUN1, ON, SW1, evaluation, on_the_day, plan
from tests.workflows.harness import Harness

T = Trigger

LIFECYCLE_RULES = RuleSet(ruleset_id="scenario-lifecycle", effective_from=date(2025, 4, 1), follow_up_offsets=["PT2S"])
NO_CONTACT_RULES = RuleSet(
    ruleset_id="scenario-no-contact",
    effective_from=date(2025, 4, 1),
    no_contact_threshold="PT2S",
    min_contact_efforts=1,
)
"""The dev server's clock is the wall clock: the whole run lies within one day, the day the case opened, and G-DATES
holds every effort to it (not before the case opened, not after today). G-EFFORT-DAYS counts distinct days, so one
effort is what the run can show; the two it records, both on that day, count as one."""

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
    (T.RECORD_CONTACT_EFFORT, SW1, {"contact_effort": {"on": ON.isoformat(), "method": "note_left"}}),
    (T.CONFIRM_INTERRUPTION, SW1, None),
]
"""Each effort dated the day the case opened (``run_steps``): see ``NO_CONTACT_RULES``."""
TO_ASSESSMENT = FIRST_HALF[:1] + FIRST_HALF[2:4]


async def run_steps(
    h: Harness, handle: WorkflowHandle[Any, Any], steps: list[tuple[Trigger, Any, dict[str, Any] | None]]
) -> None:
    """Each step's contact dated by ``Harness.contact``, but a contact effort on the day the case opened: on a dev
    server's wall clock the day after it has not come (G-DATES)."""
    for trigger, who, payload in steps:
        if trigger is T.RECORD_CONTACT_EFFORT:
            opened_on = (await h.record(handle)).opened_at.astimezone(JST).date()
            body = on_the_day(trigger, opened_on, payload)
        else:
            body = await h.contact(handle, trigger, payload)
        await h.send(handle, trigger.value, who, body, command_id=f"{trigger.value}-{(await h.record(handle)).seq}")


async def wait_for_state(h: Harness, handle: WorkflowHandle[Any, Any], state: str, seconds: float = 30) -> None:
    for _ in range(int(seconds * 10)):
        if (await h.record(handle)).state.value == state:
            await handle.execute_update("projected")
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"case did not reach {state}; it is {(await h.record(handle)).state.value}")


Restart = Callable[[], Awaitable[Harness]]
