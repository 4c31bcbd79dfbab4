"""Programs as child workflows of the case, on the time-skipping server: started by the 支援決定, with their
durable deadlines (extension warning, monthly job-search check, the 9-month cap, the 1-year limit)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.transitions import Trigger
from statemachines.enrolments import decided_enrolment_id
from statemachines.kernel.rules import add_duration
from statemachines.policy.scheduling import JST
from store.programs import ProgramRepository
from tests.factories import MUN1, SW1, VALID_PAYLOADS, plan
from tests.statemachines.paths import ACTOR_FOR, PATHS
from tests.workflows.harness import Harness, eventually, running_harness
from workflows.activity_refs import PROJECT_PROGRAM_ANSWERED, PROJECT_PROGRAM_EVENT
from workflows.history import LOCAL_ACTIVITY_MARKER
from workflows.messages import CommandOutcome, CommandRequest

DAY = timedelta(days=1)
APPLICATION: dict[str, Any] = {
    "route": "job_loss",
    "main_earner": True,
    "household_income": 80_000,
    "base_amount": 78_000,
    "rent": 50_000,
    "rent_cap": 53_700,
    "household_assets": 300_000,
    "housing_lost": False,
    "hw_job_application": True,
}


@pytest_asyncio.fixture(loop_scope="session")
async def h(own_time_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_harness(own_time_env.client, tmp_path / "rm.sqlite3") as harness:
        yield harness


async def _decided(h: Harness, program: str) -> tuple[str, WorkflowHandle[Any, Any]]:
    """A case through its 支援決定 with ``program`` in the plan; the program's child workflow handle."""
    handle = await h.open()
    for trigger in PATHS[CaseState.DECISION_PENDING]:
        payload = {"plan": plan(programs=(program,))} if trigger is Trigger.SUBMIT_PLAN else VALID_PAYLOADS[trigger]
        await h.send(handle, trigger.value, ACTOR_FOR.get(trigger, SW1), payload)
    decision = {"decision": {"decided_on": "2026-11-30", "programs": [{"program": program, "approved": True}]}}
    await h.send(handle, Trigger.DECIDE_SUPPORT.value, MUN1, decision)
    case_id = (await h.record(handle)).case_id
    child = h.client.get_workflow_handle(decided_enrolment_id(case_id, program, 1))
    h.handles.append(child)
    await child.execute_update("projected")
    return case_id, child


def _renewal(period_end: str) -> dict[str, Any]:
    """延長申請 with its 申請書: the requirements still hold (施行規則§12)."""
    return {"application": {**APPLICATION, "applied_on": period_end, "job_loss_on": period_end}}


async def _send(child: WorkflowHandle[Any, Any], trigger: str, actor: Any, payload: dict[str, Any]) -> CommandOutcome:
    request = CommandRequest(command_id=uuid.uuid4().hex, actor=actor, payload=payload)
    result = await child.execute_update(trigger, request, result_type=CommandOutcome)
    assert isinstance(result, CommandOutcome)
    return result


def _open_kinds(h: Harness, case_id: str) -> set[str]:
    return {t.kind for t in h.repo_do(lambda r: r.list_tasks(case_id, status="open"))}


async def _paying(h: Harness, env: WorkflowEnvironment, child: WorkflowHandle[Any, Any]) -> str:
    today = (await env.get_current_time()).astimezone(JST).date()
    start = today.replace(day=1) + timedelta(days=32)
    start = start.replace(day=1)  # payment from the first of next month
    await _send(
        child,
        "submit_application",
        SW1,
        {"application": {**APPLICATION, "applied_on": today.isoformat(), "job_loss_on": today.isoformat()}},
    )
    await _send(child, "decide_payment", MUN1, {"decided_on": today.isoformat(), "period_start": start.isoformat()})
    outcome = await _send(child, "start_payment", MUN1, {})
    assert outcome.state == "PAYING"
    return start.isoformat()


