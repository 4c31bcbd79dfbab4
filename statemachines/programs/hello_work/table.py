"""ハローワーク同行: 生活保護受給者等就労自立促進事業 (process.md §3.3).

A referral, not a 支援決定 under the Act (§3 table): the 就労支援員 judges the person fit, 本人 consents to the 支援要請
with 個人票A (§2.8, §5.2), the request goes to a named ハローワーク office, a joint interview with the 就職支援
ナビゲーター follows, then the HW-side plan with appointments the 就労支援員 keeps (reminded the day before, attendance
or no-show recorded), outcomes 応募 / 面接 / 内定, and 就職 with 定着支援 follow-ups after the start of work.
"""

from __future__ import annotations

from statemachines.kernel.events import NoticeKind, TaskKind
from statemachines.kernel.roles import SYSTEM, WORK_SUPPORT, Role
from statemachines.kernel.table import Transition
from statemachines.kernel.timers import Timer
from statemachines.programs.definition import ProgramDef, ProgramState
from statemachines.programs.hello_work import effects as e
from statemachines.programs.hello_work import records as p
from statemachines.programs.hello_work.guards import GUARDS
from statemachines.programs.hello_work.labels import LABELS
from statemachines.programs.hello_work.records import (
    FOLLOW_UP_OFFSETS,
    HelloWorkRecord,
    HelloWorkState,
    HelloWorkTrigger,
)
from statemachines.programs.payloads import Empty, Note, Reason

S, T = HelloWorkState, HelloWorkTrigger
Row = Transition[HelloWorkState, HelloWorkTrigger]
TK = TaskKind[HelloWorkTrigger]
STAFF, ACTIVE = WORK_SUPPORT, e.ACTIVE
OPEN = (S.CANDIDATE, S.CONSENTED, S.REQUEST_SENT, S.JOINT_INTERVIEW, S.IN_SUPPORT, S.EMPLOYED, S.RETENTION_FOLLOWUP)

# fmt: off
TRANSITIONS: tuple[Row, ...] = (
    Row("HW1", T.CONSENT, (S.CANDIDATE,), S.CONSENTED, STAFF, p.Consent, "支援要請への本人同意（個人票A）", ("G-HW1",)),
    Row("HW2", T.SEND_REQUEST, (S.CONSENTED,), S.REQUEST_SENT, STAFF, p.SendRequest, "ハローワークへの支援要請",
        shares_personal_data=True),
    Row("HW3", T.SCHEDULE_JOINT_INTERVIEW, (S.REQUEST_SENT,), S.JOINT_INTERVIEW, STAFF, p.JointInterview,
        "合同面接（就職支援ナビゲーター＋就労支援員）の予定", ("G-HW5", "G-HW6")),
    Row("HW4", T.START_SUPPORT, (S.JOINT_INTERVIEW,), S.IN_SUPPORT, STAFF, p.HwPlan, "HW側支援プランによる支援開始",
        ("G-HW2",)),
    Row("HW5", T.RECORD_APPOINTMENT, ACTIVE, None, STAFF, p.RecordAppointment, "予定の登録・変更", ("G-HW5", "G-HW6")),
    Row("HW6", T.RECORD_ATTENDANCE, ACTIVE, None, STAFF, p.Attendance, "出欠（出席・欠席）の記録", ("G-HW4", "G-HW9")),
    Row("HW7", T.RECORD_OUTCOME, ACTIVE, None, STAFF, p.Outcome, "応募・面接・内定の記録"),
    Row("HW16", T.CANCEL_APPOINTMENT, ACTIVE, None, STAFF, p.AppointmentRef, "予定の取消（前日通知もしない）",
        ("G-HW4",)),
    Row("HW8", T.REPORT_EMPLOYMENT, (S.IN_SUPPORT,), S.EMPLOYED, STAFF, p.ReportEmployment, "就職の報告"),
    Row("HW9", T.START_RETENTION, (S.EMPLOYED,), S.RETENTION_FOLLOWUP, STAFF, Empty, "定着支援の開始"),
    Row("HW10", T.RECORD_FOLLOW_UP, (S.RETENTION_FOLLOWUP,), None, STAFF, p.RecordFollowUp,
        "定着支援フォローアップの記録", ("G-HW7",)),
    Row("HW11", T.END, (S.RETENTION_FOLLOWUP,), S.ENDED, STAFF, Note, "終了（定着）", ("G-HW3",)),
    Row("HW12", T.WITHDRAW, OPEN, S.WITHDRAWN, STAFF, Reason, "利用中止（辞退・同意撤回）"),
    Row("HW13", T.REMIND_APPOINTMENT, ACTIVE, None, SYSTEM, p.AppointmentRef, "予定の前日通知", ("G-HW4",),
        timer="appointment_reminder"),
    Row("HW14", T.MARK_NO_SHOW, ACTIVE, None, SYSTEM, p.AppointmentRef, "欠席後のフォロー", ("G-HW4",),
        timer="no_show_follow_up"),
    Row("HW15", T.FOLLOW_UP_DUE, (S.RETENTION_FOLLOWUP,), None, SYSTEM, p.FollowUpDue, "定着支援フォローアップの時期",
        ("G-HW8",), timer="retention_follow_up"),
)
# fmt: on

