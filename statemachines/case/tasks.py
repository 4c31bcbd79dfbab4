"""Human tasks: which task each state (or timer) puts in whose queue, and which command completes it."""

from __future__ import annotations

from datetime import datetime

from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.supervision import pending_advices
from statemachines.case.transitions import Trigger
from statemachines.kernel.events import CaseEvent, TaskSpec
from statemachines.kernel.events import TaskKind as KernelTaskKind
from statemachines.kernel.roles import ASSIGNEES_OWN, Role

S = CaseState
TaskKind = KernelTaskKind[Trigger]


def _k(kind: str, role: Role, command: Trigger, ja: str, en: str) -> TaskKind:
    return TaskKind(kind=kind, role=role, command=command, title_ja=ja, title_en=en)


STATE_TASKS: dict[CaseState, TaskKind] = {
    S.IDENTIFIED: _k("first_contact", Role.SW, Trigger.OPEN_CONSULTATION, "初回相談の実施", "Make first contact"),
    S.INTAKE: _k("intake", Role.SW, Trigger.COMPLETE_INTAKE, "相談受付・申込票の記入", "Complete the intake"),
    S.SCREENING: _k(
        "screening",
        Role.SW,
        Trigger.APPLY_FOR_SUPPORT,
        "スクリーニング（申込・つなぎ・情報提供の判断）",
        "Screen: apply, refer or inform",
    ),
    S.APPLIED: _k("start_assessment", Role.SW, Trigger.START_ASSESSMENT, "アセスメントの開始", "Start the assessment"),
    S.ASSESSMENT: _k(
        "assessment",
        Role.SW,
        Trigger.COMPLETE_ASSESSMENT,
        "インテーク・アセスメントシートの作成",
        "Complete the assessment",
    ),
    S.PLAN_DRAFTING: _k(
        "draft_plan",
        Role.SW,
        Trigger.SUBMIT_PLAN,
        "プラン（案）の作成（本人と共同）",
        "Draft the plan with the client",
    ),
    S.PLAN_CONSENTED: _k(
        "schedule_meeting",
        Role.SW,
        Trigger.PUT_ON_AGENDA,
        "支援調整会議への付議",
        "Put the plan on the meeting agenda",
    ),
    S.MEETING_PENDING: _k(
        "present_at_meeting",
        Role.SW,
        Trigger.OPEN_MEETING_ITEM,
        "支援調整会議での協議",
        "Present the plan at the meeting",
    ),
    S.MEETING_REVIEW: _k(
        "record_meeting_outcome",
        Role.SW,
        Trigger.APPROVE_PLAN,
        "支援調整会議の結果の記録",
        "Record the meeting's outcome",
    ),
    S.DECISION_PENDING: _k("decide_support", Role.MUN, Trigger.DECIDE_SUPPORT, "支援決定", "Decide on support"),
    S.EVALUATION: _k(
        "evaluate",
        Role.SW,
        Trigger.PROPOSE_CLOSURE,
        "評価（再プランまたは終結の提案）",
        "Evaluate: re-plan or propose closure",
    ),
    S.CLOSURE_REVIEW: _k(
        "closure_review",
        Role.SW,
        Trigger.CONFIRM_CLOSURE,
        "終結評価の支援調整会議への報告",
        "Report the closure to the meeting",
    ),
    S.CONTACT_LOST: _k(
        "contact_efforts",
        Role.SW,
        Trigger.RESTORE_CONTACT,
        "連絡再開の努力（訪問・連絡票・知人への連絡）",
        "Try to re-establish contact",
    ),
    S.FOLLOW_UP: _k(
        "follow_up", Role.SW, Trigger.COMPLETE_FOLLOW_UP, "終結後のフォローアップ", "Follow up after closure"
    ),
}
CHECK_PLAN = _k("check_plan", Role.CSW, Trigger.CHECK_PLAN, "プラン（案）の確認", "Check the draft plan")
OBTAIN_CONSENT = _k(
    "obtain_plan_consent",
    Role.SW,
    Trigger.RECORD_PLAN_CONSENT,
    "本人同意・プラン兼事業等利用申込書の受領",
    "Obtain the client's consent to the plan",
)
MONITORING_DUE = _k(
    "monitoring_due",
    Role.SW,
    Trigger.RECORD_CONTACT,
    "モニタリング（本人との連絡）",
    "Monitoring contact is due",
)
EVALUATION_DUE = _k(
    "evaluation_due",
    Role.SW,
    Trigger.START_EVALUATION,
    "プラン期間満了：評価の開始",
    "Plan period ended: start the evaluation",
)

ALL_KINDS: tuple[str, ...] = tuple(
    k.kind for k in [*STATE_TASKS.values(), CHECK_PLAN, OBTAIN_CONSENT, MONITORING_DUE, EVALUATION_DUE]
)
TIMER_TASKS: dict[Trigger, TaskKind] = {
    Trigger.MARK_MONITORING_DUE: MONITORING_DUE,
    Trigger.MARK_EVALUATION_DUE: EVALUATION_DUE,
}


