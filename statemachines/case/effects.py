"""What a transition writes into the case record (beyond the state itself)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel

from statemachines.case import payloads as c
from statemachines.case.record import CaseRecord, CaseState, ClosureReport
from statemachines.case.records import IntakeRecord, MeetingRecord, MeetingResult, Stamp
from statemachines.case.transitions import TransitionDef, Trigger
from statemachines.kernel.roles import Actor

Effect = Callable[[CaseRecord, BaseModel, Actor, datetime], None]

_SIMPLE_FIELDS = (
    "intake",
    "consent_c1",
    "consent_c2",
    "eligibility",
    "referral",
    "assessment",
    "closure_proposal",
    "decision",
)


def _copy_fields(case: CaseRecord, payload: BaseModel) -> None:
    for name in _SIMPLE_FIELDS:
        value = getattr(payload, name, None)
        if value is not None:
            setattr(case, name, value)


def _submit_plan(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    assert isinstance(payload, c.SubmitPlan)
    plan = payload.plan or case.plan  # a returned draft may go back unchanged
    assert plan is not None
    if case.plan is None or case.consent_c2 is not None:  # a consented plan is immutable: new version
        if case.plan is not None:
            case.plan_history.append(case.plan)
        case.plan_version += 1
        case.decision = None  # a new plan needs its own 支援決定
    case.plan = plan
    case.plan_drafted = Stamp(user_id=actor.user_id, at=now)
    case.plan_checked = None
    case.consent_c2 = None


def _check_plan(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    case.plan_checked = Stamp(user_id=actor.user_id, at=now)


def _record_meeting(result: MeetingResult | None) -> Effect:
    def effect(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
        meeting = getattr(payload, "meeting", None)
        if isinstance(meeting, MeetingRecord):
            case.meetings.append(meeting)
        elif result is not None and case.meetings:
            case.meetings[-1] = case.meetings[-1].model_copy(update={"result": result})

    return effect


def _start_support(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    if isinstance(payload, c.DecisionPayload):
        _copy_fields(case, payload)
    case.support_started_at = now
    case.evaluation_due_marked = False
    case.monitoring_due_marked_at = None


def _record_contact(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    assert isinstance(payload, c.RecordContact)
    case.monitoring.append(payload.monitoring_note)
    case.monitoring_due_marked_at = None


def _evaluation(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    evaluation = getattr(payload, "evaluation", None)
    if evaluation is not None:
        case.evaluations.append(evaluation)
    _copy_fields(case, payload)


def _confirm_closure(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    assert isinstance(payload, c.ConfirmClosure)
    case.closure = payload.closure
    if isinstance(payload.closure, ClosureReport) and payload.closure.meeting is not None:
        case.meetings.append(payload.closure.meeting)
    case.closed_at = now
    case.follow_ups_started = 0


def _complete_follow_up(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    assert isinstance(payload, c.CompleteFollowUp)
    case.follow_ups.append(payload.follow_up)


def _start_follow_up(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    case.follow_ups_started += 1


def _record_effort(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    assert isinstance(payload, c.RecordEffort)
    case.contact_efforts.append(payload.contact_effort)


def _emergency_start(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    assert isinstance(payload, c.StartEmergency)
    case.emergency.append(payload.emergency_support)
    case.emergency_active = True


def _emergency_end(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    case.emergency_active = False


def _revoke_consent(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    assert isinstance(payload, c.RevokeConsent)
    r = payload.revocation
    current = case.consent_of(r.kind)
    assert current is not None
    case.replace_consent(current.model_copy(update={"revoked_on": r.revoked_on, "revocation_note": r.note}))


def _sign_consent(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    assert isinstance(payload, c.SignConsent)
    case.replace_consent(payload.consent)


def _assign(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    assert isinstance(payload, c.Assign)
    case.assignee = payload.assignee


def _reopen(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    """再相談: a new episode needs its own 申込票, consent and assessment; the old plan stays in the history."""
    if case.plan is not None:
        case.plan_history.append(case.plan)
    for name in (
        "consent_c1",
        "consent_c2",
        "eligibility",
        "referral",
        "assessment",
        "plan",
        "plan_drafted",
        "plan_checked",
        "decision",
        "closure",
        "closure_proposal",
        "closed_at",
        "support_started_at",
    ):
        setattr(case, name, None)
    case.intake = IntakeRecord()
    case.follow_ups_started = 0
    case.evaluation_due_marked = False
    _copy_fields(case, payload)


def _program_monitoring(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    assert isinstance(payload, c.ProgramMonitoring)
    if payload.interval is None:
        case.program_monitoring.pop(payload.enrolment_id, None)
    else:
        case.program_monitoring[payload.enrolment_id] = payload.interval


def _mark_monitoring_due(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    case.monitoring_due_marked_at = now


def _mark_evaluation_due(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    case.evaluation_due_marked = True


def _copy_only(case: CaseRecord, payload: BaseModel, actor: Actor, now: datetime) -> None:
    _copy_fields(case, payload)


EFFECTS: dict[Trigger, Effect] = {
    Trigger.SUBMIT_PLAN: _submit_plan,
    Trigger.CHECK_PLAN: _check_plan,
    Trigger.OPEN_MEETING_ITEM: _record_meeting(None),
    Trigger.REQUEST_PLAN_REVISION: _record_meeting(MeetingResult.REVISE),
    Trigger.APPROVE_PLAN: _record_meeting(MeetingResult.APPROVED),
    Trigger.CONFIRM_INTERRUPTION: _record_meeting(None),
    Trigger.RECORD_CONTACT: _record_contact,
    Trigger.RESTORE_CONTACT: _record_contact,
    Trigger.REPLAN: _evaluation,
    Trigger.PROPOSE_CLOSURE: _evaluation,
    Trigger.CONFIRM_CLOSURE: _confirm_closure,
    Trigger.START_FOLLOW_UP: _start_follow_up,
    Trigger.COMPLETE_FOLLOW_UP: _complete_follow_up,
    Trigger.RECORD_CONTACT_EFFORT: _record_effort,
    Trigger.START_EMERGENCY_SUPPORT: _emergency_start,
    Trigger.END_EMERGENCY_SUPPORT: _emergency_end,
    Trigger.ASSIGN: _assign,
    Trigger.REVOKE_CONSENT: _revoke_consent,
    Trigger.SIGN_CONSENT: _sign_consent,
    Trigger.REOPEN: _reopen,
    Trigger.MARK_MONITORING_DUE: _mark_monitoring_due,
    Trigger.MARK_EVALUATION_DUE: _mark_evaluation_due,
    Trigger.SET_MONITORING_INTERVAL: _program_monitoring,
}


def apply_effects(
    case: CaseRecord,
    t: TransitionDef,
    payload: BaseModel,
    actor: Actor,
    *,
    now: datetime,
    source: CaseState,
    dest: CaseState,
) -> CaseRecord:
    """A new record: the old one is never mutated, so a rejected or failed command leaves no trace."""
    updated = case.model_copy(deep=True)
    EFFECTS.get(t.trigger, _copy_only)(updated, payload, actor, now)
    if dest is CaseState.SUPPORT_ACTIVE and source in (CaseState.MEETING_REVIEW, CaseState.DECISION_PENDING):
        _start_support(updated, payload, actor, now)
    if dest is CaseState.CONTACT_LOST and source is not CaseState.CONTACT_LOST:
        updated.state_before_contact_lost = source
        updated.contact_efforts = []
    if source is CaseState.CONTACT_LOST and dest is not CaseState.CONTACT_LOST:
        updated.state_before_contact_lost = None
    if t.contact:
        updated.last_contact_at = now
    if dest is not source:
        updated.state = dest
        updated.state_entered_at = now
    return updated
