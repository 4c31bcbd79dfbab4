"""認定就労訓練事業 (process.md §3.7): its states, its commands, its rules and what it records."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from statemachines.kernel.rules import Duration
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
    name: str = Field(min_length=1, max_length=200)
    provider_certified: bool
    certification_number: str | None = Field(default=None, max_length=64)


class CertifiedTrainingRecord(ProgramRecord):
    state: CertifiedTrainingState
    rules: CertifiedTrainingRules = CertifiedTrainingRules()
    provider: Provider | None = None
    decided_on: date | None = None
    training_type: TrainingType | None = None
    training_started_at: datetime | None = None
    steps: list[str] = Field(default_factory=list)  # the types in order: 非雇用型 → 雇用型
    last_review_at: datetime | None = None
    review_due_for: datetime | None = None  # the due time whose task was opened
    outcome: str | None = None


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
