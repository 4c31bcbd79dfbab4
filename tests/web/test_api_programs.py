"""Program enrolments over HTTP: started by the 支援決定, listed on the case, driven by their own commands."""

from __future__ import annotations

import asyncio
from typing import Any

from statemachines.case.transitions import Trigger
from tests.factories import VALID_PAYLOADS, plan
from tests.web.apiharness import Api

T = Trigger
APPLICATION: dict[str, Any] = {
    "applied_on": "2026-11-30",
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


CLIENT = {"name_kana": "ヤマダ タロウ", "birth_date": "1980-05-01"}


async def _decided(api: Api, client: dict[str, Any] | None = None) -> tuple[str, str]:
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


async def test_a_decided_program_is_driven_over_http(api: Api) -> None:
    case_id, enrolment_id = await _decided(api)
    url = f"/api/cases/{case_id}/programs/{enrolment_id}"
    detail = (await api.get("sw1", url)).json()
    assert detail["enrolment"]["program"] == "housing_benefit"
    assert detail["record"]["state"] == "APPLIED"
    submit = next(c for c in detail["allowed_commands"] if c["command"] == "submit_application")
    assert submit["allowed"] is True

    response = await api.post(
        "sw1", f"{url}/commands", {"command": "submit_application", "payload": {"application": APPLICATION}}
    )
    assert response.status_code == 200, response.text
    assert response.json()["record"]["state"] == "REVIEW"

    refused = await api.post(
        "sw1",
        f"{url}/commands",
        {"command": "decide_payment", "payload": {"decided_on": "2026-12-01", "period_start": "2026-12-01"}},
    )
    assert refused.status_code == 403
    bad = await api.post("mun1", f"{url}/commands", {"command": "decide_payment", "payload": {"decided_on": "x"}})
    assert bad.status_code == 422
    decided = await api.post(
        "mun1",
        f"{url}/commands",
        {"command": "decide_payment", "payload": {"decided_on": "2026-12-01", "period_start": "2026-12-01"}},
    )
    assert decided.status_code == 200
    assert decided.json()["record"]["state"] == "DECIDED"
    tasks = (await api.get("mun1", "/api/tasks", scope="role")).json()["items"]
    assert "hb_start_payment" in {t["kind"] for t in tasks if t["case_id"] == case_id}


async def test_an_ineligible_application_is_409_with_the_guard(api: Api) -> None:
    case_id, enrolment_id = await _decided(api)
    url = f"/api/cases/{case_id}/programs/{enrolment_id}"
    rich = {**APPLICATION, "household_income": 500_000}
    assert (
        await api.post("sw1", f"{url}/commands", {"command": "submit_application", "payload": {"application": rich}})
    ).status_code == 200
    response = await api.post(
        "mun1",
        f"{url}/commands",
        {"command": "decide_payment", "payload": {"decided_on": "2026-12-01", "period_start": "2026-12-01"}},
    )
    assert response.status_code == 409
    assert [g["id"] for g in response.json()["unmet_guards"]] == ["G-H3"]


async def test_programs_of_another_municipality_are_404(api: Api) -> None:
    case_id, enrolment_id = await _decided(api)
    assert (await api.get("sw2", f"/api/cases/{case_id}/programs")).status_code == 404
    assert (await api.get("sw2", f"/api/cases/{case_id}/programs/{enrolment_id}")).status_code == 404
    assert (await api.get("sw1", f"/api/cases/{case_id}/programs/nope")).status_code == 404


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


async def test_only_staff_start_programs_and_only_those_started_from_the_case(api: Api) -> None:
    case_id = await api.open_case("sw1")
    assert (await api.post("aud1", f"/api/cases/{case_id}/programs", {"program": "referral"})).status_code == 403
    response = await api.post("sw1", f"/api/cases/{case_id}/programs", {"program": "housing_benefit"})
    assert response.status_code == 422
    assert (await api.post("sw2", f"/api/cases/{case_id}/programs", {"program": "referral"})).status_code == 404


async def test_whether_an_institution_accepts_referrals_comes_from_the_directory(api: Api) -> None:
    case_id = await api.open_case("sw1")
    for trigger in (T.COMPLETE_INTAKE, T.APPLY_FOR_SUPPORT):
        assert (await api.command("sw1", case_id, trigger.value, VALID_PAYLOADS[trigger])).status_code == 200
    started = await api.post("sw1", f"/api/cases/{case_id}/programs", {"program": "referral"})
    assert started.status_code == 201, started.text
    enrolment_id = started.json()["enrolment"]["enrolment_id"]
    api.worker.handles.append(api.worker.client.get_workflow_handle(enrolment_id))
    url = f"/api/cases/{case_id}/programs/{enrolment_id}/commands"

    claimed = {"institution_id": "a-1-real-estate-agent", "reason": "住まい探し", "accepts_referrals": True}
    refused = await api.post("sw1", url, {"command": "send", "payload": claimed})
    assert refused.status_code == 409  # the directory says it takes no referrals, whatever the client claims
    assert [g["id"] for g in refused.json()["unmet_guards"]] == ["G-RF1"]
    unknown = await api.post("sw1", url, {"command": "send", "payload": {**claimed, "institution_id": "nope"}})
    assert unknown.status_code == 422
    sent = await api.post(
        "sw1",
        url,
        {
            "command": "send",
            "payload": {"institution_id": "a-1-welfare-office", "reason": "生活保護の相談", "accepts_referrals": False},
        },
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["record"]["state"] == "SENT"


async def test_a_hello_work_appointment_booked_over_http_reaches_the_enrolment(api: Api) -> None:
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

    booking = {
        "case_id": case_id,
        "staff_user_id": "esw1",
        "office_id": "hw-city-a",
        "kind": "accompaniment",
        "starts_at": "2030-12-03T10:00:00+09:00",
        "ends_at": "2030-12-03T11:00:00+09:00",
        "enrolment_id": enrolment_id,
    }
    booked = await api.post("esw1", "/api/appointments", booking)
    assert booked.status_code == 201, booked.text
    appointment_id = booked.json()["appointment_id"]
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
            "starts_at": "2030-12-04T10:00:00+09:00",
            "ends_at": "2030-12-04T11:00:00+09:00",
            "enrolment_id": "program-nope",
        },
    )
    assert wrong.status_code == 422


