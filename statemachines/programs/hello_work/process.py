"""ハローワーク同行: 生活保護受給者等就労自立促進事業 (process.md §3.3).

A referral, not a 支援決定 under the Act (§3 table): the 就労支援員 judges the person fit, 本人 consents to the 支援要請
with 個人票A (§2.8, §5.2), the request goes to a named ハローワーク office, a joint interview with the 就職支援
ナビゲーター follows, then the HW-side plan with appointments the 就労支援員 keeps (reminded the day before, attendance
or no-show recorded), outcomes 応募 / 面接 / 内定, and 就職 with 定着支援 follow-ups after the start of work.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from statemachines.kernel.events import NoticeKind
from statemachines.kernel.roles import Actor, Role
from statemachines.kernel.rules import Duration, add_duration
from statemachines.policy.scheduling import (
    JST,
    REMINDER_TIME,
    AppointmentKind,
    AppointmentStatus,
    status_change_allowed,
)
from statemachines.programs.base import (
    Empty,
    ProgramContext,
    ProgramDeadline,
    ProgramDef,
    ProgramGuard,
    ProgramRecord,
    ProgramState,
    ProgramTaskKind,
    ProgramTransition,
)
from statemachines.programs.base import (
    Reason as Withdraw,
)

TK = ProgramTaskKind
STAFF = frozenset({Role.ESW, Role.SW, Role.CSW})
SYSTEM = frozenset({Role.SYSTEM})
FOLLOW_UP_OFFSETS = ["P1M", "P3M", "P6M"]


class HelloWorkRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    retention_follow_ups: list[Duration] = Field(default_factory=lambda: list(FOLLOW_UP_OFFSETS), min_length=1)


class HwConsent(BaseModel):
    """本人同意 to the 支援要請 (個人票A passed to the ハローワーク), linked to the 取扱規程 version explained."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    consented_on: date
    policy_version: str


class Appointment(BaseModel):
    """An appointment of the 就労支援員 and the person (合同面接, HW同行, 面談)."""

    model_config = ConfigDict(extra="forbid")

    appointment_id: str
    kind: AppointmentKind
    starts_at: AwareDatetime
    status: AppointmentStatus = AppointmentStatus.BOOKED
    reminded: bool = False
    attendance_recorded_at: datetime | None = None
    no_show_followed: bool = False  # the follow-up task of a no-show was opened


class OutcomeCounts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    applications: int = 0  # 応募
    interviews: int = 0  # 面接
    offers: int = 0  # 内定
    employments: int = 0  # 就職


class Employment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    employer_kind: Literal["private_company", "public_body", "non_profit", "social_welfare_corporation", "other"]
    started_on: date


