"""The guards of ハローワーク同行: 本人's signed consent to the 支援要請, the joint interview attended, appointments
that await the step asked of them, and the 定着支援 follow-ups in order."""

from __future__ import annotations

from statemachines.kernel.guards import Guard, GuardContext, Verdict, guard_table
from statemachines.policy.scheduling import (
    BASIS_NOT_YET,
    AppointmentKind,
    AppointmentStatus,
    status_change_allowed,
)
from statemachines.programs.hello_work.records import (
    AppointmentRef,
    Attendance,
    Consent,
    FollowUpDue,
    HelloWorkRecord,
    HelloWorkTrigger,
    JointInterview,
    RecordAppointment,
)

Ctx = GuardContext[HelloWorkRecord]


def _signed_by_client(ctx: Ctx) -> Verdict:
    return ctx.payload.signed_by_client if isinstance(ctx.payload, Consent) else None


def _joint_interview_attended(ctx: Ctx) -> Verdict:
    return any(
        a.kind is AppointmentKind.JOINT_INTERVIEW and a.status is AppointmentStatus.ATTENDED
        for a in ctx.record.appointments
    )


def _follow_ups_done(ctx: Ctx) -> Verdict:
    return len(ctx.record.follow_ups) >= len(ctx.record.rules.retention_follow_ups)


def _appointment_pending(ctx: Ctx) -> Verdict:
    """The appointment is recorded and awaits this step (attendance, its reminder, the follow-up of a no-show)."""
    payload = ctx.payload
    if not isinstance(payload, Attendance | AppointmentRef):
        return None
    found = ctx.record.appointment(payload.appointment_id)
    if found is None:
        return False
    if isinstance(payload, Attendance):
        new = AppointmentStatus.ATTENDED if payload.attendance == "attended" else AppointmentStatus.NO_SHOW
        return status_change_allowed(found.status, new)
    if ctx.trigger == HelloWorkTrigger.REMIND_APPOINTMENT:
        return found.status is AppointmentStatus.BOOKED and not found.reminded
    if ctx.trigger == HelloWorkTrigger.CANCEL_APPOINTMENT:
        return found.status is AppointmentStatus.BOOKED
    return found.status is AppointmentStatus.NO_SHOW and not found.no_show_followed


ATTENDANCE_BEGUN_PATCH = "attendance-after-start"  # runs recorded before it took attendance of any booked appointment


def _attendance_begun(ctx: Ctx) -> Verdict:
    """Attendance (出席・欠席) once the appointment has begun: not of one still ahead (SCHED-NOT-YET's rule)."""
    payload = ctx.payload
    if not isinstance(payload, Attendance) or ctx.now is None:
        return None
    found = ctx.record.appointment(payload.appointment_id)
    return found is None or found.starts_at <= ctx.now  # an unknown appointment is G-HW4's


def _in_future(ctx: Ctx) -> Verdict:
    payload = ctx.payload
    if not isinstance(payload, RecordAppointment | JointInterview) or ctx.now is None:
        return None
    return payload.starts_at > ctx.now


def _still_booked(ctx: Ctx) -> Verdict:
    payload = ctx.payload
    if not isinstance(payload, RecordAppointment | JointInterview):
        return None
    found = ctx.record.appointment(payload.appointment_id)
    return found is None or found.status is AppointmentStatus.BOOKED


def _follow_up_awaited(ctx: Ctx) -> Verdict:
    return ctx.record.follow_ups_opened > len(ctx.record.follow_ups)


def _next_follow_up(ctx: Ctx) -> Verdict:
    if not isinstance(ctx.payload, FollowUpDue):
        return None
    opened = ctx.record.follow_ups_opened
    return ctx.payload.number == opened + 1 <= len(ctx.record.rules.retention_follow_ups)


G = Guard[HelloWorkRecord]
GUARDS = guard_table(
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
        "G-HW9",
        "この予定の開始日時はまだ来ていません。出欠は開始後に記録してください"
        "（予定を取りやめる場合はキャンセルにしてください）。",
        "The appointment has not begun yet: record attendance once it has (or cancel it).",
        f"{BASIS_NOT_YET} (statemachines.policy.scheduling SCHED-NOT-YET) [BK]",
        _attendance_begun,
        patch=ATTENDANCE_BEGUN_PATCH,
    ),
    G(
        "G-HW8",
        "定着支援のフォローアップは順に、所定の回数まで開かれます。",
        "Retention follow-ups open in order and only up to the set number.",
        "規則値 retention_follow_ups [BK]",
        _next_follow_up,
    ),
)
