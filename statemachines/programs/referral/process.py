"""関係機関へのつなぎ (process.md §6, T4 他機関へつなぎ): a referral sent, answered, and its outcome confirmed.

Started by a consultant from the case after consent C1 (§5.2: sharing with the 関係機関 needs 本人's consent; the
caller checks it before starting, ``shares_personal_data``). The institution must be chosen from the directory and
accept referrals (the caller looks that up). When no answer comes within ``answer_within`` a follow-up task opens
(仕様書 「他機関への確認やフォロー」, S6), once per sending. A declined referral may go to another institution.
"""

from __future__ import annotations

from collections.abc import Callable
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
)

TK = ProgramTaskKind
STAFF = frozenset({Role.SW, Role.CSW, Role.ESW})
SYSTEM = frozenset({Role.SYSTEM})


class ReferralRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    answer_within: Duration = "P14D"


class Sending(BaseModel):
    """One sending of the referral to one institution, and its answer."""

    model_config = ConfigDict(extra="forbid")

    institution_id: str
    reason: str
    sent_at: datetime
    answer: Literal["accepted", "declined"] | None = None
    answered_on: date | None = None
    answer_note: str | None = None
    no_answer_flagged: bool = False


class ReferralRecord(ProgramRecord):
    rules: ReferralRules = ReferralRules()
    sendings: list[Sending] = Field(default_factory=list)
    follow_ups: list[str] = Field(default_factory=list)
    outcome_connected: bool | None = None
    outcome_confirmed_on: date | None = None
    outcome_note: str | None = None
    close_reason: str | None = None

    @property
    def current(self) -> Sending | None:
        return self.sendings[-1] if self.sendings else None


