"""Every program process, by id (the ids of ``python -m statemachines describe``)."""

from __future__ import annotations

from typing import Any

from statemachines.housing_benefit import HOUSING_BENEFIT
from statemachines.program import ProgramDef
from statemachines.work_readiness import WORK_READINESS

PROGRAMS: tuple[ProgramDef[Any], ...] = (HOUSING_BENEFIT, WORK_READINESS)
BY_ID: dict[str, ProgramDef[Any]] = {p.id: p for p in PROGRAMS}
