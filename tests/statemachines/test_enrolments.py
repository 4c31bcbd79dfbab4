"""What a case transition starts (its table's follow-ons) and the consent C1 a program that shares data needs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from statemachines.case.engine import CASE
from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.records import EnrolmentStatus, Program
from statemachines.case.transitions import STARTS_PLAN_REFERRALS, STARTS_PROGRAMS, STARTS_REFERRAL, Trigger
from statemachines.enrolments import (
    PROGRAM_NAMES,
    TAKEN_WITH_APPLICATION_PATCH,
    decided_enrolment_id,
    enrolments_started,
    sharing_unmet,
    staff_start_fields,
    start_unmet,
)
from statemachines.kernel.roles import SYSTEM_ACTOR
from statemachines.kernel.rules import DEFAULT_RULESET
from statemachines.kernel.table import Lookup
from statemachines.programs.registry import BY_ID, PROGRAMS, program_rule_errors
from tests.factories import SW1, VALID_PAYLOADS, plan
from tests.statemachines.paths import START, decision_pending, meeting_review, reach, step

T = Trigger


def test_the_table_declares_what_a_transition_starts() -> None:
    starting = {t.id: t.follow_ons for t in CASE.transitions if t.follow_ons}
    assert starting == {"T4": (STARTS_REFERRAL,), "T17": (STARTS_PLAN_REFERRALS,), "T18": (STARTS_PROGRAMS,)}


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
    """Referred with C1 signed at screening: a つなぎ passes personal data on (G-REFERRAL-DATA)."""
    c1 = {"kind": "C1", "signed_on": "2026-01-05", "signed_by_client": True, "policy_version": "v3"}
    return step(reach(CaseState.SCREENING), T.REFER_OUT, {"referral": referral, "consent_c1": c1})


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
    assert start_unmet(without, BY_ID["work_readiness"], SW1) == []
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


def test_H0_housing_benefit_is_taken_with_the_application_not_after_the_decision() -> None:
    """process.md §3.1 H0/H1 (S49 [3P]; [BK]): the 住居確保給付金 application is made at the 自立相談支援機関
    together with the 利用申込; its 支給決定 stays the municipality's inside the program. So staff start it once the
    case is APPLIED (no plan, meeting or 支援決定 first), never before the 利用申込, once at a time; the 支援決定 of a
    plan that also names it does not start a second one while it runs (behind a patch), and the application may be
    dated on the day of the 利用申込 (G-H-DATE's earliest day)."""
    housing = BY_ID["housing_benefit"]
    assert [u.id for u in start_unmet(reach(CaseState.SCREENING), housing, SW1)] == ["G-H0"]
    applied = reach(CaseState.APPLIED)
    assert start_unmet(applied, housing, SW1) == []
    assert applied.consent_c1 is not None
    fields = staff_start_fields(applied, housing)
    assert fields == {"application_taken_on": applied.consent_c1.signed_on}
    assert staff_start_fields(applied, BY_ID["hello_work"]) == {}

    taking = step(
        applied,
        T.RECORD_PROGRAM_STATE,
        {"enrolment_id": "hb-1", "program": "housing_benefit", "name_ja": housing.name_ja},
        actor=SYSTEM_ACTOR,
    )
    assert [u.id for u in start_unmet(taking, housing, SW1)] == ["G-H0-ONE"]

    decided = _decided([{"program": "housing_benefit", "approved": True}])
    [fresh] = enrolments_started(STARTS_PROGRAMS, decided)
    assert fresh.skipped_behind is None  # no application taken yet: the 支援決定 starts it as before
    running = decided.model_copy(
        update={"enrolments": {"hb-1": EnrolmentStatus(program="housing_benefit", name_ja="住居確保給付金")}}
    )
    [skipped] = enrolments_started(STARTS_PROGRAMS, running)
    assert skipped.skipped_behind == TAKEN_WITH_APPLICATION_PATCH


def test_S9_program_figures_are_the_municipality_s_rule_set_values() -> None:
    """process.md §0 ("Where a figure is tagged LOCAL, BK or UNVERIFIED, make it tenant configuration with the
    suggested default") and §1.7/§3.4: the shelter's length (3か月 [LOCAL 水戸市 S40]), the obligations of
    住居確保給付金 (S16) and the other program figures are values of the municipality's versioned rule set, with their
    source, like the case's durations; an enrolment takes those of the rule set its case pinned."""
    ruleset = DEFAULT_RULESET.model_copy(
        update={
            "ruleset_id": "city-a-2026",
            "programs": {"housing_support": {"shelter_max": "P2M"}, "work_readiness": {"warning_after": "P9M"}},
            "sources": {**DEFAULT_RULESET.sources, "programs.housing_support.shelter_max": "市要綱 第5条 [LOCAL]"},
        }
    )
    default = _decided([{"program": "housing_support", "approved": True}])
    assert next(enrolments_started(STARTS_PROGRAMS, default)).record(default, START)["rules"]["shelter_max"] == "P3M"
    case = default.model_copy(update={"ruleset": ruleset})  # a case that pinned the municipality's rule set
    [start] = enrolments_started(STARTS_PROGRAMS, case)
    record = start.record(case, START)
    assert record["rules"]["shelter_max"] == "P2M"
    assert record["rules"]["shelter_extended_max"] == "P6M"  # what the rule set leaves keeps the program's default
    assert program_rule_errors(ruleset.programs) == []
    bad = program_rule_errors({"housing_support": {"shelter_max": "3 months"}, "nursery": {}})
    assert [e["loc"] for e in bad] == [["programs", "housing_support", "shelter_max"], ["programs", "nursery"]]


def test_S9_children_learning_support_is_a_referral_the_decision_opens() -> None:
    """process.md §3.6 (S41 [3P]; intake and decision flow [UNVERIFIED]): "Model it as a referral plus registration".
    A 支援決定 approving 子どもの学習・生活支援事業 opens a 関係機関へのつなぎ in its 紹介の準備 state, whose task asks
    the consultant to send it to the provider chosen from the directory; behind its patch, and not one the 終結
    waits for."""
    both = [{"program": "work_readiness", "approved": True}, {"program": "children_learning", "approved": True}]
    case = _decided(both)
    work, referral = enrolments_started(STARTS_PROGRAMS, case)  # in the decision's order
    assert work.program.id == "work_readiness"
    assert (referral.program.id, referral.patch) == ("referral", "start-children-learning-referral")
    assert referral.enrolment_id == f"program-{case.case_id}-referral-children_learning-v{case.plan_version}"
    assert referral.record(case, START)["state"] == "DRAFT"
    assert BY_ID["referral"].state_tasks[BY_ID["referral"].initial].kind == "rf_send"
    refused = _decided([both[0], {"program": "children_learning", "approved": False}])
    assert [s.program.id for s in enrolments_started(STARTS_PROGRAMS, refused)] == ["work_readiness"]


def test_S9_T17_a_plan_approved_without_a_decision_opens_the_children_learning_referral() -> None:
    """process.md §3 table (子どもの学習・生活支援事業: 支援決定 "varies by municipality", so not one of G-7's) and
    §3.6 ("Model it as a referral plus registration"): a plan naming only it needs no 支援決定, so the 支援調整会議's
    approval (T17) opens the same 関係機関へのつなぎ the 支援決定 (T18) opens for it, in its 紹介の準備 state, behind
    its own patch; a plan without it opens nothing."""
    review = meeting_review(plan(programs=("children_learning", "hello_work")))
    applied = CASE.apply(
        review, T.APPROVE_PLAN.value, SW1, {}, now=START + timedelta(minutes=review.seq), command_id="t17"
    )
    case = applied.record
    assert (applied.transition_id, case.state) == ("T17", CaseState.SUPPORT_ACTIVE)
    [referral] = enrolments_started(STARTS_PLAN_REFERRALS, case)
    assert (referral.program.id, referral.patch) == ("referral", "start-children-learning-referral")
    assert STARTS_PLAN_REFERRALS.patch == "plan-approval-starts-referrals"
    assert referral.enrolment_id == f"program-{case.case_id}-referral-children_learning-v{case.plan_version}"
    assert referral.record(case, START)["state"] == "DRAFT"
    assert referral.program.started_by_staff  # not one the 終結 waits for, as on the T18 path
    alone = step(meeting_review(plan(programs=("hello_work",))), T.APPROVE_PLAN)
    assert alone.state is CaseState.SUPPORT_ACTIVE
    assert list(enrolments_started(STARTS_PLAN_REFERRALS, alone)) == []


def test_every_program_a_plan_may_name_has_a_japanese_name_for_the_refusals() -> None:
    """A refusal names a program by PROGRAM_NAMES (G-DECISION-APPLIED): one without a process has its name too."""
    assert {p.value for p in Program} <= set(PROGRAM_NAMES)
    assert all(PROGRAM_NAMES[p.value] != p.value for p in Program)
    assert PROGRAM_NAMES["children_learning"] == "子どもの学習・生活支援事業"