class Send(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    institution_id: str | None = Field(default=None, max_length=64)
    reason: str = Field(min_length=1, max_length=2000)
    accepts_referrals: bool  # looked up in the directory by the caller


class Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    answered_on: date
    note: str | None = Field(default=None, max_length=2000)


class FollowUp(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    note: str = Field(min_length=1, max_length=2000)


class ConfirmOutcome(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    confirmed_on: date
    connected: bool  # 本人がつなぎ先の支援を受け始めたか
    note: str | None = Field(default=None, max_length=2000)


class Close(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


def _institution_accepts(ctx: ProgramContext[ReferralRecord]) -> bool | None:
    payload = ctx.payload
    return bool(payload.institution_id) and payload.accepts_referrals if isinstance(payload, Send) else None


def _not_declined_before(ctx: ProgramContext[ReferralRecord]) -> bool | None:
    payload = ctx.payload
    if not isinstance(payload, Send):
        return None
    declined = {s.institution_id for s in ctx.record.sendings if s.answer == "declined"}
    return payload.institution_id not in declined


def _unanswered(ctx: ProgramContext[ReferralRecord]) -> bool:
    current = ctx.record.current
    return current is not None and not current.no_answer_flagged


G = ProgramGuard[ReferralRecord]
GUARDS: dict[str, G] = {
    g.id: g
    for g in [
        G(
            "G-RF1",
            "紹介先の関係機関が選ばれていないか、その機関は紹介を受け付けていません。",
            "No institution is chosen, or it does not accept referrals.",
            "process.md §6: 関係機関名簿 (accepts_referrals_from); T4 他機関へつなぎ",
            _institution_accepts,
        ),
        G(
            "G-RF2",
            "この関係機関からは既に断られています。別の機関を選んでください。",
            "This institution has already declined the referral: choose another.",
            "process.md §6 [BK]",
            _not_declined_before,
        ),
        G(
            "G-RF3",
            "この送付については既に回答なしのフォローが開かれています。",
            "The no-answer follow-up for this sending is already open.",
            "仕様書「他機関への確認やフォロー」(S6) [BK]",
            _unanswered,
        ),
    ]
}

PT = ProgramTransition
TRANSITIONS: tuple[ProgramTransition, ...] = (
    PT("RF1", "send", ("DRAFT",), "SENT", STAFF, Send, "関係機関への紹介（つなぎ）", ("G-RF1",)),
    PT("RF2", "accept", ("SENT",), "ACCEPTED", STAFF, Answer, "紹介先の受入れ回答"),
    PT("RF3", "decline", ("SENT",), "DECLINED", STAFF, Answer, "紹介先の受入れ不可の回答"),
    PT("RF4", "send", ("DECLINED",), "SENT", STAFF, Send, "別の関係機関への再紹介", ("G-RF1", "G-RF2")),
    PT("RF5", "record_follow_up", ("SENT",), None, STAFF, FollowUp, "紹介先への確認・フォローの記録"),
    PT("RF6", "confirm_outcome", ("ACCEPTED",), "OUTCOME_CONFIRMED", STAFF, ConfirmOutcome, "つなぎの結果の確認"),
    PT("RF7", "close", ("DRAFT", "DECLINED"), "CLOSED", STAFF, Close, "紹介の終了（取りやめ）"),
    PT("RF8", "no_answer", ("SENT",), None, SYSTEM, Empty, "紹介先から回答なし", ("G-RF3",), timer="no_answer"),
)

STATES = {
    "DRAFT": ProgramState("紹介の準備", "Draft"),
    "SENT": ProgramState("紹介済み（回答待ち）", "Sent"),
    "ACCEPTED": ProgramState("受入れ", "Accepted"),
    "DECLINED": ProgramState("受入れ不可", "Declined"),
    "OUTCOME_CONFIRMED": ProgramState("結果確認済み", "Outcome confirmed", terminal=True),
    "CLOSED": ProgramState("終了", "Closed", terminal=True),
}


def _send(r: ReferralRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Send)
    assert p.institution_id
    r.sendings.append(Sending(institution_id=p.institution_id, reason=p.reason, sent_at=now))


def _answer(answer: Literal["accepted", "declined"]) -> Callable[[ReferralRecord, BaseModel, Actor, datetime], None]:
    def effect(r: ReferralRecord, p: BaseModel, a: Actor, now: datetime) -> None:
        assert isinstance(p, Answer)
        assert r.current is not None
        r.current.answer, r.current.answered_on, r.current.answer_note = answer, p.answered_on, p.note

    return effect


def _follow_up(r: ReferralRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, FollowUp)
    r.follow_ups.append(p.note)


def _flag(r: ReferralRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert r.current is not None
    r.current.no_answer_flagged = True


def _confirm(r: ReferralRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, ConfirmOutcome)
    r.outcome_connected, r.outcome_confirmed_on, r.outcome_note = p.connected, p.confirmed_on, p.note


def _close(r: ReferralRecord, p: BaseModel, a: Actor, now: datetime) -> None:
    assert isinstance(p, Close)
    r.close_reason = p.reason


def answer_due_at(record: ReferralRecord) -> datetime | None:
    """``answer_within`` after the current sending."""
    current = record.current
    return add_duration(current.sent_at, record.rules.answer_within) if current else None


def deadlines(r: ReferralRecord) -> list[ProgramDeadline]:
    at, current = answer_due_at(r), r.current
    if r.state != "SENT" or at is None or current is None or current.no_answer_flagged:
        return []
    return [ProgramDeadline(kind="no_answer", at=at, trigger="no_answer")]


REFERRAL = ProgramDef[ReferralRecord](
    id="referral",
    name_ja="関係機関へのつなぎ",
    basis="生活困窮者自立支援法 第2条（関係機関との緊密な連携）; 自立相談支援事業 仕様書 (S6); process.md §6",
    states=STATES,
    initial="DRAFT",
    transitions=TRANSITIONS,
    guards=GUARDS,
    record_type=ReferralRecord,
    effects={
        "send": _send,
        "accept": _answer("accepted"),
        "decline": _answer("declined"),
        "record_follow_up": _follow_up,
        "confirm_outcome": _confirm,
        "close": _close,
        "no_answer": _flag,
    },
    deadlines=deadlines,
    state_tasks={
        "DRAFT": TK("rf_send", Role.SW, "send", "関係機関への紹介（つなぎ）", "Send the referral"),
        "ACCEPTED": TK(
            "rf_confirm_outcome",
            Role.SW,
            "confirm_outcome",
            "つなぎ先での支援開始の確認",
            "Confirm the person was taken on",
        ),
        "DECLINED": TK(
            "rf_resend", Role.SW, "send", "紹介が断られました：別の機関への再紹介か終了", "Refer elsewhere or close"
        ),
    },
    event_tasks={
        "no_answer": TK(
            "rf_no_answer",
            Role.SW,
            "record_follow_up",
            "紹介先から回答がありません：確認・フォロー",
            "No answer from the institution: follow up",
        )
    },
    closes={"record_follow_up": ("rf_no_answer",)},
    rules={"answer_within": ("P14D", "回答待ちの期限; 仕様書「他機関への確認やフォロー」(S6) [BK]")},
    timers=(
        {
            "id": "no_answer",
            "states": ["SENT"],
            "rule": "answer_within",
            "default": "P14D",
            "from": "each sending",
            "effect": "opens a follow-up task for the consultant, once per sending",
        },
    ),
    started_by_staff=True,
    shares_personal_data=True,
)
