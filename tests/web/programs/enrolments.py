"""A case whose 支援決定 approved 住居確保給付金, for the program tests over HTTP, the pages' and the role
matrix's."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from statemachines.case.timers import JST
from statemachines.case.transitions import Trigger
from tests.factories import VALID_PAYLOADS, plan
from tests.web.apiharness import Api

T = Trigger
APPLICATION: dict[str, Any] = {
    "route": "job_loss",
    "job_loss_on": "2026-10-31",
    "main_earner": True,
    "household_income": 80_000,
    "base_amount": 78_000,
    "rent": 50_000,
    "rent_cap": 53_700,
    "household_assets": 300_000,
    "housing_lost": False,
    "hw_job_application": True,
}
"""An application without its 申請日: ``application`` dates it by the workflows' clock."""


CLIENT = {"name_kana": "ヤマダ タロウ", "birth_date": "1980-05-01"}


async def decided_case(api: Api, client: dict[str, Any] | None = None) -> tuple[str, str]:
    """A case whose 支援決定 approved 住居確保給付金, for ``client`` (the intake's identity), and its enrolment."""
    case_id = await api.open_case("sw1")
    intake = {"intake": {**VALID_PAYLOADS[T.COMPLETE_INTAKE]["intake"], "client": client or CLIENT}}
    steps = [
        ("sw1", T.COMPLETE_INTAKE),
        ("sw1", T.APPLY_FOR_SUPPORT),
        ("sw1", T.START_ASSESSMENT),
        ("sw1", T.COMPLETE_ASSESSMENT),
        ("sw1", T.SUBMIT_PLAN),
        ("csw1", T.CHECK_PLAN),
        ("sw1", T.RECORD_PLAN_CONSENT),
        ("sw1", T.PUT_ON_AGENDA),
        ("sw1", T.OPEN_MEETING_ITEM),
        ("mun1", T.APPROVE_PLAN),
    ]
    for user, trigger in steps:
        payload = {"plan": plan(programs=("housing_benefit",))} if trigger is T.SUBMIT_PLAN else VALID_PAYLOADS[trigger]
        payload = intake if trigger is T.COMPLETE_INTAKE else payload
        assert (await api.command(user, case_id, trigger.value, payload)).status_code == 200
    decision = {
        "decision": {"decided_on": "2026-11-30", "programs": [{"program": "housing_benefit", "approved": True}]}
    }
    assert (await api.command("mun1", case_id, "decide_support", decision)).status_code == 200
    enrolments: list[dict[str, Any]] = []
    for _ in range(100):  # the child workflow projects its first event a moment after the 支援決定
        enrolments = (await api.get("sw1", f"/api/cases/{case_id}/programs")).json()
        if enrolments:
            break
        await asyncio.sleep(0.05)
    [enrolment] = enrolments
    api.worker.handles.append(api.worker.client.get_workflow_handle(enrolment["enrolment_id"]))
    return case_id, enrolment["enrolment_id"]


async def started_on(api: Api, case_id: str, enrolment_id: str) -> str:
    """The day (in Japan) the enrolment began, by the workflows' clock: the shared time-skipping server's clock may be
    years ahead of the wall clock once it has skipped to a closed case's timers."""
    rows = (await api.get("sw1", f"/api/cases/{case_id}/programs")).json()
    started = next(r["started_at"] for r in rows if r["enrolment_id"] == enrolment_id)
    return datetime.fromisoformat(started).astimezone(JST).date().isoformat()


async def payment_decision(api: Api, case_id: str, enrolment_id: str) -> dict[str, Any]:
    """A 支給決定 dated, and paying from, the day the enrolment began, which is the application's 申請日
    (G-H-DECIDED-ON: between the 申請日 and today, paying from the application's month)."""
    day = await started_on(api, case_id, enrolment_id)
    return {"decided_on": day, "period_start": day}


async def application(api: Api, case_id: str, enrolment_id: str, **changes: Any) -> dict[str, Any]:
    """APPLICATION received on the day the enrolment began (G-H-DATE: not before it, nor after the day received)."""
    return {**APPLICATION, "applied_on": await started_on(api, case_id, enrolment_id), **changes}


async def program_command(api: Api, user: str, case_id: str, enrolment_id: str, command: str, payload: Any) -> Any:
    url = f"/api/cases/{case_id}/programs/{enrolment_id}/commands"
    return await api.post(user, url, {"command": command, "payload": payload})


async def case_hears_the_ends(api: Api, case_id: str) -> None:
    """Waits until the case has heard that each enrolment its 支援決定 started has ended: an enrolment tells its case a
    moment after its own command (the 終結 waits for them, G-PROGRAMS-ENDED)."""
    for _ in range(200):
        enrolments = (await api.get("sw1", f"/api/cases/{case_id}")).json()["records"]["enrolments"]
        if enrolments and all(e["ended"] for e in enrolments.values()):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the case did not hear that its programs ended")
