"""HTML forms generated from the command payload models, and the submitted form read back into a payload.

The page and the API validate with the same pydantic models: the form only turns named inputs into the payload's
nested shape, and the model's errors come back by their ``loc`` to the field they belong to. Names are paths:
``intake.client.name_kana``, ``plan.goals.0.description``. A list of records gets ``LIST_ROWS`` rows (empty rows are
dropped); a list of choices is a group of checkboxes; an empty field is left out (the model's default applies).
Labels are the case's and the generic ones of ``web.core.i18n``; a program's form names its own first
(``ProgramDef.labels``).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any, Literal

from annotated_types import MaxLen
from pydantic import BaseModel

from statemachines.case.records import UNASKED_FIELDS
from statemachines.kernel.annotations import unwrap
from statemachines.programs.definition import Labels
from web.core.i18n import JST, error_message, field_label, option_label

LIST_ROWS = 3
LONG_TEXT = 200  # longer limits get a textarea


@dataclass
class FormField:
    path: str
    label: str
    kind: Literal["text", "textarea", "number", "date", "datetime", "checkbox", "select", "multi", "group", "rows"]
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    value: Any = None
    error: str | None = None
    children: list[FormField] = field(default_factory=list)
    rows: list[list[FormField]] = field(default_factory=list)
    max_length: int | None = None
    count: int | None = None  # a list of yes/no answers: how many boxes the form shows (sent back as ``path.count``)

    @property
    def dom_id(self) -> str:
        return "f-" + self.path.replace(".", "-")


@dataclass(frozen=True)
class Words:
    """What a form's fields and options are called: a program's own labels first (in Japanese), then the generic."""

    lang: str
    labels: Labels

    def field(self, name: str) -> str:
        own = self.labels.fields.get(name) if self.lang == "ja" else None
        return own or field_label(name, self.lang)

    def option(self, value: str) -> str:
        own = self.labels.options.get(value) if self.lang == "ja" else None
        return own or option_label(value, self.lang)


def choice_values(annotation: Any) -> list[str] | None:
    """The values of a choice (an enum's or a ``Literal``'s), None if ``annotation`` is not one."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(m.value) for m in annotation]
    if typing.get_origin(annotation) is Literal:
        return [str(v) for v in typing.get_args(annotation)]
    return None


def _choices(annotation: Any, words: Words) -> list[tuple[str, str]] | None:
    values = choice_values(annotation)
    return None if values is None else [(value, words.option(value)) for value in values]


def _value(values: Mapping[str, Any] | None, name: str) -> Any:
    return None if values is None else values.get(name)


def build_form(
    model: type[BaseModel],
    values: Mapping[str, Any] | None,
    errors: Mapping[str, str],
    lang: str,
    prefix: str = "",
    hints: Mapping[str, list[str]] | None = None,
    labels: Labels | None = None,
) -> list[FormField]:
    """The fields of ``model`` with ``values`` (the payload as JSON) and ``errors`` (by path) filled in.

    ``hints`` names the items of a list of yes/no answers by path (e.g. one per goal of the plan being evaluated);
    ``labels`` are a program's own words for its fields and options.
    """
    return _fields(model, values, errors, Words(lang, labels or Labels()), prefix, hints or {})


def _fields(
    model: type[BaseModel],
    values: Mapping[str, Any] | None,
    errors: Mapping[str, str],
    words: Words,
    prefix: str,
    hints: Mapping[str, list[str]],
) -> list[FormField]:
    out: list[FormField] = []
    for name, info in model.model_fields.items():
        if name in UNASKED_FIELDS:
            continue
        path = f"{prefix}{name}"
        annotation, _ = unwrap(info.annotation)
        label = words.field(name)
        current = _value(values, name)
        required = info.is_required()
        origin = typing.get_origin(annotation)
        base = FormField(path=path, label=label, kind="text", required=required, error=errors.get(path))
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            base.kind = "group"
            nested = current if isinstance(current, dict) else None
            base.children = _fields(annotation, nested, errors, words, f"{path}.", hints)
        elif origin is dict:
            _flags_field(base, annotation, current, words)
        elif origin is list and unwrap(typing.get_args(annotation)[0])[0] is bool:
            _answers_field(base, current, hints.get(path) or [f"{label} {i + 1}" for i in range(LIST_ROWS)])
        elif origin is list:
            _list_field(base, annotation, current, errors, words, hints)
        else:
            _scalar_field(base, annotation, info.metadata, current, words)
        out.append(base)
    return out


def _scalar_field(base: FormField, annotation: Any, metadata: list[Any], current: Any, words: Words) -> None:
    if (choices := _choices(annotation, words)) is not None:
        base.kind, base.options, base.value = "select", choices, None if current is None else str(current)
    elif annotation is bool:
        base.kind, base.value = "checkbox", bool(current)
    elif annotation is int or annotation is float:
        base.kind, base.value = "number", current
    elif annotation is date:
        base.kind, base.value = "date", current
    elif annotation is datetime or getattr(annotation, "__name__", "") == "AwareDatetime":
        base.kind, base.value = "datetime", _local(current)
    else:
        limit = next((m.max_length for m in metadata if isinstance(m, MaxLen)), None)
        base.max_length = limit
        base.kind = "textarea" if limit is not None and limit > LONG_TEXT else "text"
        base.value = current


