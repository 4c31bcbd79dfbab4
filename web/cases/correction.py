"""The 訂正 form of the case page: which recorded field (chosen from the fields the reader sees, by their Japanese
names), its new value as typed (empty clears it), and why; read back into ``correct_record``'s payload.

The value is typed as a person writes it: a choice by its Japanese name (or its code), はい／いいえ for a yes/no,
several choices separated by 「、」, a date as 2026-04-01 or 2026/4/1. What the field cannot take comes back as a
field error from the payload model (``statemachines.case.corrections``), the form as it was sent.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping, Sequence
from datetime import date
from enum import Enum
from typing import Any

from statemachines.case.corrections import CORRECTABLE, target_of
from statemachines.kernel.annotations import unwrap
from web.core.forms import FormField
from web.core.i18n import field_label, option_label

COMMAND = "correct_record"
_PATH, _VALUE, _REASON = "corrections.0.path", "corrections.0.value", "reason"
_YES = {"はい", "有", "あり", "true", "yes", "on", "1"}
_NO = {"いいえ", "無", "なし", "false", "no", "off", "0"}


def _leaves(value: Any, path: str) -> list[str]:
    """The correctable field paths under ``value`` (a dumped, redacted sheet or list of rows)."""
    if isinstance(value, Mapping):
        return [p for key, child in value.items() for p in _leaves(child, f"{path}.{key}")]
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        return [p for i, row in enumerate(value) for p in _leaves(row, f"{path}.{i}")]
    return [path] if target_of(path) is not None else []


def path_label(path: str, lang: str) -> str:
    """「相談受付・申込票 › 本人の基本情報 › 電話番号」, a row as 「目標 1」."""
    parts: list[str] = []
    for part in path.split("."):
        if part.isdigit() and parts:
            parts[-1] = f"{parts[-1]} {int(part) + 1}"
        else:
            parts.append(field_label(part, lang))
    return " › ".join(parts)


def choices(record: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    """Each field of the recorded sheets the reader may see (a redacted one is not offered), labelled."""
    paths = [p for name in CORRECTABLE if record.get(name) for p in _leaves(record[name], name)]
    return [(p, path_label(p, lang)) for p in paths]


def fields(
    record: Mapping[str, Any], sent: Mapping[str, Any] | None, errors: Mapping[str, str], lang: str
) -> list[FormField]:
    """The three fields of the form, with what was sent and the errors of a refused correction."""
    sent_row: Mapping[str, Any] = ((sent or {}).get("corrections") or [{}])[0]
    value = sent_row.get("value")
    shown = "、".join(value) if isinstance(value, list) else value
    ja = lang == "ja"
    return [
        FormField(
            path=_PATH,
            label="訂正する項目" if ja else "Field to correct",
            kind="select",
            required=True,
            options=choices(record, lang),
            value=sent_row.get("path"),
            error=errors.get(_PATH) or errors.get("corrections.0") or errors.get("corrections"),
        ),
        FormField(
            path=_VALUE,
            label="訂正後の値（空欄にすると消去。選択肢は表示名で、複数は「、」区切り、日付は 2026-04-01）"
            if ja
            else "New value (empty clears it)",
            kind="text",
            value=shown,
            error=errors.get(_VALUE),
        ),
        FormField(
            path=_REASON,
            label="訂正の理由" if ja else "Reason",
            kind="textarea",
            required=True,
            max_length=2000,
            value=(sent or {}).get("reason"),
            error=errors.get(_REASON),
        ),
    ]


def read(form: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The submitted form as ``correct_record``'s payload (not validated here)."""
    path = _first(form, _PATH)
    text = _first(form, _VALUE)
    payload: dict[str, Any] = {
        "corrections": [{"path": path, "value": typed(path, text)}],
        "reason": _first(form, _REASON),
    }
    return payload


def _first(form: Mapping[str, Sequence[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[0].strip()


def typed(path: str, text: str) -> Any:
    """The text a person typed as the field at ``path`` takes it; what cannot be read is passed on as typed, for
    the payload model to name what is wrong. Empty clears the field (None)."""
    if not text:
        return None
    target = target_of(path)
    if target is None:
        return text
    annotation, _ = unwrap(target.info.annotation)
    item = typing.get_args(annotation)[0] if typing.get_origin(annotation) is list else None
    if item is not None:
        return [_one(item, part) for part in re.split(r"[、，,\s]+", text) if part]
    return _one(annotation, text)


def _one(annotation: Any, text: str) -> Any:
    if annotation is bool:
        lowered = text.lower()
        return True if lowered in _YES else False if lowered in _NO else text
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        for member in annotation:
            if text in (str(member.value), option_label(str(member.value), "ja")):
                return str(member.value)
        return text
    if annotation is int:
        return int(text) if re.fullmatch(r"[+-]?\d{1,9}", text) else text
    if annotation is not date:
        return text
    dated = re.fullmatch(r"(\d{4})[/.年-](\d{1,2})[/.月-](\d{1,2})日?", text)
    if dated:
        return "{}-{:02d}-{:02d}".format(*(int(g) for g in dated.groups()))
    return text
