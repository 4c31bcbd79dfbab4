"""The 自立相談支援 case process (process.md §1.4): transitions T1–T29 as data, run by the kernel's engine.

What follows a transition is a column of the table too: the 支援決定 (T18) starts the decided programs, a plan
approved without one (T17) the referral of each program it names that runs elsewhere, a つなぎ to an institution of
the directory (T4) its referral (``FollowOn``; ``statemachines.enrolments`` resolves them).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from statemachines.case import payloads as c
from statemachines.case.record import NO_CONTACT_STATES, PRE_PLAN_STATES, STATES, CaseState
from statemachines.kernel.roles import ANY_STAFF, ASSIGNERS, CHIEF, CONSULTANTS, MEETING, MUNICIPAL, SUPPORTERS, SYSTEM
from statemachines.kernel.table import MAIN_REGION, FollowOn, Lookup, Transition
from statemachines.kernel.timers import Timer

S = CaseState


class Trigger(StrEnum):
    OPEN_CONSULTATION = "open_consultation"
    COMPLETE_INTAKE = "complete_intake"
    END_WITH_INFORMATION = "end_with_information"
    REFER_OUT = "refer_out"
    APPLY_FOR_SUPPORT = "apply_for_support"
    START_EMERGENCY_SUPPORT = "start_emergency_support"
    END_EMERGENCY_SUPPORT = "end_emergency_support"
    START_ASSESSMENT = "start_assessment"
    COMPLETE_ASSESSMENT = "complete_assessment"
    PROPOSE_CLOSURE = "propose_closure"
    SUBMIT_PLAN = "submit_plan"
    RETURN_PLAN = "return_plan"
    CHECK_PLAN = "check_plan"
    RECORD_PLAN_CONSENT = "record_plan_consent"
    PUT_ON_AGENDA = "put_on_agenda"
    OPEN_MEETING_ITEM = "open_meeting_item"
    REQUEST_PLAN_REVISION = "request_plan_revision"
    APPROVE_PLAN = "approve_plan"
    DECIDE_SUPPORT = "decide_support"
    RECORD_CONTACT = "record_contact"
    START_EVALUATION = "start_evaluation"
    REPLAN = "replan"
    CONFIRM_CLOSURE = "confirm_closure"
    START_FOLLOW_UP = "start_follow_up"
    COMPLETE_FOLLOW_UP = "complete_follow_up"
    LOSE_CONTACT = "lose_contact"
    RECORD_CONTACT_EFFORT = "record_contact_effort"
    RESTORE_CONTACT = "restore_contact"
    CONFIRM_INTERRUPTION = "confirm_interruption"
    REOPEN = "reopen"
    ASSIGN = "assign"
    REVOKE_CONSENT = "revoke_consent"
    SIGN_CONSENT = "sign_consent"
    MARK_MONITORING_DUE = "mark_monitoring_due"
    MARK_EVALUATION_DUE = "mark_evaluation_due"
    SET_MONITORING_INTERVAL = "set_monitoring_interval"
    RECORD_PROGRAM_STATE = "record_program_state"
    # supervision (主任相談支援員): the rows of SUPERVISION below
    ASSIGN_EMPLOYMENT_SUPPORTER = "assign_employment_supporter"
    GIVE_ADVICE = "give_advice"
    ACKNOWLEDGE_ADVICE = "acknowledge_advice"
    FLAG_DIFFICULT_CASE = "flag_difficult_case"
    LIFT_DIFFICULT_CASE = "lift_difficult_case"
    CORRECT_RECORD = "correct_record"  # 訂正 (statemachines.case.corrections)


class Region(StrEnum):
    MAIN = MAIN_REGION
    EMERGENCY = "emergency"  # the parallel 緊急支援 region (T6)


class Starts(StrEnum):
    """The follow-ons of the case table (``statemachines.enrolments`` knows what each starts)."""

    DECIDED_PROGRAMS = "decided_programs"  # every approved program that has a process, as a child workflow
    REFERRAL = "referral"  # the つなぎ to an institution of the directory, followed up as a program
    PLAN_REFERRALS = "plan_referrals"  # the plan's programs that run elsewhere (子どもの学習・生活支援), as referrals


STARTS_PROGRAMS = FollowOn(Starts.DECIDED_PROGRAMS, patch="start-program-workflows")  # after the v2 histories
STARTS_REFERRAL = FollowOn(Starts.REFERRAL, patch="refer-out-starts-referral")  # after the v5 histories
STARTS_PLAN_REFERRALS = FollowOn(Starts.PLAN_REFERRALS, patch="plan-approval-starts-referrals")  # T17, issue 18 #9


@dataclass(frozen=True)
class TransitionDef(Transition[CaseState, "Trigger"]):
    """A row of the case table: a kernel row in one of the case's regions that may count as contact with 本人 (it
    resets the no-contact clock)."""

    region: str = Region.MAIN
    contact: bool = False


ALL_STATES = tuple(CaseState)
REOPENABLE = (S.CLOSED, S.INTERRUPTED, S.ENDED_INFO_ONLY, S.REFERRED_OUT)
T = Trigger

Row = TransitionDef
# fmt: off
TRANSITIONS: tuple[TransitionDef, ...] = (
    Row("T1", T.OPEN_CONSULTATION, (S.IDENTIFIED,), S.INTAKE, ANY_STAFF, c.IntakePayload, "相談受付（初回相談の記録）",
        guards=("G-DATES",), contact=True),
    Row("T2", T.COMPLETE_INTAKE, (S.INTAKE,), S.SCREENING, CONSULTANTS, c.IntakePayload, "初回聞き取り完了",
        guards=("G-INTAKE", "G-DATES"), contact=True),
    Row("T3", T.END_WITH_INFORMATION, (S.SCREENING,), S.ENDED_INFO_ONLY, CONSULTANTS, c.NoteOnly, "情報提供のみで終了"),
    Row("T4", T.REFER_OUT, (S.SCREENING,), S.REFERRED_OUT, CONSULTANTS, c.ReferOut, "他制度・他機関へのつなぎ",
        guards=("G-REFERRAL", "G-REFERRAL-DATA", "G-REFERRAL-ACCEPTS", "G-DATES"), follow_ons=(STARTS_REFERRAL,),
        looks_up=(Lookup.REFERRAL_TARGET,)),
    Row("T5", T.APPLY_FOR_SUPPORT, (S.SCREENING,), S.APPLIED, CONSULTANTS, c.ApplyForSupport,
        "利用申込（継続支援ケース）", guards=("G1", "G2", "G-DATES"), contact=True),
    Row("T6", T.START_EMERGENCY_SUPPORT, tuple(sorted(PRE_PLAN_STATES)), None, MEETING, c.StartEmergency,
        "緊急支援の開始", guards=("G-DATES",), region=Region.EMERGENCY),
    Row("T6b", T.END_EMERGENCY_SUPPORT, ALL_STATES, None, MEETING, c.NoteOnly, "緊急支援の終了",
        region=Region.EMERGENCY),
    Row("T7", T.START_ASSESSMENT, (S.APPLIED,), S.ASSESSMENT, CONSULTANTS, c.NoteOnly, "アセスメント開始",
        guards=("G1",), contact=True),
    Row("T8", T.COMPLETE_ASSESSMENT, (S.ASSESSMENT,), S.PLAN_DRAFTING, CONSULTANTS, c.CompleteAssessment,
        "アセスメント完了（継続支援が必要）", guards=("G-ASSESSMENT",), contact=True),
    Row("T9", T.PROPOSE_CLOSURE, (S.ASSESSMENT,), S.CLOSURE_REVIEW, CONSULTANTS, c.ProposeClosure,
        "終結の提案（継続支援不要・辞退）", guards=("G-WISH", "G-DATES")),
    Row("T10", T.SUBMIT_PLAN, (S.PLAN_DRAFTING,), S.PLAN_CHECK, CONSULTANTS, c.SubmitPlan, "プラン（案）提出",
        guards=("G3", "G-PLAN-DATES", "G-PLAN-PERIOD"), contact=True),
    Row("T11", T.RETURN_PLAN, (S.PLAN_CHECK,), S.PLAN_DRAFTING, CHIEF, c.NoteOnly, "プラン差し戻し"),
    Row("T12a", T.CHECK_PLAN, (S.PLAN_CHECK,), None, CHIEF, c.NoteOnly, "主任相談支援員によるプラン確認",
        guards=("G6",)),
    Row("T12", T.RECORD_PLAN_CONSENT, (S.PLAN_CHECK,), S.PLAN_CONSENTED, CONSULTANTS, c.RecordPlanConsent,
        "本人同意・プラン兼事業等利用申込書", guards=("G6", "G4", "G-PLAN-DATES", "G-DATES"), contact=True),
    Row("T13", T.PUT_ON_AGENDA, (S.PLAN_CONSENTED,), S.MEETING_PENDING, CONSULTANTS, c.PutOnAgenda,
        "支援調整会議へ付議", guards=("G-DATES",)),
    Row("T14", T.OPEN_MEETING_ITEM, (S.MEETING_PENDING,), S.MEETING_REVIEW, MEETING, c.MeetingPayload,
        "支援調整会議で協議", guards=("G5", "G5-MEMBERS", "G-DATES")),
    Row("T15", T.REQUEST_PLAN_REVISION, (S.MEETING_REVIEW,), S.PLAN_DRAFTING, MEETING, c.NoteOnly,
        "プラン修正（会議）"),
    Row("T16", T.APPROVE_PLAN, (S.MEETING_REVIEW,), S.DECISION_PENDING, MEETING, c.NoteOnly,
        "プラン承認（支援決定が必要）", guards=("G-DECISION-NEEDED",)),
    Row("T17", T.APPROVE_PLAN, (S.MEETING_REVIEW,), S.SUPPORT_ACTIVE, MEETING, c.NoteOnly, "プラン承認（支援開始）",
        guards=("G-NO-DECISION",), follow_ons=(STARTS_PLAN_REFERRALS,)),
    Row("T18", T.DECIDE_SUPPORT, (S.DECISION_PENDING,), S.SUPPORT_ACTIVE, MUNICIPAL, c.DecisionPayload, "支援決定",
        guards=("G7", "G-DECISION-ALL", "G-DECISION-APPLIED", "G-DATES"), follow_ons=(STARTS_PROGRAMS,)),
    Row("T19", T.DECIDE_SUPPORT, (S.DECISION_PENDING,), S.PLAN_DRAFTING, MUNICIPAL, c.DecisionPayload,
        "支援決定（不承認・一部不承認）",
        guards=("G7", "G-DECISION-REFUSED", "G-DECISION-APPLIED", "G-DATES")),
    Row("T20", T.RECORD_CONTACT, (S.SUPPORT_ACTIVE,), None, SUPPORTERS, c.RecordContact, "支援経過記録（モニタリング）",
        guards=("G-CONTACT-CLIENT", "G-DATES"), contact=True),
    Row("T20b", T.RECORD_CONTACT, (S.SUPPORT_ACTIVE,), None, SUPPORTERS, c.RecordContact,
        "支援経過記録（関係機関との連絡）", guards=("G-CONTACT-AGENCY", "G-DATES")),
    Row("T21", T.START_EVALUATION, (S.SUPPORT_ACTIVE,), S.EVALUATION, CONSULTANTS, c.NoteOnly, "評価の開始"),
    Row("T22", T.REPLAN, (S.EVALUATION,), S.PLAN_DRAFTING, CONSULTANTS, c.Replan, "再プラン",
        guards=("G-EVALUATION", "G-DATES")),
    Row("T23", T.PROPOSE_CLOSURE, (S.EVALUATION,), S.CLOSURE_REVIEW, CONSULTANTS, c.ProposeClosure, "終結の提案",
        guards=("G-EVALUATION", "G-WISH", "G-DATES")),
    Row("T24", T.CONFIRM_CLOSURE, (S.CLOSURE_REVIEW,), S.CLOSED, MEETING, c.ConfirmClosure,
        "終結（支援調整会議で確認）", guards=("G8", "G-MEETING-HELD", "G-PROGRAMS-ENDED", "G-DATES")),
    Row("T25", T.START_FOLLOW_UP, (S.CLOSED,), S.FOLLOW_UP, SUPPORTERS | SYSTEM, c.NoteOnly, "フォローアップ開始",
        timer="follow_up"),
    Row("T25b", T.COMPLETE_FOLLOW_UP, (S.FOLLOW_UP,), S.CLOSED, SUPPORTERS, c.CompleteFollowUp, "フォローアップ実施",
        guards=("G-DATES",), contact=True),
    Row("T26", T.LOSE_CONTACT, tuple(sorted(NO_CONTACT_STATES)), S.CONTACT_LOST, CONSULTANTS | SYSTEM, c.NoteOnly,
        "連絡不通", timer="no_contact"),
    Row("T26b", T.RECORD_CONTACT_EFFORT, (S.CONTACT_LOST,), None, SUPPORTERS, c.RecordEffort, "連絡のための努力の記録",
        guards=("G-DATES",)),
    Row("T27", T.RESTORE_CONTACT, (S.CONTACT_LOST,), None, SUPPORTERS, c.RecordContact, "連絡再開",
        guards=("G-CONTACT-CLIENT", "G-DATES"), contact=True, dest_previous=True),
    Row("T28", T.CONFIRM_INTERRUPTION, (S.CONTACT_LOST,), S.INTERRUPTED, MEETING, c.MeetingPayload,
        "中断（支援調整会議で確認）", guards=("G-EFFORT", "G-EFFORT-DAYS", "G9", "G-MEETING-HELD", "G-DATES")),
    Row("T29", T.REOPEN, REOPENABLE, S.INTAKE, CONSULTANTS, c.IntakePayload, "再相談（再開）", guards=("G-DATES",),
        contact=True),
    Row("A1", T.ASSIGN, ALL_STATES, None, ASSIGNERS, c.Assign, "担当者の変更"),
    Row("A2", T.REVOKE_CONSENT, ALL_STATES, None, CONSULTANTS, c.RevokeConsent,
        "同意の撤回（C1: 関係機関との情報共有／C2: プラン兼事業等利用申込）", guards=("G-CONSENT-HELD", "G-DATES")),
    Row("A3", T.SIGN_CONSENT, ALL_STATES, None, CONSULTANTS, c.SignConsent,
        "同意の取得（再取得・新しい取扱規程の説明）", guards=("G-CONSENT-SIGNED", "G-DATES")),
    Row("A5", T.CORRECT_RECORD, ALL_STATES, None, CONSULTANTS, c.CorrectRecord, "記録の訂正（理由を付して）",
        guards=("G-CORRECTION-TARGET", "G-CORRECTION-CHANGES", "G-CORRECTION-PLAN-OPEN", "G-DATES")),
    Row("TM1", T.MARK_MONITORING_DUE, (S.SUPPORT_ACTIVE,), None, SYSTEM, c.NoteOnly, "モニタリング期日到来",
        timer="monitoring"),
    Row("TM2", T.MARK_EVALUATION_DUE, (S.SUPPORT_ACTIVE,), None, SYSTEM, c.NoteOnly, "プラン期間満了（評価期日）",
        timer="plan_period_end"),
    Row("TM3", T.SET_MONITORING_INTERVAL, ALL_STATES, None, SYSTEM, c.ProgramMonitoring,
        "事業によるモニタリング間隔の指定（住居確保給付金の支給中は週1回等）"),
    Row("TM4", T.RECORD_PROGRAM_STATE, ALL_STATES, None, SYSTEM, c.ProgramState,
        "事業の利用の開始・終了（支援決定による事業）"),
)
# fmt: on

# -- supervision (process.md §0 CSW; statemachines.case.supervision) -----------------------------------------------
# Self-transitions: the 就労支援員 of the case, the 助言・指導記録 and its acknowledgement by the assignee, and the
# 支援困難事例 flag. Advice and the flag are given while the case is worked on (not in an end state); what was given
# can be acknowledged or lifted whatever the state.
OPEN_STATES = tuple(s for s in CaseState if not STATES[s].terminal)
# fmt: off
SUPERVISION: tuple[TransitionDef, ...] = (
    Row("A4", T.ASSIGN_EMPLOYMENT_SUPPORTER, ALL_STATES, None, ASSIGNERS, c.AssignEmploymentSupporter,
        "就労支援員の担当設定"),
    Row("SV1", T.GIVE_ADVICE, OPEN_STATES, None, CHIEF, c.GiveAdvice, "助言・指導記録（主任相談支援員）"),
    Row("SV2", T.ACKNOWLEDGE_ADVICE, ALL_STATES, None, SUPPORTERS, c.AcknowledgeAdvice, "助言・指導の確認",
        guards=("G-ADVICE-PENDING", "G-ADVICE-ASSIGNEE")),
    Row("SV3", T.FLAG_DIFFICULT_CASE, OPEN_STATES, None, CHIEF, c.FlagDifficultCase, "支援困難事例として登録",
        guards=("G-DIFFICULT-NOT-FLAGGED",)),
    Row("SV4", T.LIFT_DIFFICULT_CASE, ALL_STATES, None, CHIEF, c.NoteOnly, "支援困難事例の登録解除",
        guards=("G-DIFFICULT-FLAGGED",)),
)
# fmt: on
TRANSITIONS += SUPERVISION

OPENING = TransitionDef(
    "T1", T.OPEN_CONSULTATION, (), S.INTAKE, ANY_STAFF, c.IntakePayload, "相談受付（新規ケース）", contact=True
)
OPENING_IDENTIFIED = TransitionDef(
    "T0",
    T.OPEN_CONSULTATION,
    (),
    S.IDENTIFIED,
    ANY_STAFF,
    c.IntakePayload,
    "把握（アウトリーチ・つなぎ・利用勧奨）",
)


TIMERS = (
    Timer("monitoring", "opens the monitoring_due task", rule="monitoring_interval", start="last contact"),
    Timer(
        "plan_period_end",
        "opens the evaluation_due task",
        rule="plan_period",
        start="support start, or the plan's own end date",
    ),
    Timer("no_contact", "T26 → CONTACT_LOST", rule="no_contact_threshold", start="last contact"),
    Timer("follow_up", "T25 → FOLLOW_UP", rule="follow_up_offsets", start="closure"),
)
"""What the case's timers do (the rows above name them; ``statemachines.case.timers`` computes when they fire)."""

CONTACT: frozenset[str] = frozenset(t.id for t in (*TRANSITIONS, OPENING) if t.contact)
"""The transitions that count as contact with 本人."""

assert set(STATES) == set(CaseState)
