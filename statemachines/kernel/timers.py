"""What a process's timers do, declared once for people and tools (``describe``, the process page).

A SYSTEM row of a table names its timer (``Transition.timer``); the ``Timer`` of that id says what it does in words.
What the row already says (the states it runs in, the trigger it fires) and what the rules say (the default and its
source) are read from there, not written again, so a description cannot drift from the table it describes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from statemachines.kernel.table import Transition


@dataclass(frozen=True)
class Timer:
    """A timer of a process: ``rule`` names the rule its time comes from (its default and source are the rule's),
    ``start`` what it counts from, ``at`` when it fires in words where no rule sets it; ``effect`` what it does."""

    id: str
    effect: str
    rule: str | None = None
    start: str | None = None
    at: str | None = None


def describe_timers(
    rows: Iterable[Transition[Any, Any]], timers: Iterable[Timer], rules: Mapping[str, tuple[Any, str]]
) -> list[dict[str, Any]]:
    """Each timer as data, in the order of the rows that fire them. A row's timer without a ``Timer``, a ``Timer``
    no row fires, or a ``rule`` the rules do not hold is a mistake in the table: ``ValueError`` names it."""
    declared = {t.id: t for t in timers}
    fired = [r for r in rows if r.timer is not None]
    named = {str(r.timer) for r in fired}
    missing = sorted((named - declared.keys()) | (declared.keys() - named))
    unknown = sorted(t.rule for t in declared.values() if t.rule is not None and t.rule not in rules)
    if missing or unknown:
        raise ValueError(f"timers without both a row and a declaration: {missing}; rules not held: {unknown}")
    described: list[dict[str, Any]] = []
    for row in fired:
        timer = declared[str(row.timer)]
        entry: dict[str, Any] = {
            "id": timer.id,
            "states": [_value(s) for s in row.source],
            "fires": _value(row.trigger),
            "transition": row.id,
        }
        if timer.rule is not None:
            default, source = rules[timer.rule]
            entry |= {"rule": timer.rule, "default": default, "source": source}
        if timer.start is not None:
            entry["from"] = timer.start
        if timer.at is not None:
            entry["at"] = timer.at
        entry["effect"] = timer.effect
        described.append(entry)
    return described


def _value(member: Any) -> str:
    return member.value if isinstance(member, StrEnum) else str(member)
