"""What a transition writes into the case record beyond the state itself (process.md §1.4, §2).

Each trigger's effect is typed by the payload it receives (``@effect``); what every move does whatever its trigger
(support started, contact lost or regained, contact with 本人) is ``settle``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel

from statemachines.case import payloads as c
from statemachines.case.corrections import corrected
from statemachines.case.record import CaseRecord, CaseState, ClosureReport
from statemachines.case.records import Correction, EnrolmentStatus, IntakeRecord, MeetingResult, Stamp
from statemachines.case.supervision import Advice, DifficultCaseFlag
from statemachines.case.transitions import CONTACT, Trigger
from statemachines.kernel.roles import Actor
from statemachines.kernel.table import AnyEffect, Effect, Transition, effect

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
    """The payload's fields named like the record's (a payload's field names are the record's field names)."""
    for name in _SIMPLE_FIELDS:
        value = getattr(payload, name, None)
        if value is not None:
            setattr(case, name, value)


@effect(c.Payload)
def copy_fields(case: CaseRecord, payload: c.Payload, actor: Actor, now: datetime) -> None:
    _copy_fields(case, payload)


@effect(c.SubmitPlan)
def submit_plan(case: CaseRecord, payload: c.SubmitPlan, actor: Actor, now: datetime) -> None:
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


@effect(c.NoteOnly)
def check_plan(case: CaseRecord, payload: c.NoteOnly, actor: Actor, now: datetime) -> None:
    case.plan_checked = Stamp(user_id=actor.user_id, at=now)


@effect(c.MeetingPayload)
def record_meeting(case: CaseRecord, payload: c.MeetingPayload, actor: Actor, now: datetime) -> None:
    if payload.meeting is not None:
        case.meetings.append(payload.meeting)


def _meeting_result(result: MeetingResult) -> Effect[CaseRecord, c.NoteOnly]:
    """The 支援調整会議's outcome, written on the meeting the item was opened with."""

    @effect(c.NoteOnly)
    def settle_meeting(case: CaseRecord, payload: c.NoteOnly, actor: Actor, now: datetime) -> None:
        if case.meetings:
            case.meetings[-1] = case.meetings[-1].model_copy(update={"result": result})

    return settle_meeting


@effect(c.RecordContact)
def record_contact(case: CaseRecord, payload: c.RecordContact, actor: Actor, now: datetime) -> None:
    case.monitoring.append(payload.monitoring_note)


@effect(c.Replan)
def replan(case: CaseRecord, payload: c.Replan, actor: Actor, now: datetime) -> None:
    if payload.evaluation is not None:
        case.evaluations.append(payload.evaluation)
    _copy_fields(case, payload)


@effect(c.ProposeClosure)
def propose_closure(case: CaseRecord, payload: c.ProposeClosure, actor: Actor, now: datetime) -> None:
    if payload.evaluation is not None:
        case.evaluations.append(payload.evaluation)
    _copy_fields(case, payload)


@effect(c.ConfirmClosure)
def confirm_closure(case: CaseRecord, payload: c.ConfirmClosure, actor: Actor, now: datetime) -> None:
    case.closure = payload.closure
    if isinstance(payload.closure, ClosureReport) and payload.closure.meeting is not None:
        case.meetings.append(payload.closure.meeting)
    case.closed_at = now
    case.follow_ups_started = 0


@effect(c.CompleteFollowUp)
def complete_follow_up(case: CaseRecord, payload: c.CompleteFollowUp, actor: Actor, now: datetime) -> None:
    case.follow_ups.append(payload.follow_up)


@effect(c.NoteOnly)
def start_follow_up(case: CaseRecord, payload: c.NoteOnly, actor: Actor, now: datetime) -> None:
    case.follow_ups_started += 1


@effect(c.RecordEffort)
def record_effort(case: CaseRecord, payload: c.RecordEffort, actor: Actor, now: datetime) -> None:
    case.contact_efforts.append(payload.contact_effort)


@effect(c.StartEmergency)
def start_emergency(case: CaseRecord, payload: c.StartEmergency, actor: Actor, now: datetime) -> None:
    case.emergency.append(payload.emergency_support)
    case.emergency_active = True


@effect(c.NoteOnly)
def end_emergency(case: CaseRecord, payload: c.NoteOnly, actor: Actor, now: datetime) -> None:
    case.emergency_active = False


