"""What changed from one version of a plan (プラン兼事業等利用申込書) to the next, field by field and in Japanese.

A changed period or yes/no reads 「期間終了日：2026年6月30日 → 2026年9月30日」; a rewritten text
「留意事項：内容を変更」 (both versions are on the sheet in full); goals and support items are matched by what they
say, so a goal added, removed or given another 達成時期 is named as such. Both versions are dumps as the reader may
see them: a field withheld from the reader is not compared, and goals whose words are withheld are only counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from statemachines.case.records import Goal, Plan, SupportItem
from statemachines.kernel.annotations import unwrap
from web.cases.sheets import Reader
from web.core.forms import LONG_TEXT

ITEMS: dict[str, tuple[type[BaseModel], tuple[str, ...]]] = {
    "goals": (Goal, ("description",)),
    "support_items": (SupportItem, ("kind", "program", "description")),
}
"""The lists of a plan, their records, and the fields that say which record is which."""


def plan_changes(reader: Reader, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The changes from ``before`` to ``after`` (two dumps of ``Plan``), one sentence each."""
    lines: list[str] = []
    for name in Plan.model_fields:
        if name in ITEMS:
            model, key = ITEMS[name]
            lines += _item_changes(reader, reader.label(Plan, name), model, key, before.get(name), after.get(name))
        elif name in before or name in after:
            lines += _value_changes(reader, Plan, name, before.get(name), after.get(name), reader.label(Plan, name))
    return lines


def _value_changes(reader: Reader, model: type[BaseModel], name: str, old: Any, new: Any, label: str) -> list[str]:
    if old == new:
        return []
    info = model.model_fields[name]
    if any(getattr(m, "max_length", 0) and m.max_length > LONG_TEXT for m in info.metadata):
        return [reader.word("change_text").format(label=label)]
    annotation, _ = unwrap(info.annotation)
    shown = [reader.scalar(name, annotation, v) for v in (old, new)]
    return [reader.word("change_value").format(label=label, old=shown[0], new=shown[1])]


def _item_changes(
    reader: Reader, label: str, model: type[BaseModel], key: Sequence[str], old: Any, new: Any
) -> list[str]:
    before = [v for v in old or [] if isinstance(v, dict)]
    after = [v for v in new or [] if isinstance(v, dict)]
    if any(k not in v for v in before + after for k in key):  # withheld from the reader: only the numbers
        if len(before) == len(after):
            return []
        return [reader.word("change_value").format(label=label, old=len(before), new=len(after))]
    olds = {_key(v, key): v for v in before}
    news = {_key(v, key): v for v in after}
    lines = [_said(reader, "item_removed", label, model, v) for k, v in olds.items() if k not in news]
    lines += [_said(reader, "item_added", label, model, v) for k, v in news.items() if k not in olds]
    for k, v in news.items():
        for name in model.model_fields if k in olds else ():
            if name in key or (name not in v and name not in olds[k]):
                continue
            field = f"「{v.get('description', '')}」の{reader.label(model, name)}"
            lines += _value_changes(reader, model, name, olds[k].get(name), v.get(name), field)
    return lines


def _said(reader: Reader, word: str, label: str, model: type[BaseModel], value: Mapping[str, Any]) -> str:
    return reader.word(word).format(label=label, item=_name(reader, model, value))


def _key(value: Mapping[str, Any], key: Sequence[str]) -> tuple[str, ...]:
    return tuple(str(value.get(k)) for k in key)


def _name(reader: Reader, model: type[BaseModel], value: Mapping[str, Any]) -> str:
    """A goal or support item as a change names it: 「就職する」（達成時期：2026年6月30日（火）…）."""
    text = f"「{value.get('description', '')}」"
    if model is Goal and value.get("target_date"):
        annotation = unwrap(Goal.model_fields["target_date"].annotation)[0]
        when = reader.scalar("target_date", annotation, value["target_date"])
        return f"{text}（{reader.label(Goal, 'target_date')}：{when}）"
    if model is SupportItem:
        what = value.get("program") or value.get("kind")
        return f"{reader.option(str(what))}{text}" if what else text
    return text
