"""What a case command must agree with (statemachines/case/consistency.py), over HTTP on the real workflow: the plan's
dates (G-PLAN-DATES), the 支援決定 against what the 本人 applied for (G-DECISION-APPLIED), and the 終結 against the
programs still running (G-PROGRAMS-ENDED), shown in 「進めない理由」 on the case page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from statemachines.case.timers import JST
from statemachines.case.transitions import Trigger
from tests.factories import VALID_PAYLOADS, plan
from tests.web.apiharness import Api
from tests.web.pageclient import browser_for
from tests.web.programs.enrolments import application, case_hears_the_ends, decided_case, program_command

T = Trigger


async def _walk(api: Api, case_id: str, steps: list[tuple[str, Trigger, dict[str, Any] | None]]) -> None:
    for user, trigger, payload in steps:
        body = await api.contact(case_id, trigger, payload)
        response = await api.command(user, case_id, trigger.value, body)
        assert response.status_code == 200, (trigger, response.text)


TO_PLAN_DRAFTING: list[tuple[str, Trigger, dict[str, Any] | None]] = [
    ("sw1", T.COMPLETE_INTAKE, None),
    ("sw1", T.APPLY_FOR_SUPPORT, None),
    ("sw1", T.START_ASSESSMENT, None),
    ("sw1", T.COMPLETE_ASSESSMENT, None),
]
TO_DECISION_PENDING: list[tuple[str, Trigger, dict[str, Any] | None]] = [
    ("sw1", T.SUBMIT_PLAN, None),  # the プラン兼事業等利用申込書 applies for 就労準備支援事業 only
    ("csw1", T.CHECK_PLAN, None),
    ("sw1", T.RECORD_PLAN_CONSENT, None),
    ("sw1", T.PUT_ON_AGENDA, None),
    ("sw1", T.OPEN_MEETING_ITEM, None),
    ("mun1", T.APPROVE_PLAN, None),
]


async def test_a_plan_whose_second_goal_is_past_or_whose_period_runs_backwards_is_refused_naming_it(api: Api) -> None:
    case_id = await api.open_case("sw1")
    await _walk(api, case_id, TO_PLAN_DRAFTING)
    yesterday = (datetime.now(JST) - timedelta(days=1)).date().isoformat()
    past = plan()
    past["goals"] = [past["goals"][0], {"description": "家計を立て直す", "target_date": yesterday}]
    backwards = {**plan(), "period_start": "2027-04-01", "period_end": "2027-03-31"}

    late = await api.command("sw1", case_id, "submit_plan", {"plan": past})
    reversed_period = await api.command("sw1", case_id, "submit_plan", {"plan": backwards})

    assert late.status_code == 409, late.text
    [unmet] = late.json()["unmet_guards"]
    assert (unmet["id"], unmet["message_ja"]) == ("G-PLAN-DATES", f"目標2の達成時期（{yesterday}）が過ぎています。")
    assert reversed_period.status_code == 409, reversed_period.text
    assert reversed_period.json()["unmet_guards"][0]["message_ja"] == (
        "プラン期間の終了日（2027-03-31）が開始日（2027-04-01）より前です。"
    )
    detail = (await api.get("sw1", f"/api/cases/{case_id}")).json()
    assert (detail["state"], detail["records"]["plan"]) == ("PLAN_DRAFTING", None)  # nothing recorded
    assert (await api.command("sw1", case_id, "submit_plan", {"plan": plan()})).status_code == 200


async def test_a_decision_approving_programs_never_applied_for_is_refused_naming_them_and_starts_nothing(
    api: Api,
) -> None:
    case_id = await api.open_case("sw1")
    await _walk(api, case_id, TO_PLAN_DRAFTING + TO_DECISION_PENDING)
    programs = [{"program": p, "approved": True} for p in ("work_readiness", "household_budget", "certified_training")]
    unapplied = {"decision": {"decided_on": datetime.now(JST).date().isoformat(), "programs": programs}}

    refused = await api.command("mun1", case_id, "decide_support", unapplied)

    assert refused.status_code == 409, refused.text
    [unmet] = refused.json()["unmet_guards"]
    assert unmet["id"] == "G-DECISION-APPLIED"
    assert unmet["message_ja"] == (
        "本人がプラン兼事業等利用申込書で申し込んでいない事業は支援決定で承認できません（家計改善支援事業、認定就労訓練事業）。"
    )
    assert (await api.get("sw1", f"/api/cases/{case_id}/programs")).json() == []
    assert (await api.get("sw1", f"/api/cases/{case_id}")).json()["state"] == "DECISION_PENDING"


async def test_a_case_is_closed_only_once_the_programs_its_decision_started_have_ended(pages_api: Api) -> None:
    api = pages_api  # served over plain HTTP, as ``make run`` serves it: the case page is read with a session cookie
    case_id, enrolment_id = await decided_case(api)  # the 支援決定 started 住居確保給付金
    await _walk(
        api,
        case_id,
        [("esw1", T.RECORD_CONTACT, None), ("sw1", T.START_EVALUATION, None), ("sw1", T.PROPOSE_CLOSURE, None)],
    )
    running = "利用が終わっていない事業があります（住居確保給付金）。各事業を終了してから終結を確認してください。"

    refused = await api.command("sw1", case_id, "confirm_closure", VALID_PAYLOADS[T.CONFIRM_CLOSURE])

    assert refused.status_code == 409, refused.text
    [unmet] = refused.json()["unmet_guards"]
    assert (unmet["id"], unmet["message_ja"]) == ("G-PROGRAMS-ENDED", running)
    async with browser_for(api) as browser:
        assert (await browser.login("sw1")).status_code == 303
        page = (await browser.get(f"/cases/{case_id}")).text
    reasons = page[page.index('id="blocked"') :]
    assert running in reasons[: reasons.index("</section>")]  # 「進めない理由」, with its legal basis
    assert "process.md §1.3" in reasons[: reasons.index("</section>")]

    applied = {"application": await application(api, case_id, enrolment_id)}
    assert (await program_command(api, "sw1", case_id, enrolment_id, "submit_application", applied)).is_success
    assert (await program_command(api, "mun1", case_id, enrolment_id, "reject", {"note": "辞退"})).is_success
    await case_hears_the_ends(api, case_id)
    closed = await api.command("sw1", case_id, "confirm_closure", VALID_PAYLOADS[T.CONFIRM_CLOSURE])

    assert closed.status_code == 200, closed.text
    assert closed.json()["state"] == "CLOSED"
    detail = (await api.get("sw1", f"/api/cases/{case_id}")).json()
    assert detail["open_tasks"] == []  # nothing of the case or its program is left open