@effect(c.RevokeConsent)
def revoke_consent(case: CaseRecord, payload: c.RevokeConsent, actor: Actor, now: datetime) -> None:
    r = payload.revocation
    current = case.consent_of(r.kind)
    assert current is not None
    case.replace_consent(current.model_copy(update={"revoked_on": r.revoked_on, "revocation_note": r.note}))


@effect(c.SignConsent)
def sign_consent(case: CaseRecord, payload: c.SignConsent, actor: Actor, now: datetime) -> None:
    case.replace_consent(payload.consent)


@effect(c.Assign)
def assign(case: CaseRecord, payload: c.Assign, actor: Actor, now: datetime) -> None:
    case.assignee = payload.assignee


_EPISODE_FIELDS = (
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
)


@effect(c.IntakePayload)
def reopen(case: CaseRecord, payload: c.IntakePayload, actor: Actor, now: datetime) -> None:
    """再相談: a new episode needs its own 申込票, consent and assessment; the old plan stays in the history."""
    if case.plan is not None:
        case.plan_history.append(case.plan)
    for name in _EPISODE_FIELDS:
        setattr(case, name, None)
    case.intake = IntakeRecord()
    case.follow_ups_started = 0
    case.evaluation_due_marked = False
    _copy_fields(case, payload)


@effect(c.ProgramMonitoring)
def program_monitoring(case: CaseRecord, payload: c.ProgramMonitoring, actor: Actor, now: datetime) -> None:
    if payload.interval is None:
        case.program_monitoring.pop(payload.enrolment_id, None)
    else:
        case.program_monitoring[payload.enrolment_id] = payload.interval


@effect(c.ProgramState)
def program_state(case: CaseRecord, payload: c.ProgramState, actor: Actor, now: datetime) -> None:
    """An enrolment of the case (the 支援決定's, or a 住居確保給付金 staff started with the 利用申込), or its
    end; an end once recorded stays (a late start changes nothing)."""
    known = case.enrolments.get(payload.enrolment_id)
    ended = payload.ended or (known is not None and known.ended)
    case.enrolments[payload.enrolment_id] = EnrolmentStatus(
        program=payload.program, name_ja=payload.name_ja, ended=ended
    )


@effect(c.NoteOnly)
def mark_monitoring_due(case: CaseRecord, payload: c.NoteOnly, actor: Actor, now: datetime) -> None:
    case.monitoring_due_marked_at = now


@effect(c.NoteOnly)
def mark_evaluation_due(case: CaseRecord, payload: c.NoteOnly, actor: Actor, now: datetime) -> None:
    case.evaluation_due_marked = True


# -- supervision (主任相談支援員, statemachines.case.supervision) ----------------------------------------------------


@effect(c.AssignEmploymentSupporter)
def assign_employment_supporter(
    case: CaseRecord, payload: c.AssignEmploymentSupporter, actor: Actor, now: datetime
) -> None:
    case.employment_supporter = payload.employment_supporter


@effect(c.GiveAdvice)
def give_advice(case: CaseRecord, payload: c.GiveAdvice, actor: Actor, now: datetime) -> None:
    given = Stamp(user_id=actor.user_id, at=now)
    number = len(case.advices) + 1
    case.advices.append(Advice(advice_no=number, text=payload.advice_text, given=given, addressed_to=case.assignee))


@effect(c.AcknowledgeAdvice)
def acknowledge_advice(case: CaseRecord, payload: c.AcknowledgeAdvice, actor: Actor, now: datetime) -> None:
    stamp = Stamp(user_id=actor.user_id, at=now)
    case.advices = [
        a.model_copy(update={"acknowledged": stamp, "response": payload.response})
        if a.advice_no == payload.advice_no
        else a
        for a in case.advices
    ]


@effect(c.FlagDifficultCase)
def flag_difficult_case(case: CaseRecord, payload: c.FlagDifficultCase, actor: Actor, now: datetime) -> None:
    case.difficult_case = DifficultCaseFlag(reason=payload.reason, flagged=Stamp(user_id=actor.user_id, at=now))


@effect(c.NoteOnly)
def lift_difficult_case(case: CaseRecord, payload: c.NoteOnly, actor: Actor, now: datetime) -> None:
    case.difficult_case = None


