"""The §4.3 operational indicators (store/kpis.py) against SQLite and PostgreSQL, each known by construction.

Cases are seeded through the projection (hash-chained events, the case row as the workflow writes it), program
enrolments through theirs, tasks as rows; every age is a whole or half number of days before ``AS_OF``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from statemachines.case.record import STATES, CaseState
from statemachines.kernel.events import GENESIS_HASH, CaseEvent, CaseSnapshotRow, Projection, canonical_event_content
from statemachines.kernel.events import chain_hash as link
from statemachines.programs.tasks import EnrolmentRow, ProgramProjection
from store.kpis import Figure, Indicator, KpiReport, operational_kpis, percentile
from store.models import TaskRecord
from store.programs import ProgramRepository
from store.repository import CaseRepository

AS_OF = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # 2026-03-10 12:00 in Japan
Moves = Sequence[tuple[float, str]]  # (days before AS_OF, the state entered or stayed in), in order


def _event(case_id: str, seq: int, at: datetime, moved: tuple[str | None, str], prev: str, key: str) -> CaseEvent:
    content: dict[str, Any] = {
        "case_id": case_id,
        "seq": seq,
        "at": at,
        "actor_id": "sw1",
        "actor_roles": ["SW"],
        "command": f"cmd{seq}",
        "command_id": f"{key}-{seq}",
        "transition_id": f"T{seq}",
        "from_state": moved[0],
        "to_state": moved[1],
        "payload": {},
    }
    return CaseEvent(**content, prev_hash=prev, hash=link(prev, canonical_event_content(**content)))


def seed_case(session: Session, case_id: str, moves: Moves, assignee: str | None, town: str = "city-a") -> None:
    """The case's events as the workflow projects them; its row ends in the last move's state."""
    repo, prev, state = CaseRepository(session), GENESIS_HASH, None
    opened = entered = AS_OF - timedelta(days=moves[0][0])
    for seq, (days_before, to_state) in enumerate(moves, start=1):
        at = AS_OF - timedelta(days=days_before)
        event = _event(case_id, seq, at, (state, to_state), prev, case_id)
        entered = at if to_state != state else entered
        row = CaseSnapshotRow(
            case_id=case_id,
            municipality=town,
            stage=STATES[CaseState(to_state)].stage.value,
            state=to_state,
            emergency_active=False,
            assignee=assignee,
            opened_at=opened,
            updated_at=at,
            state_entered_at=entered,
            closed_at=None,
            next_due_at=None,
            next_due_kind=None,
            ruleset_id="national-2025-04",
            plan_version=0,
            last_seq=seq,
        )
        repo.apply_projection(Projection(case=row, event=event))
        prev, state = event.hash, to_state


def seed_enrolment(
    session: Session, enrolment_id: str, case_id: str, program: str, moves: Moves, **summary: Any
) -> None:
    """The enrolment's events as its projection records them; the case's municipality, the given summary."""
    repo, prev, state = ProgramRepository(session), GENESIS_HASH, None
    town = CaseRepository(session).get_case(case_id)
    assert town is not None
    for seq, (days_before, to_state) in enumerate(moves, start=1):
        at = AS_OF - timedelta(days=days_before)
        event = _event(case_id, seq, at, (state, to_state), prev, enrolment_id)
        row = EnrolmentRow(
            enrolment_id=enrolment_id,
            case_id=case_id,
            municipality=town.municipality,
            program=program,
            state=to_state,
            started_at=AS_OF - timedelta(days=moves[0][0]),
            updated_at=at,
            last_seq=seq,
            summary=summary,
        )
        repo.apply(ProgramProjection(enrolment=row, event=event))
        prev, state = event.hash, to_state


def add_task(session: Session, task_id: str, case_id: str, kind: str, due_in_days: float, **values: Any) -> None:
    session.add(
        TaskRecord(
            task_id=task_id,
            case_id=case_id,
            kind=kind,
            title_ja=kind,
            title_en=kind,
            role="SW",
            assignee=values.pop("assignee", "sw1"),
            due_at=AS_OF + timedelta(days=due_in_days),
            command="cmd",
            status=values.pop("status", "open"),
            opened_seq=1,
            closed_seq=None,
            opened_at=AS_OF - timedelta(days=30),
            closed_at=None,
        )
    )
    assert not values, values
    session.flush()


PATH_TO_SUPPORT = ("SCREENING", "APPLIED", "ASSESSMENT", "PLAN_DRAFTING", "PLAN_CHECK", "PLAN_CONSENTED")


def _seed_milestones(s: Session) -> None:
    # c1: 5 days to 申込, 20 to プラン同意, 30 to 支援開始; contact lost and back later, and a monitoring contact.
    c1 = [(40, "INTAKE"), *zip((38, 35, 34, 30, 25, 20), PATH_TO_SUPPORT, strict=True)]
    c1 += [(19, "MEETING_PENDING"), (15, "MEETING_REVIEW"), (10, "SUPPORT_ACTIVE")]
    seed_case(s, "c1", [*c1, (8, "CONTACT_LOST"), (6, "SUPPORT_ACTIVE"), (3, "SUPPORT_ACTIVE")], "sw1")
    seed_case(s, "c2", [(20, "INTAKE"), (19, "SCREENING"), (10, "APPLIED")], "sw1")  # 10 days
    # c3: applied and consented before the window; 140 days to 支援開始, inside it.
    c3 = [(200, "INTAKE"), (150, "APPLIED"), (100, "PLAN_CONSENTED"), (70, "DECISION_PENDING"), (60, "SUPPORT_ACTIVE")]
    seed_case(s, "c3", c3, "sw2")
    # c4: reopened (再相談) after its closure; 2 days from the new intake, which a note in INTAKE does not move.
    c4 = [(300, "INTAKE"), (290, "APPLIED"), (250, "CLOSED"), (30, "INTAKE"), (29, "INTAKE"), (28, "APPLIED")]
    seed_case(s, "c4", c4, "sw2")
    seed_case(s, "c5", [(50, "IDENTIFIED"), (45, "INTAKE"), (44, "APPLIED")], None)  # 1 day, from the intake
    seed_case(s, "c6", [(5, "INTAKE"), (-1, "APPLIED")], "sw1")  # applied after AS_OF
    seed_case(s, "b1", [(20, "INTAKE"), (19, "APPLIED")], "sw9", town="city-b")


def _seed_waiting(s: Session) -> None:
    seed_case(s, "m1", [(60, "INTAKE"), (12, "MEETING_PENDING")], "sw1")
    seed_case(s, "m2", [(60, "INTAKE"), (4, "MEETING_REVIEW")], "sw2")
    seed_case(s, "m3", [(60, "INTAKE"), (2, "MEETING_PENDING")], "sw1")
    seed_case(s, "d1", [(60, "INTAKE"), (9.5, "DECISION_PENDING")], "sw2")
    seed_case(s, "l1", [(60, "INTAKE"), (40, "ASSESSMENT"), (31, "CONTACT_LOST")], "sw1")
    seed_case(s, "l2", [(60, "INTAKE"), (1, "CONTACT_LOST")], None)
    seed_case(s, "x1", [(60, "INTAKE"), (5, "CLOSED")], "sw1")
    seed_case(s, "x2", [(60, "INTAKE"), (50, "ENDED_INFO_ONLY")], "sw2")
    seed_case(s, "f1", [(90, "INTAKE"), (40, "CLOSED"), (30, "FOLLOW_UP")], "sw2")
    seed_case(s, "b2", [(60, "INTAKE"), (30, "MEETING_PENDING")], "sw9", town="city-b")


def _seed_tasks(s: Session) -> None:
    for task_id, kind, due, values in (
        ("mon-3", "monitoring_due", -3, {}),
        ("mon-1", "monitoring_due", -1, {}),
        ("mon-now", "monitoring_due", 0, {}),  # due exactly now: not overdue yet
        ("mon-later", "monitoring_due", 1, {}),
        ("mon-done", "monitoring_due", -5, {"status": "done"}),
        ("mon-queue", "monitoring_due", -10, {"assignee": None}),
        ("eval-due", "evaluation_due", -7, {"assignee": "sw2"}),
        ("eval", "evaluate", -2, {"assignee": "sw2"}),
        ("fu-now", "follow_up", 0, {}),  # due by AS_OF
        ("fu-later", "follow_up", 2, {}),
        ("fu-late", "follow_up", -20, {"assignee": "sw2"}),
        ("screen", "screening", -30, {}),
    ):
        add_task(s, task_id, "c1", kind, due, **values)
    add_task(s, "b-mon", "b1", "monitoring_due", -3, assignee="sw9")


def _seed_programs(s: Session) -> None:
    seed_enrolment(s, "r1", "c2", "referral", [(20, "DRAFT"), (10, "SENT"), (2, "SENT")])  # a follow-up since
    seed_enrolment(s, "r2", "m2", "referral", [(30, "DRAFT"), (25, "SENT"), (20, "DECLINED"), (6, "SENT")])
    seed_enrolment(s, "r3", "c1", "referral", [(30, "DRAFT"), (15, "SENT"), (10, "ACCEPTED")])
    seed_enrolment(s, "r-b", "b1", "referral", [(30, "DRAFT"), (15, "SENT")])
    for enrolment_id, case_id, state, months, period_end in (
        ("h1", "c1", "PAYING", 3, "2026-03-20"),  # extension due in 10 days
        ("h2", "c2", "PAYING", 6, "2026-03-24"),  # in 14 days
        ("h3", "m1", "PAYING", 6, "2026-03-31"),  # in 21 days
        ("h4", "m2", "PAYING", 9, "2026-03-20"),  # no extension left: its 9th month
        ("h5", "d1", "PAYING", 9, "2026-04-30"),  # its 8th month
        ("h6", "l1", "EXTENSION_REQUESTED", 3, "2026-03-15"),  # already requested
        ("h8", "c3", "PAYING", 9, "2026-03-31"),  # its 9th month
        ("h9", "c4", "PAYING", 3, "2026-03-09"),  # the deadline has passed
        ("h-b", "b1", "PAYING", 3, "2026-03-20"),
    ):
        moves = [(100, "APPLIED"), (90, "PAYING"), (1, state)]
        seed_enrolment(s, enrolment_id, case_id, "housing_benefit", moves, months_granted=months, period_end=period_end)


@pytest.fixture
def world(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions.begin() as s:
        _seed_milestones(s)
        _seed_waiting(s)
        _seed_tasks(s)
        _seed_programs(s)
    return sessions


def report(sessions: sessionmaker[Session], town: str = "city-a", **options: Any) -> dict[str, Indicator]:
    with sessions() as s:
        found: KpiReport = operational_kpis(s, municipality=town, as_of=options.pop("as_of", AS_OF), **options)
    return {i.id: i for i in found.indicators}


def figures(indicator: Indicator) -> dict[str | None, Figure]:
    """Per assignee, and the total under "*"."""
    by: dict[str | None, Figure] = {
        f.assignee: Figure(**f.model_dump(exclude={"assignee"})) for f in indicator.by_assignee
    }
    return {"*": indicator.total, **by}


def F(count: int, **days: float) -> Figure:
    return Figure(count=count, **days)


def test_open_cases_are_those_not_in_an_ending_state_per_assignee(world: sessionmaker[Session]) -> None:
    # sw1: c1 c2 c6 m1 m3 l1; sw2: c3 c4 m2 d1 f1 (x1 終結 and x2 情報提供のみ are not open); none: c5 l2.
    assert figures(report(world)["open_cases"]) == {"*": F(13), "sw1": F(6), "sw2": F(5), None: F(2)}


def test_days_to_each_milestone_run_from_the_latest_intake_to_its_first_reach_in_the_window(
    world: sessionmaker[Session],
) -> None:
    found = report(world)
    assert figures(found["days_to_applied"]) == {  # 1 (c5), 2 (c4), 5 (c1), 10 (c2)
        "*": F(4, median_days=3.5, p90_days=8.5),
        "sw1": F(2, median_days=7.5, p90_days=9.5),
        "sw2": F(1, median_days=2.0, p90_days=2.0),
        None: F(1, median_days=1.0, p90_days=1.0),
    }
    assert figures(found["days_to_plan_consented"]) == {
        "*": F(1, median_days=20.0, p90_days=20.0),
        "sw1": F(1, median_days=20.0, p90_days=20.0),
    }
    assert figures(found["days_to_support_active"]) == {  # 30 (c1; not again after 連絡不通), 140 (c3)
        "*": F(2, median_days=85.0, p90_days=129.0),
        "sw1": F(1, median_days=30.0, p90_days=30.0),
        "sw2": F(1, median_days=140.0, p90_days=140.0),
    }


def test_the_window_bounds_the_milestones_counted(world: sessionmaker[Session]) -> None:
    found = report(world, window_days=30)
    assert found["days_to_support_active"].total == F(1, median_days=30.0, p90_days=30.0)  # c3's was 60 days ago
    assert found["days_to_applied"].total.count == 2  # c2 and c4; c1 35 and c5 44 days ago are out
    assert "30日間" in found["days_to_applied"].definition_ja


def test_plans_awaiting_the_meeting_or_the_decision_are_aged_from_entering_the_state(
    world: sessionmaker[Session],
) -> None:
    found = report(world)
    assert figures(found["plans_awaiting_meeting"]) == {  # 12 (m1), 4 (m2, 協議中), 2 (m3)
        "*": F(3, median_days=4.0, oldest_days=12.0),
        "sw1": F(2, median_days=7.0, oldest_days=12.0),
        "sw2": F(1, median_days=4.0, oldest_days=4.0),
    }
    assert figures(found["plans_awaiting_decision"]) == {
        "*": F(1, median_days=9.5, oldest_days=9.5),
        "sw2": F(1, median_days=9.5, oldest_days=9.5),
    }


def test_contact_lost_cases_are_counted_and_aged(world: sessionmaker[Session]) -> None:
    assert figures(report(world)["contact_lost"]) == {
        "*": F(2, median_days=16.0, oldest_days=31.0),
        "sw1": F(1, median_days=31.0, oldest_days=31.0),
        None: F(1, median_days=1.0, oldest_days=1.0),
    }


def test_overdue_monitoring_and_evaluations_are_open_tasks_of_their_kinds_past_due(
    world: sessionmaker[Session],
) -> None:
    found = report(world)
    assert figures(found["overdue_monitoring"]) == {  # due now, later, or done: not overdue
        "*": F(3, oldest_days=10.0),
        "sw1": F(2, oldest_days=3.0),
        None: F(1, oldest_days=10.0),
    }
    assert figures(found["overdue_evaluations"]) == {"*": F(2, oldest_days=7.0), "sw2": F(2, oldest_days=7.0)}


def test_follow_ups_due_are_those_due_by_as_of(world: sessionmaker[Session]) -> None:
    assert figures(report(world)["follow_ups_due"]) == {
        "*": F(2, oldest_days=20.0),
        "sw1": F(1, oldest_days=0.0),
        "sw2": F(1, oldest_days=20.0),
    }


def test_referrals_awaiting_an_answer_are_aged_from_their_latest_sending(world: sessionmaker[Session]) -> None:
    # r1: sent 10 days ago, a follow-up since; r2: declined, sent elsewhere 6 days ago; r3 was accepted.
    assert figures(report(world)["referrals_unanswered"]) == {
        "*": F(2, median_days=8.0, oldest_days=10.0),
        "sw1": F(1, median_days=10.0, oldest_days=10.0),
        "sw2": F(1, median_days=6.0, oldest_days=6.0),
    }


def test_housing_benefit_extension_deadlines_within_14_days_and_recipients_in_their_ninth_month(
    world: sessionmaker[Session],
) -> None:
    found = report(world)
    assert figures(found["housing_extension_due"]) == {"*": F(2), "sw1": F(2)}  # h1, h2
    assert figures(found["housing_final_month"]) == {"*": F(2), "sw2": F(2)}  # h4, h8


def test_another_municipality_s_rows_are_its_own(world: sessionmaker[Session]) -> None:
    found = report(world, "city-b")
    counts = {key: indicator.total.count for key, indicator in found.items()}
    assert counts == {
        "open_cases": 2,
        "days_to_applied": 1,
        "days_to_plan_consented": 0,
        "days_to_support_active": 0,
        "plans_awaiting_meeting": 1,
        "plans_awaiting_decision": 0,
        "overdue_monitoring": 1,
        "overdue_evaluations": 0,
        "contact_lost": 0,
        "referrals_unanswered": 1,
        "follow_ups_due": 0,
        "housing_extension_due": 1,
        "housing_final_month": 0,
        "consent_coverage": 0,  # b1 applied without a recorded C1 (tests/store/test_kpi_gaps.py)
        "work_readiness_near_limit": 0,
        "housing_evidence_overdue": 0,
        "referrals_confirmed": 0,
    }
    assert {f.assignee for i in found.values() for f in i.by_assignee} == {"sw9"}


def test_a_municipality_without_cases_gives_zeros_and_no_staff(sessions: sessionmaker[Session]) -> None:
    found = report(sessions, "city-z")
    assert {i.total for i in found.values()} == {Figure(count=0), Figure(count=0, of=0)}  # a share of nothing
    assert [f for i in found.values() for f in i.by_assignee] == []


def test_a_past_as_of_counts_the_events_until_then_and_ages_never_below_zero(world: sessionmaker[Session]) -> None:
    found = report(world, as_of=AS_OF - timedelta(days=11))
    assert found["days_to_applied"].total.count == 3  # c2 applied 10 days before AS_OF: after this as_of
    assert found["days_to_support_active"].total == F(1, median_days=140.0, p90_days=140.0)  # c3 only
    assert found["plans_awaiting_meeting"].total == F(3, median_days=0.0, oldest_days=1.0)  # m2, m3: 0, not below


def test_every_indicator_has_a_japanese_label_and_its_definition(world: sessionmaker[Session]) -> None:
    found = report(world)
    assert len(found) == 17
    measures = ("count", "age", "duration", "share")
    assert all(i.label_ja and i.definition_ja and i.measure in measures for i in found.values())


def test_as_of_must_carry_a_time_zone(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, pytest.raises(ValueError, match="timezone"):
        operational_kpis(s, municipality="city-a", as_of=AS_OF.replace(tzinfo=None))


def test_percentiles_interpolate_like_percentile_cont() -> None:
    assert percentile([1.0, 2.0, 5.0, 10.0], 0.5) == 3.5
    assert percentile([1.0, 2.0, 5.0, 10.0], 0.9) == pytest.approx(8.5)
    assert percentile([7.0], 0.9) == 7.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.5)
