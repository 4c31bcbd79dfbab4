"""The §4.3 indicators the dashboard lacked (issue 18, item 17; store/kpi_gaps.py) on SQLite and PostgreSQL, each
known by construction: consent coverage (G-1, G-4), 就労準備支援 near its 12 months, overdue 住居確保給付金 job-search
evidence, and the share of つなぎ whose result was confirmed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from statemachines.programs.work_readiness.records import WorkReadinessRules
from store.kpi_gaps import consents_in_force
from tests.store.test_kpis import AS_OF, F, add_task, figures, report, seed_case, seed_enrolment
from tests.store.test_reports import Step, seed

C1 = {"kind": "C1", "signed_on": "2026-02-01", "signed_by_client": True, "policy_version": "v1"}
C2 = {**C1, "kind": "C2"}
APPLY = ("2026-02-01", "apply_for_support", "T5", {"consent_c1": C1})
PLAN_CONSENT = ("2026-02-10", "record_plan_consent", "T12", {"consent_c2": C2})


def revoke(kind: str) -> Step:
    return ("2026-02-20", "revoke_consent", "A2", {"revocation": {"kind": kind, "revoked_on": "2026-02-20"}})


def test_item17_consent_coverage_is_the_share_of_cases_whose_needed_consents_are_in_force(
    sessions: sessionmaker[Session],
) -> None:
    """§4.3 consent coverage: cases after the 利用申込 need C1 in force (G-1); those working on a consented plan need
    C2 too (G-4); a revoked consent is not in force, a new signature restores it."""
    opened: Step = ("2026-01-20", "open_consultation", "T1", {})
    with sessions.begin() as s:
        seed(s, "k1", [opened, APPLY, PLAN_CONSENT], state="SUPPORT_ACTIVE")  # covered
        seed(s, "k2", [opened, APPLY, PLAN_CONSENT, revoke("C2")], state="SUPPORT_ACTIVE")  # C2 revoked
        seed(s, "k3", [opened, APPLY], state="ASSESSMENT")  # covered: C2 not needed yet
        seed(s, "k4", [opened, ("2026-02-01", "apply_for_support", "T5", {})], state="PLAN_DRAFTING")  # none
        seed(s, "k5", [opened], state="INTAKE")  # before the 利用申込: not counted
        again = ("2026-02-25", "sign_consent", "A3", {"consent": C1})
        seed(s, "k6", [opened, APPLY, revoke("C1"), again], state="APPLIED")  # signed again: covered
    found = figures(report(sessions)["consent_coverage"])
    assert found["*"] == F(3, of=5, share=0.6)
    assert found["sw1"] == F(3, of=5, share=0.6)


def test_item17_consents_in_force_follow_signatures_and_revocations() -> None:
    unsigned = {**C1, "signed_by_client": False}
    assert consents_in_force([("apply_for_support", {"consent_c1": C1})]) == {"C1"}
    assert consents_in_force([("apply_for_support", {"consent_c1": unsigned})]) == set()
    revoked = ("revoke_consent", {"revocation": {"kind": "C1", "revoked_on": "2026-02-20"}})
    assert consents_in_force([("apply_for_support", {"consent_c1": C1}), revoked]) == set()
    assert consents_in_force([("record_plan_consent", {"consent_c2": {**C2, "revoked_on": "2026-02-21"}})]) == set()


def test_item17_work_readiness_near_its_12_months_counts_participants_past_the_warning(
    sessions: sessionmaker[Session],
) -> None:
    """§4.3 就労準備 enrolments near 12 months: in the program (IN_PROGRAM) since the warning (10 months, the rule of
    施行規則§5's one year) or longer; a completed enrolment or a younger one is not."""
    assert WorkReadinessRules().warning_after == "P10M"
    with sessions.begin() as s:
        for case_id, started_days, state in (
            ("w1", 320, "IN_PROGRAM"),
            ("w2", 200, "IN_PROGRAM"),
            ("w3", 350, "COMPLETED"),
        ):
            seed_case(s, case_id, [(400, "INTAKE"), (390, "SUPPORT_ACTIVE")], "sw1")
            started = (AS_OF - timedelta(days=started_days)).isoformat()
            moves = [(started_days + 10, "DECIDED"), (started_days, state)]
            seed_enrolment(s, f"{case_id}-wr", case_id, "work_readiness", moves, program_started_at=started)
    found = figures(report(sessions)["work_readiness_near_limit"])
    assert found["*"] == F(1, median_days=320.0, oldest_days=320.0)


def test_item17_overdue_job_search_evidence_counts_open_evidence_tasks(sessions: sessionmaker[Session]) -> None:
    """§4.3 住居確保給付金 recipients with overdue job-seeking evidence: the open 求職活動 evidence tasks."""
    with sessions.begin() as s:
        seed_case(s, "h1", [(100, "INTAKE"), (90, "SUPPORT_ACTIVE")], "sw1")
        add_task(s, "ev1", "h1", "hb_evidence_missing", -20, assignee="sw2")
        add_task(s, "ev2", "h1", "hb_evidence_missing", -50, status="done")
    found = figures(report(sessions)["housing_evidence_overdue"])
    assert found["*"] == F(1, median_days=30.0, oldest_days=30.0)
    assert set(found) == {"*", "sw2"}


def test_item17_the_share_of_referrals_confirmed(sessions: sessionmaker[Session]) -> None:
    """§4.3 share of REFERRED_OUT cases with a confirmed referral: of the consultations ended by a つなぎ in the
    window, those whose referral's result was confirmed (RF6)."""
    with sessions.begin() as s:
        for case_id, days in (("r1", 18), ("r2", 30), ("r3", 200)):
            seed_case(s, case_id, [(days + 2, "INTAKE"), (days + 1, "SCREENING"), (days, "REFERRED_OUT")], "sw1")
        seed_enrolment(s, "rf1", "r1", "referral", [(18, "SENT"), (10, "ACCEPTED"), (5, "OUTCOME_CONFIRMED")])
        seed_enrolment(s, "rf2", "r2", "referral", [(30, "SENT")])
        seed_enrolment(s, "rf3", "r3", "referral", [(200, "SENT"), (190, "ACCEPTED"), (180, "OUTCOME_CONFIRMED")])
    found = figures(report(sessions)["referrals_confirmed"])
    assert found["*"] == F(1, of=2, share=0.5)  # r3 ended before the 90-day window
