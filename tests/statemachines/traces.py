"""The contract of ``Process.effected``, checked on a call: the record it was given is left as it was (its dump, and
which fields were set), whatever the effects did or raised; what it returns is what the deep copy it replaced gives;
and the two share nothing that can change (``statemachines.kernel.detached``), judged by the values themselves, not by
the annotations the copy reads."""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import Enum
from typing import Any

from pydantic import BaseModel

from statemachines.kernel.detached import IMMUTABLE

Effected = Callable[..., Any]


def untouched(effected: Effected, seen: list[str] | None = None) -> Effected:
    """``effected`` checking its contract on every call that copies (an ``in_place`` one changes its record by
    design); ``seen`` collects the id of each row checked."""

    @functools.wraps(effected)
    def checked(process: Any, record: Any, t: Any, *args: Any, in_place: bool = False, **kwargs: Any) -> Any:
        if in_place:
            return effected(process, record, t, *args, in_place=True, **kwargs)
        before, was_set = record.model_dump(), set(record.model_fields_set)
        try:
            result = effected(process, record, t, *args, **kwargs)
        finally:
            assert record.model_dump() == before, f"{t.id}: its effects changed the record they were given"
            assert record.model_fields_set == was_set, f"{t.id}: its effects changed the record's fields set"
        deep = effected(process, record.model_copy(deep=True), t, *args, in_place=True, **kwargs)
        assert result == deep, f"{t.id}: the copy's result differs from the deep copy's"
        assert result.model_dump() == deep.model_dump()
        assert result.model_fields_set == deep.model_fields_set
        changeable = shared_changeable(result, held(record))
        assert not changeable, f"{t.id}: the copy shares what can change: {changeable!r:.300}"
        if seen is not None:
            seen.append(t.id)
        return result

    return checked


def held(value: Any) -> set[int]:
    """The identities of ``value`` and of every object it holds, at any depth."""
    found: set[int] = set()
    stack = [value]
    while stack:
        part = stack.pop()
        found.add(id(part))
        stack.extend(_children(part))
    return found


def shared_changeable(copied: Any, original: set[int]) -> list[Any]:
    """What ``copied`` holds of the ``original`` (the identities ``held`` gives) that can change."""
    found: list[Any] = []
    stack = [copied]
    while stack:
        part = stack.pop()
        if id(part) not in original:
            stack.extend(_children(part))
        elif not never_changes(part):  # shared: what it holds is the original's too, and was judged with it
            found.append(part)
    return found


def _children(value: Any) -> list[Any]:
    if isinstance(value, BaseModel):
        extra, private = value.__pydantic_extra__ or {}, value.__pydantic_private__ or {}
        return [*value.__dict__.values(), *extra.values(), *private.values()]
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return []


def never_changes(value: Any) -> bool:
    """Whether nothing can change ``value`` in place, judged by what it holds: an immutable scalar, an enum, a frozen
    model with no extra or private attributes whose values never change, a tuple or frozenset of such."""
    if type(value) in IMMUTABLE or isinstance(value, Enum):
        return True
    if isinstance(value, BaseModel):
        config = value.model_config
        frozen = config.get("frozen") and not value.__pydantic_extra__ and not value.__pydantic_private__
        return bool(frozen) and all(never_changes(v) for v in value.__dict__.values())
    return type(value) in (tuple, frozenset) and all(never_changes(v) for v in value)
