"""Records as sheets: a pydantic model and its dump, as the reader's roles may see it, turned into rows of Japanese
labels and values — the way the 標準様式 print them, never a JSON dump.

Every label comes from the model's field names (``web.core.i18n.sheet_label``; a program's own words first, as on
its forms); enums and ``Literal`` choices are named by ``option_label``, booleans are はい／いいえ, dates and times are
Japan time (``date_ja``, ``datetime_ja``), colleagues are named by their display names and municipalities by theirs.
A field left empty shows 「—」, so a sheet has the same rows however far the case has come. A field the reader's roles
may not see (``statemachines.policy.sensitivity``) shows 「（閲覧権限がありません）」 instead of its value. A list of
flat records (goals, support items, attendees) is a table; a list of records that hold lists is one group per record.

While it renders, the ``Reader`` collects the paths of the 要配慮 fields it showed with something in them, in the
form ``special_care_paths`` gives (``plan.goals[].description``): what the page writes to the access log. A field
named by a 訂正 (``Correction.paths``, or a parent of it) is marked 「訂正済み（No.n、日付、職員名）」 beside its value.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from annotated_types import MaxLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from statemachines.case.records import Stamp
from statemachines.kernel.annotations import unwrap
from statemachines.kernel.sensitivity import Sensitivity
from statemachines.policy.sensitivity import tag_of
from statemachines.programs.definition import Labels
from web.core.forms import LONG_TEXT, choice_values
from web.core.i18n import date_en, date_ja, datetime_ja, option_label, sheet_item_label, sheet_label, t
from web.core.names import Names

EMPTY = "—"
USER_FIELDS = frozenset({"opened_by", "assignee", "employment_supporter", "user_id", "addressed_to", "responsible"})
"""Fields that hold a colleague's user id: the sheet shows their display name (an unknown id stays as it is)."""
_KIND = re.compile(r"^[a-z][a-z0-9_]*$")  # a stored kind (``income_over_limit``), named if a label knows it
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")  # a calendar month, ``YYYY-MM``
_INDEX = re.compile(r"\.\d+(?=\.|$)")


@dataclass
class Row:
    """One line of a sheet: a label and its value, or a group of lines, or a table."""

    label: str
    path: str
    kind: Literal["value", "text", "withheld", "group", "table"] = "value"
    value: str = EMPTY
    rows: list[Row] = field(default_factory=list)  # a group's lines
    columns: list[str] = field(default_factory=list)  # a table's headings
    cells: list[list[Row]] = field(default_factory=list)  # a table's lines, a cell per heading
    corrected: list[str] = field(default_factory=list)  # 「訂正済み（No.1、…）」 for each 訂正 naming it

    def walk(self) -> typing.Iterator[Row]:
        """This row and every row inside it."""
        yield self
        for row in self.rows:
            yield from row.walk()
        for line in self.cells:
            for cell in line:
                yield from cell.walk()


def log_path(path: str) -> str:
    """``plan.goals.0.description`` as the access log names it: ``plan.goals[].description``."""
    return _INDEX.sub("[]", path)


