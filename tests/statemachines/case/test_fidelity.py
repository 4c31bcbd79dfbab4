"""Issue 18 (statutory fidelity), the case's items: T4 つなぎ with personal data (item 3), a contact with another
agency and the client's no-contact clock (item 10), the plan period, the 支援調整会議's members and the efforts before
a 中断 (item 11). Guards in statemachines/case/fidelity.py, each with its source as process.md cites it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from statemachines.case.engine import CASE
from statemachines.case.fidelity import (
    CLIENT_CONTACT_PATCH,
    EFFORT_DAYS_PATCH,
    MEETING_MEMBERS_PATCH,
    PLAN_PERIOD_PATCH,
    REFERRAL_DATA_PATCH,
)
from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.timers import deadlines
from statemachines.case.transitions import Trigger
from statemachines.describe import describe_case
from tests.factories import SW1, contact_note, effort, meeting, plan
from tests.statemachines.case.refusals import assert_only, valid
from tests.statemachines.paths import START, reach, step

T = Trigger
S = CaseState
SIGNED_C1 = {"kind": "C1", "signed_on": "2026-01-05", "signed_by_client": True, "policy_version": "v3"}


def _ids(case: CaseRecord, command: str, payload: dict[str, Any]) -> list[str]:
    return [u.id for u in CASE.check(case, command, SW1, payload, START + timedelta(hours=1))]


# -- item 3: T4 つなぎ with personal data ----------------------------------------------------------------------------


def test_T4_a_free_text_target_without_C1_is_refused_unless_nothing_identifying_is_passed() -> None:
    """T4: 「A referral that passes personal data to the target needs consent (§5) or a legal basis」 (process.md §1.4
    T4, §2.8, §5.2 C1 = 相談受付・申込票の情報共有同意 S3; 個人情報保護法27条). A named counterpart receives the
    client's data unless the consultant records that nothing identifying is passed: the flag once set by hand
    (``shares_personal_data``, off by default) no longer decides."""
    case = reach(S.SCREENING)
    named = {"institution": "地域包括支援センター", "reason": "介護の相談"}
    assert_only(CASE.check(case, "refer_out", SW1, {"referral": named}), "G-REFERRAL-DATA")
    assert _ids(case, "refer_out", {"referral": {**named, "shares_personal_data": False}}) == ["G-REFERRAL-DATA"]
    assert _ids(case, "refer_out", {"referral": named, "consent_c1": SIGNED_C1}) == []
    assert _ids(case, "refer_out", {"referral": {**named, "legal_basis": "個人情報保護法27条1項2号"}}) == []
    assert _ids(case, "refer_out", {"referral": {**named, "no_identifying_data": True}}) == []


def test_T4_a_directory_institution_receives_data_and_needs_C1() -> None:
    """T4 to an institution of the 関係機関名簿 (process.md §6) starts its referral (RF): the client's data goes with
    it, so C1 or a legal basis first (§5.2)."""
    case = reach(S.SCREENING)
    target = {"institution": "A市 地域包括支援センター", "institution_id": "inst-1", "accepts_referrals": True}
    assert _ids(case, "refer_out", {"referral": target}) == ["G-REFERRAL-DATA"]
    assert _ids(case, "refer_out", {"referral": target, "consent_c1": SIGNED_C1}) == []


def test_T4_a_revoked_C1_on_the_case_does_not_cover_the_referral() -> None:
    """C1 is a dated, revocable record (process.md §5.2): a C1 revoked before the つなぎ does not cover it."""
    case = reach(S.SCREENING)
    revoked = {**SIGNED_C1, "revoked_on": "2026-01-05"}
    named = {"institution": "社会福祉協議会"}
    assert _ids(case, "refer_out", {"referral": named, "consent_c1": revoked}) == ["G-REFERRAL-DATA"]


def test_T4_the_new_guard_comes_with_its_patch_so_old_referrals_replay() -> None:
    """A つなぎ recorded before (free text, no C1) replays: the guard is waived in a run recorded without its patch."""
    assert CASE.guard_patches("refer_out")["G-REFERRAL-DATA"] == REFERRAL_DATA_PATCH
    case = reach(S.SCREENING)
    old = {"referral": {"institution": "地域包括支援センター"}}
    replayed = CASE.apply(case, "refer_out", SW1, old, now=START, command_id="r", waived=frozenset({"G-REFERRAL-DATA"}))
    assert replayed.record.state is S.REFERRED_OUT


# -- item 10: a contact with another agency does not reset the client's no-contact clock -------------------------


def test_T20_a_contact_with_another_agency_does_not_reset_the_no_contact_clock() -> None:
    """process.md §1.6: monitoring is done 「on a 支援経過記録 entry that records contact with 本人」; T26 連絡不通 is
    the
    client's (WAM NET Q&A 中断の取扱い, S11). A note of a call with an agency is recorded (T20b), and both the
    no-contact and the monitoring clocks keep running from the last contact with 本人."""
    case = reach(S.SUPPORT_ACTIVE)
    later = START + timedelta(days=20)
    agency = {"monitoring_note": {**contact_note(), "counterpart": "agency", "content": "ハローワークに状況を確認"}}
    applied = CASE.apply(case, "record_contact", SW1, agency, now=later, command_id="a")
    assert applied.transition_id == "T20b"
    assert applied.record.last_contact_at == case.last_contact_at
    assert len(applied.record.monitoring) == len(case.monitoring) + 1
    assert {d.kind: d.at for d in deadlines(applied.record)} == {d.kind: d.at for d in deadlines(case)}
    client = CASE.apply(case, "record_contact", SW1, valid(T.RECORD_CONTACT), now=later, command_id="c")
    assert client.transition_id == "T20"
    assert client.record.last_contact_at == later


def test_T27_contact_is_restored_only_with_the_client() -> None:
    """T27 連絡再開: contact re-established with 本人 (process.md §1.4 T27); an agency's word is not it."""
    lost = reach(S.CONTACT_LOST)
    agency = {"monitoring_note": {**contact_note(), "counterpart": "agency"}}
    assert_only(CASE.check(lost, "restore_contact", SW1, agency), "G-CONTACT-CLIENT")
    assert CASE.check(lost, "restore_contact", SW1, valid(T.RESTORE_CONTACT)) == []
    assert CASE.guard_patches("record_contact")["G-CONTACT-CLIENT"] == CLIENT_CONTACT_PATCH


