"""Declared dates checked against the system's own day (issue 15, item 4): "a date that decides a legal limit is the
system's (the event time) or is checked against it; a declared date may not lie in the future, nor before what the
record already holds."

Every date a person types into a command (a 面談日, a 生年月日, the day a meeting is planned for) is declared: the
engine does not know it is true, but it knows the day the command is given (the event's moment, ``workflow.now()``, as
a day in Japan) and the day the record began (the case opened, the enrolment started). Each date field of a payload
has one decision (``DeclaredDate``), kept in a table per process: what bounds it (``Bound``), or which other guard
checks it and why (``by``). ``date_problems`` walks a payload and names each date out of its bounds, in Japanese and
English, the field by its label: 「面談日（9999-12-31）が受付の日（2026-12-07）より後です」.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from statemachines.kernel.guards import Detail

EARLIEST_BIRTH = date(1900, 1, 1)
"""No one alive was born before it (the oldest person recorded in Japan was born in 1903)."""


class Bound(StrEnum):
    """How a declared date is bounded by the event's day (in Japan) and the day the record began."""

    HAPPENED = "happened"  # something done or signed: not after the event's day
    SINCE_BEGUN = "since_begun"  # something done within this record (a contact): and not before the record began
    BIRTH = "birth"  # 生年月日: not after the event's day, nor before EARLIEST_BIRTH
    PLANNED = "planned"  # a day planned for: not before the event's day


@dataclass(frozen=True)
class DeclaredDate:
    """The decision for one declared date field: its label, and its ``bound`` or the guard that checks it (``by``)."""

    label_ja: str
    label_en: str
    bound: Bound | None = None
    by: str | None = None  # another guard that checks it (G-PLAN-DATES, G-H-DATE, ...), or why none does

    def __post_init__(self) -> None:
        assert (self.bound is None) != (self.by is None), f"{self.label_en}: a bound or another check, one of them"


DateTable = Mapping[tuple[type[BaseModel], str], DeclaredDate]
"""The decisions of a process, by (payload or record model, field name)."""


@dataclass(frozen=True)
class Days:
    """The days a declared date is checked against: the event's day and the day the record began (both in Japan)."""

    today: date
    begun: date
    begun_ja: str  # what began, named: 「ケースの受付」, 「この事業の利用開始」
    begun_en: str


def declared_dates(payload: BaseModel) -> Iterator[tuple[type[BaseModel], str, date | datetime]]:
    """Every date or moment ``payload`` holds, nested records and lists of them included, with its model and field."""
    for name in type(payload).model_fields:
        value = getattr(payload, name)
        yield from _dates_in(type(payload), name, value)


def _dates_in(model: type[BaseModel], name: str, value: Any) -> Iterator[tuple[type[BaseModel], str, date | datetime]]:
    if isinstance(value, date):  # a datetime is a date too
        yield model, name, value
    elif isinstance(value, BaseModel):
        yield from declared_dates(value)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _dates_in(model, name, item)


def date_problem(decision: DeclaredDate, value: date, days: Days) -> Detail | None:
    """What is wrong with ``value`` under ``decision``'s bound, in Japanese and English; None if nothing is."""
    day, label_ja, label_en = value.isoformat(), decision.label_ja, decision.label_en
    today = days.today.isoformat()
    if decision.bound is Bound.PLANNED:
        if value < days.today:
            return f"{label_ja}（{day}）が過ぎています（今日は{today}）", f"The {label_en} ({day}) has passed ({today})"
        return None
    if decision.bound is None:
        return None
    if value > days.today:
        return (
            f"{label_ja}（{day}）が今日（{today}）より後です",
            f"The {label_en} ({day}) is after today ({today})",
        )
    if decision.bound is Bound.BIRTH and value < EARLIEST_BIRTH:
        return f"{label_ja}（{day}）が1900年より前です", f"The {label_en} ({day}) is before 1900"
    if decision.bound is Bound.SINCE_BEGUN and value < days.begun:
        begun = days.begun.isoformat()
        return (
            f"{label_ja}（{day}）が{days.begun_ja}（{begun}）より前です",
            f"The {label_en} ({day}) is before {days.begun_en} ({begun})",
        )
    return None


def date_problems(payload: BaseModel, table: DateTable, days: Days) -> list[Detail]:
    """Each declared date of ``payload`` out of its bounds. A date its table has no decision for is passed (the
    coverage test, tests/statemachines/test_declared_dates.py, fails for it first); a moment (an appointment's start)
    is checked as a moment by the guard its decision names."""
    found: list[Detail] = []
    for model, name, value in declared_dates(payload):
        decision = table.get((model, name))
        if decision is None or isinstance(value, datetime):
            continue
        problem = date_problem(decision, value, days)
        if problem is not None:
            found.append(problem)
    return found
