"""認定就労訓練事業 (process.md §3.7): its states, its commands, its rules and what it records."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from statemachines.kernel.rules import Duration
from statemachines.kernel.sensitivity import BASIC, CONFIGURATION
from statemachines.programs.definition import ProgramRecord
from statemachines.programs.payloads import Value

TrainingType = Literal["non_employment", "employment"]  # 非雇用型 / 雇用型
RANK: dict[str, int] = {"non_employment": 0, "employment": 1}


class CertifiedTrainingState(StrEnum):
    MATCHING = "MATCHING"
    REJECTED = "REJECTED"
    DECIDED = "DECIDED"
    IN_TRAINING = "IN_TRAINING"
    STEP_UP = "STEP_UP"
    ENDED = "ENDED"


class CertifiedTrainingTrigger(StrEnum):
    MATCH_PROVIDER = "match_provider"
    DECIDE = "decide"
    REJECT = "reject"
    START_TRAINING = "start_training"
    REVIEW = "review"
    STEP_UP = "step_up"
    END = "end"
    MARK_REVIEW_DUE = "mark_review_due"


class CertifiedTrainingRules(Value):
    review_interval: Duration = "P3M"


class Provider(Value):
    # The 認定就労訓練事業所: an organisation, like a referral's institution, not the client: basic.
    name: Annotated[str, BASIC] = Field(min_length=1, max_length=200)
    provider_certified: Annotated[bool, BASIC]
    certification_number: Annotated[str | None, BASIC] = Field(default=None, max_length=64)


class CertifiedTrainingRecord(ProgramRecord):
    state: Annotated[CertifiedTrainingState, BASIC]
    rules: Annotated[CertifiedTrainingRules, CONFIGURATION] = CertifiedTrainingRules()
    provider: Annotated[Provider | None, BASIC] = None
    decided_on: Annotated[date | None, BASIC] = None
    training_type: Annotated[TrainingType | None, BASIC] = None
    training_started_at: Annotated[datetime | None, BASIC] = None
    steps: Annotated[list[str], BASIC] = Field(default_factory=list)  # the types in order: 非雇用型 → 雇用型
    last_review_at: Annotated[datetime | None, BASIC] = None
    review_due_for: Annotated[datetime | None, BASIC] = None  # the due time whose task was opened
    outcome: Annotated[str | None, BASIC] = None


class MatchProvider(Value):
    provider: Provider


class Decide(Value):
    decided_on: date
    training_type: TrainingType


class Review(Value):
    note: str = Field(min_length=1, max_length=2000)


class StepUp(Value):
    to_type: TrainingType
    note: str | None = Field(default=None, max_length=2000)


class End(Value):
    outcome: Literal["general_employment", "employed_by_provider", "other_program", "withdrawn", "other"]
