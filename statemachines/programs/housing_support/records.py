"""居住支援事業／一時生活支援事業 (process.md §3.4): its states, its commands, its rules and what it records."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from statemachines.kernel.rules import Duration
from statemachines.kernel.sensitivity import BASIC, CONFIGURATION, FINANCIAL, SPECIAL_CARE
from statemachines.programs.definition import ProgramRecord
from statemachines.programs.means import Means as SharedMeans
from statemachines.programs.payloads import Value

Kind = Literal["shelter", "community"]  # 一時生活支援（シェルター） / 地域居住支援（入居支援・見守り）


class HousingSupportState(StrEnum):
    REQUESTED = "REQUESTED"
    ELIGIBILITY_CHECK = "ELIGIBILITY_CHECK"
    REJECTED = "REJECTED"
    DECIDED = "DECIDED"
    IN_SHELTER = "IN_SHELTER"
    IN_COMMUNITY_SUPPORT = "IN_COMMUNITY_SUPPORT"
    HOUSED = "HOUSED"
    TRANSFER_PUBLIC_ASSISTANCE = "TRANSFER_PUBLIC_ASSISTANCE"
    LEFT = "LEFT"
    WITHDRAWN = "WITHDRAWN"


class HousingSupportTrigger(StrEnum):
    SUBMIT_REQUEST = "submit_request"
    DECIDE = "decide"
    REJECT = "reject"
    ENTER_SHELTER = "enter_shelter"
    START_COMMUNITY_SUPPORT = "start_community_support"
    RECORD_SUPPORT = "record_support"
    EXTEND_SHELTER = "extend_shelter"
    MOVE_IN = "move_in"
    END_WATCH = "end_watch"
    TRANSFER_PUBLIC_ASSISTANCE = "transfer_public_assistance"
    LEAVE = "leave"
    WITHDRAW = "withdraw"
    MARK_LIMIT_WARNING = "mark_limit_warning"
    MARK_LIMIT_REACHED = "mark_limit_reached"


class HousingSupportRules(Value):
    shelter_max: Duration = "P3M"
    shelter_extended_max: Duration = "P6M"
    limit_warning_before: Duration = "P14D"
    asset_multiple: int = Field(default=6, ge=1, le=100)


class Means(SharedMeans):
    """The means test of 施行規則§4; a 被保護者 is eligible for 地域居住支援 whatever the figures."""

    public_assistance_recipient: Annotated[bool, FINANCIAL] = False  # 被保護者 (生活保護法55条の10)


ActivityKind = Literal[
    "property_search", "agent_accompaniment", "guarantor_arrangement", "after_move_in", "watching_over"
]


class Activity(Value):
    kind: Annotated[ActivityKind, BASIC]
    on: Annotated[date, BASIC]
    note: Annotated[str | None, SPECIAL_CARE] = Field(default=None, max_length=2000)


class HousingSupportRecord(ProgramRecord):
    state: Annotated[HousingSupportState, BASIC]
    rules: Annotated[HousingSupportRules, CONFIGURATION] = HousingSupportRules()
    kind: Annotated[Kind | None, BASIC] = None
    means: Annotated[Means | None, BASIC] = None
    decided_on: Annotated[date | None, BASIC] = None
    facility: Annotated[str | None, SPECIAL_CARE] = None  # where the client stays: as telling as an address
    services: Annotated[list[str], BASIC] = Field(default_factory=list)
    shelter_started_at: Annotated[datetime | None, BASIC] = None
    shelter_until: Annotated[datetime | None, BASIC] = None
    extension_reasons: Annotated[list[str], SPECIAL_CARE] = Field(default_factory=list)
    activities: Annotated[list[Activity], BASIC] = Field(default_factory=list)
    moved_in_on: Annotated[date | None, BASIC] = None
    public_assistance_from: Annotated[date | None, BASIC] = None
    end_reason: Annotated[str | None, SPECIAL_CARE] = None
    warned_for: Annotated[datetime | None, BASIC] = None  # the limit the 14-day warning was given for
    limit_reached_for: Annotated[datetime | None, BASIC] = None  # the limit whose task was opened


class Request(Value):
    kind: Kind
    means: Means | None = None


class EnterShelter(Value):
    facility: str = Field(min_length=1, max_length=200)


class StartCommunity(Value):
    services: list[Literal["move_in_support", "watching_over"]] = Field(min_length=1, max_length=2)


class RecordSupport(Value):
    activity: Activity


class Extend(Value):
    months: int = Field(ge=1, le=6)
    reason: str = Field(min_length=1, max_length=2000)


class MoveIn(Value):
    moved_in_on: date


class Transfer(Value):
    protection_started_on: date  # 保護開始日