async def test_the_decision_starts_the_program_and_its_first_task(h: Harness) -> None:
    case_id, child = await _decided(h, "housing_benefit")
    record = await child.query("record_json")
    assert record["state"] == "APPLIED"
    with h.sessions.begin() as session:
        [enrolment] = ProgramRepository(session).enrolments(case_id)
    assert (enrolment.program, enrolment.state) == ("housing_benefit", "APPLIED")
    assert "hb_application" in _open_kinds(h, case_id)


async def test_a_command_is_answered_by_its_update_in_one_workflow_task(
    h: Harness, own_time_env: WorkflowEnvironment
) -> None:
    """Behind ``program-project-in-update-task``: the update answers with the enrolment's row, its record and the
    commands possible now (what the API shows, so nothing is queried after it), and its history shows the projection
    as a local activity's marker inside the task that accepted the update: no activity task, no second task."""
    _, child = await _decided(h, "housing_benefit")
    today = (await own_time_env.get_current_time()).astimezone(JST).date().isoformat()
    request = CommandRequest(
        command_id=uuid.uuid4().hex,
        actor=SW1,
        payload={"application": {**APPLICATION, "applied_on": today, "job_loss_on": today}},
    )
    outcome = await child.execute_update(
        "submit_application", request, id=request.command_id, result_type=CommandOutcome
    )
    assert isinstance(outcome, CommandOutcome)
    assert outcome.program is not None
    with h.sessions.begin() as session:
        assert outcome.program.enrolment == ProgramRepository(session).enrolment(child.id)
    assert outcome.program.enrolment.last_seq == outcome.seq
    assert outcome.program.record == await child.query("record_json")
    assert outcome.program.allowed_commands == await child.query("allowed", SW1)
    events = (await child.fetch_history()).events
    [accepted] = [
        i
        for i, e in enumerate(events)
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
        and e.workflow_execution_update_accepted_event_attributes.protocol_instance_id == request.command_id
    ]
    completed = next(
        i
        for i, e in enumerate(events)
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED and i > accepted
    )
    between = events[accepted:completed]
    markers = [
        e.marker_recorded_event_attributes
        for e in between
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and e.marker_recorded_event_attributes.marker_name == LOCAL_ACTIVITY_MARKER
    ]
    assert [PROJECT_PROGRAM_ANSWERED.name in m.details["data"].payloads[0].data.decode() for m in markers] == [True]
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in between
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert PROJECT_PROGRAM_EVENT.name not in scheduled
    assert EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED not in [e.event_type for e in between]
    repeated = await _send_again(child, "submit_application", request)
    assert repeated.program is None  # a repeated id gets the remembered outcome, without the view


async def _send_again(child: WorkflowHandle[Any, Any], trigger: str, request: CommandRequest) -> CommandOutcome:
    result = await child.execute_update(trigger, request, result_type=CommandOutcome)
    assert isinstance(result, CommandOutcome)
    return result


async def test_the_extension_warning_and_the_nine_month_cap(h: Harness, own_time_env: WorkflowEnvironment) -> None:
    case_id, child = await _decided(h, "housing_benefit")
    await _paying(h, own_time_env, child)
    for _ in range(2):
        record = await child.query("record_json")
        end = record["period_end"]
        now = await own_time_env.get_current_time()
        wait = datetime.fromisoformat(f"{end}T00:00:00+09:00") - timedelta(days=13) - now
        await own_time_env.sleep(wait)
        await eventually(lambda: "hb_extension_due" in _open_kinds(h, case_id))
        await _send(child, "request_extension", SW1, _renewal(end))
        await _send(child, "grant_extension", MUN1, {})
    record = await child.query("record_json")
    assert record["months_granted"] == 9
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await _send(child, "request_extension", SW1, _renewal(record["period_end"]))
    assert isinstance(info.value.cause, ApplicationError)
    assert [d["id"] for d in info.value.cause.details] == ["G-H-CAP"]


