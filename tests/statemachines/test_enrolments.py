"""What a case transition starts (its table's follow-ons) and the consent C1 a program that shares data needs."""

from __future__ import annotations

from typing import Any

from statemachines.case.engine import CASE
from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.records import Program
from statemachines.case.transitions import STARTS_PROGRAMS, STARTS_REFERRAL, Trigger
from statemachines.enrolments import PROGRAM_NAMES, decided_enrolment_id, enrolments_started, sharing_unmet, start_unmet
from statemachines.kernel.table import Lookup
from statemachines.programs.registry import BY_ID, PROGRAMS
from tests.factories import SW1, VALID_PAYLOADS, plan
from tests.statemachines.paths import START, decision_pending, reach, step

T = Trigger


def test_the_table_declares_what_a_transition_starts() -> None:
    starting = {t.id: t.follow_ons for t in CASE.transitions if t.follow_ons}
    assert starting == {"T4": (STARTS_REFERRAL,), "T18": (STARTS_PROGRAMS,)}


def _decided(programs: list[dict[str, Any]]) -> CaseRecord:
    decision = {"decision": {**VALID_PAYLOADS[T.DECIDE_SUPPORT]["decision"], "programs": programs}}
    applied = tuple(p["program"] for p in programs)
    return step(decision_pending(plan(programs=applied)), T.DECIDE_SUPPORT, decision)


def test_a_decision_starts_each_approved_program_that_has_a_process_in_its_order() -> None:
    case = _decided(
        [{"program": "household_budget", "approved": True}, {"program": "work_readiness", "approved": True}]
    )
    starts = list(enrolments_started(STARTS_PROGRAMS, case))
    assert [(s.program.id, s.patch) for s in starts] == [
        ("household_budget", "start-program-household_budget"),
        ("work_readiness", None),
    ]
    assert starts[1].enrolment_id == decided_enrolment_id(case.case_id, "work_readiness", case.plan_version)
    record = starts[1].record(case, START)
    assert (record["state"], record["case_id"], record["started_at"]) == (
        "REFERRED_IN_PLAN",
        case.case_id,
        "2026-01-05T09:00:00Z",
    )


def test_every_program_a_decision_starts_is_a_choice_of_the_plan() -> None:
    """A 支援決定 starts the approved programs by the plan's choice (records.Program): a program not started by staff
    whose id is not a choice would never start. The plan may name programs that have no process (yet)."""
    choices = {p.value for p in Program}
    assert {p.id for p in PROGRAMS if not p.started_by_staff} <= choices


def _referred(referral: dict[str, Any]) -> CaseRecord:
    return step(reach(CaseState.SCREENING), T.REFER_OUT, {"referral": referral})


def test_a_referral_to_a_directory_institution_is_sent_at_once() -> None:
    case = _referred({"institution": "福祉事務所", "institution_id": "a-1-welfare-office", "accepts_referrals": True})
    (start,) = enrolments_started(STARTS_REFERRAL, case)
    assert start.program is BY_ID["referral"]
    assert [(c.command, c.payload["institution_id"]) for c in start.then] == [("send", "a-1-welfare-office")]
    assert start.then[0].payload["reason"] == "スクリーニングの結果、福祉事務所へつなぐ"


def test_a_counter_named_in_free_text_starts_nothing() -> None:
    assert list(enrolments_started(STARTS_REFERRAL, _referred({"institution": "近所の相談窓口"}))) == []


def test_a_program_that_shares_data_needs_consent_c1_in_force() -> None:
    without = reach(CaseState.SCREENING)
    assert [u.id for u in start_unmet(without, BY_ID["hello_work"], SW1)] == ["G1"]
    assert start_unmet(without, BY_ID["housing_benefit"], SW1) == []
    applied = reach(CaseState.APPLIED)
    assert sharing_unmet(applied, SW1) == []
    revoked = step(applied, T.REVOKE_CONSENT)
    assert [u.id for u in sharing_unmet(revoked, SW1)] == ["G1"]


def test_a_program_says_which_of_its_commands_pass_data_on() -> None:
    shared = {(p.id, t.trigger.value) for p in BY_ID.values() for t in p.transitions if p.shares_on(t.trigger)}
    assert shared == {("referral", "send"), ("hello_work", "send_request")}


def test_the_tables_say_which_commands_need_the_directory_or_the_persons_history() -> None:
    needs = {("case", t.trigger.value): t.looks_up for t in CASE.transitions if t.looks_up}
    needs |= {(p.id, t.trigger.value): t.looks_up for p in BY_ID.values() for t in p.transitions if t.looks_up}
    assert needs == {
        ("case", "refer_out"): (Lookup.REFERRAL_TARGET,),
        ("referral", "send"): (Lookup.INSTITUTION,),
        ("housing_benefit", "submit_application"): (Lookup.PERSON,),
    }


def test_every_program_a_plan_may_name_has_a_japanese_name_for_the_refusals() -> None:
    """A refusal names a program by PROGRAM_NAMES (G-DECISION-APPLIED): one without a process has its name too."""
    assert {p.value for p in Program} <= set(PROGRAM_NAMES)
    assert all(PROGRAM_NAMES[p.value] != p.value for p in Program)
    assert PROGRAM_NAMES["children_learning"] == "子どもの学習・生活支援事業"
