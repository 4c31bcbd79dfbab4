"""The registry of the programs (statemachines/programs/registry.py): each folder's table module is found and its
program registered by the folder's name, in the order the programs declare; the programs staff start are registered by
their id and have no patch of a decision starting them."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

import statemachines.programs
from statemachines.kernel.rules import DocumentType
from statemachines.programs.housing_benefit.table import HOUSING_BENEFIT
from statemachines.programs.registry import BY_ID, DOCUMENTS, PROGRAMS, program_in
from statemachines.programs.work_readiness.table import WORK_READINESS
from tests.statemachines.programs.tables import STARTED_BY_STAFF

FOLDER = Path(statemachines.programs.__file__).parent


def test_every_folder_with_a_table_is_a_program_by_its_folder_s_name() -> None:
    folders = {table.parent.name for table in FOLDER.glob("*/table.py")}
    assert set(BY_ID) == folders
    assert len(PROGRAMS) == len(folders)


def test_the_programs_are_in_the_order_they_declare() -> None:
    assert [p.position for p in PROGRAMS] == sorted(p.position for p in PROGRAMS)
    assert len({p.position for p in PROGRAMS}) == len(PROGRAMS)
    assert [p.id for p in PROGRAMS] == [
        "housing_benefit",
        "work_readiness",
        "housing_support",
        "household_budget",
        "certified_training",
        "hello_work",
        "referral",
    ]


def _table(name: str, **values: object) -> ModuleType:
    module = ModuleType(f"statemachines.programs.{name}.table")
    vars(module).update(values)
    return module


def test_a_table_module_holds_exactly_one_program_named_as_its_folder() -> None:
    table = _table("housing_benefit", HOUSING_BENEFIT=HOUSING_BENEFIT, LIMIT=9)
    assert program_in(table, "housing_benefit") is HOUSING_BENEFIT
    with pytest.raises(LookupError, match="exactly one ProgramDef"):
        program_in(_table("housing_benefit", A=HOUSING_BENEFIT, B=WORK_READINESS), "housing_benefit")
    with pytest.raises(LookupError, match="exactly one ProgramDef"):
        program_in(_table("work_readiness", HOUSING_BENEFIT=HOUSING_BENEFIT), "work_readiness")
    with pytest.raises(LookupError, match="exactly one ProgramDef"):
        program_in(_table("empty"), "empty")


def test_only_the_programs_cases_already_decided_on_start_behind_a_patch() -> None:
    """The patch ids are in recorded histories: they never change."""
    patches = {p.id: p.start_patch for p in PROGRAMS if p.start_patch is not None}
    assert patches == {
        "housing_support": "start-program-housing_support",
        "household_budget": "start-program-household_budget",
        "certified_training": "start-program-certified_training",
    }


def test_each_program_declares_the_kind_of_record_it_keeps_for_retention() -> None:
    kept = {p.id: DocumentType.PROGRAM for p in PROGRAMS} | {"housing_benefit": DocumentType.HOUSING_BENEFIT}
    assert kept == DOCUMENTS


@pytest.mark.parametrize("program", list(STARTED_BY_STAFF))
def test_started_by_staff_sharing_data_and_not_by_the_decision(program: str) -> None:
    defn = STARTED_BY_STAFF[program].defn
    assert BY_ID[program] is defn
    assert defn.started_by_staff
    assert defn.shares_personal_data
    assert defn.start_patch is None
