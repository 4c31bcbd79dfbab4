"""The copy of a record a command's effects are written into: it shares with the record only what nobody can change,
so a refused or failed command leaves the record it was given exactly as it was (``Process.effected``).

A deep copy (``model_copy(deep=True)``) rebuilt every 支援経過記録, evaluation and stamp of the case for every command,
and grew with the case (10.7 % of the worker's CPU, README "Profiles"). Yet the records' sheets and rows are frozen
models holding only values (text, numbers, dates, enums, other such models): nothing can change them in place, so the
copy and the record may hold the same ones. Everything else is copied as the deep copy did: the record itself, its
lists and dicts, and any model that is not frozen or holds a list or a dict. The copy therefore does not depend on
what the effects write: an effect that appends, assigns, or changes a program's row in place (an appointment's
attendance) only ever reaches objects of the copy's own.

Whether a model is such a value is read from its annotations once per class (a frozen model holds what it declares:
it was validated when it was made and cannot be assigned since); the tests check it on the values themselves, for
every record the engine's tests copy (``tests/statemachines/traces.py``).
"""

from __future__ import annotations

import copy
import functools
import types
import typing
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar, cast
from uuid import UUID

from pydantic import BaseModel

V = TypeVar("V")

IMMUTABLE: frozenset[type] = frozenset(
    {str, int, float, bool, bytes, type(None), date, datetime, time, timedelta, Decimal, UUID}
)
"""Types whose instances never change (exactly these: a subclass may carry attributes of its own)."""


def detached(value: V) -> V:
    """``value`` with every part that can change copied, and the parts that cannot shared: equal to the deep copy,
    and as independent of ``value``."""
    kind = type(value)
    if kind in IMMUTABLE or isinstance(value, Enum):
        return value
    if isinstance(value, BaseModel):
        return cast(V, value if is_value(type(value)) else _model(value))
    if kind is list:
        return cast(V, [detached(v) for v in cast(list[Any], value)])
    if kind is dict:
        return cast(V, {k: detached(v) for k, v in cast(dict[Any, Any], value).items()})  # keys are hashable
    if kind is tuple:
        items = tuple(detached(v) for v in cast(tuple[Any, ...], value))
        return cast(
            V, value if all(a is b for a, b in zip(items, cast(tuple[Any, ...], value), strict=True)) else items
        )
    return copy.deepcopy(value)  # anything else (a set, an object of no kind above): as the deep copy did


def _model(model: BaseModel) -> BaseModel:
    """A model that can change: pydantic's shallow copy (its own field values, fields set, extra and private
    attributes), each of its values then detached."""
    copied = copy.copy(model)
    copied.__dict__.update({name: detached(v) for name, v in model.__dict__.items()})
    if copied.__pydantic_extra__:
        object.__setattr__(copied, "__pydantic_extra__", detached(copied.__pydantic_extra__))
    if copied.__pydantic_private__:
        object.__setattr__(copied, "__pydantic_private__", detached(copied.__pydantic_private__))
    return copied


@functools.cache
def is_value(model: type[BaseModel]) -> bool:
    """Whether the instances of ``model`` can never change: frozen, no extra or private attributes, and every field
    a value (its annotation, which the frozen model was validated against when it was made)."""
    config = model.model_config
    if not config.get("frozen") or config.get("extra") == "allow" or model.__private_attributes__:
        return False
    return all(_value_type(f.annotation) for f in model.model_fields.values())


def _value_type(annotation: Any) -> bool:
    """Whether every value ``annotation`` admits is one that never changes: an immutable type, an enum, a literal, a
    value model, or a union, tuple or frozenset of those."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _value_type(args[0])
    if origin is typing.Literal:
        return True
    if origin in (typing.Union, types.UnionType, tuple, frozenset):
        return all(a is Ellipsis or _value_type(a) for a in args)
    if origin is not None or not isinstance(annotation, type):
        return False  # list[...], dict[...] and the like, Any, a type variable
    if annotation in IMMUTABLE or issubclass(annotation, Enum):
        return True
    return issubclass(annotation, BaseModel) and is_value(annotation)