STATES = {
    S.CANDIDATE: ProgramState("対象者の選定", "Candidate"),
    S.CONSENTED: ProgramState("本人同意", "Consented"),
    S.REQUEST_SENT: ProgramState("支援要請済み", "Request sent"),
    S.JOINT_INTERVIEW: ProgramState("合同面接", "Joint interview"),
    S.IN_SUPPORT: ProgramState("就労支援中", "In support"),
    S.EMPLOYED: ProgramState("就職", "Employed"),
    S.RETENTION_FOLLOWUP: ProgramState("定着支援", "Retention follow-up"),
    S.ENDED: ProgramState("終了", "Ended", terminal=True),
    S.WITHDRAWN: ProgramState("利用中止", "Withdrawn", terminal=True),
}

HELLO_WORK = ProgramDef[HelloWorkState, HelloWorkTrigger, HelloWorkRecord](
    id="hello_work",
    position=6,
    labels=LABELS,
    name_ja="ハローワーク同行（生活保護受給者等就労自立促進事業）",
    basis="生活保護受給者等就労自立促進事業（労働局・ハローワークと自治体の協定）(S36 [3P]); 個人票A (S4)",
    states=STATES,
    triggers=HelloWorkTrigger,
    initial=S.CANDIDATE,
    transitions=TRANSITIONS,
    guards=GUARDS,
    record_type=HelloWorkRecord,
    effects={
        T.CONSENT: e.consent,
        T.SEND_REQUEST: e.request,
        T.SCHEDULE_JOINT_INTERVIEW: e.joint,
        T.START_SUPPORT: e.plan,
        T.RECORD_APPOINTMENT: e.appointment,
        T.RECORD_ATTENDANCE: e.attendance,
        T.CANCEL_APPOINTMENT: e.cancelled,
        T.RECORD_OUTCOME: e.outcome,
        T.REPORT_EMPLOYMENT: e.employed,
        T.RECORD_FOLLOW_UP: e.follow_up,
        T.END: e.end,
        T.WITHDRAW: e.withdraw,
        T.REMIND_APPOINTMENT: e.reminded,
        T.MARK_NO_SHOW: e.no_show_followed,
        T.FOLLOW_UP_DUE: e.follow_up_opened,
    },
    deadlines=e.deadlines,
    state_tasks={
        S.CANDIDATE: TK(
            "hw_consent", Role.ESW, T.CONSENT, "ハローワーク支援要請への本人同意（個人票A）", "Obtain consent"
        ),
        S.CONSENTED: TK("hw_send_request", Role.ESW, T.SEND_REQUEST, "ハローワークへの支援要請", "Send the request"),
        S.REQUEST_SENT: TK(
            "hw_joint_interview",
            Role.ESW,
            T.SCHEDULE_JOINT_INTERVIEW,
            "合同面接の日程調整",
            "Schedule the joint interview",
        ),
        S.JOINT_INTERVIEW: TK(
            "hw_start_support", Role.ESW, T.START_SUPPORT, "HW側支援プランの確認・支援開始", "Start the HW plan"
        ),
        S.EMPLOYED: TK("hw_start_retention", Role.ESW, T.START_RETENTION, "定着支援の開始", "Start retention support"),
    },
    event_tasks={
        T.REMIND_APPOINTMENT: TK(
            "hw_appointment_reminder",
            Role.ESW,
            T.RECORD_ATTENDANCE,
            "明日の予定があります（本人への連絡・同行の準備）",
            "An appointment is tomorrow: remind the person, prepare to accompany",
            notice=NoticeKind.REMINDER,
        ),
        T.MARK_NO_SHOW: TK(
            "hw_no_show_follow_up",
            Role.ESW,
            T.RECORD_APPOINTMENT,
            "予定に欠席がありました：本人への連絡・再調整",
            "The person missed an appointment: contact them and rebook",
        ),
        T.FOLLOW_UP_DUE: TK(
            "hw_retention_follow_up",
            Role.ESW,
            T.RECORD_FOLLOW_UP,
            "定着支援のフォローアップの時期です",
            "A retention follow-up is due",
        ),
    },
    closes={
        T.RECORD_ATTENDANCE: ("hw_appointment_reminder",),
        T.CANCEL_APPOINTMENT: ("hw_appointment_reminder",),
        T.RECORD_APPOINTMENT: ("hw_no_show_follow_up",),
        T.RECORD_FOLLOW_UP: ("hw_retention_follow_up",),
    },
    rules={
        "retention_follow_ups": (
            list(FOLLOW_UP_OFFSETS),
            "定着支援 (process.md §3.3; S0 就職後のフォロー): 就職日から1・3・6か月 [BK]",
        )
    },
    timers=(
        Timer(
            "appointment_reminder",
            "opens a reminder task for the 就労支援員; the appointment is marked reminded",
            at="09:00 JST the day before each booked appointment",
        ),
        Timer("no_show_follow_up", "opens a follow-up task for the 就労支援員", at="when a no-show is recorded"),
        Timer(
            "retention_follow_up",
            "opens a follow-up task for the 就労支援員 at each offset",
            rule="retention_follow_ups",
            start="09:00 JST on the first day of work",
        ),
    ),
    started_by_staff=True,
    shares_personal_data=True,
)
