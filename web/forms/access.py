"""Who may download a 帳票 and what its download writes to the access log (process.md §5.1).

A form is refused to a reader whose roles do not see every kind of field it may print (the tags on the record's
models, ``statemachines.policy.sensitivity``), whatever this case happens to hold: operations staff never, the
administrator (basic fields only) never, since every form prints the client's identity. A download names the
要配慮 fields it printed that held something.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from statemachines.kernel.roles import Actor
from statemachines.kernel.sensitivity import Sensitivity
from statemachines.policy.sensitivity import records_held, special_care_paths, tag_of, visible_to

REFUSED = (
    "この帳票には、あなたの役割では閲覧できない項目（要配慮個人情報など）が含まれるため、出力できません。"
    "ケースを担当する相談支援員などに依頼してください。"
)


def tags_under(model: type[BaseModel], paths: Iterable[str]) -> set[Sensitivity]:
    """Every tag a field at or inside one of ``paths`` may carry (``intake.client``: each field of the identity)."""
    found: set[Sensitivity] = set()
    for path in paths:
        found |= _tags_at(model, path.split("."))
    return found


def _tags_at(model: type[BaseModel], steps: list[str]) -> set[Sensitivity]:
    name, rest = steps[0], steps[1:]
    info = model.model_fields[name]
    nested = records_held(info)
    if nested is None:
        return {tag_of(model, name)}
    if rest:
        return _tags_at(nested, rest)
    return {tag_of(model, name)} | tags_under(nested, nested.model_fields)


def may_download(actor: Actor, tags: set[Sensitivity]) -> bool:
    return bool(tags) and tags <= visible_to(actor.roles)


def picked(data: dict[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """The part of ``data`` (a record's dump) at ``paths``, nested as in ``data``."""
    out: dict[str, Any] = {}
    for path in paths:
        *parents, leaf = path.split(".")
        source, target = data, out
        for step in parents:
            source = source.get(step) or {}
            target = target.setdefault(step, {})
        if leaf in source:
            target[leaf] = source[leaf]
    return out


def printed_paths(model: type[BaseModel], data: dict[str, Any], paths: Iterable[str], prefix: str = "") -> list[str]:
    """The 要配慮 fields a form printed that held something (what the access log names)."""
    return special_care_paths(model, picked(data, paths), prefix)