# -- item 11: plan period, G5 members, G8/G9 attendees, G-EFFORT days ----------------------------------------------


def test_T10_a_plan_end_date_beyond_the_rule_sets_plan_period_is_refused() -> None:
    """The plan period is a rule-set value: 墨田区 実施要領 §6② 「6か月以内」, extendable by an evaluation (a new
    plan) [LOCAL S20]; process.md §1.7. A 5-year plan used to pass; within P6M of its start it passes."""
    case = reach(S.PLAN_DRAFTING)
    five_years = {**plan(), "period_start": "2026-01-05", "period_end": "2031-01-04"}
    refused = CASE.check(case, "submit_plan", SW1, {"plan": five_years}, START)
    assert [u.id for u in refused] == ["G-PLAN-PERIOD"]
    assert "2026-07-04" in refused[0].message_ja
    within = {**five_years, "period_end": "2026-07-04"}
    assert CASE.check(case, "submit_plan", SW1, {"plan": within}, START) == []
    no_start = {**plan(), "period_end": "2026-07-05"}  # from the day it is submitted (2026-01-05 in Japan)
    assert [u.id for u in CASE.check(case, "submit_plan", SW1, {"plan": no_start}, START)] == ["G-PLAN-PERIOD"]
    assert CASE.guard_patches("submit_plan")["G-PLAN-PERIOD"] == PLAN_PERIOD_PATCH


