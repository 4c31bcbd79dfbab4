"""Every program process, found in its folder: ``statemachines/programs/<id>/table.py`` holds its ``ProgramDef``.

Adding a program is adding its folder (``docs/changing-the-process.md``): nothing here names one. The programs are
listed in the order they declare (``ProgramDef.position``), which is the order of ``python -m statemachines describe``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from pydantic import ValidationError

import statemachines.programs
from statemachines.kernel.rules import DocumentType
from statemachines.programs.definition import AnyProgram, ProgramDef


def program_in(table: ModuleType, folder: str) -> AnyProgram:
    """The one ``ProgramDef`` a folder's table module defines; its id is the folder's name."""
    found = [value for value in vars(table).values() if isinstance(value, ProgramDef)]
    if len(found) != 1 or found[0].id != folder:
        raise LookupError(f"{table.__name__} must define exactly one ProgramDef, with id {folder!r}")
    return found[0]


def _programs() -> tuple[AnyProgram, ...]:
    """Each folder of ``statemachines/programs`` that has a table module, by the position its program declares."""
    package = statemachines.programs
    programs = [
        program_in(importlib.import_module(f"{package.__name__}.{folder.name}.table"), folder.name)
        for folder in pkgutil.iter_modules(package.__path__)
        if folder.ispkg
    ]
    positions = [p.position for p in programs]
    if len(set(positions)) != len(positions):
        raise LookupError(f"two programs declare the same position: {sorted(positions)}")
    return tuple(sorted(programs, key=lambda p: p.position))


PROGRAMS: tuple[AnyProgram, ...] = _programs()
BY_ID: dict[str, AnyProgram] = {p.id: p for p in PROGRAMS}
DOCUMENTS: dict[str, DocumentType] = {p.id: p.document for p in PROGRAMS}
"""The kind of record each program keeps (``statemachines.policy.retention``), by id."""


def program_rule_errors(programs: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What is wrong with a rule set's program values (``RuleSet.programs``), as field errors: an unknown program,
    or a value its rules do not take. Checked before the rule set is stored, so no enrolment starts on bad values."""
    errors: list[dict[str, Any]] = []
    for program, values in programs.items():
        defn = BY_ID.get(program)
        if defn is None:
            errors.append(
                {"type": "unknown_program", "loc": ["programs", program], "msg": "登録されていない事業です。"}
            )
            continue
        try:
            defn.rules_with(values)
        except ValidationError as exc:
            errors += [{**e, "loc": ["programs", program, *e["loc"]]} for e in exc.errors(include_url=False)]
    return errors