async def test_missing_job_search_evidence_opens_a_task(h: Harness, own_time_env: WorkflowEnvironment) -> None:
    case_id, child = await _decided(h, "housing_benefit")
    start = await _paying(h, own_time_env, child)
    first_month_end = date.fromisoformat(start).replace(day=28) + timedelta(days=4)
    check_at = datetime.combine(first_month_end.replace(day=1) + timedelta(days=8), time(1), JST)
    await own_time_env.sleep(check_at - await own_time_env.get_current_time())  # the month over, a week's grace
    await child.execute_update("projected")
    await eventually(lambda: "hb_evidence_missing" in _open_kinds(h, case_id))
    month = start[:7]
    evidence = {"month": month, "agency_consultations": 4, "hw_consultations": 2, "applications": 5}
    await _send(child, "record_evidence", SW1, {"evidence": evidence})
    assert "hb_evidence_missing" not in _open_kinds(h, case_id)


async def test_the_period_ends_by_itself_and_the_enrolment_completes(
    h: Harness, own_time_env: WorkflowEnvironment
) -> None:
    case_id, child = await _decided(h, "housing_benefit")
    await _paying(h, own_time_env, child)
    await own_time_env.sleep(140 * DAY)
    result = await child.result()
    assert result["state"] == "ENDED"
    assert result["ended_on"] == result["period_end"]
    with h.sessions.begin() as session:
        [enrolment] = ProgramRepository(session).enrolments(case_id)
        events = ProgramRepository(session).events(enrolment.enrolment_id)
    assert enrolment.state == "ENDED"
    assert events[-1].transition_id == "HB13"


async def test_work_readiness_warns_at_ten_months_and_holds_the_one_year_limit(
    h: Harness, own_time_env: WorkflowEnvironment
) -> None:
    case_id, child = await _decided(h, "work_readiness")
    means = {
        "means": {
            "household_income": 100_000,
            "base_amount": 78_000,
            "housing_assistance_standard": 53_700,
            "household_assets": 200_000,
        }
    }
    await _send(child, "submit_application", SW1, means)
    await _send(child, "decide", MUN1, {"decided_on": "2026-12-01"})
    await _send(child, "plan_program", SW1, {"stages": ["daily_life"]})
    started = datetime.fromisoformat((await child.query("record_json"))["program_started_at"])
    warning = add_duration(started, "P10M")
    await own_time_env.sleep(warning - DAY - await own_time_env.get_current_time())
    await child.execute_update("projected")
    assert "wr_limit_review" not in _open_kinds(h, case_id)
    await own_time_env.sleep(2 * DAY)
    await eventually(lambda: "wr_limit_review" in _open_kinds(h, case_id))
    await own_time_env.sleep(60 * DAY)
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await _send(child, "review", SW1, {"note": "継続を検討"})
    assert isinstance(info.value.cause, ApplicationError)
    assert [d["id"] for d in info.value.cause.details] == ["G-W2"]
    with pytest.raises(WorkflowUpdateFailedError):  # a consultant's reason is not the municipality's decision
        await _send(child, "review", SW1, {"note": "継続", "extension_reason": "体調の波があり継続が必要"})
    today = (await own_time_env.get_current_time()).astimezone(JST).date()
    until = (today + 90 * DAY).isoformat()
    extension = {"decided_on": today.isoformat(), "until": until, "reason": "体調の波があり継続が必要"}
    await _send(child, "decide_extension", MUN1, extension)
    await _send(child, "review", SW1, {"note": "継続"})


