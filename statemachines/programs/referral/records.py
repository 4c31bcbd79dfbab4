"""関係機関へのつなぎ (process.md §6, T4 他機関へつなぎ): its states, its commands and what it records."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from statemachines.kernel.rules import Duration
from statemachines.programs.definition import ProgramRecord
from statemachines.programs.payloads import Value


class ReferralState(StrEnum):
    DRAFT = "DRAFT"
    SENT = "SENT"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    OUTCOME_CONFIRMED = "OUTCOME_CONFIRMED"
    CLOSED = "CLOSED"


class ReferralTrigger(StrEnum):
    SEND = "send"
    ACCEPT = "accept"
    DECLINE = "decline"
    RECORD_FOLLOW_UP = "record_follow_up"
    CONFIRM_OUTCOME = "confirm_outcome"
    CLOSE = "close"
    NO_ANSWER = "no_answer"


class ReferralRules(Value):
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
    state: ReferralState
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


class Send(Value):
    institution_id: str | None = Field(default=None, max_length=64)
    reason: str = Field(min_length=1, max_length=2000)
    accepts_referrals: bool  # looked up in the directory by the caller


class Answer(Value):
    answered_on: date
    note: str | None = Field(default=None, max_length=2000)


class FollowUp(Value):
    note: str = Field(min_length=1, max_length=2000)


class ConfirmOutcome(Value):
    confirmed_on: date
    connected: bool  # 本人がつなぎ先の支援を受け始めたか
    note: str | None = Field(default=None, max_length=2000)
