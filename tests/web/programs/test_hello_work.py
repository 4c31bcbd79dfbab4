"""ハローワーク支援要請 over HTTP: consent C1 first, appointments booked, moved and cancelled reach the enrolment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from statemachines.policy.scheduling import JST
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api, MovableClock, running_api
from tests.web.programs.enrolments import T, program_command


async def test_a_hello_work_request_needs_consent_c1_first(api: Api) -> None:
    case_id = await api.open_case("sw1")
    refused = await api.post("esw1", f"/api/cases/{case_id}/programs", {"program": "hello_work"})
    assert refused.status_code == 409
    assert [g["id"] for g in refused.json()["unmet_guards"]] == ["G1"]
    assert (await api.get("esw1", f"/api/cases/{case_id}/programs")).json() == []
    history = (await api.get("aud1", f"/api/cases/{case_id}/history")).json()["entries"]
    assert [e["command"] for e in history if e["kind"] == "rejected"] == ["hello_work.start"]

    for trigger in (T.COMPLETE_INTAKE, T.APPLY_FOR_SUPPORT):
        assert (await api.command("sw1", case_id, trigger.value, VALID_PAYLOADS[trigger])).status_code == 200
    started = await api.post("esw1", f"/api/cases/{case_id}/programs", {"program": "hello_work", "command_id": "hw"})
    assert started.status_code == 201, started.text
    enrolment_id = started.json()["enrolment"]["enrolment_id"]
    api.worker.handles.append(api.worker.client.get_workflow_handle(enrolment_id))
    assert started.json()["record"]["state"] == "CANDIDATE"
    again = await api.post("esw1", f"/api/cases/{case_id}/programs", {"program": "hello_work", "command_id": "hw"})
    assert again.json()["enrolment"]["enrolment_id"] == enrolment_id


@pytest_asyncio.fixture(loop_scope="session")
async def api_in_own_time(
    own_time_env: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[tuple[Api, MovableClock, WorkflowEnvironment]]:
    """A time-skipping server of the module's own, whose clock the test moves, and the API's clock set to it."""
    clock = MovableClock(at=await own_time_env.get_current_time())
    async with running_api(own_time_env, tmp_path, clock=clock) as api:
        yield api, clock, own_time_env


async def test_a_hello_work_appointment_booked_over_http_reaches_the_enrolment(
    api_in_own_time: tuple[Api, MovableClock, WorkflowEnvironment],
) -> None:
    api, clock, env = api_in_own_time
    case_id = await api.open_case("sw1")
    for trigger in (T.COMPLETE_INTAKE, T.APPLY_FOR_SUPPORT):
        assert (await api.command("sw1", case_id, trigger.value, VALID_PAYLOADS[trigger])).status_code == 200
    started = await api.post("esw1", f"/api/cases/{case_id}/programs", {"program": "hello_work"})
    enrolment_id = started.json()["enrolment"]["enrolment_id"]
    api.worker.handles.append(api.worker.client.get_workflow_handle(enrolment_id))
    url = f"/api/cases/{case_id}/programs/{enrolment_id}"
    for command, payload in [
        ("consent", {"consented_on": "2030-11-01", "policy_version": "v3", "signed_by_client": True}),
        ("send_request", {"office_id": "hw-city-a", "sent_on": "2030-11-02"}),
        ("schedule_joint_interview", {"appointment_id": "joint-1", "starts_at": "2030-12-02T10:00:00+09:00"}),
    ]:
        response = await api.post("esw1", f"{url}/commands", {"command": command, "payload": payload})
        assert response.status_code == 200, (command, response.text)

    booking: dict[str, str] = {
        "case_id": case_id,
        "staff_user_id": "esw1",
        "office_id": "hw-city-a",
        "kind": "accompaniment",
        "enrolment_id": enrolment_id,
    }
    booked = None
    day = clock().astimezone(JST).date()
    for _ in range(14):  # the next open day of the office (a weekday, not a holiday) at 10:00
        day += timedelta(days=1)
        starts = datetime.combine(day, time(10), tzinfo=JST)
        slot = {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=1)).isoformat()}
        booked = await api.post("esw1", "/api/appointments", {**booking, **slot})
        if booked.status_code == 201:
            break
    assert booked is not None
    assert booked.status_code == 201, booked.text
    appointment_id = booked.json()["appointment_id"]
    early = await api.post("esw1", f"/api/appointments/{appointment_id}/attendance", {"status": "no_show"})
    assert early.status_code == 409, early.text  # not begun yet: SCHED-NOT-YET
    assert [p["id"] for p in early.json()["problems"]] == ["SCHED-NOT-YET"]
    body = {"appointment_id": appointment_id, "attendance": "no_show"}
    direct = await api.post("esw1", f"{url}/commands", {"command": "record_attendance", "payload": body})
    assert direct.status_code == 409, direct.text  # the enrolment's own guard, when told directly
    assert [g["id"] for g in direct.json()["unmet_guards"]] == ["G-HW9"]
    begun = starts + timedelta(minutes=15)
    await env.sleep(begun - await env.get_current_time())  # the enrolment's clock, and the API's, at 10:15
    clock.move_to(api, begun)
    record = (await api.get("esw1", url)).json()["record"]
    assert appointment_id in {a["appointment_id"] for a in record["appointments"]}

    attendance = await api.post("esw1", f"/api/appointments/{appointment_id}/attendance", {"status": "no_show"})
    assert attendance.status_code == 200, attendance.text
    record = (await api.get("esw1", url)).json()["record"]
    status = {a["appointment_id"]: a["status"] for a in record["appointments"]}
    assert status[appointment_id] == "no_show"
    kinds: set[str] = set()
    for _ in range(100):  # the enrolment's no-show timer fires at once and opens the follow-up
        kinds = {t["kind"] for t in (await api.get("esw1", f"/api/cases/{case_id}")).json()["open_tasks"]}
        if "hw_no_show_follow_up" in kinds:
            break
        await asyncio.sleep(0.05)
    assert "hw_no_show_follow_up" in kinds

    wrong = await api.post(
        "esw1",
        "/api/appointments",
        {
            **booking,
            "starts_at": (starts + timedelta(days=1)).isoformat(),
            "ends_at": (starts + timedelta(days=1, hours=1)).isoformat(),
            "enrolment_id": "program-nope",
        },
    )
    assert wrong.status_code == 422


async def test_joint_interview_moves_cancellations_and_refusals_keep_store_and_enrolment_agreed(api: Api) -> None:
    case_id = await api.open_case("sw1")
    for trigger in (T.COMPLETE_INTAKE, T.APPLY_FOR_SUPPORT):
        assert (await api.command("sw1", case_id, trigger.value, VALID_PAYLOADS[trigger])).status_code == 200
    started = await api.post("esw1", f"/api/cases/{case_id}/programs", {"program": "hello_work"})
    enrolment_id = started.json()["enrolment"]["enrolment_id"]
    api.worker.handles.append(api.worker.client.get_workflow_handle(enrolment_id))
    url = f"/api/cases/{case_id}/programs/{enrolment_id}"
    for command, payload in [
        ("consent", {"consented_on": "2030-11-01", "policy_version": "v3", "signed_by_client": True}),
        ("send_request", {"office_id": "hw-city-a", "sent_on": "2030-11-02"}),
    ]:
        assert (await program_command(api, "esw1", case_id, enrolment_id, command, payload)).status_code == 200

    def slot(day: int, hour: int = 10) -> dict[str, str]:
        return {
            "starts_at": f"2030-12-{day:02d}T{hour:02d}:00:00+09:00",
            "ends_at": f"2030-12-{day:02d}T{hour + 1:02d}:00:00+09:00",
        }

    base = {"case_id": case_id, "staff_user_id": "esw1", "office_id": "hw-city-a", "enrolment_id": enrolment_id}
    joint = await api.post("esw1", "/api/appointments", {**base, **slot(2), "kind": "joint_interview"})
    assert joint.status_code == 201, joint.text
    joint_id = joint.json()["appointment_id"]
    detail = (await api.get("esw1", url)).json()
    assert detail["record"]["state"] == "JOINT_INTERVIEW"  # booking the joint interview is HW3

    moved = await api.post("esw1", f"/api/appointments/{joint_id}/move", slot(5, 14))
    assert moved.status_code == 200, moved.text
    appointments = {a["appointment_id"]: a for a in (await api.get("esw1", url)).json()["record"]["appointments"]}
    assert appointments[joint_id]["starts_at"].startswith("2030-12-05T05:00:00")  # 14:00 JST
    year_end = await api.post("esw1", f"/api/appointments/{joint_id}/move", slot(30))  # a Monday, but 年末年始
    weekend = await api.post("esw1", f"/api/appointments/{joint_id}/move", slot(7))  # a Saturday
    assert (year_end.status_code, weekend.status_code) == (409, 409)
    appointments = {a["appointment_id"]: a for a in (await api.get("esw1", url)).json()["record"]["appointments"]}
    assert appointments[joint_id]["starts_at"].startswith("2030-12-05T05:00:00")  # a refused move changes nothing

    other = await api.post("esw1", "/api/appointments", {**base, **slot(10), "kind": "accompaniment"})
    other_id = other.json()["appointment_id"]
    cancelled = await api.post("esw1", f"/api/appointments/{other_id}/attendance", {"status": "cancelled"})
    assert cancelled.status_code == 200, cancelled.text
    appointments = {a["appointment_id"]: a for a in (await api.get("esw1", url)).json()["record"]["appointments"]}
    assert appointments[other_id]["status"] == "cancelled"  # no reminder, no no-show follow-up

    last = await api.post("esw1", "/api/appointments", {**base, **slot(12), "kind": "accompaniment"})
    last_id = last.json()["appointment_id"]
    assert (
        await program_command(api, "esw1", case_id, enrolment_id, "withdraw", {"reason": "本人の辞退"})
    ).status_code == 200
    refused_move = await api.post("esw1", f"/api/appointments/{last_id}/move", slot(13))
    refused_attendance = await api.post("esw1", f"/api/appointments/{last_id}/attendance", {"status": "attended"})

    assert refused_move.status_code == 409, refused_move.text
    assert refused_attendance.status_code == 409, refused_attendance.text
    [stored] = [
        a
        for a in (await api.get("esw1", "/api/appointments", case_id=case_id)).json()
        if a["appointment_id"] == last_id
    ]
    assert (stored["status"], stored["starts_at"][:10]) == ("booked", "2030-12-12")  # both undone in the store
