"""Every program process, by id (the ids of ``python -m statemachines describe``)."""

from __future__ import annotations

from typing import Any

from statemachines.programs.base import ProgramDef
from statemachines.programs.certified_training.process import CERTIFIED_TRAINING
from statemachines.programs.hello_work.process import HELLO_WORK
from statemachines.programs.household_budget.process import HOUSEHOLD_BUDGET
from statemachines.programs.housing_benefit.process import HOUSING_BENEFIT
from statemachines.programs.housing_support.process import HOUSING_SUPPORT
from statemachines.programs.referral.process import REFERRAL
from statemachines.programs.work_readiness.process import WORK_READINESS

PROGRAMS: tuple[ProgramDef[Any], ...] = (
    HOUSING_BENEFIT,
    WORK_READINESS,
    HOUSING_SUPPORT,
    HOUSEHOLD_BUDGET,
    CERTIFIED_TRAINING,
    HELLO_WORK,
    REFERRAL,
)
BY_ID: dict[str, ProgramDef[Any]] = {p.id: p for p in PROGRAMS}

START_PATCHES: dict[str, str] = {
    "housing_support": "start-program-housing_support",
    "household_budget": "start-program-household_budget",
    "certified_training": "start-program-certified_training",
}
"""Programs whose process came after cases were already deciding on them: a case starts their workflow only
behind this patch, so a history recorded before (a 支援決定 that started no such child) still replays. A program
added later gets its own entry here."""