@dataclass
class Reader:
    """Who reads a record and in which words: what their roles may see, the names of colleagues and municipalities,
    a program's own labels, the record's 訂正; and, as it renders, the 要配慮 paths it showed."""

    lang: str
    allowed: frozenset[Sensitivity]
    names: Names = field(default_factory=Names)
    labels: Labels = field(default_factory=Labels)
    corrections: Sequence[Mapping[str, Any]] = ()  # the record's ``corrections`` as the reader may see them
    case_numbers: Mapping[str, str] = field(default_factory=dict)  # case id -> 受付番号, for ``previous_case_id``
    hidden: frozenset[str] = frozenset()  # fields no record of this sheet shows (a program's bookkeeping)
    shown: dict[str, None] = field(default_factory=dict)  # the 要配慮 paths shown, in order (a set that keeps it)

    @property
    def sees_records(self) -> bool:
        return bool(self.allowed)

    def word(self, key: str) -> str:
        return t(key, self.lang)

    def label(self, model: type[BaseModel], name: str) -> str:
        own = self.labels.fields.get(name) if self.lang == "ja" else None
        return own or sheet_label(model.__name__, name, self.lang)

    def option(self, value: str) -> str:
        own = self.labels.options.get(value) if self.lang == "ja" else None
        return own or option_label(value, self.lang)

    def yes_no(self, value: bool) -> str:
        return self.word("yes" if value else "no")

    def day(self, value: date | datetime, *, era: bool = True) -> str:
        return date_ja(value, era=era) if self.lang == "ja" else date_en(value)

    def log_paths(self) -> list[str]:
        return list(self.shown)

    def rows(
        self,
        model: type[BaseModel],
        data: Mapping[str, Any] | None,
        path: str = "",
        *,
        only: Sequence[str] | None = None,
        leave_out: Sequence[str] = (),
    ) -> list[Row]:
        """The fields of ``model`` (``only`` those, in that order, or all but ``leave_out``) with their values in
        ``data`` (a JSON dump, redacted), each named ``path`` + its name."""
        values = data or {}
        names = only if only is not None else [n for n in self._fields(model) if n not in leave_out]
        return [self.row(model, name, values, f"{path}{name}") for name in names]

    def row(self, model: type[BaseModel], name: str, data: Mapping[str, Any], path: str) -> Row:
        """The field ``name`` of ``model``: its value in ``data``, or the placeholder if the reader may not see it."""
        label = self.label(model, name)
        if tag_of(model, name) not in self.allowed:
            return Row(label, path, kind="withheld", value=self.word("withheld"), corrected=self._corrected(path))
        info = model.model_fields[name]
        value = data.get(name)
        row = self._value_row(label, path, info, value)
        if tag_of(model, name) is Sensitivity.SPECIAL_CARE and value not in (None, "", [], {}):
            self.shown[log_path(path)] = None
        if row.kind not in ("group", "table"):
            row.corrected = self._corrected(path)
        return row

    def _value_row(self, label: str, path: str, info: FieldInfo, value: Any) -> Row:
        annotation, _ = unwrap(info.annotation)
        origin = typing.get_origin(annotation)
        if _is_model(annotation):
            return self._record_row(label, path, annotation, value)
        if origin is dict:
            return self._flags_row(label, path, annotation, value)
        if origin is list:
            return self._list_row(label, path, annotation, value)
        long = any(isinstance(m, MaxLen) and m.max_length > LONG_TEXT for m in info.metadata)
        text = self.scalar(path.rsplit(".", 1)[-1], annotation, value)
        return Row(label, path, kind="text" if long and value else "value", value=text)

    def _record_row(self, label: str, path: str, model: type[BaseModel], value: Any) -> Row:
        if not isinstance(value, dict):
            return Row(label, path)
        if model is Stamp:
            return Row(label, path, value=self.stamp(value))
        return Row(label, path, kind="group", rows=self.rows(model, value, f"{path}."))

    def _flags_row(self, label: str, path: str, annotation: Any, value: Any) -> Row:
        """``dict[SomeEnum, bool]``: a yes/no line per member (a 評価's improvements per dimension)."""
        chosen = value if isinstance(value, dict) else {}
        keys = choice_values(typing.get_args(annotation)[0]) or sorted(chosen)
        lines = [Row(self.option(k), f"{path}.{k}", value=self.yes_no(bool(chosen.get(k)))) for k in keys]
        return Row(label, path, kind="group", rows=lines)

    def _list_row(self, label: str, path: str, annotation: Any, value: Any) -> Row:
        items = value if isinstance(value, list) else []
        (item,) = typing.get_args(annotation) or (str,)
        item, _ = unwrap(item)
        if not items:
            return Row(label, path)
        if _is_model(item):
            if _flat(item):
                return self.table(label, path, item, items)
            groups = [
                Row(f"{label} {i + 1}", f"{path}.{i}", kind="group", rows=self.rows(item, v, f"{path}.{i}."))
                for i, v in enumerate(items)
            ]
            return Row(label, path, kind="group", rows=groups)
        if item is bool:  # one answer per item of something else (per goal of the plan): 目標1, 目標2, ...
            name = path.rsplit(".", 1)[-1]
            lines = [
                Row(sheet_item_label(name, label, i + 1, self.lang), f"{path}.{i}", value=self.yes_no(bool(v)))
                for i, v in enumerate(items)
            ]
            return Row(label, path, kind="group", rows=lines)
        name = path.rsplit(".", 1)[-1]
        return Row(label, path, value="、".join(self.scalar(name, item, v) for v in items))

    def table(self, label: str, path: str, model: type[BaseModel], items: Sequence[Any]) -> Row:
        """Records of ``model`` as a table: a heading per field, a line per record."""
        names = self._fields(model)
        columns = [self.label(model, name) for name in names]
        cells = [
            [self.row(model, name, v if isinstance(v, dict) else {}, f"{path}.{i}.{name}") for name in names]
            for i, v in enumerate(items)
        ]
        return Row(label, path, kind="table", columns=columns, cells=cells, corrected=self._corrected(path))

    def scalar(self, name: str, annotation: Any, value: Any) -> str:
        """One value as the sheet shows it."""
        if value is None or value == "":
            return EMPTY
        if choice_values(annotation) is not None:
            return self.option(str(value))
        if annotation is bool:
            return self.yes_no(bool(value))
        if annotation is date:
            return self.day(date.fromisoformat(str(value)))
        if annotation is datetime or getattr(annotation, "__name__", "") == "AwareDatetime":
            return datetime_ja(datetime.fromisoformat(str(value)))
        if annotation is int and isinstance(value, int):
            return f"{value:,}"
        return self.text(name, str(value))

    def text(self, name: str, value: str) -> str:
        if name in USER_FIELDS:
            return self.names.user(value)
        if name == "municipality":
            return self.names.town(value)
        if name == "office_id":
            return self.names.office(value)
        if name == "institution_id":
            return self.names.institution(value)
        if name == "previous_case_id":
            return self.case_numbers.get(value) or self.word("earlier_case")
        if (month := _MONTH.match(value)) is not None:
            return f"{month.group(1)}年{int(month.group(2))}月"
        if _KIND.match(value):
            return self.option(value)  # a kind stored as text; free text is never all lower-case ASCII
        return value

    def stamp(self, value: Mapping[str, Any]) -> str:
        """Who and when: 「相談支援員 田中（2026/01/05 09:00）」."""
        at = value.get("at")
        when = datetime_ja(datetime.fromisoformat(str(at))) if at else EMPTY
        return f"{self.names.user(value.get('user_id'))}（{when}）"

    def _fields(self, model: type[BaseModel]) -> list[str]:
        return [name for name in model.model_fields if name not in self.hidden]

    def _corrected(self, path: str) -> list[str]:
        """「訂正済み（No.n、日付、職員名）」 for each 訂正 that names ``path`` or a field it is part of."""
        marks = []
        for c in self.corrections:
            if any(path == p or path.startswith(f"{p}.") for p in c.get("paths") or ()):
                stamp = c.get("corrected") or {}
                at = stamp.get("at")
                when = self.day(datetime.fromisoformat(str(at)), era=False) if at else EMPTY
                who = self.names.user(stamp.get("user_id"))
                marks.append(self.word("corrected").format(no=c.get("correction_no"), on=when, by=who))
        return marks


def _is_model(annotation: Any) -> typing.TypeGuard[type[BaseModel]]:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _flat(model: type[BaseModel]) -> bool:
    """A record whose fields are all single values (a Stamp counts as one): a line of a table."""
    for info in model.model_fields.values():
        annotation, _ = unwrap(info.annotation)
        origin = typing.get_origin(annotation)
        if origin is dict or (_is_model(annotation) and annotation is not Stamp):
            return False
        if origin is list:
            (item,) = typing.get_args(annotation) or (str,)
            if _is_model(unwrap(item)[0]):
                return False
    return True
