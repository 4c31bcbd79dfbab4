"""居住支援事業／一時生活支援事業 (process.md §3.4): its states, its commands, its rules and what it records."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from statemachines.kernel.rules import Duration
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

    public_assistance_recipient: bool = False  # 被保護者 (生活保護法55条の10)


class Activity(Value):
    kind: Literal["property_search", "agent_accompaniment", "guarantor_arrangement", "after_move_in", "watching_over"]
    on: date
    note: str | None = Field(default=None, max_length=2000)


class HousingSupportRecord(ProgramRecord):
    state: HousingSupportState
    rules: HousingSupportRules = HousingSupportRules()
    kind: Kind | None = None
    means: Means | None = None
    decided_on: date | None = None
    facility: str | None = None
    services: list[str] = Field(default_factory=list)
    shelter_started_at: datetime | None = None
    shelter_until: datetime | None = None
    extension_reasons: list[str] = Field(default_factory=list)
    activities: list[Activity] = Field(default_factory=list)
    moved_in_on: date | None = None
    public_assistance_from: date | None = None
    end_reason: str | None = None
    warned_for: datetime | None = None  # the limit the 14-day warning was given for
    limit_reached_for: datetime | None = None  # the limit whose task was opened


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
