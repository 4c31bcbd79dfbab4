"""The programs' forms on the case page are in Japanese: every field and option of every program's payloads has a
label, the program's own (its folder's labels.py) or a generic one of web/core/i18n.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from statemachines.programs.definition import AnyProgram
from statemachines.programs.registry import PROGRAMS
from web.core.forms import FormField, build_form


def _all(fields: list[FormField]) -> Iterator[FormField]:
    for f in fields:
        yield f
        yield from _all(f.children)
        for row in f.rows:
            yield from _all(row)


def _unlabelled(defn: AnyProgram) -> list[str]:
    missing: set[str] = set()
    for row in defn.transitions:
        for f in _all(build_form(row.payload, None, {}, "ja", labels=defn.labels)):
            name = f.path.rsplit(".", 1)[-1]
            if f.label == name and not name.isdigit():
                missing.add(f"field {name}")
            missing |= {f"option {value}" for value, text in f.options if text == value}
    return sorted(missing)


@pytest.mark.parametrize("defn", PROGRAMS, ids=[p.id for p in PROGRAMS])
def test_every_field_and_option_of_a_program_s_forms_has_a_japanese_label(defn: AnyProgram) -> None:
    assert _unlabelled(defn) == []
