"""A case walked to 終結 through the API with something on every sheet: the client's identity, an emergency support,
a plan revised at the 支援調整会議 (a second version), 住居確保給付金 paid with a month's 求職活動, ハローワーク with
an appointment attended, a referral declined and closed (an ended enrolment), a contact note, a 助言 and a 訂正 of the
client's phone; for the case file's page and browser tests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.empty_pb2 import Empty

from statemachines.case.transitions import Trigger
from tests.factories import VALID_PAYLOADS, evaluation, plan
from tests.web.apiharness import Api
from tests.web.programs.enrolments import application, case_hears_the_ends, payment_decision

T = Trigger
CLIENT = {"name": "山田 太郎", "name_kana": "ヤマダ タロウ", "birth_date": "1980-05-01", "phone": "090-0000-0000"}
WISHES = "家賃が払えず退去を求められている"
BENEFIT = {"kind": "statutory_program", "program": "housing_benefit", "description": "家賃の支援", "provider": "A市"}
FIRST_PLAN = {**plan(), "period_start": "2026-12-01", "period_end": "2027-05-31"}
FIRST_PLAN["support_items"] = [BENEFIT, *FIRST_PLAN["support_items"][1:]]
SECOND_PLAN = {
    **FIRST_PLAN,
    "period_start": "2027-03-01",
    "period_end": "2027-08-31",  # a second period within the rule set's P6M (G-PLAN-PERIOD)
    "goals": [*FIRST_PLAN["goals"], {"description": "家計を立て直す", "target_date": "2027-08-31"}],
    "notes": "通院日を避けて面談を入れる",
}
USERS = {T.CHECK_PLAN: "csw1", T.APPROVE_PLAN: "mun1", T.DECIDE_SUPPORT: "mun1", T.GIVE_ADVICE: "csw1"}
DECISION = {"decision": {"decided_on": "2026-11-30", "programs": [{"program": "housing_benefit", "approved": True}]}}


@dataclass
class Walked:
    case_id: str
    benefit: str  # the 住居確保給付金 enrolment
    hello_work: str
    referral: str  # ended: declined, then closed


def _payload(trigger: Trigger, version: int) -> dict[str, Any]:
    special: dict[Trigger, dict[str, Any]] = {
        T.COMPLETE_INTAKE: {
            "intake": {**VALID_PAYLOADS[T.COMPLETE_INTAKE]["intake"], "client": CLIENT, "wishes": WISHES}
        },
        T.SUBMIT_PLAN: {"plan": FIRST_PLAN if version == 1 else SECOND_PLAN},
        T.DECIDE_SUPPORT: DECISION,
        T.REQUEST_PLAN_REVISION: {"note": "目標を加える"},
        T.PROPOSE_CLOSURE: {  # one answer per goal of the second plan
            **VALID_PAYLOADS[T.PROPOSE_CLOSURE],
            "evaluation": {**evaluation("close"), "goals_achieved": [True, True], "summary": "就職し家計も安定"},
        },
    }
    return special.get(trigger, VALID_PAYLOADS[trigger])


async def _steps(api: Api, case_id: str, triggers: list[Trigger], version: int = 1) -> None:
    for trigger in triggers:
        payload = await api.contact(case_id, trigger, _payload(trigger, version))
        response = await api.command(USERS.get(trigger, "sw1"), case_id, trigger.value, payload)
        assert response.status_code == 200, (trigger, response.text)


async def _enrolment(api: Api, case_id: str, program: str) -> str:
    for _ in range(100):  # the child workflow projects its first event a moment after the 支援決定
        found = [e for e in (await api.get("sw1", f"/api/cases/{case_id}/programs")).json() if e["program"] == program]
        if found:
            api.worker.handles.append(api.worker.client.get_workflow_handle(found[0]["enrolment_id"]))
            return str(found[0]["enrolment_id"])
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {program} enrolment")


async def _program(api: Api, user: str, case_id: str, enrolment_id: str, steps: list[tuple[str, Any]]) -> None:
    url = f"/api/cases/{case_id}/programs/{enrolment_id}/commands"
    for command, payload in steps:
        response = await api.post(user, url, {"command": command, "payload": payload})
        assert response.status_code == 200, (command, response.text)


async def _started(api: Api, case_id: str, program: str) -> str:
    started = await api.post("esw1", f"/api/cases/{case_id}/programs", {"program": program})
    assert started.status_code == 201, started.text
    enrolment_id = str(started.json()["enrolment"]["enrolment_id"])
    api.worker.handles.append(api.worker.client.get_workflow_handle(enrolment_id))
    return enrolment_id


async def _server_now(api: Api) -> datetime:
    """The time-skipping server's clock (its workflows' now)."""
    answer = await api.worker.client.test_service.get_current_time(Empty())
    return answer.time.ToDatetime().replace(tzinfo=UTC)


JOINT_INTERVIEW_LEAD = timedelta(seconds=5)
"""How far ahead the walked case books its joint interview, on the server's clock, which runs at the wall clock's pace
between skips: then waited out in real time. Skipping the shared time-skipping server's clock instead waits, in a
full run, for whatever other tests left running on it (seen: the skip never returned)."""


async def _until_the_server_passes(api: Api, moment: datetime, seconds: float = 60) -> None:
    for _ in range(int(seconds * 10)):
        if await _server_now(api) > moment:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the time-skipping server's clock did not pass {moment} within {seconds} s")


async def walked_to_closure(api: Api) -> Walked:
    case_id = await api.open_case("sw1")
    await _steps(api, case_id, [T.COMPLETE_INTAKE, T.START_EMERGENCY_SUPPORT, T.APPLY_FOR_SUPPORT])
    await _steps(api, case_id, [T.START_ASSESSMENT, T.COMPLETE_ASSESSMENT, T.SUBMIT_PLAN, T.CHECK_PLAN])
    meeting = [T.RECORD_PLAN_CONSENT, T.PUT_ON_AGENDA, T.OPEN_MEETING_ITEM]
    await _steps(api, case_id, [*meeting, T.REQUEST_PLAN_REVISION])
    await _steps(api, case_id, [T.SUBMIT_PLAN, T.CHECK_PLAN, *meeting, T.APPROVE_PLAN, T.DECIDE_SUPPORT], version=2)
    benefit = await _enrolment(api, case_id, "housing_benefit")
    submitted = {"application": await application(api, case_id, benefit)}
    await _program(api, "sw1", case_id, benefit, [("submit_application", submitted)])
    decide = await payment_decision(api, case_id, benefit)
    await _program(api, "mun1", case_id, benefit, [("decide_payment", decide), ("start_payment", {})])
    month = {"month": "2026-12", "agency_consultations": 4, "hw_consultations": 2, "applications": 4}
    await _program(api, "sw1", case_id, benefit, [("record_evidence", {"evidence": month})])
    hello_work = await _started(api, case_id, "hello_work")
    await _program(
        api,
        "esw1",
        case_id,
        hello_work,
        [
            ("consent", {"consented_on": "2026-12-01", "policy_version": "v3", "signed_by_client": True}),
            ("send_request", {"office_id": "hw-city-a", "sent_on": "2026-12-02"}),
        ],
    )
    joint_at = await _server_now(api) + JOINT_INTERVIEW_LEAD  # not in the past when booked (G-HW5)
    joint = {"appointment_id": "joint-1", "starts_at": joint_at.isoformat()}
    await _program(api, "esw1", case_id, hello_work, [("schedule_joint_interview", joint)])
    await _until_the_server_passes(api, joint_at)  # attendance is recorded once the joint interview has begun (G-HW9)
    await _program(
        api,
        "esw1",
        case_id,
        hello_work,
        [("record_attendance", {"appointment_id": "joint-1", "attendance": "attended"})],
    )
    referral = await _started(api, case_id, "referral")
    send = {"institution_id": "a-1-welfare-office", "reason": "生活保護の相談を希望", "accepts_referrals": False}
    answer = {"answered_on": "2026-12-03", "note": "今月は受け入れられない"}
    await _program(
        api, "sw1", case_id, referral, [("send", send), ("decline", answer), ("close", {"reason": "本人が取りやめ"})]
    )
    stop = {"reason": "income_over_limit", "note": "就職により収入が基準額を超えた"}
    await _program(api, "mun1", case_id, benefit, [("stop", stop)])  # the 終結 waits for it (G-PROGRAMS-ENDED)
    await _steps(api, case_id, [T.RECORD_CONTACT, T.GIVE_ADVICE, T.ACKNOWLEDGE_ADVICE, T.CORRECT_RECORD])
    await _steps(api, case_id, [T.START_EVALUATION, T.PROPOSE_CLOSURE])
    await case_hears_the_ends(api, case_id)
    await _steps(api, case_id, [T.CONFIRM_CLOSURE])
    return Walked(case_id=case_id, benefit=benefit, hello_work=hello_work, referral=referral)
