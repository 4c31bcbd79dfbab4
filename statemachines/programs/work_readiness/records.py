"""就労準備支援事業 (process.md §3.2): its states, its commands, its rules and what it records."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from statemachines.programs.definition import ProgramRecord
from statemachines.programs.means import Means
from statemachines.programs.payloads import Value


class WorkReadinessState(StrEnum):
    REFERRED_IN_PLAN = "REFERRED_IN_PLAN"
    ELIGIBILITY_CHECK = "ELIGIBILITY_CHECK"
    REJECTED = "REJECTED"
    DECIDED = "DECIDED"
    IN_PROGRAM = "IN_PROGRAM"
    COMPLETED = "COMPLETED"
    WITHDRAWN = "WITHDRAWN"


class WorkReadinessTrigger(StrEnum):
    SUBMIT_APPLICATION = "submit_application"
    DECIDE = "decide"
    REJECT = "reject"
    PLAN_PROGRAM = "plan_program"
    REVIEW = "review"
    COMPLETE = "complete"
    WITHDRAW = "withdraw"
    MARK_LIMIT_WARNING = "mark_limit_warning"


class WorkReadinessRules(Value):
    max_duration: str = "P1Y"
    warning_after: str = "P10M"
    asset_multiple: int = Field(default=6, ge=1, le=100)


class WorkReadinessRecord(ProgramRecord):
    state: WorkReadinessState
    rules: WorkReadinessRules = WorkReadinessRules()
    means: Means | None = None
    decided_on: date | None = None
    program_started_at: datetime | None = None
    stages: list[str] = Field(default_factory=list)  # 日常生活自立 → 社会生活自立 → 就労自立
    extension_reason: str | None = None
    outcome: str | None = None
    limit_warned: bool = False


class Apply(Value):
    means: Means | None = None


class ProgramPlan(Value):
    stages: list[Literal["daily_life", "social_life", "employment"]] = Field(min_length=1, max_length=3)


class Review(Value):
    note: str = Field(min_length=1, max_length=2000)
    extension_reason: str | None = Field(default=None, max_length=2000)  # 心身の状況等により1年を超えて必要


class Complete(Value):
    outcome: Literal["general_employment", "certified_training", "hello_work", "other"]
