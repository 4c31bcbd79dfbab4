"""住居確保給付金 over HTTP: the application names the client, and the re-payment lock finds the same person again."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api
from tests.web.programs.enrolments import (
    CLIENT,
    T,
    application,
    decided_case,
    payment_decision,
    program_command,
    started_on,
)


def _days_after(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


async def test_the_same_person_applying_again_within_a_year_meets_the_repayment_lock(api: Api) -> None:
    first_case, first = await decided_case(api)
    decide = await payment_decision(api, first_case, first)
    for user, command, payload in [
        ("sw1", "submit_application", {"application": await application(api, first_case, first)}),
        ("mun1", "decide_payment", decide),
        ("mun1", "start_payment", {}),
        ("mun1", "stop", {"reason": "income_over_limit"}),
    ]:
        response = await program_command(api, user, first_case, first, command, payload)
        assert response.status_code == 200, response.text

    # The same person, written in hiragana with a full-width space, comes back as a new case.
    again_case, again = await decided_case(api, {"name_kana": "やまだ\u3000たろう", "birth_date": "1980-05-01"})
    applied_again = {"application": await application(api, again_case, again)}
    refused = await program_command(api, "sw1", again_case, again, "submit_application", applied_again)
    other_case, other = await decided_case(api, {"name_kana": "ヤマダ タロウ", "birth_date": "1981-05-01"})
    applied_other = {"application": await application(api, other_case, other)}
    accepted = await program_command(api, "sw1", other_case, other, "submit_application", applied_other)

    assert refused.status_code == 409, refused.text
    assert [g["id"] for g in refused.json()["unmet_guards"]] == ["G-H-LOCK"]
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["record"]["application"]["previous_payment_ended_on"] is None


async def test_an_application_declares_an_earlier_payment_the_store_does_not_know(api: Api) -> None:
    case_id, enrolment_id = await decided_case(api)
    half_a_year_ago = _days_after(await started_on(api, case_id, enrolment_id), -183)
    declared = await application(api, case_id, enrolment_id, previous_payment_ended_on=half_a_year_ago)

    response = await program_command(api, "sw1", case_id, enrolment_id, "submit_application", {"application": declared})

    assert response.status_code == 409, response.text
    assert [g["id"] for g in response.json()["unmet_guards"]] == ["G-H-LOCK"]


async def test_an_application_needs_the_client_s_kana_name_and_birth_date(api: Api) -> None:
    case_id, enrolment_id = await decided_case(api, {"name_kana": "ヤマダ タロウ"})

    applied = {"application": await application(api, case_id, enrolment_id)}
    response = await program_command(api, "sw1", case_id, enrolment_id, "submit_application", applied)

    assert response.status_code == 422, response.text
    assert "氏名（カナ）と生年月日" in response.text


async def test_an_application_dated_in_the_future_cannot_move_the_repayment_lock(api: Api) -> None:
    """The same person, paid until today, dates the application almost two years ahead with a dismissal: the lock
    counted from that date would let it through to review today (issue 15 item 4: 2028-08-31 on 2026-12-06)."""
    case_id, enrolment_id = await decided_case(api)
    today = await started_on(api, case_id, enrolment_id)
    ahead = _days_after(today, 634)
    future = await application(
        api, case_id, enrolment_id, applied_on=ahead, previous_payment_ended_on=today, repayment_exception="dismissal"
    )

    response = await program_command(api, "sw1", case_id, enrolment_id, "submit_application", {"application": future})

    assert response.status_code == 409, response.text
    [unmet] = response.json()["unmet_guards"]
    assert (unmet["id"], unmet["message_ja"]) == ("G-H-DATE", f"申請日（{ahead}）が受付の日（{today}）より後です。")
    record = (await api.get("sw1", f"/api/cases/{case_id}/programs/{enrolment_id}")).json()["record"]
    assert (record["state"], record["application"]) == ("APPLIED", None)


async def test_a_period_the_municipality_ends_early_ends_today_and_the_lock_counts_from_today(api: Api) -> None:
    first_case, first = await decided_case(api)
    today = await started_on(api, first_case, first)
    for user, command, payload in [
        ("sw1", "submit_application", {"application": await application(api, first_case, first)}),
        ("mun1", "decide_payment", {"decided_on": today, "period_start": today}),
        ("mun1", "start_payment", {}),
        ("mun1", "end_period", {}),
    ]:
        response = await program_command(api, user, first_case, first, command, payload)
        assert response.status_code == 200, (command, response.text)
    ended = response.json()["record"]
    assert ended["period_end"] > today  # the period ran on beyond today
    assert ended["ended_on"] == today  # but the benefit was paid last today

    again_case, again = await decided_case(api)  # the same person comes back, after a dismissal
    looked_up = await application(api, again_case, again, repayment_exception="dismissal")
    refused = await program_command(api, "sw1", again_case, again, "submit_application", {"application": looked_up})
    assert [g["id"] for g in refused.json()["unmet_guards"]] == ["G-H-LOCK"]


async def test_H0_staff_take_the_application_with_the_riyou_moushikomi(api: Api) -> None:
    """process.md §3.1 H0/H1 (S49; [BK]): the application is taken at the 自立相談支援機関 together with the 利用申込,
    so a consultant starts 住居確保給付金 on an APPLIED case, before any plan, meeting or 支援決定; the 支給決定 stays
    the municipality's inside the program. Before the 利用申込 it is refused (409 G-H0), nothing started; the case
    records the enrolment (its 終結 waits for it) and a second start while it runs is refused (G-H0-ONE)."""
    case_id = await api.open_case("sw1")
    intake = {"intake": {**VALID_PAYLOADS[T.COMPLETE_INTAKE]["intake"], "client": CLIENT}}
    assert (await api.command("sw1", case_id, T.COMPLETE_INTAKE.value, intake)).status_code == 200
    early = await api.post("sw1", f"/api/cases/{case_id}/programs", {"program": "housing_benefit"})
    assert early.status_code == 409, early.text
    assert [g["id"] for g in early.json()["unmet_guards"]] == ["G-H0"]
    assert (await api.get("sw1", f"/api/cases/{case_id}/programs")).json() == []

    payload = VALID_PAYLOADS[T.APPLY_FOR_SUPPORT]
    assert (await api.command("sw1", case_id, T.APPLY_FOR_SUPPORT.value, payload)).status_code == 200
    started = await api.post("sw1", f"/api/cases/{case_id}/programs", {"program": "housing_benefit"})
    assert started.status_code == 201, started.text
    enrolment_id = started.json()["enrolment"]["enrolment_id"]
    api.worker.handles.append(api.worker.client.get_workflow_handle(enrolment_id))
    assert started.json()["record"]["state"] == "APPLIED"
    submitted = await program_command(
        api,
        "sw1",
        case_id,
        enrolment_id,
        "submit_application",
        {"application": await application(api, case_id, enrolment_id)},
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["record"]["state"] == "REVIEW"
    refused = await program_command(
        api, "sw1", case_id, enrolment_id, "decide_payment", {"decided_on": "2026-12-01", "period_start": "2026-12-01"}
    )
    assert refused.status_code in (403, 409)  # the 支給決定 is the municipality's

    for _ in range(100):  # the case hears of the enrolment a moment after it starts
        enrolments = (await api.get("sw1", f"/api/cases/{case_id}")).json()["records"]["enrolments"]
        if enrolments:
            break
        await asyncio.sleep(0.05)
    assert list(enrolments) == [enrolment_id]
    again = await api.post("sw1", f"/api/cases/{case_id}/programs", {"program": "housing_benefit"})
    assert [g["id"] for g in again.json()["unmet_guards"]] == ["G-H0-ONE"]