def _flags_field(base: FormField, annotation: Any, current: Any, words: Words) -> None:
    """``dict[SomeEnum, bool]``: one yes/no box per member (e.g. the 評価's improvements per dimension)."""
    keys = _choices(typing.get_args(annotation)[0], words) or []
    chosen = current if isinstance(current, dict) else {}
    base.kind = "group"
    base.children = [
        FormField(path=f"{base.path}.{value}", label=text, kind="checkbox", value=bool(chosen.get(value)))
        for value, text in keys
    ]


def _answers_field(base: FormField, current: Any, labels: list[str]) -> None:
    """``list[bool]``: one yes/no box per item named in ``labels`` (their number is sent back as ``path.count``)."""
    answers = current if isinstance(current, list) else []
    base.kind, base.count = "group", len(labels)
    base.children = [
        FormField(path=f"{base.path}.{i}", label=text, kind="checkbox", value=i < len(answers) and bool(answers[i]))
        for i, text in enumerate(labels)
    ]


def _list_field(
    base: FormField,
    annotation: Any,
    current: Any,
    errors: Mapping[str, str],
    words: Words,
    hints: Mapping[str, list[str]],
) -> None:
    (item,) = typing.get_args(annotation) or (str,)
    item, _ = unwrap(item)
    choices = _choices(item, words)
    if isinstance(item, type) and issubclass(item, BaseModel):
        base.kind = "rows"
        existing = current if isinstance(current, list) else []
        count = max(LIST_ROWS, len(existing) + 1)
        base.rows = [
            _fields(item, existing[i] if i < len(existing) else None, errors, words, f"{base.path}.{i}.", hints)
            for i in range(count)
        ]
    elif choices is not None:
        base.kind, base.options = "multi", choices
        base.value = [str(v) for v in current] if isinstance(current, list) else []
    else:
        base.kind = "textarea"  # one item per line
        base.value = "\n".join(str(v) for v in current) if isinstance(current, list) else ""


def _local(value: Any) -> str | None:
    """An ISO datetime as the ``datetime-local`` input shows it, in Japan time."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(JST)
    return moment.strftime("%Y-%m-%dT%H:%M")


def read_form(model: type[BaseModel], form: Mapping[str, Sequence[str]], prefix: str = "") -> dict[str, Any]:
    """The submitted form as the payload's nested dict; empty fields are left out. Not validated here."""
    payload: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name in UNASKED_FIELDS:
            continue
        path = f"{prefix}{name}"
        annotation, _ = unwrap(info.annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            value: Any = read_form(annotation, form, f"{path}.")
        elif typing.get_origin(annotation) is dict:
            keys = choice_values(typing.get_args(annotation)[0]) or []
            value = {key: True for key in keys if form.get(f"{path}.{key}")}
        elif typing.get_origin(annotation) is list and unwrap(typing.get_args(annotation)[0])[0] is bool:
            value = _read_answers(form, path)
        elif typing.get_origin(annotation) is list:
            value = _read_list(annotation, form, path)
        else:
            value = _read_leaf(annotation, form, path)
        if value not in (None, {}, []):
            payload[name] = value
    return payload


def _read_list(annotation: Any, form: Mapping[str, Sequence[str]], path: str) -> list[Any]:
    (item,) = typing.get_args(annotation) or (str,)
    item, _ = unwrap(item)
    if isinstance(item, type) and issubclass(item, BaseModel):
        rows = []
        index = 0
        while any(k.startswith(f"{path}.{index}.") for k in form):
            row = read_form(item, form, f"{path}.{index}.")
            if row:
                rows.append(row)
            index += 1
        return rows
    if choice_values(item) is not None:
        return [v for v in form.get(path, []) if v]
    return [line.strip() for v in form.get(path, []) for line in v.splitlines() if line.strip()]


def _read_answers(form: Mapping[str, Sequence[str]], path: str) -> list[bool]:
    """Yes/no boxes ``path.0``, ``path.1``, ...: as many answers as the form showed (``path.count``)."""
    checked = {int(k.rsplit(".", 1)[1]) for k in form if k.startswith(f"{path}.") and k.rsplit(".", 1)[1].isdigit()}
    shown = form.get(f"{path}.count", [])
    count = int(shown[-1]) if shown and shown[-1].isdigit() else max(checked, default=-1) + 1
    return [i in checked for i in range(min(count, 50))]


def _read_leaf(annotation: Any, form: Mapping[str, Sequence[str]], path: str) -> Any:
    submitted = [v.strip() for v in form.get(path, []) if v.strip() != ""]
    if annotation is bool:
        return True if submitted else None  # an unchecked box: the model's default
    if not submitted:
        return None
    if annotation is datetime or getattr(annotation, "__name__", "") == "AwareDatetime":
        return _aware(submitted[-1])
    return submitted[-1]


def _aware(raw: str) -> str:
    """A ``datetime-local`` value is Japan time."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    return (moment if moment.tzinfo else moment.replace(tzinfo=JST)).isoformat()


def errors_by_path(errors: Sequence[Mapping[str, Any]], lang: str = "ja") -> dict[str, str]:
    """Pydantic-style errors (``loc``, ``msg``) keyed by the form path they belong to, in the page's language."""
    found: dict[str, str] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        path = ".".join(loc)
        message = error_message(error, lang)
        found[path] = f"{found[path]} / {message}" if path in found else message
    return found
