"""Issue 18 item 1, G7 inside programs (statemachines/programs/definition.py ``PROGRAM_G7``): every municipal step of
every program passes G7 as the case's T18 does, not the role alone."""

from __future__ import annotations

from typing import Any

import pytest

from statemachines.kernel.guards import GuardContext
from statemachines.kernel.roles import SYSTEM_ACTOR
from statemachines.programs.definition import PROGRAM_G7, PROGRAM_G7_PATCH, is_municipal_step
from statemachines.programs.housing_benefit.table import HOUSING_BENEFIT
from statemachines.programs.registry import BY_ID
from statemachines.programs.work_readiness.table import WORK_READINESS
from tests.factories import MUN1, MUN_AT_CONTRACTOR
from tests.statemachines.programs.program_spec import NOW
from tests.statemachines.programs.tables import STARTED_BY_DECISION
from tests.statemachines.programs.test_housing_benefit import HB_PAYLOADS, hb_reach
from tests.statemachines.programs.test_work_readiness import WR_PAYLOADS, wr_reach

MUNICIPAL_ROWS = [(p.id, t) for p in BY_ID.values() for t in p.transitions if is_municipal_step(t)]


def test_item1_G7_a_contractors_user_with_the_MUN_role_decides_no_housing_benefit() -> None:
    """住居確保給付金の支給決定・不支給決定は自治体が行う (施行規則 第10条〜第16条; 市が直接行う事務は委託できない,
    自治体要綱 S21, S43; process.md §3.1 H2/H5, §1.4 G7): a MUN role held by a contractor's user is refused by G7."""
    record = hb_reach("REVIEW")
    for command, payload in (("decide_payment", HB_PAYLOADS["decide_payment"]), ("reject", {})):
        refused = HOUSING_BENEFIT.check(record, command, MUN_AT_CONTRACTOR, payload, NOW)
        assert [u.id for u in refused] == ["G7"]
        assert refused[0].basis == PROGRAM_G7.basis
        assert HOUSING_BENEFIT.check(record, command, MUN1, payload, NOW) == []


@pytest.mark.parametrize("program", ["work_readiness", *STARTED_BY_DECISION])
def test_item1_G7_the_decide_step_of_every_decided_program_is_the_municipalitys(program: str) -> None:
    """就労準備・居住・家計・認定就労訓練の支援決定 (process.md §3 "Which programs need a municipal 支援決定", G7; S21,
    S43): the contractor's MUN user is refused by G7, the municipality's own passes."""
    if program == "work_readiness":
        defn, record, payload = WORK_READINESS, wr_reach("ELIGIBILITY_CHECK"), WR_PAYLOADS["decide"]
    else:
        spec = STARTED_BY_DECISION[program]
        defn = spec.defn
        record = spec.reach(next(s for s, row in spec.expected.items() if row.get("decide") == "DECIDED"))
        payload = spec.payloads["decide"]
    assert [u.id for u in defn.check(record, "decide", MUN_AT_CONTRACTOR, payload, NOW)] == ["G7"]
    assert defn.check(record, "decide", MUN1, payload, NOW) == []


@pytest.mark.parametrize(("program", "row"), MUNICIPAL_ROWS, ids=[f"{p}-{t.id}" for p, t in MUNICIPAL_ROWS])
def test_item1_G7_every_municipal_row_of_every_program_asks_it(program: str, row: Any) -> None:
    """Every row only the municipality fires (its timers aside) carries G7, behind its workflow patch, and G7 lets
    through the municipality's staff and the engine's timers only (process.md §0 委託の範囲, S21, S43)."""
    defn = BY_ID[program]
    assert row.guards[0] == "G7"
    assert defn.guard_patches(row.trigger.value)["G7"] == PROGRAM_G7_PATCH
    record = defn.start(enrolment_id="e1", case_id="c1", municipality="city-a", now=NOW)
    verdicts = {
        actor.user_id: defn.guard_results(record, row, actor, None, NOW)["G7"]
        for actor in (MUN1, MUN_AT_CONTRACTOR, SYSTEM_ACTOR)
    }
    assert verdicts == {MUN1.user_id: True, MUN_AT_CONTRACTOR.user_id: False, SYSTEM_ACTOR.user_id: True}


def test_item1_G7_describe_carries_its_source_for_each_program() -> None:
    """``python -m statemachines describe`` lists G7 among each program's guards with its basis (S21, S43)."""
    for program in BY_ID.values():
        described = program.describe()
        municipal = [t for t in described["transitions"] if "G7" in t["guards"]]
        assert bool(municipal) == any(is_municipal_step(t) for t in program.transitions)
        if municipal:
            g7 = next(g for g in described["guards"] if g["id"] == "G7")
            assert "S21" in g7["basis"]


def test_item1_G7_the_guard_reads_the_record_municipality() -> None:
    """A municipal official of another municipality is not this one's (G7 serves the case's municipality)."""
    other = MUN1.model_copy(update={"serves": frozenset({"city-b"})})
    record = HOUSING_BENEFIT.start(enrolment_id="e1", case_id="c1", municipality="city-a", now=NOW)
    ctx = GuardContext(record, other, "decide_payment", None, frozenset(), NOW)
    assert PROGRAM_G7.predicate(ctx) is False
