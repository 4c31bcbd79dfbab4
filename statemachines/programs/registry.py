"""Every program process, by id (the ids of ``python -m statemachines describe``)."""

from __future__ import annotations

from statemachines.programs.certified_training.table import CERTIFIED_TRAINING
from statemachines.programs.definition import AnyProgram
from statemachines.programs.hello_work.table import HELLO_WORK
from statemachines.programs.household_budget.table import HOUSEHOLD_BUDGET
from statemachines.programs.housing_benefit.table import HOUSING_BENEFIT
from statemachines.programs.housing_support.table import HOUSING_SUPPORT
from statemachines.programs.referral.table import REFERRAL
from statemachines.programs.work_readiness.table import WORK_READINESS

PROGRAMS: tuple[AnyProgram, ...] = (
    HOUSING_BENEFIT,
    WORK_READINESS,
    HOUSING_SUPPORT,
    HOUSEHOLD_BUDGET,
    CERTIFIED_TRAINING,
    HELLO_WORK,
    REFERRAL,
)
BY_ID: dict[str, AnyProgram] = {p.id: p for p in PROGRAMS}

START_PATCHES: dict[str, str] = {
    "housing_support": "start-program-housing_support",
    "household_budget": "start-program-household_budget",
    "certified_training": "start-program-certified_training",
}
"""Programs whose process came after cases were already deciding on them: a case starts their workflow only
behind this patch, so a history recorded before (a 支援決定 that started no such child) still replays. A program
added later gets its own entry here."""
