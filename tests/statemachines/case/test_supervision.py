"""The 主任相談支援員's commands on a case (statemachines/case/supervision.py and its rows A4, SV1–SV4): who may send
them, their guards, what the record keeps, and who gets which task."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from statemachines.case.engine import CASE
from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.tasks import assignee_for, role_reassignments, task_changes
from statemachines.case.transitions import Trigger
from statemachines.case.view import projection_for
from statemachines.kernel.engine import Applied
from statemachines.kernel.events import TaskSpec
from statemachines.kernel.roles import Actor, Role
from statemachines.policy.sensitivity import special_care_paths
from statemachines.programs.hello_work.table import HELLO_WORK
from statemachines.programs.tasks import program_task_changes
from tests.factories import ADMIN, CSW1, ESW1, MUN1, SW1, SW_CSW, VALID_PAYLOADS, actor
from tests.statemachines.paths import START, reach, step
from tests.statemachines.programs.tables import HW

S = CaseState
T = Trigger
ADVICE = {"advice_text": "家計の状況を本人と確認し、家計改善支援の利用を検討してください"}


def _fire(case: CaseRecord, trigger: Trigger, who: Actor, payload: dict[str, Any] | None = None) -> CaseRecord:
    body = VALID_PAYLOADS[trigger] if payload is None else payload
    at = START + timedelta(hours=case.seq)
    return CASE.apply(case, trigger.value, who, body, now=at, command_id=f"sv-{case.seq + 1}").record


def _changes(
    before: CaseRecord, trigger: Trigger, who: Actor, payload: dict[str, Any] | None = None
) -> tuple[Applied[CaseRecord], list[str], list[TaskSpec]]:
    body = VALID_PAYLOADS[trigger] if payload is None else payload
    applied = CASE.apply(before, trigger.value, who, body, now=START + timedelta(days=1), command_id="x")
    return applied, *task_changes(before, applied.record, applied.event)


# --- who may send them --------------------


@pytest.mark.parametrize("trigger", [T.GIVE_ADVICE, T.FLAG_DIFFICULT_CASE])
@pytest.mark.parametrize("who", [SW1, ESW1, MUN1, ADMIN])
def test_only_a_chief_consultant_gives_advice_or_flags_a_difficult_case(trigger: Trigger, who: Actor) -> None:
    unmet = CASE.check(reach(S.ASSESSMENT), trigger.value, who, VALID_PAYLOADS[trigger])
    assert [u.id for u in unmet] == ["ROLE"]
    assert CASE.check(reach(S.ASSESSMENT), trigger.value, CSW1, VALID_PAYLOADS[trigger]) == []


@pytest.mark.parametrize("who", [SW1, ESW1])
def test_the_employment_supporter_is_set_by_an_assigner(who: Actor) -> None:
    unmet = CASE.check(reach(S.SUPPORT_ACTIVE), "assign_employment_supporter", who, {"employment_supporter": "esw1"})
    assert [u.id for u in unmet] == ["ROLE"]
    assert (
        CASE.check(reach(S.SUPPORT_ACTIVE), "assign_employment_supporter", ADMIN, {"employment_supporter": "esw1"})
        == []
    )


@pytest.mark.parametrize("state", [S.CLOSED, S.INTERRUPTED, S.ENDED_INFO_ONLY, S.REFERRED_OUT])
def test_no_advice_or_flag_on_an_ended_case(state: CaseState) -> None:
    for trigger in (T.GIVE_ADVICE, T.FLAG_DIFFICULT_CASE):
        assert [u.id for u in CASE.check(reach(state), trigger.value, CSW1, VALID_PAYLOADS[trigger])] == ["STATE"]


def test_an_advice_needs_its_text() -> None:
    from statemachines.kernel.outcomes import PayloadInvalid

    with pytest.raises(PayloadInvalid):
        CASE.check(reach(S.ASSESSMENT), "give_advice", CSW1, {"advice_text": ""})


# --- 助言・指導 and its acknowledgement --------------------


def test_an_advice_is_kept_addressed_to_the_assignee_and_its_text_is_special_care() -> None:
    advised = _fire(reach(S.PLAN_DRAFTING), T.GIVE_ADVICE, CSW1, ADVICE)
    (advice,) = advised.advices
    assert (advice.advice_no, advice.addressed_to, advice.given.user_id) == (1, "sw1", "csw1")
    assert advice.acknowledged is None
    assert advised.state is S.PLAN_DRAFTING
    dumped = advised.model_dump(mode="json")
    assert "advices[].text" in special_care_paths(CaseRecord, dumped)


def test_an_advice_opens_a_task_for_the_assignee_that_a_state_move_leaves_open() -> None:
    before = reach(S.PLAN_DRAFTING)
    applied, close, opened = _changes(before, T.GIVE_ADVICE, CSW1, ADVICE)
    assert close == []
    (task,) = opened
    assert (task.kind, task.role, task.assignee, task.command) == ("review_advice", "SW", "sw1", "acknowledge_advice")
    assert task.title_ja == "助言・指導の確認"
    moved, close, _ = _changes(applied.record, T.SUBMIT_PLAN, SW1)
    assert moved.record.state is S.PLAN_CHECK
    assert "review_advice" not in close


def test_only_the_assignee_acknowledges_and_only_an_advice_waiting() -> None:
    advised = _fire(reach(S.SUPPORT_ACTIVE), T.GIVE_ADVICE, CSW1, ADVICE)
    other_sw = actor("sw3", Role.SW)
    assert [u.id for u in CASE.check(advised, "acknowledge_advice", other_sw, {"advice_no": 1})] == [
        "G-ADVICE-ASSIGNEE"
    ]
    assert [u.id for u in CASE.check(advised, "acknowledge_advice", SW1, {"advice_no": 2})] == ["G-ADVICE-PENDING"]
    acknowledged = _fire(advised, T.ACKNOWLEDGE_ADVICE, SW1, {"advice_no": 1, "response": "来週の面談で確認します"})
    (advice,) = acknowledged.advices
    assert advice.acknowledged is not None
    assert advice.acknowledged.user_id == "sw1"
    assert advice.response == "来週の面談で確認します"
    again = CASE.check(acknowledged, "acknowledge_advice", SW1, {"advice_no": 1})
    assert [u.id for u in again] == ["G-ADVICE-PENDING"]


def test_acknowledging_one_advice_keeps_the_task_of_the_other() -> None:
    twice = _fire(_fire(reach(S.SUPPORT_ACTIVE), T.GIVE_ADVICE, CSW1, ADVICE), T.GIVE_ADVICE, CSW1, ADVICE)
    _, close, opened = _changes(twice, T.ACKNOWLEDGE_ADVICE, SW1, {"advice_no": 1})
    assert close == ["review_advice"]
    assert [(t.kind, t.assignee, t.task_id.rsplit(":", 1)[-1]) for t in opened] == [("review_advice", "sw1", "2")]


def test_a_new_assignee_takes_over_the_advices_waiting() -> None:
    advised = _fire(reach(S.SUPPORT_ACTIVE), T.GIVE_ADVICE, CSW1, ADVICE)
    reassigned, close, opened = _changes(advised, T.ASSIGN, CSW1, {"assignee": "sw9"})
    assert "review_advice" in close
    assert {(t.kind, t.assignee) for t in opened} == {("review_advice", "sw9")}
    sw9 = actor("sw9", Role.SW)
    assert CASE.check(reassigned.record, "acknowledge_advice", sw9, {"advice_no": 1}) == []


def test_an_assign_without_advices_waiting_touches_no_advice_task() -> None:
    _, close, _ = _changes(reach(S.SUPPORT_ACTIVE), T.ASSIGN, CSW1, {"assignee": "sw9"})
    assert "review_advice" not in close


def test_an_advice_given_before_the_end_can_still_be_acknowledged_after_it() -> None:
    advised = _fire(reach(S.CLOSURE_REVIEW), T.GIVE_ADVICE, CSW1, ADVICE)
    closed = step(advised, T.CONFIRM_CLOSURE)
    assert closed.state is S.CLOSED
    assert CASE.check(closed, "acknowledge_advice", SW1, {"advice_no": 1}) == []


# --- 支援困難事例 --------------------


def test_a_difficult_case_is_in_the_chief_consultants_queue_until_lifted() -> None:
    before = reach(S.ASSESSMENT)
    flagged, close, opened = _changes(before, T.FLAG_DIFFICULT_CASE, CSW1)
    assert close == []
    (task,) = opened
    assert (task.kind, task.role, task.assignee, task.command) == ("difficult_case", "CSW", None, "lift_difficult_case")
    assert flagged.record.difficult_case is not None
    assert flagged.record.difficult_case.flagged.user_id == "csw1"
    assert "difficult_case.reason" in special_care_paths(CaseRecord, flagged.record.model_dump(mode="json"))
    moved, close, _ = _changes(flagged.record, T.COMPLETE_ASSESSMENT, SW1)
    assert "difficult_case" not in close
    lifted, close, opened = _changes(moved.record, T.LIFT_DIFFICULT_CASE, CSW1)
    assert (close, opened) == (["difficult_case"], [])
    assert lifted.record.difficult_case is None


def test_a_case_is_flagged_once_and_lifted_only_when_flagged() -> None:
    flagged = _fire(reach(S.ASSESSMENT), T.FLAG_DIFFICULT_CASE, CSW1)
    twice = CASE.check(flagged, "flag_difficult_case", CSW1, VALID_PAYLOADS[T.FLAG_DIFFICULT_CASE])
    assert [u.id for u in twice] == ["G-DIFFICULT-NOT-FLAGGED"]
    assert all(u.message_ja and u.basis for u in twice)
    lifted = _fire(flagged, T.LIFT_DIFFICULT_CASE, CSW1)
    assert [u.id for u in CASE.check(lifted, "lift_difficult_case", CSW1, {})] == ["G-DIFFICULT-FLAGGED"]
    assert CASE.check(lifted, "flag_difficult_case", SW_CSW, VALID_PAYLOADS[T.FLAG_DIFFICULT_CASE]) == []


def test_the_flag_reaches_the_cases_row() -> None:
    before = reach(S.ASSESSMENT)
    applied = CASE.apply(
        before, "flag_difficult_case", CSW1, VALID_PAYLOADS[T.FLAG_DIFFICULT_CASE], now=START, command_id="f"
    )
    row = projection_for(before, applied).case
    assert row.difficult_case is True
    assert row.last_contact_at == before.last_contact_at


# --- the case's 就労支援員 --------------------


def test_esw_tasks_go_to_the_cases_employment_supporter_or_to_the_esw_queue() -> None:
    case = reach(S.SUPPORT_ACTIVE)
    assert assignee_for(case, Role.ESW) is None
    assert assignee_for(case, Role.SW) == "sw1"
    with_esw = _fire(case, T.ASSIGN_EMPLOYMENT_SUPPORTER, CSW1, {"employment_supporter": "esw1"})
    assert with_esw.employment_supporter == "esw1"
    assert assignee_for(with_esw, Role.ESW) == "esw1"
    assert assignee_for(with_esw, Role.CSW) is None


def test_a_new_employment_supporter_takes_the_open_esw_tasks() -> None:
    before = reach(S.SUPPORT_ACTIVE)
    applied = CASE.apply(
        before, "assign_employment_supporter", CSW1, {"employment_supporter": "esw1"}, now=START, command_id="e"
    )
    assert role_reassignments(applied.record, applied.event) == {"ESW": "esw1"}
    assert projection_for(before, applied).case.employment_supporter == "esw1"
    cleared = CASE.apply(applied.record, "assign_employment_supporter", CSW1, {}, now=START, command_id="e2")
    assert cleared.record.employment_supporter is None
    assert role_reassignments(cleared.record, cleared.event) == {"ESW": None}


def test_a_programs_esw_task_goes_where_the_route_says() -> None:
    before = HW.reach("CANDIDATE")
    applied = HELLO_WORK.apply(before, "consent", ESW1, HW.payloads["consent"], now=START, command_id="c")
    _, to_sw = program_task_changes(HELLO_WORK, before, applied.record, applied.event, "sw1")
    _, to_esw = program_task_changes(HELLO_WORK, before, applied.record, applied.event, "sw1", {"ESW": "esw1"})
    _, to_queue = program_task_changes(HELLO_WORK, before, applied.record, applied.event, "sw1", {"ESW": None})
    esw = [t for t in to_esw if t.role == "ESW"]
    assert esw, "the consented state opens an ESW task"
    assert {t.assignee for t in to_sw if t.role == "ESW"} == {"sw1"}
    assert {t.assignee for t in esw} == {"esw1"}
    assert {t.assignee for t in to_queue if t.role == "ESW"} == {None}
