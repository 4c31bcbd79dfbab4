"""The registry of the programs (statemachines/programs/registry.py): the programs staff start are registered by their
id and have no patch of a decision starting them."""

from __future__ import annotations

import pytest

from statemachines.programs.registry import BY_ID, START_PATCHES
from tests.statemachines.programs.tables import STARTED_BY_STAFF


@pytest.mark.parametrize("program", list(STARTED_BY_STAFF))
def test_started_by_staff_sharing_data_and_not_by_the_decision(program: str) -> None:
    defn = STARTED_BY_STAFF[program].defn
    assert BY_ID[program] is defn
    assert defn.started_by_staff
    assert defn.shares_personal_data
    assert program not in START_PATCHES
