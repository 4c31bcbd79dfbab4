"""Who may see and do what over HTTP, and what a person is told when they may not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from statemachines.case.transitions import Trigger
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api, running_api

T = Trigger


async def _to_decision(api: Api, case_id: str) -> None:
    for user, trigger in [
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
    ]:
        response = await api.command(user, case_id, trigger.value, VALID_PAYLOADS[trigger])
        assert response.status_code == 200, response.text


async def test_without_a_token_everything_is_401(api: Api) -> None:
    for method, url in [
        ("GET", "/api/cases"),
        ("GET", "/api/tasks"),
        ("GET", "/api/pipeline"),
        ("POST", "/api/cases"),
        ("GET", "/api/rulesets"),
    ]:
        response = await api.http.request(method, url, json={"municipality": "city-a"})
        assert response.status_code == 401, url
        assert response.headers["www-authenticate"] == "Bearer"


async def test_a_forged_token_is_401(api: Api) -> None:
    response = await api.http.get("/api/cases", headers={"Authorization": "Bearer not.a.token"})
    assert response.status_code == 401


async def test_a_wrong_password_is_401_and_says_so_in_japanese(api: Api) -> None:
    response = await api.login("sw1", "wrong")
    assert response.status_code == 401
    assert "パスワード" in response.json()["detail"]


async def test_the_demo_password_is_refused_outside_demo_mode(time_env: WorkflowEnvironment, tmp_path: Path) -> None:
    async with running_api(time_env, tmp_path, demo=False) as api:
        response = await api.login("sw1")
        assert response.status_code == 401
        assert "デモ" in response.json()["detail"]


async def test_a_case_of_another_municipality_is_404(api: Api) -> None:
    case_id = await api.open_case("sw1")
    assert (await api.get("sw2", f"/api/cases/{case_id}")).status_code == 404
    assert (await api.get("sw2", f"/api/cases/{case_id}/history")).status_code == 404
    response = await api.command("sw2", case_id, "complete_intake", VALID_PAYLOADS[T.COMPLETE_INTAKE])
    assert response.status_code == 404
    assert case_id not in {c["case_id"] for c in (await api.get("sw2", "/api/cases")).json()["items"]}
    opened = await api.post("sw2", "/api/cases", {"municipality": "city-a"})  # a municipality one knows exists
    assert (opened.status_code, opened.json()["code"]) == (403, "municipality_not_served")


async def test_an_auditor_may_read_but_never_write(api: Api) -> None:
    case_id = await api.open_case("sw1")
    assert (await api.get("aud1", f"/api/cases/{case_id}")).status_code == 200
    response = await api.command("aud1", case_id, "complete_intake", VALID_PAYLOADS[T.COMPLETE_INTAKE])
    assert response.status_code == 403
    assert response.json()["code"] == "role_not_allowed"


async def test_a_contractors_user_can_never_decide(api: Api) -> None:
    case_id = await api.open_case("sw1")
    await _to_decision(api, case_id)
    for user in ("sw1", "csw1", "esw1"):
        response = await api.command(user, case_id, "decide_support", VALID_PAYLOADS[T.DECIDE_SUPPORT])
        assert response.status_code == 403, user
    response = await api.command("mun1", case_id, "decide_support", VALID_PAYLOADS[T.DECIDE_SUPPORT])
    assert response.status_code == 200
    assert response.json()["state"] == "SUPPORT_ACTIVE"


async def test_unmet_guards_are_409_with_their_legal_basis(api: Api) -> None:
    case_id = await api.open_case("sw1")
    response = await api.command("sw1", case_id, "complete_intake", {})
    assert response.status_code == 409
    [guard] = response.json()["unmet_guards"]
    assert guard["id"] == "G-INTAKE"
    assert guard["message_ja"]
    assert guard["basis"]
    response = await api.command("sw1", case_id, "confirm_closure", {})
    assert response.status_code == 409
    assert response.json()["code"] == "not_possible_from_state"


async def test_a_payload_that_does_not_fit_is_422_with_field_errors(api: Api) -> None:
    case_id = await api.open_case("sw1")
    response = await api.command("sw1", case_id, "complete_intake", {"intake": {"topics": ["nope"]}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][:2] == ["intake", "topics"]
    response = await api.post("sw1", f"/api/cases/{case_id}/commands", {"command": "complete_intake", "x": 1})
    assert response.status_code == 422
    response = await api.command("sw1", case_id, "teleport", {})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["command"]


async def test_a_repeated_command_id_returns_the_first_result(api: Api) -> None:
    case_id = await api.open_case("sw1")
    first = await api.command("sw1", case_id, "complete_intake", VALID_PAYLOADS[T.COMPLETE_INTAKE], "once")
    again = await api.command("sw1", case_id, "complete_intake", VALID_PAYLOADS[T.COMPLETE_INTAKE], "once")
    assert first.status_code == again.status_code == 200
    assert first.json()["seq"] == again.json()["seq"] == 2
    history = (await api.get("sw1", f"/api/cases/{case_id}/history")).json()
    assert len([e for e in history["entries"] if e["kind"] == "event"]) == 2


async def test_the_case_view_answers_why_it_cannot_move(api: Api) -> None:
    case_id = await api.open_case("sw1")
    await _to_decision(api, case_id)
    detail = (await api.get("sw1", f"/api/cases/{case_id}")).json()
    decide = next(c for c in detail["allowed_commands"] if c["command"] == "decide_support")
    assert decide["allowed"] is False
    assert {g["id"] for g in decide["unmet_guards"]} == {"ROLE", "G7"}
    detail = (await api.get("mun1", f"/api/cases/{case_id}")).json()
    decide = next(c for c in detail["allowed_commands"] if c["command"] == "decide_support")
    assert decide["allowed"] is True


async def test_tasks_are_claimed_and_released(api: Api) -> None:
    case_id = await api.open_case("sw1")
    await _to_decision(api, case_id)
    unassigned = (await api.get("mun1", "/api/tasks", scope="unassigned")).json()["items"]
    task = next(t for t in unassigned if t["case_id"] == case_id)
    assert task["command"] == "decide_support"
    claimed = await api.post("mun1", f"/api/tasks/{task['task_id']}/claim")
    assert claimed.status_code == 200
    assert claimed.json()["assignee"] == "mun1"
    mine = (await api.get("mun1", "/api/tasks", scope="mine")).json()["items"]
    assert task["task_id"] in {t["task_id"] for t in mine}
    assert (await api.post("sw1", f"/api/tasks/{task['task_id']}/claim")).status_code == 403
    assert (await api.post("sw2", f"/api/tasks/{task['task_id']}/claim")).status_code == 404
    released = await api.post("mun1", f"/api/tasks/{task['task_id']}/release")
    assert released.status_code == 200
    assert released.json()["assignee"] is None


async def test_only_an_admin_adds_rule_sets_and_bad_ones_are_422(api: Api) -> None:
    ruleset = {
        "ruleset_id": "city-a-minutes",
        "municipality": "city-a",
        "effective_from": "2026-01-01",
        "plan_period": "PT10M",
        "monitoring_interval": "PT2M",
        "no_contact_threshold": "PT5M",
        "follow_up_offsets": ["PT1M"],
    }
    assert (await api.post("sw1", "/api/rulesets", ruleset)).status_code == 403
    assert (await api.post("admin", "/api/rulesets", {**ruleset, "plan_period": "6 months"})).status_code == 422
    bad_program = {**ruleset, "programs": {"housing_support": {"shelter_max": "3か月"}}}
    refused = await api.post("admin", "/api/rulesets", bad_program)
    assert refused.status_code == 422  # a program's value its rules do not take: nothing stored
    assert ["programs", "housing_support", "shelter_max"] in [e["loc"] for e in refused.json()["errors"]]
    assert (await api.post("admin", "/api/rulesets", ruleset)).status_code == 201
    assert (await api.post("admin", "/api/rulesets", ruleset)).status_code == 409
    listed = (await api.get("sw1", "/api/rulesets", municipality="city-a")).json()
    assert [r["ruleset_id"] for r in listed] == ["city-a-minutes"]
    case_id = await api.open_case("sw1")
    assert (await api.get("sw1", f"/api/cases/{case_id}")).json()["ruleset_id"] == "city-a-minutes"


async def test_health_reports_temporal_database_and_worker(api: Api) -> None:
    response = await api.http.get("/api/health")
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["temporal"]["ok"] is True
    assert body["worker"]["ok"] is True  # the harness's worker writes its heartbeat as worker.py does
    assert body["worker"]["workers"] == 1
    assert response.status_code == 200


async def test_the_openapi_document_is_served(api: Api) -> None:
    response = await api.http.get("/api/openapi.json")
    assert response.status_code == 200
    assert "/api/cases/{case_id}/commands" in response.json()["paths"]


async def test_cases_are_listed_with_filters_and_paging(api: Api) -> None:
    ids = [await api.open_case("sw1") for _ in range(3)]
    await api.command("sw1", ids[0], "complete_intake", VALID_PAYLOADS[T.COMPLETE_INTAKE])
    page = (await api.get("ops1", "/api/cases", state="INTAKE", limit=1)).json()
    assert page["total"] == 2
    assert len(page["items"]) == 1
    screening = (await api.get("ops1", "/api/cases", stage="consultation", state="SCREENING")).json()
    assert [c["case_id"] for c in screening["items"]] == [ids[0]]
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert (await api.get("ops1", "/api/cases", opened_from=future)).json()["total"] == 0


async def test_an_expired_token_is_401(time_env: WorkflowEnvironment, tmp_path: Path) -> None:
    moments = [datetime(2026, 1, 1, tzinfo=UTC)]
    async with running_api(time_env, tmp_path, clock=lambda: moments[0]) as api:
        headers = await api.headers("sw1")  # issued at 2026-01-01, for 60 minutes
        moments[0] += timedelta(minutes=60)
        response = await api.http.get("/api/cases", headers=headers)
        assert response.status_code == 401
        assert "有効期限" in response.json()["detail"]


async def test_pages_sign_in_with_a_session_cookie(api: Api) -> None:
    response = await api.http.post("/api/auth/session", data={"username": "sw1", "password": "yorisoi-demo"})
    assert response.status_code == 204
    cookie = response.headers["set-cookie"]
    assert "yorisoi_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    token = response.cookies["yorisoi_session"]
    listed = await api.http.get("/api/cases", headers={"Cookie": f"yorisoi_session={token}"})
    assert listed.status_code == 200