class FollowUp(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    contacted_on: date
    still_employed: bool
    note: str | None = Field(default=None, max_length=2000)


class HelloWorkRecord(ProgramRecord):
    rules: HelloWorkRules = HelloWorkRules()
    consent: HwConsent | None = None
    office_id: str | None = None
    request_sent_on: date | None = None
    navigator: str | None = None
    hw_plan: list[str] = Field(default_factory=list)
    appointments: list[Appointment] = Field(default_factory=list)
    outcomes: OutcomeCounts = OutcomeCounts()
    employment: Employment | None = None
    follow_ups_opened: int = 0
    follow_ups: list[FollowUp] = Field(default_factory=list)
    end_note: str | None = None


# --- payloads --------------------------------------------------------------------------------------------------------


class Consent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    consented_on: date
    policy_version: str = Field(min_length=1, max_length=64)
    signed_by_client: bool  # signed by 本人 (not by a relative or the worker on their behalf)


class SendRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    office_id: str = Field(min_length=1, max_length=64)
    sent_on: date


class JointInterview(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    appointment_id: str = Field(min_length=1, max_length=64)
    starts_at: AwareDatetime
    navigator: str | None = Field(default=None, max_length=200)  # 就職支援ナビゲーター


class HwPlan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    menu: list[
        Literal[
            "job_counselling",  # 職業相談・紹介
            "application_coaching",  # 応募書類の作成指導
            "interview_coaching",  # 面接指導
            "vocational_training",  # 公共職業訓練
            "trial_employment",  # トライアル雇用
            "job_development",  # 個別求人開拓
        ]
    ] = Field(min_length=1, max_length=6)


class RecordAppointment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    appointment_id: str = Field(min_length=1, max_length=64)
    starts_at: AwareDatetime
    kind: AppointmentKind = AppointmentKind.ACCOMPANIMENT


class Attendance(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    appointment_id: str = Field(min_length=1, max_length=64)
    attendance: Literal["attended", "no_show"]


class AppointmentRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    appointment_id: str = Field(min_length=1, max_length=64)


class Outcome(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    applications: int = Field(default=0, ge=0, le=100)
    interviews: int = Field(default=0, ge=0, le=100)
    offers: int = Field(default=0, ge=0, le=100)

    @model_validator(mode="after")
    def _something(self) -> Outcome:
        if not (self.applications or self.interviews or self.offers):
            raise ValueError("record at least one 応募, 面接 or 内定")
        return self


class ReportEmployment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    employment: Employment


class FollowUpDue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    number: int = Field(ge=1, le=12)


class RecordFollowUp(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    follow_up: FollowUp


class End(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    note: str | None = Field(default=None, max_length=2000)


# --- guards ----------------------------------------------------------------------------------------------------------


def _find(record: HelloWorkRecord, appointment_id: str) -> Appointment | None:
    return next((a for a in record.appointments if a.appointment_id == appointment_id), None)


def _signed_by_client(ctx: ProgramContext[HelloWorkRecord]) -> bool | None:
    return ctx.payload.signed_by_client if isinstance(ctx.payload, Consent) else None


def _joint_interview_attended(ctx: ProgramContext[HelloWorkRecord]) -> bool:
    return any(
        a.kind is AppointmentKind.JOINT_INTERVIEW and a.status is AppointmentStatus.ATTENDED
        for a in ctx.record.appointments
    )


def _follow_ups_done(ctx: ProgramContext[HelloWorkRecord]) -> bool:
    return len(ctx.record.follow_ups) >= len(ctx.record.rules.retention_follow_ups)


def _appointment_pending(ctx: ProgramContext[HelloWorkRecord]) -> bool | None:
    """The appointment is recorded and awaits this step (attendance, its reminder, the follow-up of a no-show)."""
    payload = ctx.payload
    if not isinstance(payload, Attendance | AppointmentRef):
        return None
    found = _find(ctx.record, payload.appointment_id)
    if found is None:
        return False
    if isinstance(payload, Attendance):
        new = AppointmentStatus.ATTENDED if payload.attendance == "attended" else AppointmentStatus.NO_SHOW
        return status_change_allowed(found.status, new)
    if ctx.trigger == "remind_appointment":
        return found.status is AppointmentStatus.BOOKED and not found.reminded
    if ctx.trigger == "cancel_appointment":
        return found.status is AppointmentStatus.BOOKED
    return found.status is AppointmentStatus.NO_SHOW and not found.no_show_followed


def _in_future(ctx: ProgramContext[HelloWorkRecord]) -> bool | None:
    payload = ctx.payload
    return payload.starts_at > ctx.now if isinstance(payload, RecordAppointment | JointInterview) else None


def _still_booked(ctx: ProgramContext[HelloWorkRecord]) -> bool | None:
    payload = ctx.payload
    if not isinstance(payload, RecordAppointment | JointInterview):
        return None
    found = _find(ctx.record, payload.appointment_id)
    return found is None or found.status is AppointmentStatus.BOOKED


def _follow_up_awaited(ctx: ProgramContext[HelloWorkRecord]) -> bool:
    return ctx.record.follow_ups_opened > len(ctx.record.follow_ups)


def _next_follow_up(ctx: ProgramContext[HelloWorkRecord]) -> bool | None:
    if not isinstance(ctx.payload, FollowUpDue):
        return None
    opened = ctx.record.follow_ups_opened
    return ctx.payload.number == opened + 1 <= len(ctx.record.rules.retention_follow_ups)


G = ProgramGuard[HelloWorkRecord]
GUARDS: dict[str, G] = {
    g.id: g
    for g in [
        G(
            "G-HW1",
            "ハローワークへの支援要請（個人票Aの提供）には本人の署名による同意が必要です。",
            "The request to the ハローワーク (sharing 個人票A) needs the consent signed by the person.",
            "process.md §2.8・§5.2: HWへの支援要請は本人同意（個人票A, S4）; 個人情報保護法 第27条 [BK]",
            _signed_by_client,
        ),
        G(
            "G-HW2",
            "就職支援ナビゲーターとの合同面接への出席が記録されていません。",
            "Attendance at the joint interview with the 就職支援ナビゲーター is not recorded.",
            "生活保護受給者等就労自立促進事業: 合同面接の後に支援プラン (S36 [3P]; process.md §3.3 [BK])",
            _joint_interview_attended,
        ),
        G(
            "G-HW3",
            "定着支援のフォローアップ（所定の回数）がすべて記録されていません。",
            "Not every retention follow-up is recorded yet.",
            "定着支援 (process.md §3.3; S0 就職後のフォロー); 回数は規則値 retention_follow_ups [BK]",
            _follow_ups_done,
        ),
        G(
            "G-HW4",
            "この予定は記録されていないか、この操作の対象ではありません（出欠の変更・前日通知・欠席後のフォロー）。",
            "The appointment is not recorded, or not awaiting this step (attendance, reminder, no-show follow-up).",
            "予定の状態遷移（予約→出席・欠席）(statemachines.policy.scheduling) [BK]",
            _appointment_pending,
        ),
        G(
            "G-HW5",
            "予定の日時は現在より後でなければなりません。",
            "An appointment must start in the future.",
            "予定の登録 [BK]",
            _in_future,
        ),
        G(
            "G-HW6",
            "出欠が記録された予定は変更できません（新しい予定として登録してください）。",
            "An appointment whose attendance is recorded cannot be moved: book a new one.",
            "予定の状態遷移 (statemachines.policy.scheduling) [BK]",
            _still_booked,
        ),
        G(
            "G-HW7",
            "記録を待っている定着支援のフォローアップがありません（時期が来ていません）。",
            "No retention follow-up is due for recording yet.",
            "定着支援: 就職後の所定の時期のフォロー (process.md §3.3) [BK]",
            _follow_up_awaited,
        ),
        G(
            "G-HW8",
            "定着支援のフォローアップは順に、所定の回数まで開かれます。",
            "Retention follow-ups open in order and only up to the set number.",
            "規則値 retention_follow_ups [BK]",
            _next_follow_up,
        ),
    ]
}

OPEN = ("CANDIDATE", "CONSENTED", "REQUEST_SENT", "JOINT_INTERVIEW", "IN_SUPPORT", "EMPLOYED", "RETENTION_FOLLOWUP")
ACTIVE = ("JOINT_INTERVIEW", "IN_SUPPORT")
PT = ProgramTransition
TRANSITIONS: tuple[ProgramTransition, ...] = (
    PT("HW1", "consent", ("CANDIDATE",), "CONSENTED", STAFF, Consent, "支援要請への本人同意（個人票A）", ("G-HW1",)),
    PT("HW2", "send_request", ("CONSENTED",), "REQUEST_SENT", STAFF, SendRequest, "ハローワークへの支援要請"),
    PT(
        "HW3",
        "schedule_joint_interview",
        ("REQUEST_SENT",),
        "JOINT_INTERVIEW",
        STAFF,
        JointInterview,
        "合同面接（就職支援ナビゲーター＋就労支援員）の予定",
        ("G-HW5", "G-HW6"),
    ),
    PT(
        "HW4",
        "start_support",
        ("JOINT_INTERVIEW",),
        "IN_SUPPORT",
        STAFF,
        HwPlan,
        "HW側支援プランによる支援開始",
        ("G-HW2",),
    ),
    PT("HW5", "record_appointment", ACTIVE, None, STAFF, RecordAppointment, "予定の登録・変更", ("G-HW5", "G-HW6")),
    PT("HW6", "record_attendance", ACTIVE, None, STAFF, Attendance, "出欠（出席・欠席）の記録", ("G-HW4",)),
    PT("HW7", "record_outcome", ACTIVE, None, STAFF, Outcome, "応募・面接・内定の記録"),
    PT("HW16", "cancel_appointment", ACTIVE, None, STAFF, AppointmentRef, "予定の取消（前日通知もしない）", ("G-HW4",)),
    PT("HW8", "report_employment", ("IN_SUPPORT",), "EMPLOYED", STAFF, ReportEmployment, "就職の報告"),
    PT("HW9", "start_retention", ("EMPLOYED",), "RETENTION_FOLLOWUP", STAFF, Empty, "定着支援の開始"),
    PT(
        "HW10",
        "record_follow_up",
        ("RETENTION_FOLLOWUP",),
        None,
        STAFF,
        RecordFollowUp,
        "定着支援フォローアップの記録",
        ("G-HW7",),
    ),
    PT("HW11", "end", ("RETENTION_FOLLOWUP",), "ENDED", STAFF, End, "終了（定着）", ("G-HW3",)),
    PT("HW12", "withdraw", OPEN, "WITHDRAWN", STAFF, Withdraw, "利用中止（辞退・同意撤回）"),
    PT(
        "HW13",
        "remind_appointment",
        ACTIVE,
        None,
        SYSTEM,
        AppointmentRef,
        "予定の前日通知",
        ("G-HW4",),
        timer="appointment_reminder",
    ),
    PT(
        "HW14",
        "mark_no_show",
        ACTIVE,
        None,
        SYSTEM,
        AppointmentRef,
        "欠席後のフォロー",
        ("G-HW4",),
        timer="no_show_follow_up",
    ),
    PT(
        "HW15",
        "follow_up_due",
        ("RETENTION_FOLLOWUP",),
        None,
        SYSTEM,
        FollowUpDue,
        "定着支援フォローアップの時期",
        ("G-HW8",),
        timer="retention_follow_up",
    ),
)

STATES = {
    "CANDIDATE": ProgramState("対象者の選定", "Candidate"),
    "CONSENTED": ProgramState("本人同意", "Consented"),
    "REQUEST_SENT": ProgramState("支援要請済み", "Request sent"),
    "JOINT_INTERVIEW": ProgramState("合同面接", "Joint interview"),
    "IN_SUPPORT": ProgramState("就労支援中", "In support"),
    "EMPLOYED": ProgramState("就職", "Employed"),
    "RETENTION_FOLLOWUP": ProgramState("定着支援", "Retention follow-up"),
    "ENDED": ProgramState("終了", "Ended", terminal=True),
    "WITHDRAWN": ProgramState("利用中止", "Withdrawn", terminal=True),
}


# --- effects ---------------------------------------------------------------------------------------------------------


def _consent(r: HelloWorkRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Consent)
    r.consent = HwConsent(consented_on=p.consented_on, policy_version=p.policy_version)


def _request(r: HelloWorkRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, SendRequest)
    r.office_id, r.request_sent_on = p.office_id, p.sent_on


def _book(r: HelloWorkRecord, appointment_id: str, starts_at: datetime, kind: AppointmentKind) -> None:
    found = _find(r, appointment_id)
    if found is None:
        r.appointments.append(Appointment(appointment_id=appointment_id, kind=kind, starts_at=starts_at))
    else:  # moved: remind again for the new time
        found.kind, found.starts_at, found.reminded = kind, starts_at, False


def _joint(r: HelloWorkRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, JointInterview)
    _book(r, p.appointment_id, p.starts_at, AppointmentKind.JOINT_INTERVIEW)
    if p.navigator:
        r.navigator = p.navigator


def _plan(r: HelloWorkRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, HwPlan)
    r.hw_plan = list(p.menu)


def _appointment(r: HelloWorkRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, RecordAppointment)
    _book(r, p.appointment_id, p.starts_at, p.kind)


def _attendance(r: HelloWorkRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Attendance)
    found = _find(r, p.appointment_id)
    assert found is not None
    found.status = AppointmentStatus.ATTENDED if p.attendance == "attended" else AppointmentStatus.NO_SHOW
    found.attendance_recorded_at = now


def _cancelled(r: HelloWorkRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, AppointmentRef)
    found = _find(r, p.appointment_id)
    assert found is not None
    found.status = AppointmentStatus.CANCELLED


def _reminded(r: HelloWorkRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, AppointmentRef)
    found = _find(r, p.appointment_id)
    assert found is not None
    found.reminded = True


def _no_show_followed(r: HelloWorkRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, AppointmentRef)
    found = _find(r, p.appointment_id)
    assert found is not None
    found.no_show_followed = True


def _outcome(r: HelloWorkRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Outcome)
    r.outcomes.applications += p.applications
    r.outcomes.interviews += p.interviews
    r.outcomes.offers += p.offers


def _employed(r: HelloWorkRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, ReportEmployment)
    r.employment = p.employment
    r.outcomes.employments += 1


def _follow_up_opened(r: HelloWorkRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, FollowUpDue)
    r.follow_ups_opened = p.number


def _follow_up(r: HelloWorkRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, RecordFollowUp)
    r.follow_ups.append(p.follow_up)


def _end(r: HelloWorkRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, End | Withdraw)
    r.end_note = p.note if isinstance(p, End) else p.reason


# --- timers ----------------------------------------------------------------------------------------------------------


def upcoming(record: HelloWorkRecord) -> list[Appointment]:
    """The booked appointments (attendance not yet recorded), soonest first."""
    return sorted((a for a in record.appointments if a.status is AppointmentStatus.BOOKED), key=lambda a: a.starts_at)


def reminder_at(appointment: Appointment) -> datetime:
    """09:00 JST on the day before the appointment (its day taken in JST)."""
    day_before = appointment.starts_at.astimezone(JST).date() - timedelta(days=1)
    return datetime.combine(day_before, REMINDER_TIME, tzinfo=JST)


def follow_up_times(record: HelloWorkRecord) -> list[datetime]:
    """The 定着支援 follow-ups: 09:00 JST on the first day of work plus each rule offset, in time order."""
    if record.employment is None:
        return []
    start = datetime.combine(record.employment.started_on, REMINDER_TIME, tzinfo=JST)
    return sorted(add_duration(start, offset) for offset in record.rules.retention_follow_ups)


def deadlines(r: HelloWorkRecord) -> list[ProgramDeadline]:
    found: list[ProgramDeadline] = []
    if r.state in ACTIVE:
        found += [
            ProgramDeadline(
                kind="appointment_reminder",
                at=reminder_at(a),
                trigger="remind_appointment",
                payload={"appointment_id": a.appointment_id},
            )
            for a in upcoming(r)
            if not a.reminded
        ]
        found += [
            ProgramDeadline(
                kind="no_show_follow_up",
                at=a.attendance_recorded_at,
                trigger="mark_no_show",
                payload={"appointment_id": a.appointment_id},
            )
            for a in r.appointments
            if a.status is AppointmentStatus.NO_SHOW and not a.no_show_followed and a.attendance_recorded_at
        ]
    if r.state == "RETENTION_FOLLOWUP":
        found += [
            ProgramDeadline(kind="retention_follow_up", at=at, trigger="follow_up_due", payload={"number": n})
            for n, at in enumerate(follow_up_times(r), start=1)
            if n > r.follow_ups_opened
        ]
    return sorted(found, key=lambda d: d.at)


HELLO_WORK = ProgramDef[HelloWorkRecord](
    id="hello_work",
    name_ja="ハローワーク同行（生活保護受給者等就労自立促進事業）",
    basis="生活保護受給者等就労自立促進事業（労働局・ハローワークと自治体の協定）(S36 [3P]); 個人票A (S4)",
    states=STATES,
    initial="CANDIDATE",
    transitions=TRANSITIONS,
    guards=GUARDS,
    record_type=HelloWorkRecord,
    effects={
        "consent": _consent,
        "send_request": _request,
        "schedule_joint_interview": _joint,
        "start_support": _plan,
        "record_appointment": _appointment,
        "record_attendance": _attendance,
        "cancel_appointment": _cancelled,
        "record_outcome": _outcome,
        "report_employment": _employed,
        "record_follow_up": _follow_up,
        "end": _end,
        "withdraw": _end,
        "remind_appointment": _reminded,
        "mark_no_show": _no_show_followed,
        "follow_up_due": _follow_up_opened,
    },
    deadlines=deadlines,
    state_tasks={
        "CANDIDATE": TK(
            "hw_consent", Role.ESW, "consent", "ハローワーク支援要請への本人同意（個人票A）", "Obtain consent"
        ),
        "CONSENTED": TK("hw_send_request", Role.ESW, "send_request", "ハローワークへの支援要請", "Send the request"),
        "REQUEST_SENT": TK(
            "hw_joint_interview",
            Role.ESW,
            "schedule_joint_interview",
            "合同面接の日程調整",
            "Schedule the joint interview",
        ),
        "JOINT_INTERVIEW": TK(
            "hw_start_support", Role.ESW, "start_support", "HW側支援プランの確認・支援開始", "Start the HW plan"
        ),
        "EMPLOYED": TK("hw_start_retention", Role.ESW, "start_retention", "定着支援の開始", "Start retention support"),
    },
    event_tasks={
        "remind_appointment": TK(
            "hw_appointment_reminder",
            Role.ESW,
            "record_attendance",
            "明日の予定があります（本人への連絡・同行の準備）",
            "An appointment is tomorrow: remind the person, prepare to accompany",
            notice=NoticeKind.REMINDER,
        ),
        "mark_no_show": TK(
            "hw_no_show_follow_up",
            Role.ESW,
            "record_appointment",
            "予定に欠席がありました：本人への連絡・再調整",
            "The person missed an appointment: contact them and rebook",
        ),
        "follow_up_due": TK(
            "hw_retention_follow_up",
            Role.ESW,
            "record_follow_up",
            "定着支援のフォローアップの時期です",
            "A retention follow-up is due",
        ),
    },
    closes={
        "record_attendance": ("hw_appointment_reminder",),
        "cancel_appointment": ("hw_appointment_reminder",),
        "record_appointment": ("hw_no_show_follow_up",),
        "record_follow_up": ("hw_retention_follow_up",),
    },
    rules={
        "retention_follow_ups": (
            list(FOLLOW_UP_OFFSETS),
            "定着支援 (process.md §3.3; S0 就職後のフォロー): 就職日から1・3・6か月 [BK]",
        )
    },
    timers=(
        {
            "id": "appointment_reminder",
            "states": list(ACTIVE),
            "at": "09:00 JST the day before each booked appointment",
            "effect": "opens a reminder task for the 就労支援員; the appointment is marked reminded",
        },
        {
            "id": "no_show_follow_up",
            "states": list(ACTIVE),
            "at": "when a no-show is recorded",
            "effect": "opens a follow-up task for the 就労支援員",
        },
        {
            "id": "retention_follow_up",
            "states": ["RETENTION_FOLLOWUP"],
            "rule": "retention_follow_ups",
            "default": list(FOLLOW_UP_OFFSETS),
            "from": "09:00 JST on the first day of work",
            "effect": "opens a follow-up task for the 就労支援員 at each offset",
        },
    ),
    started_by_staff=True,
    shares_personal_data=True,
)