@effect(c.CorrectRecord)
def correct_record(case: CaseRecord, payload: c.CorrectRecord, actor: Actor, now: datetime) -> None:
    """訂正: the corrected sheets replace the recorded ones, and the record notes which fields were corrected."""
    parts = corrected(case, payload)
    assert parts is not None  # G-CORRECTION-TARGET
    for name, value in parts.items():
        setattr(case, name, value)
    stamp = Stamp(user_id=actor.user_id, at=now)
    paths = [c.path for c in payload.corrections]
    number = len(case.corrections) + 1
    case.corrections.append(Correction(correction_no=number, paths=paths, reason=payload.reason, corrected=stamp))


_SUPERVISION_EFFECTS: dict[Trigger, AnyEffect] = {
    Trigger.ASSIGN_EMPLOYMENT_SUPPORTER: assign_employment_supporter,
    Trigger.GIVE_ADVICE: give_advice,
    Trigger.ACKNOWLEDGE_ADVICE: acknowledge_advice,
    Trigger.FLAG_DIFFICULT_CASE: flag_difficult_case,
    Trigger.LIFT_DIFFICULT_CASE: lift_difficult_case,
}


_BY_TRIGGER: dict[Trigger, AnyEffect] = {
    Trigger.SUBMIT_PLAN: submit_plan,
    Trigger.CHECK_PLAN: check_plan,
    Trigger.OPEN_MEETING_ITEM: record_meeting,
    Trigger.REQUEST_PLAN_REVISION: _meeting_result(MeetingResult.REVISE),
    Trigger.APPROVE_PLAN: _meeting_result(MeetingResult.APPROVED),
    Trigger.CONFIRM_INTERRUPTION: record_meeting,
    Trigger.RECORD_CONTACT: record_contact,
    Trigger.RESTORE_CONTACT: record_contact,
    Trigger.REPLAN: replan,
    Trigger.PROPOSE_CLOSURE: propose_closure,
    Trigger.CONFIRM_CLOSURE: confirm_closure,
    Trigger.START_FOLLOW_UP: start_follow_up,
    Trigger.COMPLETE_FOLLOW_UP: complete_follow_up,
    Trigger.RECORD_CONTACT_EFFORT: record_effort,
    Trigger.START_EMERGENCY_SUPPORT: start_emergency,
    Trigger.END_EMERGENCY_SUPPORT: end_emergency,
    Trigger.ASSIGN: assign,
    Trigger.REVOKE_CONSENT: revoke_consent,
    Trigger.SIGN_CONSENT: sign_consent,
    Trigger.REOPEN: reopen,
    Trigger.MARK_MONITORING_DUE: mark_monitoring_due,
    Trigger.MARK_EVALUATION_DUE: mark_evaluation_due,
    Trigger.SET_MONITORING_INTERVAL: program_monitoring,
    Trigger.RECORD_PROGRAM_STATE: program_state,
    Trigger.CORRECT_RECORD: correct_record,
    **_SUPERVISION_EFFECTS,
}
EFFECTS: Mapping[Trigger, AnyEffect] = {t: _BY_TRIGGER.get(t, copy_fields) for t in Trigger}
"""Every trigger's effect; the others copy the fields their payload brings (the intake, a consent, ...)."""

SUPPORT_STARTS_FROM = (CaseState.MEETING_REVIEW, CaseState.DECISION_PENDING)


def settle(
    case: CaseRecord,
    t: Transition[CaseState, Trigger],
    payload: BaseModel,
    actor: Actor,
    now: datetime,
    source: CaseState,
    dest: CaseState,
) -> None:
    """What every move does whatever its trigger: support starts (T17, T18), contact is lost (T26) or regained
    (T27), and a contact with 本人 resets the no-contact clock."""
    if dest is CaseState.SUPPORT_ACTIVE and source in SUPPORT_STARTS_FROM:
        _copy_fields(case, payload)
        case.support_started_at = now
        case.evaluation_due_marked = False
        case.monitoring_due_marked_at = None
    if dest is CaseState.CONTACT_LOST and source is not CaseState.CONTACT_LOST:
        case.state_before_contact_lost = source
        case.contact_efforts = []
    if source is CaseState.CONTACT_LOST and dest is not CaseState.CONTACT_LOST:
        case.state_before_contact_lost = None
    if t.id in CONTACT:  # a contact with 本人 (T20, not T20b's with an agency): both clocks start again
        case.last_contact_at = now
        case.monitoring_due_marked_at = None
