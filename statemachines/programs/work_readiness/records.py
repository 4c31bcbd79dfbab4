"""就労準備支援事業 (process.md §3.2): its states, its commands, its rules and what it records."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from statemachines.kernel.sensitivity import BASIC, CONFIGURATION, FINANCIAL, SPECIAL_CARE
from statemachines.programs.definition import ProgramRecord
from statemachines.programs.means import Means as SharedMeans
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
    DECIDE_EXTENSION = "decide_extension"


class Means(SharedMeans):
    """The means test of 施行規則§4; a 特定被保護者 (生活保護法55条の11) may use the program under this Act since
    2025-04-01 (法3条4項 as amended, S7) whatever the figures: their 生活保護 is the means test."""

    specified_public_assistance_recipient: Annotated[bool, FINANCIAL] = False  # 特定被保護者


class WorkReadinessRules(Value):
    max_duration: str = "P1Y"
    warning_after: str = "P10M"
    asset_multiple: int = Field(default=6, ge=1, le=100)


class WorkReadinessRecord(ProgramRecord):
    state: Annotated[WorkReadinessState, BASIC]
    rules: Annotated[WorkReadinessRules, CONFIGURATION] = WorkReadinessRules()
    means: Annotated[Means | None, BASIC] = None
    decided_on: Annotated[date | None, BASIC] = None
    program_started_at: Annotated[datetime | None, BASIC] = None
    stages: Annotated[list[str], BASIC] = Field(default_factory=list)  # 日常生活自立 → 社会生活自立 → 就労自立
    extension_reason: Annotated[str | None, SPECIAL_CARE] = None  # 心身の状況 and the like
    extension_decided_on: Annotated[date | None, BASIC] = None  # the municipality's 延長決定 (施行規則§5)
    extended_until: Annotated[date | None, BASIC] = None  # the last day the decision allows
    outcome: Annotated[str | None, BASIC] = None
    limit_warned: Annotated[bool, BASIC] = False


class Apply(Value):
    means: Means | None = None


class ProgramPlan(Value):
    stages: list[Literal["daily_life", "social_life", "employment"]] = Field(min_length=1, max_length=3)


class Review(Value):
    note: str = Field(min_length=1, max_length=2000)
    # Kept so the reviews recorded before the 延長決定 (WR9) still read; going on past the year now needs that decision.
    extension_reason: str | None = Field(default=None, max_length=2000)


class ExtensionDecision(Value):
    """The municipality's decision that the person needs the program beyond one year (施行規則§5: 心身の状況等), with
    its reason and the last day it allows."""

    decided_on: date
    until: date
    reason: str = Field(min_length=1, max_length=2000)


class Complete(Value):
    outcome: Literal["general_employment", "certified_training", "hello_work", "other"]
