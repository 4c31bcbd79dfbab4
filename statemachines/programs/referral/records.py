"""関係機関へのつなぎ (process.md §6, T4 他機関へつなぎ): its states, its commands and what it records."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from statemachines.kernel.rules import Duration
from statemachines.kernel.sensitivity import BASIC, CONFIGURATION, SPECIAL_CARE
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

    institution_id: Annotated[str, BASIC]
    reason: Annotated[str, SPECIAL_CARE]
    sent_at: Annotated[datetime, BASIC]
    answer: Annotated[Literal["accepted", "declined"] | None, BASIC] = None
    answered_on: Annotated[date | None, BASIC] = None
    answer_note: Annotated[str | None, SPECIAL_CARE] = None
    no_answer_flagged: Annotated[bool, BASIC] = False


class ReferralRecord(ProgramRecord):
    # Why the client is referred, and what is said back, are about the client's situation: special care.
    state: Annotated[ReferralState, BASIC]
    rules: Annotated[ReferralRules, CONFIGURATION] = ReferralRules()
    sendings: Annotated[list[Sending], BASIC] = Field(default_factory=list)
    follow_ups: Annotated[list[str], SPECIAL_CARE] = Field(default_factory=list)
    outcome_connected: Annotated[bool | None, BASIC] = None
    outcome_confirmed_on: Annotated[date | None, BASIC] = None
    outcome_note: Annotated[str | None, SPECIAL_CARE] = None
    close_reason: Annotated[str | None, SPECIAL_CARE] = None

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
