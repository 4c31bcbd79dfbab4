"""The guards of the 受付 and the 利用申込 (statemachines/case/guards.py): G-INTAKE (T2), G-REFERRAL and
G-REFERRAL-ACCEPTS for a つなぎ (T4), G1 (consent C1) and G2 (eligibility) for the 申込 (T5), again after a reopening;
and every guard of the case described with its messages and legal basis."""

from __future__ import annotations

import pytest

from statemachines.case.engine import CASE, open_case
from statemachines.case.guards import GUARDS
from statemachines.case.record import CaseState
from statemachines.case.transitions import Trigger
from statemachines.kernel.rules import DEFAULT_RULESET
from tests.factories import CITY, SW1
from tests.statemachines.case.refusals import assert_only, valid
from tests.statemachines.paths import START, reach, step

S = CaseState
T = Trigger


@pytest.mark.parametrize("guard_id", list(GUARDS))
def test_every_guard_has_messages_and_a_legal_basis(guard_id: str) -> None:
    described = GUARDS[guard_id].describe()
    assert described["id"] == guard_id
    assert described["message_ja"]
    assert described["message_en"]
    assert described["basis"]


# --- G-INTAKE: 受付 (T2) -------------------------------------------------------------------------------------------


def test_g_intake_an_intake_without_topics_or_date_is_refused_and_a_complete_one_passes() -> None:
    case = reach(S.INTAKE)
    no_topics = {"intake": {"received_on": "2026-01-05", "topics": []}}
    no_date = {"intake": {"topics": ["housing"]}}
    assert_only(CASE.check(case, "complete_intake", SW1, no_topics), "G-INTAKE")
    assert_only(CASE.check(case, "complete_intake", SW1, no_date), "G-INTAKE")
    assert CASE.check(case, "complete_intake", SW1, valid(T.COMPLETE_INTAKE)) == []


def test_g_intake_is_met_by_what_the_opening_already_recorded() -> None:
    opened = open_case(
        case_id="c-full-intake",
        municipality=CITY,
        ruleset=DEFAULT_RULESET,
        actor=SW1,
        payload=valid(T.COMPLETE_INTAKE),
        now=START,
        command_id="open",
    ).record
    assert CASE.check(opened, "complete_intake", SW1, {}) == []


# --- G-REFERRAL, G-REFERRAL-ACCEPTS: 他制度・他機関へのつなぎ (T4) -------------------------------------------------


def test_g_referral_no_target_is_refused() -> None:
    assert_only(CASE.check(reach(S.SCREENING), "refer_out", SW1, {}), "G-REFERRAL")


def test_g_referral_sharing_personal_data_needs_consent_or_a_legal_basis() -> None:
    case = reach(S.SCREENING)
    body = {"referral": {"institution": "地域包括支援センター", "shares_personal_data": True}}
    assert_only(CASE.check(case, "refer_out", SW1, body), "G-REFERRAL")
    body["referral"]["legal_basis"] = "個人情報保護法27条1項2号"
    assert CASE.check(case, "refer_out", SW1, body) == []
    assert CASE.check(case, "refer_out", SW1, valid(T.REFER_OUT)) == []
    del body["referral"]["legal_basis"]
    signed = {"kind": "C1", "signed_on": "2026-04-01", "signed_by_client": True, "policy_version": "v3"}
    assert CASE.check(case, "refer_out", SW1, {**body, "consent_c1": signed}) == []
    unsigned = {**signed, "signed_by_client": False}
    assert_only(CASE.check(case, "refer_out", SW1, {**body, "consent_c1": unsigned}), "G-REFERRAL")


def test_g_referral_accepts_an_institution_of_the_directory_must_take_referrals() -> None:
    case = reach(S.SCREENING)
    target = {"institution": "A市 地域包括支援センター", "institution_id": "inst-1", "accepts_referrals": False}
    target["legal_basis"] = "個人情報保護法27条1項2号"
    assert_only(CASE.check(case, "refer_out", SW1, {"referral": target}), "G-REFERRAL-ACCEPTS")
    assert CASE.check(case, "refer_out", SW1, {"referral": {**target, "accepts_referrals": True}}) == []
    anonymous = {"institution": "名簿にない窓口", "no_identifying_data": True}
    assert CASE.check(case, "refer_out", SW1, {"referral": anonymous}) == []


# --- G1, G2: 利用申込 (T5) -----------------------------------------------------------------------------------------


def test_g1_an_unsigned_c1_consent_is_refused_and_a_signed_one_passes() -> None:
    case = reach(S.SCREENING)
    body = valid(T.APPLY_FOR_SUPPORT)
    body["consent_c1"]["signed_by_client"] = False
    assert_only(CASE.check(case, "apply_for_support", SW1, body), "G1")
    assert CASE.check(case, "apply_for_support", SW1, valid(T.APPLY_FOR_SUPPORT)) == []


def test_g1_a_missing_or_wrong_kind_of_consent_is_refused() -> None:
    case = reach(S.SCREENING)
    body = valid(T.APPLY_FOR_SUPPORT)
    without = {"eligibility": body["eligibility"]}
    assert_only(CASE.check(case, "apply_for_support", SW1, without), "G1")
    body["consent_c1"]["kind"] = "C2"
    assert_only(CASE.check(case, "apply_for_support", SW1, body), "G1")


def test_g2_a_client_outside_the_municipality_is_refused_and_a_resident_passes() -> None:
    case = reach(S.SCREENING)
    body = valid(T.APPLY_FOR_SUPPORT)
    body["eligibility"]["resides_in_municipality"] = False
    assert_only(CASE.check(case, "apply_for_support", SW1, body), "G2")
    body["eligibility"]["resides_in_municipality"] = True
    assert CASE.check(case, "apply_for_support", SW1, body) == []


def test_g2_a_client_not_in_hardship_is_refused() -> None:
    body = valid(T.APPLY_FOR_SUPPORT)
    body["eligibility"]["is_needy"] = False
    assert_only(CASE.check(reach(S.SCREENING), "apply_for_support", SW1, body), "G2")


def test_g1_and_g2_are_both_named_when_both_are_missing() -> None:
    assert [u.id for u in CASE.check(reach(S.SCREENING), "apply_for_support", SW1, {})] == ["G1", "G2"]


def test_a_reopened_case_needs_a_new_application_and_consent() -> None:
    case = reach(CaseState.CLOSED)
    case = step(case, Trigger.REOPEN)
    assert case.consent_c1 is None
    assert case.plan is None
    assert case.plan_history
    case = step(case, Trigger.COMPLETE_INTAKE)
    assert {u.id for u in CASE.check(case, "apply_for_support", SW1, {})} == {"G1", "G2"}