def test_G5_the_quorum_counts_distinct_members() -> None:
    """G5: quorum per the 設置要綱 [LOCAL S22], municipal official in principle (S11): one attendee written three
    times is one member, not a quorum of three."""
    case = reach(S.MEETING_PENDING)
    official = {"organisation": "A市 福祉課", "is_municipal_official": True}
    thrice = {
        "meeting_date": "2026-01-05",
        "attendees": [official, dict(official), {**official, "organisation": " city-a  福祉課"}],
    }
    assert_only(CASE.check(case, "open_meeting_item", SW1, {"meeting": thrice}), "G5-MEMBERS")
    assert CASE.check(case, "open_meeting_item", SW1, {"meeting": meeting()}) == []
    assert CASE.guard_patches("open_meeting_item")["G5-MEMBERS"] == MEETING_MEMBERS_PATCH


def test_G8_G9_the_meeting_that_confirms_a_closure_or_an_interruption_needs_its_attendees() -> None:
    """G8/G9: the 終結 and the 中断 are confirmed by the 支援調整会議 (WAM NET Q&A, S11); a meeting with nobody recorded
    present confirms nothing (quorum of the 設置要綱 [LOCAL S22], a municipal official in principle, S11)."""
    review = reach(S.CLOSURE_REVIEW)
    empty_closure = {"closure": {"reason": "EMPLOYED", "meeting": {**meeting("closure_confirmed"), "attendees": []}}}
    assert_only(CASE.check(review, "confirm_closure", SW1, empty_closure), "G-MEETING-HELD")
    assert CASE.check(review, "confirm_closure", SW1, valid(T.CONFIRM_CLOSURE)) == []
    lost = step(step(reach(S.CONTACT_LOST), T.RECORD_CONTACT_EFFORT), T.RECORD_CONTACT_EFFORT)
    empty = {"meeting": {**meeting("interruption_confirmed"), "attendees": []}}
    assert_only(CASE.check(lost, "confirm_interruption", SW1, empty), "G-MEETING-HELD")
    no_official = {"meeting": meeting("interruption_confirmed", quorum=False)}
    assert_only(CASE.check(lost, "confirm_interruption", SW1, no_official), "G-MEETING-HELD")
    assert CASE.check(lost, "confirm_interruption", SW1, valid(T.CONFIRM_INTERRUPTION)) == []


def test_G_EFFORT_efforts_count_on_distinct_days() -> None:
    """G-EFFORT: 「あらゆる努力」 before a 中断 — a visit, a note left at the home, friends contacted (WAM NET Q&A,
    S11):
    two notes of one day are one attempt; on two days they are two."""
    lost = reach(S.CONTACT_LOST)
    same_day = step(step(lost, T.RECORD_CONTACT_EFFORT, effort(0)), T.RECORD_CONTACT_EFFORT, effort(0))
    assert_only(CASE.check(same_day, "confirm_interruption", SW1, valid(T.CONFIRM_INTERRUPTION)), "G-EFFORT-DAYS")
    two_days = step(step(lost, T.RECORD_CONTACT_EFFORT, effort(0)), T.RECORD_CONTACT_EFFORT, effort(1))
    assert CASE.check(two_days, "confirm_interruption", SW1, valid(T.CONFIRM_INTERRUPTION)) == []
    assert CASE.guard_patches("confirm_interruption")["G-EFFORT-DAYS"] == EFFORT_DAYS_PATCH


def test_item11_describe_carries_each_new_guard_with_its_source() -> None:
    """``python -m statemachines describe`` names each guard of issue 18 with its source (条文/通知/要綱)."""
    described = {g["id"]: g["basis"] for g in describe_case()["guards"]}
    assert "S3" in described["G-REFERRAL-DATA"]
    assert "27条" in described["G-REFERRAL-DATA"]
    assert "S20" in described["G-PLAN-PERIOD"]
    assert "S22" in described["G5-MEMBERS"]
    assert "S11" in described["G-MEETING-HELD"]
    assert "S11" in described["G-EFFORT-DAYS"]
    assert "§1.6" in described["G-CONTACT-CLIENT"]
