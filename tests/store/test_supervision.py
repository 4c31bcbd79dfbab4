"""The caseload views (store/supervision.py) against SQLite and PostgreSQL: each consultant's open cases by stage and
what needs a look, by display name, only of the municipalities the caller serves; and one consultant's cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from statemachines.case.record import CaseState, Stage
from store import supervision
from store.models import OrganisationRecord, UserRecord
from tests.store.case_rows import DAY, NOW, VISIBLE, add_case, add_task


def _people(session: Session) -> None:
    for org_id, kind, serves in (
        ("city-a", "municipality", ["city-a"]),
        ("city-b", "municipality", ["city-b"]),
        ("contractor-a", "contractor", ["city-a"]),
    ):
        session.add(OrganisationRecord(org_id=org_id, kind=kind, name_ja=f"{org_id}の名前", serves=serves))
    session.flush()
    for user_id, name, roles, org, active in (
        ("sw1", "寄添 一郎", ["SW"], "contractor-a", True),
        ("csw1", "主任 花子", ["CSW"], "contractor-a", True),
        ("sw-idle", "相談 次郎", ["SW"], "contractor-a", True),  # no case: still listed, with zeros
        ("sw-gone", "退職 三郎", ["SW"], "contractor-a", False),
        ("esw1", "就労 四郎", ["ESW"], "contractor-a", True),
        ("sw-b", "B町 五郎", ["SW"], "city-b", True),
    ):
        session.add(
            UserRecord(
                user_id=user_id,
                display_name=name,
                password_hash="x",
                roles=roles,
                org_id=org,
                active=active,
                created_at=NOW,
                password_changed_at=NOW,
            )
        )
    session.flush()


@pytest.fixture
def loads(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions.begin() as s:
        _people(s)
        add_case(s, "a1", assignee="sw1", state=CaseState.ASSESSMENT, last_contact_at=NOW - 40 * DAY)
        add_case(s, "a2", assignee="sw1", state=CaseState.SUPPORT_ACTIVE, difficult_case=True)
        add_case(s, "a3", assignee="sw1", state=CaseState.CONTACT_LOST, last_contact_at=NOW - 31 * DAY)
        add_case(s, "a4", assignee="sw1", state=CaseState.CLOSED, difficult_case=True)  # ended: not counted
        add_case(s, "a5", assignee="csw1", state=CaseState.PLAN_DRAFTING)
        add_case(s, "a6", state=CaseState.INTAKE)  # no one carries it
        add_case(s, "b1", assignee="sw1", municipality="city-b", state=CaseState.ASSESSMENT, difficult_case=True)
        add_task(s, "t-eval", "a2", kind="evaluation_due", assignee="sw1", due_at=NOW - DAY)
        add_task(s, "t-due", "a1", kind="assessment", assignee="sw1", due_at=NOW + DAY)
        add_task(s, "t-done", "a1", kind="screening", assignee="sw1", due_at=NOW - DAY, status="done")
        add_task(s, "t-b", "b1", kind="assessment", assignee="sw1", due_at=NOW - DAY)
    return sessions


def test_each_consultant_s_caseload_by_display_name(loads: sessionmaker[Session]) -> None:
    with loads() as s:
        rows = supervision.caseloads(s, visible=VISIBLE, now=NOW)
    by_id = {row.user_id: row for row in rows}
    assert [row.display_name for row in rows] == ["主任 花子", "寄添 一郎", "相談 次郎", None]  # by name; nobody last
    sw1 = by_id["sw1"]
    assert sw1.open_cases == 3
    assert sw1.by_stage[Stage.ASSESSMENT.value] == 1
    assert sw1.by_stage[Stage.MONITORING.value] == 2  # 支援提供 and 連絡不通
    assert (sw1.overdue_tasks, sw1.no_contact, sw1.plans_past_period, sw1.contact_lost, sw1.difficult) == (
        1,
        2,
        1,
        1,
        1,
    )
    assert by_id["sw-idle"].open_cases == 0
    assert by_id[None].open_cases == 1
    assert "sw-gone" not in by_id
    assert "esw1" not in by_id


def test_the_days_without_contact_are_the_caller_s(loads: sessionmaker[Session]) -> None:
    with loads() as s:
        by_days = {
            days: {
                r.user_id: r.no_contact
                for r in supervision.caseloads(s, visible=VISIBLE, now=NOW, no_contact_days=days)
            }
            for days in (30, 35, 60)
        }
    assert [by_days[d]["sw1"] for d in (30, 35, 60)] == [2, 1, 0]


def test_another_municipality_is_never_counted(loads: sessionmaker[Session]) -> None:
    with loads() as s:
        only_b = supervision.caseloads(s, visible={"city-b"}, now=NOW)
        only_a = supervision.caseloads(s, visible=VISIBLE, now=NOW, municipality="city-a")
    assert [(r.user_id, r.open_cases, r.difficult) for r in only_b] == [("sw-b", 0, 0), ("sw1", 1, 1)]
    assert supervision.totals(only_a).open_cases == 5
    assert supervision.totals(only_a).difficult == 1


def test_a_consultant_s_cases_difficult_first_then_longest_without_contact(loads: sessionmaker[Session]) -> None:
    with loads() as s:
        cases = supervision.caseload_cases(s, assignee="sw1", visible=VISIBLE, now=NOW)
    assert [c.case_id for c in cases] == ["a2", "a1", "a3"]
    a2, a1, a3 = cases
    assert (a2.difficult, a2.plan_past_period, a2.overdue_tasks) == (True, True, 1)
    assert (a1.no_contact, a1.overdue_tasks) == (True, 0)
    assert (a3.contact_lost, a3.no_contact) == (True, True)


def test_one_consultant_s_caseload_or_none_for_who_is_no_one_s_to_see(loads: sessionmaker[Session]) -> None:
    with loads.begin() as s:
        add_case(s, "g1", assignee="sw-gone", state=CaseState.ASSESSMENT)  # a former consultant's case
    with loads() as s:
        sw1 = supervision.consultant_caseload(s, user_id="sw1", visible=VISIBLE, now=NOW)
        idle = supervision.consultant_caseload(s, user_id="sw-idle", visible=VISIBLE, now=NOW)
        gone = supervision.consultant_caseload(s, user_id="sw-gone", visible=VISIBLE, now=NOW)
        other_town = supervision.consultant_caseload(s, user_id="sw-b", visible=VISIBLE, now=NOW)
        esw = supervision.consultant_caseload(s, user_id="esw1", visible=VISIBLE, now=NOW)
    assert sw1 is not None
    assert (sw1.display_name, [c.case_id for c in sw1.cases]) == ("寄添 一郎", ["a2", "a1", "a3"])
    assert set(sw1.consultants) == {"sw1", "csw1", "sw-idle"}
    assert idle is not None
    assert (idle.display_name, idle.cases) == ("相談 次郎", [])
    assert gone is not None
    assert (gone.display_name, [c.case_id for c in gone.cases]) == ("退職 三郎", ["g1"])
    assert other_town is None
    assert esw is None


def test_names_of_users_and_municipalities(loads: sessionmaker[Session]) -> None:
    with loads() as s:
        assert supervision.display_names(s, ["sw1", "nobody"]) == {"sw1": "寄添 一郎", "nobody": "nobody"}
        assert supervision.municipality_names(s, {"city-a", "city-x"}) == {"city-a": "city-aの名前", "city-x": "city-x"}
        assert supervision.consultants(s, {"city-b"}) == {"sw-b": "B町 五郎"}


def test_an_open_case_past_its_no_contact_days_counts_once_the_day_passes(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        _people(s)
        add_case(s, "edge", assignee="sw1", state=CaseState.SUPPORT_ACTIVE, last_contact_at=NOW - timedelta(days=30))
    with sessions() as s:
        assert supervision.caseloads(s, visible=VISIBLE, now=NOW)[1].no_contact == 0  # exactly 30 days: not yet
        later = NOW + timedelta(minutes=1)
        assert supervision.caseloads(s, visible=VISIBLE, now=later)[1].no_contact == 1
