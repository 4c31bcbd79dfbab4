"""The tasks each event of a case opens and closes (statemachines/case/tasks.py), and whom they go to."""

from __future__ import annotations

from datetime import timedelta

from statemachines.case.engine import CASE, open_case
from statemachines.case.record import CaseState
from statemachines.case.tasks import ALL_KINDS, task_changes
from statemachines.case.transitions import Trigger
from statemachines.kernel.roles import Role
from statemachines.kernel.rules import DEFAULT_RULESET, add_duration
from tests.factories import CITY, ESW1, SW1, VALID_PAYLOADS
from tests.statemachines.case.timed import fire, kinds
from tests.statemachines.paths import START, reach

S = CaseState
T = Trigger


def test_opening_a_case_gives_the_intake_task_to_the_opener() -> None:
    opened = open_case(
        case_id="c-task", municipality=CITY, ruleset=DEFAULT_RULESET, actor=SW1, payload={}, now=START, command_id="o"
    )
    close, opened_tasks = task_changes(None, opened.record, opened.event)
    (task,) = opened_tasks
    assert (task.kind, task.role, task.assignee, task.command) == ("intake", "SW", "sw1", "complete_intake")
    assert task.due_at == add_duration(START, "P3D")
    assert task.task_id == "c-task:1:intake"
    assert close == sorted(ALL_KINDS)


def test_check_plan_swaps_the_check_task_for_the_consent_task() -> None:
    before = reach(S.PLAN_CHECK)
    applied = fire(before, T.CHECK_PLAN, START + timedelta(days=1))
    close, opened = task_changes(before, applied.record, applied.event)
    assert "check_plan" in close
    assert "obtain_plan_consent" not in close
    (task,) = opened
    assert (task.kind, task.role, task.assignee) == ("obtain_plan_consent", "SW", "sw1")


def test_the_check_task_goes_to_the_chief_consultants_not_to_the_assignee() -> None:
    before = reach(S.PLAN_DRAFTING)
    applied = fire(before, T.SUBMIT_PLAN, START + timedelta(days=1))
    _, opened = task_changes(before, applied.record, applied.event)
    (task,) = opened
    assert (task.kind, task.role, task.assignee) == ("check_plan", Role.CSW.value, None)


def test_assign_reopens_the_state_task_with_the_new_assignee() -> None:
    before = reach(S.ASSESSMENT)
    applied = fire(before, T.ASSIGN, START + timedelta(days=1), {"assignee": "sw9"})
    close, opened = task_changes(before, applied.record, applied.event)
    assert close == ["assessment"]
    (task,) = opened
    assert (task.kind, task.assignee) == ("assessment", "sw9")


def test_the_decision_task_is_for_the_municipality_and_has_no_assignee() -> None:
    before = reach(S.MEETING_REVIEW)
    applied = fire(before, T.APPROVE_PLAN, START + timedelta(days=1))
    assert applied.record.state is S.DECISION_PENDING
    _, opened = task_changes(before, applied.record, applied.event)
    (task,) = opened
    assert (task.kind, task.role, task.assignee, task.command) == ("decide_support", "MUN", None, "decide_support")
    assert task.due_at == add_duration(applied.event.at, "P14D")


def test_moving_to_another_state_closes_every_open_task_kind() -> None:
    before = reach(S.INTAKE)
    applied = fire(before, T.COMPLETE_INTAKE, START + timedelta(days=1))
    close, opened = task_changes(before, applied.record, applied.event)
    assert close == sorted(ALL_KINDS)
    assert [t.kind for t in opened] == ["screening"]


def test_the_monitoring_timer_opens_a_monitoring_task_and_a_contact_closes_it() -> None:
    case = reach(S.SUPPORT_ACTIVE)
    due = kinds(case)["monitoring"]
    marked = fire(case, T.MARK_MONITORING_DUE, due)
    close, opened = task_changes(case, marked.record, marked.event)
    assert [(t.kind, t.assignee) for t in opened] == [("monitoring_due", "sw1")]
    contacted = CASE.apply(
        marked.record,
        T.RECORD_CONTACT.value,
        ESW1,
        VALID_PAYLOADS[T.RECORD_CONTACT],
        now=due + timedelta(days=1),
        command_id="contact",
    )
    close, opened = task_changes(marked.record, contacted.record, contacted.event)
    assert close == ["monitoring_due"]
    assert opened == []