async def test_while_the_benefit_is_paid_the_case_is_monitored_weekly(
    h: Harness, own_time_env: WorkflowEnvironment
) -> None:
    case_id, child = await _decided(h, "housing_benefit")
    case = h.client.get_workflow_handle(f"case-{case_id}")
    start = await _paying(h, own_time_env, child)
    enrolment_id = child.id
    await eventually_async(lambda: _asked(case), {enrolment_id: "P7D"})
    paying_from = datetime.fromisoformat(f"{start}T00:00:00+09:00")
    await own_time_env.sleep(paying_from + 8 * DAY - await own_time_env.get_current_time())
    await eventually(lambda: "monitoring_due" in _open_kinds(h, case_id))
    await _send(child, "stop", MUN1, {"reason": "income_over_limit"})
    await eventually_async(lambda: _asked(case), {})

    def monitoring_events() -> list[str]:
        events = h.repo_do(lambda r: r.list_events(case_id))
        return [e.transition_id for e in events if e.command == "set_monitoring_interval"]

    await eventually(lambda: len(monitoring_events()) == 2)  # the record moves a moment before its projection
    assert monitoring_events() == ["TM3", "TM3"]


async def _asked(case: WorkflowHandle[Any, Any]) -> dict[str, str]:
    record = await case.query("record", result_type=CaseRecord)
    return dict(record.program_monitoring)


async def eventually_async(probe: Any, expected: Any, seconds: float = 10) -> None:
    import asyncio

    for _ in range(int(seconds * 20)):
        if await probe() == expected:
            return
        await asyncio.sleep(0.05)
    assert await probe() == expected


async def test_S9_T17_a_plan_approved_without_a_decision_opens_the_children_learning_referral(h: Harness) -> None:
    """process.md §3 table and §3.6: 子どもの学習・生活支援事業 needs no 支援決定, so a plan naming only it is approved
    by the 支援調整会議 (T17) and opens the referral to its provider as the 支援決定 (T18) would: a child workflow
    in 紹介の準備, whose task asks the consultant to send it."""
    handle = await h.open()
    for trigger in PATHS[CaseState.MEETING_REVIEW]:
        payload = {"plan": plan(programs=("children_learning",))} if trigger is Trigger.SUBMIT_PLAN else None
        await h.send(handle, trigger.value, ACTOR_FOR.get(trigger, SW1), payload or VALID_PAYLOADS[trigger])
    outcome = await h.send(handle, Trigger.APPROVE_PLAN.value, SW1, {})
    assert (outcome.transition_id, outcome.state) == ("T17", "SUPPORT_ACTIVE")
    case_id = (await h.record(handle)).case_id
    referral = h.client.get_workflow_handle(f"program-{case_id}-referral-children_learning-v1")
    h.handles.append(referral)
    await referral.execute_update("projected")
    assert (await referral.query("record_json"))["state"] == "DRAFT"
    await eventually(lambda: "rf_send" in _open_kinds(h, case_id))


async def test_H12_2_a_suspension_not_resumed_within_two_years_ends_the_benefit(
    h: Harness, own_time_env: WorkflowEnvironment
) -> None:
    """施行規則§12② (process.md §3.1 "Durations", S6): a suspended benefit resumes only within 2 years of the
    suspension (the rule set's ``resume_within``); the day before the window closes it still waits, and at 00:00 JST
    after its last day the durable timer ends it (HB18), and the enrolment completes."""
    case_id, child = await _decided(h, "housing_benefit")
    await _paying(h, own_time_env, child)
    today = (await own_time_env.get_current_time()).astimezone(JST).date()
    outcome = await _send(child, "suspend", MUN1, {"suspended_on": today.isoformat(), "cause": "illness"})
    assert outcome.state == "SUSPENDED"
    last_day = add_duration(datetime.combine(today, time()), "P2Y").date()
    closes = datetime.combine(last_day + DAY, time(), JST)
    await own_time_env.sleep(closes - DAY - await own_time_env.get_current_time())
    assert (await child.query("record_json"))["state"] == "SUSPENDED"
    await own_time_env.sleep(2 * DAY)
    result = await child.result()
    assert (result["state"], result["suspended_on"]) == ("ENDED", today.isoformat())
    with h.sessions.begin() as session:
        [enrolment] = ProgramRepository(session).enrolments(case_id)
        events = ProgramRepository(session).events(enrolment.enrolment_id)
    assert (enrolment.state, events[-1].transition_id) == ("ENDED", "HB18")
