"""居住支援事業／一時生活支援事業 (process.md §3.4): a shelter for a limited period, or 地域居住支援 (入居支援・見守り).

The kind is chosen at the request. The shelter period is a rule (3 months in 水戸市, at most 6 with extensions [BK]);
at the limit the engine opens a task for the staff, it never moves the person out by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from statemachines.kernel.events import NoticeKind
from statemachines.kernel.roles import Actor, Role
from statemachines.kernel.rules import Duration, add_duration
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
    Reason,
)
from statemachines.programs.means import Means as SharedMeans
from statemachines.programs.means import means_test_met

TK = ProgramTaskKind
MUN = frozenset({Role.MUN})
STAFF = frozenset({Role.SW, Role.CSW})
SYSTEM = frozenset({Role.SYSTEM})
Kind = Literal["shelter", "community"]  # 一時生活支援（シェルター） / 地域居住支援（入居支援・見守り）


class HousingSupportRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    shelter_max: Duration = "P3M"
    shelter_extended_max: Duration = "P6M"
    limit_warning_before: Duration = "P14D"
    asset_multiple: int = Field(default=6, ge=1, le=100)


class Means(SharedMeans):
    """The means test of 施行規則§4; a 被保護者 is eligible for 地域居住支援 whatever the figures."""

    public_assistance_recipient: bool = False  # 被保護者 (生活保護法55条の10)


class Activity(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["property_search", "agent_accompaniment", "guarantor_arrangement", "after_move_in", "watching_over"]
    on: date
    note: str | None = Field(default=None, max_length=2000)


class HousingSupportRecord(ProgramRecord):
    rules: HousingSupportRules = HousingSupportRules()
    kind: Kind | None = None
    means: Means | None = None
    decided_on: date | None = None
    facility: str | None = None
    services: list[str] = Field(default_factory=list)
    shelter_started_at: datetime | None = None
    shelter_until: datetime | None = None
    extension_reasons: list[str] = Field(default_factory=list)
    activities: list[Activity] = Field(default_factory=list)
    moved_in_on: date | None = None
    public_assistance_from: date | None = None
    end_reason: str | None = None
    warned_for: datetime | None = None  # the limit the 14-day warning was given for
    limit_reached_for: datetime | None = None  # the limit whose task was opened


class Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Kind
    means: Means | None = None


class EnterShelter(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    facility: str = Field(min_length=1, max_length=200)


class StartCommunity(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    services: list[Literal["move_in_support", "watching_over"]] = Field(min_length=1, max_length=2)


class RecordSupport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    activity: Activity


class Extend(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    months: int = Field(ge=1, le=6)
    reason: str = Field(min_length=1, max_length=2000)


class MoveIn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    moved_in_on: date


class Transfer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    protection_started_on: date  # 保護開始日


class Tick(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _means_ok(means: Means, kind: Kind | None, rules: HousingSupportRules) -> bool:
    if kind == "community" and means.public_assistance_recipient:
        return True
    return means_test_met(means, rules.asset_multiple)


def _eligible(ctx: ProgramContext[HousingSupportRecord]) -> bool:
    means = ctx.record.means
    return means is not None and _means_ok(means, ctx.record.kind, ctx.record.rules)


def _kind_is(kind: Kind) -> Callable[[ProgramContext[HousingSupportRecord]], bool]:
    def predicate(ctx: ProgramContext[HousingSupportRecord]) -> bool:
        return ctx.record.kind == kind

    return predicate


def _within_extended_max(ctx: ProgramContext[HousingSupportRecord]) -> bool | None:
    started, until = ctx.record.shelter_started_at, ctx.record.shelter_until
    if not isinstance(ctx.payload, Extend):
        return None
    if started is None or until is None:
        return False
    return add_duration(until, f"P{ctx.payload.months}M") <= add_duration(
        started, ctx.record.rules.shelter_extended_max
    )


def _moved_in(ctx: ProgramContext[HousingSupportRecord]) -> bool:
    return ctx.record.moved_in_on is not None


G = ProgramGuard[HousingSupportRecord]
GUARDS: dict[str, G] = {
    g.id: g
    for g in [
        G(
            "G-HS1",
            "世帯の収入・資産が要件を満たさず、これに準ずる者としての理由も記録されていません。",
            "Household income and assets fail the requirement, and no reason for the equivalent case is recorded.",
            "世帯単位の収入・資産要件 (S13); 施行規則 第4条 と同じ形 [BK]; 被保護者は地域居住支援の対象 (S50)",
            _eligible,
        ),
        G(
            "G-HS2",
            "申込時に選ばれた支援の種類が一時生活支援（シェルター）ではありません。",
            "The kind chosen at the request is not the shelter.",
            "居住支援事業: 一時生活支援 (S7, S40) [BK]",
            _kind_is("shelter"),
        ),
        G(
            "G-HS3",
            "申込時に選ばれた支援の種類が地域居住支援（入居支援・見守り）ではありません。",
            "The kind chosen at the request is not 地域居住支援 (move-in support and watching over).",
            "居住支援事業: 地域居住支援 (S8, S10, S50) [BK]",
            _kind_is("community"),
        ),
        G(
            "G-HS4",
            "延長後の入所期間が上限（通算6か月）を超えます。",
            "The extended stay would go beyond the maximum (6 months in all).",
            "原則3か月・最長6か月 [BK/UNVERIFIED]; 3か月間に限り [LOCAL 水戸市 S40]",
            _within_extended_max,
        ),
        G(
            "G-HS5",
            "入居の記録がないため、見守りを終了できません。",
            "Watching over cannot end before the move-in is recorded.",
            "地域居住支援: 入居後の支援 (S50) [BK]",
            _moved_in,
        ),
    ]
}

IN_SUPPORT = ("IN_SHELTER", "IN_COMMUNITY_SUPPORT")
BEFORE = ("REQUESTED", "ELIGIBILITY_CHECK", "DECIDED")
PT = ProgramTransition
TRANSITIONS: tuple[ProgramTransition, ...] = (
    PT("HS1", "submit_request", ("REQUESTED",), "ELIGIBILITY_CHECK", STAFF, Request, "利用申込（支援の種類）"),
    PT("HS2", "decide", ("ELIGIBILITY_CHECK",), "DECIDED", MUN, Decide, "支援決定", ("G-HS1",)),
    PT("HS3", "reject", ("ELIGIBILITY_CHECK",), "REJECTED", MUN, Reason, "不承認"),
    PT("HS4", "enter_shelter", ("DECIDED",), "IN_SHELTER", STAFF, EnterShelter, "シェルターへの入所", ("G-HS2",)),
    PT(
        "HS5",
        "start_community_support",
        ("DECIDED",),
        "IN_COMMUNITY_SUPPORT",
        STAFF,
        StartCommunity,
        "地域居住支援の開始",
        ("G-HS3",),
    ),
    PT("HS6", "record_support", IN_SUPPORT, None, STAFF, RecordSupport, "住まい探し・同行・見守り等の記録"),
    PT("HS7", "extend_shelter", ("IN_SHELTER",), None, MUN, Extend, "入所期間の延長の決定", ("G-HS4",)),
    PT("HS8", "move_in", ("IN_SHELTER",), "HOUSED", STAFF, MoveIn, "退所して住居へ入居"),
    PT("HS9", "move_in", ("IN_COMMUNITY_SUPPORT",), None, STAFF, MoveIn, "住居へ入居（見守りは継続）"),
    PT("HS10", "end_watch", ("IN_COMMUNITY_SUPPORT",), "HOUSED", STAFF, Reason, "見守りの終了", ("G-HS5",)),
    PT("HS11", "transfer_public_assistance", IN_SUPPORT, "TRANSFER_PUBLIC_ASSISTANCE", MUN, Transfer, "生活保護へ移行"),
    PT("HS12", "leave", IN_SUPPORT, "LEFT", STAFF, Reason, "退所・支援中断（自主退所・連絡途絶等）"),
    PT("HS13", "withdraw", BEFORE, "WITHDRAWN", STAFF, Reason, "利用中止（辞退）"),
    PT(
        "HS14", "mark_limit_warning", ("IN_SHELTER",), None, SYSTEM, Tick, "上限の14日前", timer="shelter_limit_warning"
    ),
    PT("HS15", "mark_limit_reached", ("IN_SHELTER",), None, SYSTEM, Tick, "入所期間の上限", timer="shelter_limit"),
)

STATES = {
    "REQUESTED": ProgramState("利用申込前", "Requested"),
    "ELIGIBILITY_CHECK": ProgramState("要件確認", "Eligibility check"),
    "REJECTED": ProgramState("不承認", "Rejected", terminal=True),
    "DECIDED": ProgramState("支援決定", "Decided"),
    "IN_SHELTER": ProgramState("シェルター入所中", "In the shelter"),
    "IN_COMMUNITY_SUPPORT": ProgramState("地域居住支援中", "Move-in support and watching over"),
    "HOUSED": ProgramState("住居確保", "Housed", terminal=True),
    "TRANSFER_PUBLIC_ASSISTANCE": ProgramState("生活保護へ移行", "Moved to public assistance", terminal=True),
    "LEFT": ProgramState("退所・中断", "Left", terminal=True),
    "WITHDRAWN": ProgramState("利用中止", "Withdrawn", terminal=True),
}


def _request(r: HousingSupportRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Request)
    r.kind = p.kind
    if p.means is not None:
        r.means = p.means


def _decide(r: HousingSupportRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Decide)
    r.decided_on = p.decided_on


def _enter(r: HousingSupportRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, EnterShelter)
    r.facility, r.shelter_started_at = p.facility, now
    r.shelter_until = add_duration(now, r.rules.shelter_max)


def _community(r: HousingSupportRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, StartCommunity)
    r.services = list(p.services)


def _support(r: HousingSupportRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, RecordSupport)
    r.activities.append(p.activity)


def _extend(r: HousingSupportRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Extend)
    assert r.shelter_until is not None
    r.shelter_until = add_duration(r.shelter_until, f"P{p.months}M")
    r.extension_reasons.append(p.reason)


def _move_in(r: HousingSupportRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, MoveIn)
    r.moved_in_on = p.moved_in_on


def _transfer(r: HousingSupportRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Transfer)
    r.public_assistance_from = p.protection_started_on


def _end(r: HousingSupportRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Reason)
    r.end_reason = p.reason


def _warned(r: HousingSupportRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    r.warned_for = r.shelter_until


def _reached(r: HousingSupportRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    r.limit_reached_for = r.shelter_until


def warning_at(record: HousingSupportRecord) -> datetime | None:
    """``limit_warning_before`` ahead of the limit (exact for day and week durations)."""
    until = record.shelter_until
    return until - (add_duration(until, record.rules.limit_warning_before) - until) if until else None


def deadlines(r: HousingSupportRecord) -> list[ProgramDeadline]:
    until, warn = r.shelter_until, warning_at(r)
    if r.state != "IN_SHELTER" or until is None or warn is None:
        return []
    found: list[ProgramDeadline] = []
    if r.warned_for != until:
        found.append(ProgramDeadline(kind="shelter_limit_warning", at=warn, trigger="mark_limit_warning"))
    if r.limit_reached_for != until:
        found.append(ProgramDeadline(kind="shelter_limit", at=until, trigger="mark_limit_reached"))
    return sorted(found, key=lambda d: d.at)


HOUSING_SUPPORT = ProgramDef[HousingSupportRecord](
    id="housing_support",
    name_ja="居住支援事業／一時生活支援事業",
    basis="生活困窮者自立支援法 第3条（居住支援事業, 令和6年改正）; 一時生活支援・地域居住支援",
    states=STATES,
    initial="REQUESTED",
    transitions=TRANSITIONS,
    guards=GUARDS,
    record_type=HousingSupportRecord,
    effects={
        "submit_request": _request,
        "decide": _decide,
        "enter_shelter": _enter,
        "start_community_support": _community,
        "record_support": _support,
        "extend_shelter": _extend,
        "move_in": _move_in,
        "end_watch": _end,
        "transfer_public_assistance": _transfer,
        "leave": _end,
        "mark_limit_warning": _warned,
        "mark_limit_reached": _reached,
    },
    deadlines=deadlines,
    state_tasks={
        "REQUESTED": TK("hs_request", Role.SW, "submit_request", "居住支援事業の利用申込", "Take the request"),
        "ELIGIBILITY_CHECK": TK("hs_decide", Role.MUN, "decide", "居住支援事業の支援決定", "Decide"),
        "DECIDED": TK(
            "hs_start",
            Role.SW,
            "enter_shelter",
            "シェルターへの入所または地域居住支援の開始",
            "Start the shelter stay or the community support",
        ),
    },
    event_tasks={
        "mark_limit_warning": TK(
            "hs_extension_decision",
            Role.MUN,
            "extend_shelter",
            "入所期間の上限まで14日：延長の要否の判断",
            "The shelter limit is 14 days away: decide whether to extend",
            notice=NoticeKind.REMINDER,
        ),
        "mark_limit_reached": TK(
            "hs_limit_reached",
            Role.SW,
            "move_in",
            "入所期間の上限に達しました：退所先（住居・生活保護等）の調整",
            "The shelter limit is reached: arrange where the person goes next",
        ),
    },
    closes={"extend_shelter": ("hs_extension_decision", "hs_limit_reached")},
    rules={
        "shelter_max": ("P3M", "一時生活支援（シェルター）は3か月間に限り [LOCAL 水戸市 S40]"),
        "shelter_extended_max": ("P6M", "延長しても通算6か月まで（原則3か月・最長6か月）[BK]"),
        "limit_warning_before": ("P14D", "上限の14日前に延長の要否を判断 [BK]"),
        "asset_multiple": (6, "金融資産は基準額×6 (施行規則 第4条 と同じ倍率) [BK]"),
    },
    timers=(
        {
            "id": "shelter_limit_warning",
            "states": ["IN_SHELTER"],
            "rule": "limit_warning_before",
            "default": "P14D",
            "effect": "opens the extension decision task 14 days before the shelter limit",
        },
        {
            "id": "shelter_limit",
            "states": ["IN_SHELTER"],
            "rule": "shelter_max",
            "default": "P3M",
            "effect": "opens a task at the limit; the person is not moved out automatically",
        },
    ),
)
