"""認定就労訓練事業 (process.md §3.7): あっせん to a certified provider, 雇用型/非雇用型, step-up toward general work.

Only a provider certified by the 都道府県知事等 (施行規則§21 criteria) can be matched; the municipality decides the
use and its type on the agency's assessment (S24). A step-up goes from 非雇用型 to 雇用型, never back.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from statemachines.kernel.roles import Actor, Role
from statemachines.kernel.rules import Duration, add_duration
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
    Reason,
)

TK = ProgramTaskKind
MUN = frozenset({Role.MUN})
STAFF = frozenset({Role.SW, Role.CSW, Role.ESW})
SYSTEM = frozenset({Role.SYSTEM})
TrainingType = Literal["non_employment", "employment"]  # 非雇用型 / 雇用型
RANK: dict[str, int] = {"non_employment": 0, "employment": 1}


class CertifiedTrainingRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    review_interval: Duration = "P3M"


class Provider(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    provider_certified: bool
    certification_number: str | None = Field(default=None, max_length=64)


class CertifiedTrainingRecord(ProgramRecord):
    rules: CertifiedTrainingRules = CertifiedTrainingRules()
    provider: Provider | None = None
    decided_on: date | None = None
    training_type: TrainingType | None = None
    training_started_at: datetime | None = None
    steps: list[str] = Field(default_factory=list)  # the types in order: 非雇用型 → 雇用型
    last_review_at: datetime | None = None
    review_due_for: datetime | None = None  # the due time whose task was opened
    outcome: str | None = None


class MatchProvider(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    provider: Provider


class Decide(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    decided_on: date
    training_type: TrainingType


class Review(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    note: str = Field(min_length=1, max_length=2000)


class StepUp(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    to_type: TrainingType
    note: str | None = Field(default=None, max_length=2000)


class End(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    outcome: Literal["general_employment", "employed_by_provider", "other_program", "withdrawn", "other"]


def _certified(ctx: ProgramContext[CertifiedTrainingRecord]) -> bool | None:
    payload = ctx.payload
    provider = payload.provider if isinstance(payload, MatchProvider) else ctx.record.provider
    if provider is None:
        return None if payload is None and ctx.trigger == "match_provider" else False
    return provider.provider_certified and bool(provider.certification_number)


def _steps_up(ctx: ProgramContext[CertifiedTrainingRecord]) -> bool | None:
    if not isinstance(ctx.payload, StepUp):
        return None
    current = ctx.record.training_type
    return current is not None and RANK[ctx.payload.to_type] > RANK[current]


G = ProgramGuard[CertifiedTrainingRecord]
GUARDS: dict[str, G] = {
    g.id: g
    for g in [
        G(
            "G-CT1",
            "あっせん先が認定就労訓練事業者（認定番号あり）ではありません。",
            "The provider is not a certified 就労訓練事業 provider with a certification number.",
            "生活困窮者自立支援法 第16条（就労訓練事業の認定）; 施行規則 第21条 の認定基準 (S25, S38)",
            _certified,
        ),
        G(
            "G-CT2",
            "ステップアップは非雇用型から雇用型への移行に限られます（雇用型から非雇用型へは戻せません）。",
            "A step-up goes from the non-employment type to the employment type only, never back.",
            "一般就労に向けたステップアップ (S24 倉敷市, S25) [BK]",
            _steps_up,
        ),
    ]
}

TRAINING = ("IN_TRAINING", "STEP_UP")
PT = ProgramTransition
TRANSITIONS: tuple[ProgramTransition, ...] = (
    PT("CT1", "match_provider", ("MATCHING",), None, STAFF, MatchProvider, "認定事業者への利用あっせん", ("G-CT1",)),
    PT("CT2", "decide", ("MATCHING",), "DECIDED", MUN, Decide, "支援決定（雇用型・非雇用型）", ("G-CT1",)),
    PT("CT3", "reject", ("MATCHING",), "REJECTED", MUN, Reason, "不承認"),
    PT("CT4", "start_training", ("DECIDED",), "IN_TRAINING", STAFF, Empty, "就労訓練の開始"),
    PT("CT5", "review", TRAINING, None, STAFF, Review, "定期的な振り返り（事業者の就労支援担当者と）"),
    PT("CT6", "step_up", ("IN_TRAINING",), "STEP_UP", STAFF, StepUp, "ステップアップ（非雇用型→雇用型）", ("G-CT2",)),
    PT(
        "CT7",
        "end",
        ("MATCHING", "DECIDED", *TRAINING),
        "ENDED",
        STAFF,
        End,
        "終了（一般就労・他の支援へ・辞退等）",
    ),
    PT(
        "CT8",
        "mark_review_due",
        TRAINING,
        None,
        SYSTEM,
        Empty,
        "定期的な振り返りの時期",
        timer="training_review",
    ),
)

STATES = {
    "MATCHING": ProgramState("利用あっせん", "Matching"),
    "REJECTED": ProgramState("不承認", "Rejected", terminal=True),
    "DECIDED": ProgramState("支援決定", "Decided"),
    "IN_TRAINING": ProgramState("就労訓練中", "In training"),
    "STEP_UP": ProgramState("ステップアップ（雇用型・一般就労へ）", "Stepped up"),
    "ENDED": ProgramState("終了", "Ended", terminal=True),
}


def _match(r: CertifiedTrainingRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, MatchProvider)
    r.provider = p.provider


def _decide(r: CertifiedTrainingRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Decide)
    r.decided_on, r.training_type, r.steps = p.decided_on, p.training_type, [p.training_type]


def _start(r: CertifiedTrainingRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    r.training_started_at = now


def _review(r: CertifiedTrainingRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    r.last_review_at = now


def _step_up(r: CertifiedTrainingRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, StepUp)
    r.training_type = p.to_type
    r.steps.append(p.to_type)


def _end(r: CertifiedTrainingRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, End)
    r.outcome = p.outcome


def review_due_at(record: CertifiedTrainingRecord) -> datetime | None:
    """``review_interval`` after the last review, or after the training started."""
    since = record.last_review_at or record.training_started_at
    return add_duration(since, record.rules.review_interval) if since else None


def _due_marked(r: CertifiedTrainingRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    r.review_due_for = review_due_at(r)


def deadlines(r: CertifiedTrainingRecord) -> list[ProgramDeadline]:
    at = review_due_at(r)
    if r.state not in TRAINING or at is None or r.review_due_for == at:
        return []
    return [ProgramDeadline(kind="training_review", at=at, trigger="mark_review_due")]


CERTIFIED_TRAINING = ProgramDef[CertifiedTrainingRecord](
    id="certified_training",
    name_ja="認定就労訓練事業",
    basis="生活困窮者自立支援法 第16条（就労訓練事業の認定）; 施行規則 第21条",
    states=STATES,
    initial="MATCHING",
    transitions=TRANSITIONS,
    guards=GUARDS,
    record_type=CertifiedTrainingRecord,
    effects={
        "match_provider": _match,
        "decide": _decide,
        "start_training": _start,
        "review": _review,
        "step_up": _step_up,
        "end": _end,
        "mark_review_due": _due_marked,
    },
    deadlines=deadlines,
    state_tasks={
        "MATCHING": TK(
            "ct_match", Role.ESW, "match_provider", "認定就労訓練事業者へのあっせん", "Match a certified provider"
        ),
        "DECIDED": TK("ct_start", Role.ESW, "start_training", "就労訓練の開始", "Start the training"),
    },
    event_tasks={
        "mark_review_due": TK(
            "ct_review_due",
            Role.ESW,
            "review",
            "就労訓練の定期的な振り返りの時期です（ステップアップの検討）",
            "The training review is due (consider a step-up)",
        )
    },
    closes={"review": ("ct_review_due",)},
    rules={"review_interval": ("P3M", "事業者の就労支援担当者との定期的な振り返り（3か月ごと）[BK]")},
    timers=(
        {
            "id": "training_review",
            "states": list(TRAINING),
            "rule": "review_interval",
            "default": "P3M",
            "effect": "opens the review task, counted from the last review",
        },
    ),
)