async def _program_command(api: Api, user: str, case_id: str, enrolment_id: str, command: str, payload: Any) -> Any:
    url = f"/api/cases/{case_id}/programs/{enrolment_id}/commands"
    return await api.post(user, url, {"command": command, "payload": payload})


async def test_the_same_person_applying_again_within_a_year_meets_the_repayment_lock(api: Api) -> None:
    first_case, first = await _decided(api)
    decide = {"decided_on": "2026-12-01", "period_start": "2026-12-01"}
    for user, command, payload in [
        ("sw1", "submit_application", {"application": APPLICATION}),
        ("mun1", "decide_payment", decide),
        ("mun1", "start_payment", {}),
        ("mun1", "stop", {"reason": "income_over_limit"}),
    ]:
        response = await _program_command(api, user, first_case, first, command, payload)
        assert response.status_code == 200, response.text

    # The same person, written in hiragana with a full-width space, comes back as a new case.
    again_case, again = await _decided(api, {"name_kana": "やまだ\u3000たろう", "birth_date": "1980-05-01"})
    refused = await _program_command(api, "sw1", again_case, again, "submit_application", {"application": APPLICATION})
    other_case, other = await _decided(api, {"name_kana": "ヤマダ タロウ", "birth_date": "1981-05-01"})
    accepted = await _program_command(api, "sw1", other_case, other, "submit_application", {"application": APPLICATION})

    assert refused.status_code == 409, refused.text
    assert [g["id"] for g in refused.json()["unmet_guards"]] == ["G-H-LOCK"]
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["record"]["application"]["previous_payment_ended_on"] is None


async def test_an_application_declares_an_earlier_payment_the_store_does_not_know(api: Api) -> None:
    case_id, enrolment_id = await _decided(api)
    declared = {**APPLICATION, "previous_payment_ended_on": "2026-06-30"}

    response = await _program_command(
        api, "sw1", case_id, enrolment_id, "submit_application", {"application": declared}
    )

    assert response.status_code == 409, response.text
    assert [g["id"] for g in response.json()["unmet_guards"]] == ["G-H-LOCK"]


async def test_an_application_needs_the_client_s_kana_name_and_birth_date(api: Api) -> None:
    case_id, enrolment_id = await _decided(api, {"name_kana": "ヤマダ タロウ"})

    response = await _program_command(
        api, "sw1", case_id, enrolment_id, "submit_application", {"application": APPLICATION}
    )

    assert response.status_code == 422, response.text
    assert "氏名（カナ）と生年月日" in response.text


