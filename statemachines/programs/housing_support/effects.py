"""What each command of 居住支援／一時生活支援 records, and its timers: 14 days before the shelter's limit, and the
limit itself (a task for the staff; the person is never moved out by the engine)."""

from __future__ import annotations

from datetime import datetime

from statemachines.kernel.roles import Actor
from statemachines.kernel.rules import add_duration
from statemachines.kernel.table import effect
from statemachines.programs.definition import ProgramDeadline
from statemachines.programs.housing_support.records import (
    EnterShelter,
    Extend,
    HousingSupportRecord,
    HousingSupportState,
    HousingSupportTrigger,
    MoveIn,
    RecordSupport,
    Request,
    StartCommunity,
    Transfer,
)
from statemachines.programs.payloads import Empty


@effect(Request)
def request(r: HousingSupportRecord, p: Request, a: Actor, now: datetime) -> None:
    r.kind = p.kind
    if p.means is not None:
        r.means = p.means


@effect(EnterShelter)
def enter(r: HousingSupportRecord, p: EnterShelter, a: Actor, now: datetime) -> None:
    r.facility, r.shelter_started_at = p.facility, now
    r.shelter_until = add_duration(now, r.rules.shelter_max)


@effect(StartCommunity)
def community(r: HousingSupportRecord, p: StartCommunity, a: Actor, now: datetime) -> None:
    r.services = list(p.services)


@effect(RecordSupport)
def support(r: HousingSupportRecord, p: RecordSupport, a: Actor, now: datetime) -> None:
    r.activities.append(p.activity)


@effect(Extend)
def extend(r: HousingSupportRecord, p: Extend, a: Actor, now: datetime) -> None:
    assert r.shelter_until is not None
    r.shelter_until = add_duration(r.shelter_until, f"P{p.months}M")
    r.extension_reasons.append(p.reason)


@effect(MoveIn)
def move_in(r: HousingSupportRecord, p: MoveIn, a: Actor, now: datetime) -> None:
    r.moved_in_on = p.moved_in_on


@effect(Transfer)
def transfer(r: HousingSupportRecord, p: Transfer, a: Actor, now: datetime) -> None:
    r.public_assistance_from = p.protection_started_on


@effect(Empty)
def warned(r: HousingSupportRecord, p: Empty, a: Actor, now: datetime) -> None:
    r.warned_for = r.shelter_until


@effect(Empty)
def reached(r: HousingSupportRecord, p: Empty, a: Actor, now: datetime) -> None:
    r.limit_reached_for = r.shelter_until


def warning_at(record: HousingSupportRecord) -> datetime | None:
    """``limit_warning_before`` ahead of the limit (exact for day and week durations)."""
    until = record.shelter_until
    return until - (add_duration(until, record.rules.limit_warning_before) - until) if until else None


def deadlines(r: HousingSupportRecord) -> list[ProgramDeadline]:
    until, warn = r.shelter_until, warning_at(r)
    if r.state is not HousingSupportState.IN_SHELTER or until is None or warn is None:
        return []
    warning, warned = HousingSupportTrigger.MARK_LIMIT_WARNING, warn if r.warned_for == until else None
    found = ProgramDeadline.once("shelter_limit_warning", warn, warning, fired_for=warned)
    reached = HousingSupportTrigger.MARK_LIMIT_REACHED
    found += ProgramDeadline.once("shelter_limit", until, reached, fired_for=r.limit_reached_for)
    return sorted(found, key=lambda d: d.at)
