"""The monthly report from the store (store/reports.py) on SQLite and PostgreSQL: the issue 18 definitions read from
the projected events (transitions, facts, the case's person, the program's 就職の報告), and a month submitted under
the older definitions kept as it was, its difference shown by the regeneration command's service."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.reports import regenerate
from statemachines.kernel.events import GENESIS_HASH, CaseEvent, CaseSnapshotRow, Projection, canonical_event_content
from statemachines.kernel.events import chain_hash as link
from statemachines.policy.scheduling import JST
from statemachines.policy.statistics import DEFINITIONS
from statemachines.programs.tasks import EnrolmentRow, ProgramProjection
from store.programs import ProgramRepository
from store.reports import ReportRepository, SubmittedReportRecord, report_hash
from store.repository import CaseRepository

Step = tuple[str, str, str, dict[str, Any]]  # (YYYY-MM-DD, command, transition, payload)
TARGET = {"assessment": {"employment_support_target": True}}
EMPLOYED = {"evaluation": {"employed": True, "improvements": {"health": True}}}


def at(day: str) -> datetime:
    """10:00 in Japan, in UTC (the event log's time)."""
    return datetime.combine(datetime.fromisoformat(day).date(), time(10), tzinfo=JST).astimezone(UTC)


def seed(session: Session, case_id: str, steps: list[Step], person: str | None = None, state: str = "INTAKE") -> None:
    """The case's events as the workflow projects them (hash-chained; facts from the payload); its row in ``state``."""
    repo, prev = CaseRepository(session), GENESIS_HASH
    for seq, (day, command, transition, payload) in enumerate(steps, start=1):
        content: dict[str, Any] = {
            "case_id": case_id,
            "seq": seq,
            "at": at(day),
            "actor_id": "sw1",
            "actor_roles": ["SW"],
            "command": command,
            "command_id": f"{case_id}-{seq}",
            "transition_id": transition,
            "from_state": None,
            "to_state": state,
            "payload": payload,
        }
        event = CaseEvent(**content, prev_hash=prev, hash=link(prev, canonical_event_content(**content)))
        row = CaseSnapshotRow(
            case_id=case_id,
            municipality="city-a",
            stage="intake",
            state=state,
            emergency_active=False,
            assignee="sw1",
            opened_at=at(steps[0][0]),
            updated_at=at(day),
            closed_at=None,
            next_due_at=None,
            next_due_kind=None,
            ruleset_id="national-2025-04",
            plan_version=0,
            last_seq=seq,
            person_id=person,
        )
        repo.apply_projection(Projection(case=row, event=event))
        prev = event.hash


def seed_employment_report(session: Session, case_id: str, day: str) -> None:
    """ハローワーク 就職の報告 (HW8) as the program's projection records it."""
    content: dict[str, Any] = {
        "case_id": case_id,
        "seq": 1,
        "at": at(day),
        "actor_id": "esw1",
        "actor_roles": ["ESW"],
        "command": "hello_work.report_employment",
        "command_id": f"{case_id}-hw-1",
        "transition_id": "HW8",
        "from_state": "IN_SUPPORT",
        "to_state": "EMPLOYED",
        "payload": {},
    }
    event = CaseEvent(**content, prev_hash=GENESIS_HASH, hash=link(GENESIS_HASH, canonical_event_content(**content)))
    row = EnrolmentRow(
        enrolment_id=f"{case_id}-hw",
        case_id=case_id,
        municipality="city-a",
        program="hello_work",
        state="EMPLOYED",
        started_at=at(day),
        updated_at=at(day),
        last_seq=1,
        summary={},
    )
    ProgramRepository(session).apply(ProgramProjection(enrolment=row, event=event))


def _world(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        seed(s, "o", [("2026-05-01", "open_consultation", "T0", {}), ("2026-05-02", "open_consultation", "T1", {})])
        plan = [("2026-05-03", "complete_assessment", "T8", TARGET), ("2026-05-10", "approve_plan", "T17", {})]
        evaluated = ("2026-06-10", "replan", "T22", EMPLOYED)
        seed(s, "p1", [("2026-05-01", "open_consultation", "T1", {}), *plan, evaluated], person="P")
        closing = ("2026-06-12", "propose_closure", "T23", EMPLOYED)
        seed(s, "p2", [("2026-05-02", "open_consultation", "T1", {}), *plan, closing], person="P")
        seed_employment_report(s, "p1", "2026-06-03")  # P is employed in June, then evaluated at both cases
        seed(
            s,
            "r",
            [
                ("2026-04-01", "open_consultation", "T1", {}),
                ("2026-04-02", "end_with_information", "T3", {}),
                ("2026-05-20", "reopen", "T29", {}),  # 再相談: a new consultation
            ],
        )


def test_item12_to_14_read_from_the_store_per_episode_and_per_person(sessions: sessionmaker[Session]) -> None:
    _world(sessions)
    with sessions.begin() as s:
        may = ReportRepository(s).monthly("city-a", "2026-05")
        june = ReportRepository(s).monthly("city-a", "2026-06")
    assert may.definitions == DEFINITIONS
    # o: T0 + T1 is one; p1, p2: one each; r's 再相談 is one
    assert may.counts.new_consultations == 4
    assert (may.counts.plans_created, may.counts.employment_support_targets) == (2, 2)
    assert (june.counts.employed, june.counts.income_increased) == (1, 0)  # P, once, at the 就職の報告
    assert (june.counts.evaluated_plan_holders, june.counts.improved) == (1, 1)  # P, once
    assert june.year_to_date is not None
    assert june.year_to_date.new_consultations == 5  # r's first episode in April too
    rate = {f.key: f for f in june.figures}["employment_income_rate"]
    assert rate.value == 0.5  # (②+③)/① = 1 person / 2 plans of the year


def test_a_month_submitted_under_older_definitions_stays_frozen_and_its_difference_is_shown(
    sessions: sessionmaker[Session],
) -> None:
    """Submitted months stay frozen: the month counted under the older definitions (T0 + T1 = 2) is kept as
    submitted; the regeneration command's service names the definitions and the figures that changed and exits 1;
    only a 修正報告 (a new version, with its reason) would supersede it."""
    _world(sessions)
    with sessions.begin() as s:
        now = ReportRepository(s).monthly("city-a", "2026-05")
        old: dict[str, Any] = now.model_dump(mode="json", exclude={"hash", "definitions", "year_to_date"})
        old["counts"]["new_consultations"] = 5  # the older definitions counted o's 把握 and its 相談受付 apart
        for f in old["figures"]:
            if f["key"] == "new_consultations":
                f["value"] = 5.0
        old["figures"] = [f for f in old["figures"] if f["key"] != "plan_rate"]  # no such figure then
        s.add(
            SubmittedReportRecord(
                municipality="city-a",
                month="2026-05",
                version=1,
                body={**old, "hash": report_hash(old)},
                hash=report_hash(old),
                submitted_at=at("2026-06-05"),
                submitted_by="mun1",
                note=None,
            )
        )
    said: list[str] = []
    code = regenerate(sessions, "city-a", ["2026-05"], verify_submitted=True, say=said.append)

    assert code == 1
    assert f"集計定義 v1→{DEFINITIONS}" in said[0]
    assert "新規相談受付件数 5→4" in said[0]
    assert said[-1] == "提出済みの報告と異なる月: 2026-05"
    with sessions.begin() as s:
        kept = s.scalars(select(SubmittedReportRecord)).one()
        versions = ReportRepository(s).submitted("city-a", "2026-05")
    assert kept.hash == report_hash(old)  # never rewritten
    assert kept.body["counts"]["new_consultations"] == 5
    assert [v.report.definitions for v in versions] == ["v1"]
