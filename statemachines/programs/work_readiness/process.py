"""就労準備支援事業 (process.md §3.2): eligibility of 施行規則§4, at most one year (§5), a warning at ten months."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from statemachines.kernel.events import NoticeKind
from statemachines.kernel.roles import Actor, Role
from statemachines.kernel.rules import add_duration
from statemachines.programs.base import (
    DecidedOn as Decide,
)
from statemachines.programs.base import (
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
from statemachines.programs.means import Means, means_test_met

TK = ProgramTaskKind
MUN = frozenset({Role.MUN})
STAFF = frozenset({Role.SW, Role.CSW, Role.ESW})


class WorkReadinessRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_duration: str = "P1Y"
    warning_after: str = "P10M"
    asset_multiple: int = Field(default=6, ge=1, le=100)


class WorkReadinessRecord(ProgramRecord):
    rules: WorkReadinessRules = WorkReadinessRules()
    means: Means | None = None
    decided_on: date | None = None
    program_started_at: datetime | None = None
    stages: list[str] = Field(default_factory=list)  # 日常生活自立 → 社会生活自立 → 就労自立
    extension_reason: str | None = None
    outcome: str | None = None
    limit_warned: bool = False


class Apply(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    means: Means | None = None


class ProgramPlan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    stages: list[Literal["daily_life", "social_life", "employment"]] = Field(min_length=1, max_length=3)


class Review(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    note: str = Field(min_length=1, max_length=2000)
    extension_reason: str | None = Field(default=None, max_length=2000)  # 心身の状況等により1年を超えて必要


class Complete(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    outcome: Literal["general_employment", "certified_training", "hello_work", "other"]


def _eligible(ctx: ProgramContext[WorkReadinessRecord]) -> bool | None:
    payload = ctx.payload
    means = payload.means if isinstance(payload, Apply) and payload.means else ctx.record.means
    if means is None:
        return None if ctx.payload is None and ctx.trigger == "submit_application" else False
    return means_test_met(means, ctx.record.rules.asset_multiple)


def _within_year(ctx: ProgramContext[WorkReadinessRecord]) -> bool:
    """Continuing past the year needs the reason 施行規則§5 allows (心身の状況等)."""
    started = ctx.record.program_started_at
    if started is None or ctx.now < add_duration(started, ctx.record.rules.max_duration):
        return True
    reason = ctx.payload.extension_reason if isinstance(ctx.payload, Review) else None
    return bool(reason or ctx.record.extension_reason)


G = ProgramGuard[WorkReadinessRecord]
GUARDS: dict[str, G] = {
    g.id: g
    for g in [
        G(
            "G-W1",
            "世帯の収入・資産が施行規則第4条の要件を満たさず、これに準ずる者としての理由も記録されていません。",
            "Household income and assets fail Ordinance art. 4, and no reason for the equivalent case is recorded.",
            "生活困窮者自立支援法施行規則 第4条 (S5)",
            _eligible,
        ),
        G(
            "G-W2",
            "利用開始から1年を超えて継続するには、心身の状況等による必要性の記録が必要です。",
            "Continuing beyond one year needs a recorded reason (the person's condition etc.).",
            "施行規則 第5条（1年を超えない期間、必要と認める場合は延長）(S5)",
            _within_year,
        ),
    ]
}

PT = ProgramTransition
TRANSITIONS: tuple[ProgramTransition, ...] = (
    PT(
        "WR1",
        "submit_application",
        ("REFERRED_IN_PLAN",),
        "ELIGIBILITY_CHECK",
        STAFF,
        Apply,
        "利用申込（プラン兼事業等利用申込書）",
    ),
    PT("WR2", "decide", ("ELIGIBILITY_CHECK",), "DECIDED", MUN, Decide, "支援決定", ("G-W1",)),
    PT("WR3", "reject", ("ELIGIBILITY_CHECK",), "REJECTED", MUN, Withdraw, "不承認"),
    PT("WR4", "plan_program", ("DECIDED",), "IN_PROGRAM", STAFF, ProgramPlan, "個別プログラムの策定・開始"),
    PT("WR5", "review", ("IN_PROGRAM",), None, STAFF, Review, "定期的な振り返り", ("G-W2",)),
    PT("WR6", "complete", ("IN_PROGRAM",), "COMPLETED", STAFF, Complete, "修了（一般就労・認定就労訓練・HWへ）"),
    PT(
        "WR7",
        "withdraw",
        ("REFERRED_IN_PLAN", "ELIGIBILITY_CHECK", "DECIDED", "IN_PROGRAM"),
        "WITHDRAWN",
        STAFF,
        Withdraw,
        "利用中止（辞退）",
    ),
    PT(
        "WR8",
        "mark_limit_warning",
        ("IN_PROGRAM",),
        None,
        frozenset({Role.SYSTEM}),
        Review,
        "利用期間上限（1年）の2か月前",
        timer="ten_month_warning",
    ),
)

STATES = {
    "REFERRED_IN_PLAN": ProgramState("プランに位置づけ", "In the plan"),
    "ELIGIBILITY_CHECK": ProgramState("要件確認", "Eligibility check"),
    "REJECTED": ProgramState("不承認", "Rejected", terminal=True),
    "DECIDED": ProgramState("支援決定", "Decided"),
    "IN_PROGRAM": ProgramState("プログラム実施中", "In the program"),
    "COMPLETED": ProgramState("修了", "Completed", terminal=True),
    "WITHDRAWN": ProgramState("利用中止", "Withdrawn", terminal=True),
}


def _apply(r: WorkReadinessRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Apply)
    if p.means is not None:
        r.means = p.means


def _decide(r: WorkReadinessRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Decide)
    r.decided_on = p.decided_on


def _plan(r: WorkReadinessRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, ProgramPlan)
    r.stages, r.program_started_at = list(p.stages), now


def _review(r: WorkReadinessRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Review)
    if p.extension_reason:
        r.extension_reason = p.extension_reason


def _complete(r: WorkReadinessRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Complete)
    r.outcome = p.outcome


def warning_at(record: WorkReadinessRecord) -> datetime | None:
    """When the 10-month warning falls due (the durable timer of the program workflow)."""
    started = record.program_started_at
    return add_duration(started, record.rules.warning_after) if started else None


def _warned(r: WorkReadinessRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    r.limit_warned = True


def deadlines(r: WorkReadinessRecord) -> list[ProgramDeadline]:
    at = warning_at(r)
    if r.state != "IN_PROGRAM" or r.limit_warned or at is None:
        return []
    return [
        ProgramDeadline(
            kind="ten_month_warning",
            at=at,
            trigger="mark_limit_warning",
            payload={"note": "利用開始から10か月が経過しました"},
        )
    ]


WORK_READINESS = ProgramDef[WorkReadinessRecord](
    id="work_readiness",
    name_ja="就労準備支援事業",
    basis="生活困窮者自立支援法 第3条第4項; 施行規則 第4条・第5条",
    states=STATES,
    initial="REFERRED_IN_PLAN",
    transitions=TRANSITIONS,
    guards=GUARDS,
    record_type=WorkReadinessRecord,
    effects={
        "submit_application": _apply,
        "decide": _decide,
        "plan_program": _plan,
        "review": _review,
        "complete": _complete,
        "mark_limit_warning": _warned,
    },
    deadlines=deadlines,
    state_tasks={
        "REFERRED_IN_PLAN": TK(
            "wr_application", Role.SW, "submit_application", "就労準備支援事業の利用申込", "Take the application"
        ),
        "ELIGIBILITY_CHECK": TK("wr_decide", Role.MUN, "decide", "就労準備支援事業の支援決定", "Decide"),
        "DECIDED": TK("wr_plan_program", Role.SW, "plan_program", "個別プログラムの策定", "Plan the program"),
    },
    event_tasks={
        "mark_limit_warning": TK(
            "wr_limit_review",
            Role.SW,
            "review",
            "利用期間の上限（1年）が近づいています：継続の要否の検討",
            "The one-year limit is near: review whether to continue",
            notice=NoticeKind.REMINDER,
        )
    },
    closes={"review": ("wr_limit_review",)},
    rules={
        "max_duration": ("P1Y", "施行規則 第5条: 1年を超えない期間 [ORD S5]"),
        "warning_after": ("P10M", "上限の2か月前に通知 [BK]"),
        "asset_multiple": (6, "施行規則 第4条: 金融資産は基準額×6 [ORD S5]"),
    },
    timers=(
        {
            "id": "ten_month_warning",
            "states": ["IN_PROGRAM"],
            "rule": "warning_after",
            "default": "P10M",
            "effect": "opens a review task before the one-year limit",
        },
    ),
)
