"""住居確保給付金 over HTTP: the application names the client, and the re-payment lock finds the same person again."""

from __future__ import annotations

from tests.web.apiharness import Api
from tests.web.programs.enrolments import APPLICATION, TODAY, decided_case, program_command


async def test_the_same_person_applying_again_within_a_year_meets_the_repayment_lock(api: Api) -> None:
    first_case, first = await decided_case(api)
    decide = {"decided_on": "2026-12-01", "period_start": "2026-12-01"}
    for user, command, payload in [
        ("sw1", "submit_application", {"application": APPLICATION}),
        ("mun1", "decide_payment", decide),
        ("mun1", "start_payment", {}),
        ("mun1", "stop", {"reason": "income_over_limit"}),
    ]:
        response = await program_command(api, user, first_case, first, command, payload)
        assert response.status_code == 200, response.text

    # The same person, written in hiragana with a full-width space, comes back as a new case.
    again_case, again = await decided_case(api, {"name_kana": "やまだ\u3000たろう", "birth_date": "1980-05-01"})
    refused = await program_command(api, "sw1", again_case, again, "submit_application", {"application": APPLICATION})
    other_case, other = await decided_case(api, {"name_kana": "ヤマダ タロウ", "birth_date": "1981-05-01"})
    accepted = await program_command(api, "sw1", other_case, other, "submit_application", {"application": APPLICATION})

    assert refused.status_code == 409, refused.text
    assert [g["id"] for g in refused.json()["unmet_guards"]] == ["G-H-LOCK"]
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["record"]["application"]["previous_payment_ended_on"] is None


async def test_an_application_declares_an_earlier_payment_the_store_does_not_know(api: Api) -> None:
    case_id, enrolment_id = await decided_case(api)
    declared = {**APPLICATION, "previous_payment_ended_on": "2026-06-30"}

    response = await program_command(api, "sw1", case_id, enrolment_id, "submit_application", {"application": declared})

    assert response.status_code == 409, response.text
    assert [g["id"] for g in response.json()["unmet_guards"]] == ["G-H-LOCK"]


async def test_an_application_needs_the_client_s_kana_name_and_birth_date(api: Api) -> None:
    case_id, enrolment_id = await decided_case(api, {"name_kana": "ヤマダ タロウ"})

    response = await program_command(
        api, "sw1", case_id, enrolment_id, "submit_application", {"application": APPLICATION}
    )

    assert response.status_code == 422, response.text
    assert "氏名（カナ）と生年月日" in response.text


async def test_an_application_dated_in_the_future_cannot_move_the_repayment_lock(api: Api) -> None:
    """The same person, paid until today, dates the application 2028-08-31 with a dismissal: the lock counted from
    that date would let it through to review today (issue 15 item 4)."""
    case_id, enrolment_id = await decided_case(api)
    future = {
        **APPLICATION,
        "applied_on": "2028-08-31",
        "previous_payment_ended_on": TODAY,
        "repayment_exception": "dismissal",
    }

    response = await program_command(api, "sw1", case_id, enrolment_id, "submit_application", {"application": future})

    assert response.status_code == 409, response.text
    [unmet] = response.json()["unmet_guards"]
    assert (unmet["id"], unmet["message_ja"]) == ("G-H-DATE", f"申請日（2028-08-31）が受付の日（{TODAY}）より後です。")
    record = (await api.get("sw1", f"/api/cases/{case_id}/programs/{enrolment_id}")).json()["record"]
    assert (record["state"], record["application"]) == ("APPLIED", None)


async def test_a_period_the_municipality_ends_early_ends_today_and_the_lock_counts_from_today(api: Api) -> None:
    first_case, first = await decided_case(api)
    for user, command, payload in [
        ("sw1", "submit_application", {"application": APPLICATION}),
        ("mun1", "decide_payment", {"decided_on": TODAY, "period_start": TODAY}),
        ("mun1", "start_payment", {}),
        ("mun1", "end_period", {}),
    ]:
        response = await program_command(api, user, first_case, first, command, payload)
        assert response.status_code == 200, (command, response.text)
    ended = response.json()["record"]
    assert ended["period_end"] > TODAY  # the period ran on beyond today
    assert ended["ended_on"] == TODAY  # but the benefit was paid last today

    again_case, again = await decided_case(api)  # the same person comes back
    looked_up = {**APPLICATION, "repayment_exception": "dismissal"}
    refused = await program_command(api, "sw1", again_case, again, "submit_application", {"application": looked_up})
    assert [g["id"] for g in refused.json()["unmet_guards"]] == ["G-H-LOCK"]
