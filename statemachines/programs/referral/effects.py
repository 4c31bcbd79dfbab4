"""What each command of a referral records, and its one timer: no answer within ``answer_within``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from statemachines.kernel.roles import Actor
from statemachines.kernel.rules import add_duration
from statemachines.kernel.table import Effect, effect
from statemachines.programs.definition import ProgramDeadline
from statemachines.programs.payloads import Empty, Reason
from statemachines.programs.referral.records import (
    Answer,
    ConfirmOutcome,
    FollowUp,
    ReferralRecord,
    ReferralState,
    ReferralTrigger,
    Send,
    Sending,
)


@effect(Send)
def send(r: ReferralRecord, p: Send, a: Actor, now: datetime) -> None:
    assert p.institution_id  # G-RF1
    r.sendings.append(Sending(institution_id=p.institution_id, reason=p.reason, sent_at=now))


def answered(answer: Literal["accepted", "declined"]) -> Effect[ReferralRecord, Answer]:
    @effect(Answer)
    def record_answer(r: ReferralRecord, p: Answer, a: Actor, now: datetime) -> None:
        assert r.current is not None
        r.current.answer, r.current.answered_on, r.current.answer_note = answer, p.answered_on, p.note

    return record_answer


@effect(FollowUp)
def follow_up(r: ReferralRecord, p: FollowUp, a: Actor, now: datetime) -> None:
    r.follow_ups.append(p.note)


@effect(Empty)
def flag_no_answer(r: ReferralRecord, p: Empty, a: Actor, now: datetime) -> None:
    assert r.current is not None
    r.current.no_answer_flagged = True


@effect(ConfirmOutcome)
def confirm(r: ReferralRecord, p: ConfirmOutcome, a: Actor, now: datetime) -> None:
    r.outcome_connected, r.outcome_confirmed_on, r.outcome_note = p.connected, p.confirmed_on, p.note


@effect(Reason)
def close(r: ReferralRecord, p: Reason, a: Actor, now: datetime) -> None:
    r.close_reason = p.reason


def answer_due_at(record: ReferralRecord) -> datetime | None:
    """``answer_within`` after the current sending."""
    current = record.current
    return add_duration(current.sent_at, record.rules.answer_within) if current else None


def deadlines(r: ReferralRecord) -> list[ProgramDeadline]:
    at, current = answer_due_at(r), r.current
    if r.state is not ReferralState.SENT or at is None or current is None or current.no_answer_flagged:
        return []
    return [ProgramDeadline(kind="no_answer", at=at, trigger=ReferralTrigger.NO_ANSWER)]
