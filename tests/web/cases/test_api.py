"""One case from intake to closure purely over HTTP, as the people who do each step; inbox and pipeline after each."""

from __future__ import annotations

from typing import Any

from statemachines.case.transitions import Trigger
from tests.factories import meeting, plan
from tests.web.apiharness import Api
from tests.web.programs.enrolments import case_hears_the_ends

T = Trigger

# (who, command, payload or None for the valid one, state after, (user whose inbox shows the next task, kind))
STEPS: list[tuple[str, Trigger, dict[str, Any] | None, str, tuple[str, str] | None]] = [
    ("sw1", T.COMPLETE_INTAKE, None, "SCREENING", ("sw1", "screening")),
    ("sw1", T.APPLY_FOR_SUPPORT, None, "APPLIED", ("sw1", "start_assessment")),
    ("sw1", T.START_ASSESSMENT, None, "ASSESSMENT", ("sw1", "assessment")),
    ("sw1", T.COMPLETE_ASSESSMENT, None, "PLAN_DRAFTING", ("sw1", "draft_plan")),
    ("sw1", T.SUBMIT_PLAN, {"plan": plan(programs=("work_readiness",))}, "PLAN_CHECK", ("csw1", "check_plan")),
    ("csw1", T.CHECK_PLAN, None, "PLAN_CHECK", ("sw1", "obtain_plan_consent")),
    ("sw1", T.RECORD_PLAN_CONSENT, None, "PLAN_CONSENTED", ("sw1", "schedule_meeting")),
    ("sw1", T.PUT_ON_AGENDA, None, "MEETING_PENDING", ("sw1", "present_at_meeting")),
    ("sw1", T.OPEN_MEETING_ITEM, {"meeting": meeting()}, "MEETING_REVIEW", ("sw1", "record_meeting_outcome")),
    ("mun1", T.APPROVE_PLAN, None, "DECISION_PENDING", ("mun1", "decide_support")),
    ("mun1", T.DECIDE_SUPPORT, None, "SUPPORT_ACTIVE", None),
    ("esw1", T.RECORD_CONTACT, None, "SUPPORT_ACTIVE", None),
    ("sw1", T.START_EVALUATION, None, "EVALUATION", ("sw1", "evaluate")),
    ("sw1", T.PROPOSE_CLOSURE, None, "CLOSURE_REVIEW", ("sw1", "closure_review")),
    ("sw1", T.CONFIRM_CLOSURE, None, "CLOSED", None),
]


async def _inbox_kinds(api: Api, user: str, case_id: str) -> set[str]:
    kinds: set[str] = set()
    for scope in ("mine", "role"):
        response = await api.get(user, "/api/tasks", scope=scope)
        assert response.status_code == 200, response.text
        kinds |= {t["kind"] for t in response.json()["items"] if t["case_id"] == case_id}
    return kinds


async def _pipeline_count(api: Api, state: str) -> int:
    response = await api.get("ops1", "/api/pipeline", municipality="city-a")
    assert response.status_code == 200, response.text
    states = [s for stage in response.json()["stages"] for s in stage["states"]]
    return int(next(s["count"] for s in states if s["id"] == state))


async def _end_the_programs(api: Api, case_id: str) -> None:
    """The 就労支援員 ends the 就労準備支援 the 支援決定 started (利用中止), and the case hears of it."""
    [enrolment] = (await api.get("esw1", f"/api/cases/{case_id}/programs")).json()
    url = f"/api/cases/{case_id}/programs/{enrolment['enrolment_id']}/commands"
    ended = await api.post("esw1", url, {"command": "withdraw", "payload": {"reason": "就職したため利用を終える"}})
    assert ended.status_code == 200, ended.text
    await case_hears_the_ends(api, case_id)


async def test_a_case_goes_from_intake_to_closure_over_http(api: Api) -> None:
    case_id = await api.open_case("sw1", topics=["housing"], client={"name": "寄添 太郎"})
    assert await _inbox_kinds(api, "sw1", case_id) == {"intake"}
    assert await _pipeline_count(api, "INTAKE") == 1

    previous = "INTAKE"
    for user, trigger, payload, state, next_task in STEPS:
        if trigger is T.CONFIRM_CLOSURE:
            await _end_the_programs(api, case_id)  # the 終結 waits for them (G-PROGRAMS-ENDED)
        body = await api.contact(case_id, trigger, payload)
        response = await api.command(user, case_id, trigger.value, body)
        assert response.status_code == 200, (trigger, response.text)
        assert response.json()["state"] == state
        if next_task is not None:
            who, kind = next_task
            assert kind in await _inbox_kinds(api, who, case_id), (trigger, kind)
        assert await _pipeline_count(api, state) == 1
        if previous != state:
            assert await _pipeline_count(api, previous) == 0
        previous = state

    detail = (await api.get("sw1", f"/api/cases/{case_id}")).json()
    assert detail["records"]["closure"]["reason"] == "EMPLOYED"
    assert detail["open_tasks"] == []  # every task of the case and of the program it started is done
    history = (await api.get("aud1", f"/api/cases/{case_id}/history")).json()
    assert [e["command"] for e in history["entries"] if e["kind"] == "event"][-1] == "confirm_closure"
