"""Program enrolments over HTTP: started by the 支援決定, listed on the case, driven by their own commands; each
record shown as the reader's roles may see it."""

from __future__ import annotations

from tests.web.apiharness import Api
from tests.web.programs.enrolments import application, decided_case, payment_decision, program_command


async def test_a_decided_program_is_driven_over_http(api: Api) -> None:
    case_id, enrolment_id = await decided_case(api)
    url = f"/api/cases/{case_id}/programs/{enrolment_id}"
    detail = (await api.get("sw1", url)).json()
    assert detail["enrolment"]["program"] == "housing_benefit"
    assert detail["record"]["state"] == "APPLIED"
    submit = next(c for c in detail["allowed_commands"] if c["command"] == "submit_application")
    assert submit["allowed"] is True

    response = await api.post(
        "sw1",
        f"{url}/commands",
        {"command": "submit_application", "payload": {"application": await application(api, case_id, enrolment_id)}},
    )
    assert response.status_code == 200, response.text
    assert response.json()["record"]["state"] == "REVIEW"

    refused = await api.post(
        "sw1",
        f"{url}/commands",
        {"command": "decide_payment", "payload": await payment_decision(api, case_id, enrolment_id)},
    )
    assert refused.status_code == 403
    bad = await api.post("mun1", f"{url}/commands", {"command": "decide_payment", "payload": {"decided_on": "x"}})
    assert bad.status_code == 422
    decided = await api.post(
        "mun1",
        f"{url}/commands",
        {"command": "decide_payment", "payload": await payment_decision(api, case_id, enrolment_id)},
    )
    assert decided.status_code == 200
    assert decided.json()["record"]["state"] == "DECIDED"
    tasks = (await api.get("mun1", "/api/tasks", scope="role")).json()["items"]
    assert "hb_start_payment" in {t["kind"] for t in tasks if t["case_id"] == case_id}


async def test_an_ineligible_application_is_409_with_the_guard(api: Api) -> None:
    case_id, enrolment_id = await decided_case(api)
    url = f"/api/cases/{case_id}/programs/{enrolment_id}"
    rich = await application(api, case_id, enrolment_id, household_income=500_000)
    assert (
        await api.post("sw1", f"{url}/commands", {"command": "submit_application", "payload": {"application": rich}})
    ).status_code == 200
    response = await api.post(
        "mun1",
        f"{url}/commands",
        {"command": "decide_payment", "payload": await payment_decision(api, case_id, enrolment_id)},
    )
    assert response.status_code == 409
    assert [g["id"] for g in response.json()["unmet_guards"]] == ["G-H3"]


async def test_programs_of_another_municipality_are_404(api: Api) -> None:
    case_id, enrolment_id = await decided_case(api)
    assert (await api.get("sw2", f"/api/cases/{case_id}/programs")).status_code == 404
    assert (await api.get("sw2", f"/api/cases/{case_id}/programs/{enrolment_id}")).status_code == 404
    assert (await api.get("sw1", f"/api/cases/{case_id}/programs/nope")).status_code == 404


async def test_only_staff_start_programs_and_only_those_started_from_the_case(api: Api) -> None:
    case_id = await api.open_case("sw1")
    assert (await api.post("aud1", f"/api/cases/{case_id}/programs", {"program": "referral"})).status_code == 403
    response = await api.post("sw1", f"/api/cases/{case_id}/programs", {"program": "work_readiness"})
    assert response.status_code == 422  # started by the 支援決定 only
    before_application = await api.post("sw1", f"/api/cases/{case_id}/programs", {"program": "housing_benefit"})
    assert before_application.status_code == 409  # taken with the 利用申込 (H0), not before it
    assert (await api.post("sw2", f"/api/cases/{case_id}/programs", {"program": "referral"})).status_code == 404


async def _program_reads(api: Api, case_id: str) -> dict[tuple[str, str], list[list[str]]]:
    """The access log's program reads of the case: (user, purpose) → the fields of each read."""
    rows = (await api.get("aud1", "/api/audit/access-log", case_id=case_id)).json()["items"]
    reads: dict[tuple[str, str], list[list[str]]] = {}
    for row in rows:
        if row["purpose"] in ("read_program", "program_command"):
            reads.setdefault((row["user_id"], row["purpose"]), []).append(row["fields"])
    return reads


async def test_a_program_record_is_shown_as_each_role_may_see_it(api: Api) -> None:
    case_id, enrolment_id = await decided_case(api)
    url = f"/api/cases/{case_id}/programs/{enrolment_id}"
    applied = await application(api, case_id, enrolment_id, rent=51_000)
    submitted = await program_command(api, "sw1", case_id, enrolment_id, "submit_application", {"application": applied})
    assert submitted.status_code == 200, submitted.text

    shown = {user: (await api.get(user, url)).json() for user in ("sw1", "mun1", "admin", "ops1")}

    consultant, municipality = shown["sw1"]["record"], shown["mun1"]["record"]
    assert consultant["application"]["rent"] == 51_000
    assert consultant["application"]["housing_lost"] is False
    assert municipality == consultant
    admin = shown["admin"]["record"]
    assert (admin["state"], admin["application"]["applied_on"]) == ("REVIEW", applied["applied_on"])
    assert not {"rent", "household_income", "household_assets", "days_unable_to_seek"} & set(admin["application"])
    assert shown["ops1"]["record"] == {}  # states and counts, not records
    assert shown["ops1"]["enrolment"]["state"] == "REVIEW"


async def test_each_program_read_that_shows_special_care_fields_is_logged(api: Api) -> None:
    case_id, enrolment_id = await decided_case(api)
    url = f"/api/cases/{case_id}/programs/{enrolment_id}"
    assert (await api.get("sw1", url)).status_code == 200  # APPLIED: nothing 要配慮 in the record yet
    before = await _program_reads(api, case_id)
    applied = {"application": await application(api, case_id, enrolment_id)}
    submitted = await program_command(api, "sw1", case_id, enrolment_id, "submit_application", applied)
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
