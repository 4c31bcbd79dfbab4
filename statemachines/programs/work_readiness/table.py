"""就労準備支援事業 (process.md §3.2): eligibility of 施行規則§4, at most one year (§5) unless the municipality decides
an extension (WR9), a warning at ten months."""

from __future__ import annotations

from statemachines.kernel.events import NoticeKind, TaskKind
from statemachines.kernel.roles import MUNICIPAL, SYSTEM, WORK_SUPPORT, Role
from statemachines.kernel.table import Transition
from statemachines.kernel.timers import Timer
from statemachines.programs.definition import ProgramDef, ProgramState
from statemachines.programs.payloads import DecidedOn, Reason, record_decision
from statemachines.programs.work_readiness import effects as e
from statemachines.programs.work_readiness import records as p
from statemachines.programs.work_readiness.guards import GUARDS
from statemachines.programs.work_readiness.labels import LABELS
from statemachines.programs.work_readiness.records import WorkReadinessRecord, WorkReadinessState, WorkReadinessTrigger

S, T = WorkReadinessState, WorkReadinessTrigger
Row = Transition[WorkReadinessState, WorkReadinessTrigger]
TK = TaskKind[WorkReadinessTrigger]
MUN, STAFF = MUNICIPAL, WORK_SUPPORT
OPEN = (S.REFERRED_IN_PLAN, S.ELIGIBILITY_CHECK, S.DECIDED, S.IN_PROGRAM)

# fmt: off
TRANSITIONS: tuple[Row, ...] = (
    Row("WR1", T.SUBMIT_APPLICATION, (S.REFERRED_IN_PLAN,), S.ELIGIBILITY_CHECK, STAFF, p.Apply,
        "利用申込（プラン兼事業等利用申込書）"),
    Row("WR2", T.DECIDE, (S.ELIGIBILITY_CHECK,), S.DECIDED, MUN, DecidedOn, "支援決定", ("G-W1",)),
    Row("WR3", T.REJECT, (S.ELIGIBILITY_CHECK,), S.REJECTED, MUN, Reason, "不承認"),
    Row("WR4", T.PLAN_PROGRAM, (S.DECIDED,), S.IN_PROGRAM, STAFF, p.ProgramPlan, "個別プログラムの策定・開始"),
    Row("WR5", T.REVIEW, (S.IN_PROGRAM,), None, STAFF, p.Review, "定期的な振り返り", ("G-W2",)),
    Row("WR6", T.COMPLETE, (S.IN_PROGRAM,), S.COMPLETED, STAFF, p.Complete, "修了（一般就労・認定就労訓練・HWへ）"),
    Row("WR7", T.WITHDRAW, OPEN, S.WITHDRAWN, STAFF, Reason, "利用中止（辞退）"),
    Row("WR8", T.MARK_LIMIT_WARNING, (S.IN_PROGRAM,), None, SYSTEM, p.Review, "利用期間上限（1年）の2か月前",
        timer="ten_month_warning"),
    Row("WR9", T.DECIDE_EXTENSION, (S.IN_PROGRAM,), None, MUN, p.ExtensionDecision, "1年を超える利用の延長決定",
        ("G-W3",)),
)
# fmt: on

STATES = {
    S.REFERRED_IN_PLAN: ProgramState("プランに位置づけ", "In the plan"),
    S.ELIGIBILITY_CHECK: ProgramState("要件確認", "Eligibility check"),
    S.REJECTED: ProgramState("不承認", "Rejected", terminal=True),
    S.DECIDED: ProgramState("支援決定", "Decided"),
    S.IN_PROGRAM: ProgramState("プログラム実施中", "In the program"),
    S.COMPLETED: ProgramState("修了", "Completed", terminal=True),
    S.WITHDRAWN: ProgramState("利用中止", "Withdrawn", terminal=True),
}

WORK_READINESS = ProgramDef[WorkReadinessState, WorkReadinessTrigger, WorkReadinessRecord](
    id="work_readiness",
    position=2,
    labels=LABELS,
    name_ja="就労準備支援事業",
    basis="生活困窮者自立支援法 第3条第4項; 施行規則 第4条・第5条",
    states=STATES,
    triggers=WorkReadinessTrigger,
    initial=S.REFERRED_IN_PLAN,
    transitions=TRANSITIONS,
    guards=GUARDS,
    record_type=WorkReadinessRecord,
    effects={
        T.SUBMIT_APPLICATION: e.apply_for,
        T.DECIDE: record_decision,
        T.PLAN_PROGRAM: e.plan,
        T.REVIEW: e.review,
        T.COMPLETE: e.complete,
        T.MARK_LIMIT_WARNING: e.warned,
        T.DECIDE_EXTENSION: e.extension_decided,
    },
    deadlines=e.deadlines,
    summary=("program_started_at", "limit_warned", "extended_until"),
    state_tasks={
        S.REFERRED_IN_PLAN: TK(
            "wr_application", Role.SW, T.SUBMIT_APPLICATION, "就労準備支援事業の利用申込", "Take the application"
        ),
        S.ELIGIBILITY_CHECK: TK("wr_decide", Role.MUN, T.DECIDE, "就労準備支援事業の支援決定", "Decide"),
        S.DECIDED: TK("wr_plan_program", Role.SW, T.PLAN_PROGRAM, "個別プログラムの策定", "Plan the program"),
    },
    event_tasks={
        T.MARK_LIMIT_WARNING: TK(
            "wr_limit_review",
            Role.SW,
            T.REVIEW,
            "利用期間の上限（1年）が近づいています：継続が必要なら自治体の延長決定を",
            "The one-year limit is near: continuing needs the municipality's extension decision",
            notice=NoticeKind.REMINDER,
        )
    },
    closes={T.REVIEW: ("wr_limit_review",)},
    rules={
        "max_duration": (
            "P1Y",
            "施行規則 第5条: 1年を超えない期間。超えるのは自治体の延長決定（理由・期間）による [ORD S5]",
        ),
        "warning_after": ("P10M", "上限の2か月前に通知 [BK]"),
        "asset_multiple": (6, "施行規則 第4条: 金融資産は基準額×6 [ORD S5]"),
    },
    timers=(
        Timer(
            "ten_month_warning",
            "opens a review task before the one-year limit",
            rule="warning_after",
            start="the start of the program",
        ),
    ),
)