async def test_a_t4_referral_to_a_directory_institution_is_sent_and_followed_up(api: Api) -> None:
    case_id = await api.open_case("sw1")
    assert (await api.command("sw1", case_id, "complete_intake", VALID_PAYLOADS[T.COMPLETE_INTAKE])).status_code == 200
    target = {"institution": "（名簿から）", "institution_id": "a-1-welfare-office", "shares_personal_data": True}
    signed = {"kind": "C1", "signed_on": "2026-11-30", "signed_by_client": True, "policy_version": "v3"}

    without_consent = await api.command("sw1", case_id, "refer_out", {"referral": target})
    not_accepting = await api.command(
        "sw1",
        case_id,
        "refer_out",
        {"referral": {**target, "institution_id": "a-1-real-estate-agent"}, "consent_c1": signed},
    )
    unknown = await api.command("sw1", case_id, "refer_out", {"referral": {**target, "institution_id": "nope"}})
    referred = await api.command(
        "sw1", case_id, "refer_out", {"referral": {**target, "accepts_referrals": False}, "consent_c1": signed}
    )

    assert without_consent.status_code == 409
    assert [g["id"] for g in without_consent.json()["unmet_guards"]] == ["G-REFERRAL"]
    assert not_accepting.status_code == 409  # the directory's answer, not the client's
    assert [g["id"] for g in not_accepting.json()["unmet_guards"]] == ["G-REFERRAL-ACCEPTS"]
    assert unknown.status_code == 422
    assert referred.status_code == 200, referred.text
    assert referred.json()["state"] == "REFERRED_OUT"
    enrolments: list[dict[str, Any]] = []
    for _ in range(100):  # the referral's child workflow projects its events a moment after T4
        enrolments = (await api.get("sw1", f"/api/cases/{case_id}/programs")).json()
        if enrolments and enrolments[0]["state"] == "SENT":
            break
        await asyncio.sleep(0.05)
    [enrolment] = enrolments
    api.worker.handles.append(api.worker.client.get_workflow_handle(enrolment["enrolment_id"]))
    assert (enrolment["program"], enrolment["state"]) == ("referral", "SENT")
    detail = (await api.get("sw1", f"/api/cases/{case_id}/programs/{enrolment['enrolment_id']}")).json()
    [sending] = detail["record"]["sendings"]
    assert sending["institution_id"] == "a-1-welfare-office"
    view = (await api.get("sw1", f"/api/cases/{case_id}")).json()
    assert "福祉事務所" in str(view)  # the directory's name replaced the placeholder


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
        assert (await _program_command(api, "esw1", case_id, enrolment_id, command, payload)).status_code == 200

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
        await _program_command(api, "esw1", case_id, enrolment_id, "withdraw", {"reason": "本人の辞退"})
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


async def _program_reads(api: Api, case_id: str) -> dict[tuple[str, str], list[list[str]]]:
    """The access log's program reads of the case: (user, purpose) → the fields of each read."""
    rows = (await api.get("aud1", "/api/audit/access-log", case_id=case_id)).json()["items"]
    reads: dict[tuple[str, str], list[list[str]]] = {}
    for row in rows:
        if row["purpose"] in ("read_program", "program_command"):
            reads.setdefault((row["user_id"], row["purpose"]), []).append(row["fields"])
    return reads


async def test_a_program_record_is_shown_as_each_role_may_see_it(api: Api) -> None:
    case_id, enrolment_id = await _decided(api)
    url = f"/api/cases/{case_id}/programs/{enrolment_id}"
    submitted = await _program_command(
        api, "sw1", case_id, enrolment_id, "submit_application", {"application": {**APPLICATION, "rent": 51_000}}
    )
    assert submitted.status_code == 200, submitted.text

    shown = {user: (await api.get(user, url)).json() for user in ("sw1", "mun1", "admin", "ops1")}

    consultant, municipality = shown["sw1"]["record"], shown["mun1"]["record"]
    assert consultant["application"]["rent"] == 51_000
    assert consultant["application"]["housing_lost"] is False
    assert municipality == consultant
    admin = shown["admin"]["record"]
    assert (admin["state"], admin["application"]["applied_on"]) == ("REVIEW", APPLICATION["applied_on"])
    assert not {"rent", "household_income", "household_assets", "days_unable_to_seek"} & set(admin["application"])
    assert shown["ops1"]["record"] == {}  # states and counts, not records
    assert shown["ops1"]["enrolment"]["state"] == "REVIEW"


async def test_each_program_read_that_shows_special_care_fields_is_logged(api: Api) -> None:
    case_id, enrolment_id = await _decided(api)
    url = f"/api/cases/{case_id}/programs/{enrolment_id}"
    assert (await api.get("sw1", url)).status_code == 200  # APPLIED: nothing 要配慮 in the record yet
    before = await _program_reads(api, case_id)
    submitted = await _program_command(
        api, "sw1", case_id, enrolment_id, "submit_application", {"application": APPLICATION}
    )
    assert submitted.status_code == 200, submitted.text
    for user in ("sw1", "admin", "ops1"):
        assert (await api.get(user, url)).status_code == 200

    after = await _program_reads(api, case_id)

    assert before == {}
    fields = [
        "programs.housing_benefit.application.days_unable_to_seek",
        "programs.housing_benefit.application.housing_lost",
    ]
    assert after == {("sw1", "program_command"): [fields], ("sw1", "read_program"): [fields]}  # none for ADMIN, OPS
