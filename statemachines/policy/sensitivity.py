"""What each role may see of a case's records and of its program enrolments' (process.md §5.1).

Every field of every record carries its sensitivity on itself (``statemachines.kernel.sensitivity``:
``Annotated[str, SPECIAL_CARE]``); this module reads those tags from the models' fields. Roles see what their work
needs: consultants, the municipality and auditors see everything (and every read of a ``special_care`` field is
written to ``access_log``); operations staff see states and counts, not records; the administrator sees the basic
fields only. A field left untagged is treated as special care (the safe side), and a test fails on it.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from statemachines.kernel.roles import Role
from statemachines.kernel.sensitivity import Configuration, Sensitivity

VISIBLE: dict[Role, frozenset[Sensitivity]] = {
    Role.SW: frozenset(Sensitivity),
    Role.CSW: frozenset(Sensitivity),
    Role.ESW: frozenset(Sensitivity),
    Role.HHSW: frozenset(Sensitivity),
    Role.MUN: frozenset(Sensitivity),
    Role.AUD: frozenset(Sensitivity),
    Role.ADMIN: frozenset({Sensitivity.BASIC}),
    Role.OPS: frozenset(),  # states and counts only: no records
    Role.SYSTEM: frozenset(Sensitivity),
}


def visible_to(roles: frozenset[Role]) -> frozenset[Sensitivity]:
    """What a person holding ``roles`` may see: the union over their roles."""
    seen: set[Sensitivity] = set()
    for role in roles:
        seen |= VISIBLE.get(role, frozenset())
    return frozenset(seen)


def declared_tag(info: FieldInfo) -> Sensitivity | None:
    """The tag written on a field (``Annotated[..., SPECIAL_CARE]``, or ``CONFIGURATION``), None if there is none."""
    for marker in info.metadata:
        if isinstance(marker, Sensitivity):
            return marker
        if isinstance(marker, Configuration):
            return marker.sensitivity
    return None


def tag_of(model: type[BaseModel], field: str) -> Sensitivity:
    """The field's tag; an untagged field is treated as special care (the safe side), and the tests fail on it."""
    info = model.model_fields.get(field)
    tag = declared_tag(info) if info is not None else None
    return Sensitivity.SPECIAL_CARE if tag is None else tag


def records_held(info: FieldInfo) -> type[BaseModel] | None:
    """The record model a field holds (a sheet, or the items of a list), whose own fields decide; None for a leaf.

    Configuration is not a record: a field tagged ``CONFIGURATION`` is a leaf, kept or left out as a whole.
    """
    if any(isinstance(marker, Configuration) for marker in info.metadata):
        return None
    return _model_in(info.annotation)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for arg in typing.get_args(annotation) if (m := _model_in(arg)) is not None), None)


def _is_mapping_field(annotation: Any) -> bool:
    return typing.get_origin(annotation) is dict


@dataclass(frozen=True)
class _Placed:
    """What ``redact`` and ``special_care_paths`` need of one field, worked out once per model (issue 16: walking the
    annotations on every read was a quarter of the API's CPU)."""

    tag: Sensitivity
    nested: type[BaseModel] | None  # the record model it holds (``records_held``)
    records: bool  # its value is one record or a list of them (not a mapping of records, which stays whole)


@functools.cache
def _placed(model: type[BaseModel]) -> dict[str, _Placed]:
    return {
        name: _Placed(tag_of(model, name), records_held(info), not _is_mapping_field(info.annotation))
        for name, info in model.model_fields.items()
    }


def redact(model: type[BaseModel], data: Mapping[str, Any], allowed: frozenset[Sensitivity]) -> dict[str, Any]:
    """``data`` (a dump of ``model``) without the fields whose tag is not ``allowed``, recursively.

    With nothing allowed (operations staff) nothing is kept. Otherwise what was left out is not marked.
    """
    if not allowed:
        return {}
    plan = _placed(model)
    kept: dict[str, Any] = {}
    for name, value in data.items():
        field = plan.get(name)
        if field is None or field.tag not in allowed:
            continue
        nested = field.nested
        if nested is not None and isinstance(value, dict) and field.records:
            kept[name] = redact(nested, value, allowed)
        elif nested is not None and isinstance(value, list):
            kept[name] = [redact(nested, v, allowed) if isinstance(v, dict) else v for v in value]
        else:
            kept[name] = value
    return kept


def special_care_paths(model: type[BaseModel], data: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The paths of the ``special_care`` fields in ``data`` that hold something (what an access log names).

    A field that holds records is a container: the fields of its records decide.
    """
    plan = _placed(model)
    found: list[str] = []
    for name, value in data.items():
        field = plan.get(name)
        if field is None or value in (None, "", [], {}):
            continue
        path = f"{prefix}{name}"
        nested = field.nested
        if nested is not None and isinstance(value, dict) and field.records:
            found += special_care_paths(nested, value, f"{path}.")
        elif nested is not None and isinstance(value, list):
            inner = {p for v in value if isinstance(v, dict) for p in special_care_paths(nested, v, f"{path}[].")}
            found += sorted(inner)
        elif field.tag is Sensitivity.SPECIAL_CARE:
            found.append(path)
    return found