def state_task(case: CaseRecord) -> TaskKind | None:
    if case.state is S.PLAN_CHECK:
        checked = case.plan_checked is not None or not case.ruleset.plan_check_required
        return OBTAIN_CONSENT if checked else CHECK_PLAN
    return STATE_TASKS.get(case.state)


def assignee_for(case: CaseRecord, role: Role) -> str | None:
    """Who a case task for ``role`` goes to: the ESW's to the case's 就労支援員, the other supporters' to the case's
    assignee; None puts it in the role's queue."""
    if role is Role.ESW:
        return case.employment_supporter
    return case.assignee if role in ASSIGNEES_OWN else None


def _spec(case: CaseRecord, kind: TaskKind, event: CaseEvent, start: datetime, suffix: str = "") -> TaskSpec:
    task_id = f"{case.case_id}:{event.seq}:{kind.kind}{suffix}"
    return kind.spec(task_id, event, assignee_for(case, kind.role), case.ruleset.due(kind.kind, start))


def task_changes(before: CaseRecord | None, after: CaseRecord, event: CaseEvent) -> tuple[list[str], list[TaskSpec]]:
    """The task kinds this event closes and the tasks it opens."""
    trigger = Trigger(event.command)
    new_state_task = state_task(after)
    old_state_task = state_task(before) if before is not None else None
    moved = before is None or before.state is not after.state
    changed = moved or old_state_task != new_state_task or trigger is Trigger.ASSIGN
    close: list[str] = list(ALL_KINDS) if moved else []
    if changed and old_state_task is not None:
        close.append(old_state_task.kind)
    opened: list[TaskSpec] = []
    if changed and new_state_task is not None:
        opened.append(_spec(after, new_state_task, event, event.at))
    if trigger is Trigger.RECORD_CONTACT:
        close.append(MONITORING_DUE.kind)
    timer_task = TIMER_TASKS.get(trigger)
    if timer_task is not None:
        close.append(timer_task.kind)
        opened.append(_spec(after, timer_task, event, event.at))
    supervision_close, supervision_opened = supervision_task_changes(before, after, event)
    return sorted(set(close) | set(supervision_close)), opened + supervision_opened


# -- supervision (主任相談支援員, statemachines.case.supervision) ----------------------------------------------------
# Not state tasks: a state move leaves them open. An advice waits for its addressee's acknowledgement; a 支援困難事例
# stays in the CSW queue until a CSW lifts the flag.

REVIEW_ADVICE = _k(
    "review_advice",
    Role.SW,
    Trigger.ACKNOWLEDGE_ADVICE,
    "助言・指導の確認",
    "Read and act on the chief consultant's advice",
)
DIFFICULT_CASE = _k(
    "difficult_case",
    Role.CSW,
    Trigger.LIFT_DIFFICULT_CASE,
    "支援困難事例への対応（スーパービジョン）",
    "Supervise the difficult case",
)
SUPERVISION_KINDS: tuple[str, ...] = (REVIEW_ADVICE.kind, DIFFICULT_CASE.kind)


def _advice_tasks(case: CaseRecord, event: CaseEvent) -> list[TaskSpec]:
    """One task per advice not yet acknowledged, for the case's assignee (due as the rule set says, from when it was
    given)."""
    return [
        _spec(case, REVIEW_ADVICE, event, advice.given.at, suffix=f":{advice.advice_no}")
        for advice in pending_advices(case.advices)
    ]


def supervision_task_changes(
    before: CaseRecord | None, after: CaseRecord, event: CaseEvent
) -> tuple[list[str], list[TaskSpec]]:
    """An advice opens its task; its acknowledgement, or a new assignee, closes the advice tasks and opens those
    still waiting (for the assignee now); the 支援困難事例 flag opens the CSW's task, lifting it closes it."""
    trigger = Trigger(event.command)
    reassigned = trigger is Trigger.ASSIGN and before is not None and bool(pending_advices(before.advices))
    if trigger is Trigger.GIVE_ADVICE:
        return [], [_spec(after, REVIEW_ADVICE, event, event.at, suffix=f":{after.advices[-1].advice_no}")]
    if trigger is Trigger.ACKNOWLEDGE_ADVICE or reassigned:
        return [REVIEW_ADVICE.kind], _advice_tasks(after, event)
    if trigger is Trigger.FLAG_DIFFICULT_CASE:
        return [], [_spec(after, DIFFICULT_CASE, event, event.at)]
    if trigger is Trigger.LIFT_DIFFICULT_CASE:
        return [DIFFICULT_CASE.kind], []
    return [], []


def role_reassignments(after: CaseRecord, event: CaseEvent) -> dict[str, str | None]:
    """The open tasks of the case a command hands to someone else, by role: a new 就労支援員 takes the ESW tasks
    already open (a program's included); none gives them back to the ESW queue."""
    if Trigger(event.command) is Trigger.ASSIGN_EMPLOYMENT_SUPPORTER:
        return {Role.ESW.value: after.employment_supporter}
    return {}
