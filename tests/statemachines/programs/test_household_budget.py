"""家計改善支援 (statemachines/programs/household_budget): a plan on the budget sheet with the person's consent, the
support's actions, then the regular checks before closing, and their timer."""

from __future__ import annotations

from datetime import UTC, datetime

from statemachines.kernel.roles import SYSTEM_ACTOR
from statemachines.programs.household_budget.effects import deadlines
from statemachines.programs.household_budget.table import HOUSEHOLD_BUDGET
from statemachines.programs.tasks import program_task_changes
from tests.statemachines.programs.tables import HH


def test_household_budget_plan_needs_the_budget_sheet_and_consent() -> None:
    assessing = HH.step(HH.reach("DECIDED"), "start_assessment")
    assert HH.unmet(assessing, "draft_plan") == {"G-HH1"}
    record = HH.step(assessing, "record_budget")
    assert record.budget is not None
    assert record.budget.debt_count == 3
    planned = HH.step(record, "draft_plan")
    assert HH.unmet(planned, "agree_plan", {"agreed_on": "2026-04-20", "client_agreed": False}) == {"G-HH2"}
    assert HH.unmet(planned, "agree_plan") == set()


def test_household_budget_support_records_actions_then_checks_before_closing() -> None:
    record = HH.reach("IN_SUPPORT")
    assert HH.unmet(record, "start_maintenance") == {"G-HH3"}
    for kind in ("arrears_resolution", "debt_settlement_accompaniment", "loan_arrangement"):
        record = HH.step(record, "record_action", {"action": {"kind": kind, "on": "2026-05-10"}})
    assert [a.kind for a in record.actions] == [
        "arrears_resolution",
        "debt_settlement_accompaniment",
        "loan_arrangement",
    ]
    maintaining = HH.step(record, "start_maintenance")
    assert HH.unmet(maintaining, "close") == {"G-HH4"}
    slipping = HH.step(maintaining, "record_check", {"check": {"checked_on": "2026-05-01", "on_track": False}})
    assert HH.unmet(slipping, "close") == {"G-HH4"}
    steady = HH.step(slipping, "record_check")
    assert HH.unmet(steady, "close") == set()
    again = HH.step(HH.step(steady, "relapse"), "start_maintenance")
    assert HH.unmet(again, "close") == {"G-HH4"}


def test_household_budget_regular_check_timer() -> None:
    record = HH.step(HH.step(HH.reach("IN_SUPPORT"), "record_action"), "start_maintenance")
    due = datetime(2026, 5, 1, 1, tzinfo=UTC)
    assert [(d.kind, d.at, d.trigger) for d in deadlines(record)] == [("maintenance_check", due, "mark_check_due")]
    applied = HOUSEHOLD_BUDGET.apply(record, "mark_check_due", SYSTEM_ACTOR, {}, now=due, command_id="t")
    assert deadlines(applied.record) == []
    _, opened = program_task_changes(HOUSEHOLD_BUDGET, record, applied.record, applied.event, "hhsw1")
    assert [(t.kind, t.role, t.command) for t in opened] == [("hh_check_due", "HHSW", "record_check")]
    checked = HH.step(applied.record, "record_check", now=datetime(2026, 5, 3, tzinfo=UTC))
    assert [d.at for d in deadlines(checked)] == [datetime(2026, 6, 3, tzinfo=UTC)]
    assert deadlines(HH.step(checked, "close")) == []
