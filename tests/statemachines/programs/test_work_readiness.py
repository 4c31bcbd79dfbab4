"""就労準備支援 (statemachines/programs/work_readiness): every (state, command) pair, its eligibility or a recorded
discretion, and a reason to go on beyond one year."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from statemachines.kernel.roles import SYSTEM_ACTOR, Actor
from statemachines.programs.work_readiness.effects import warning_at
from statemachines.programs.work_readiness.records import WorkReadinessRecord
from statemachines.programs.work_readiness.table import WORK_READINESS
from tests.factories import MUN1, SW1
from tests.statemachines.programs.program_spec import NOW, step

WR_PAYLOADS: dict[str, dict[str, Any]] = {
    "submit_application": {
        "means": {
            "household_income": 100_000,
            "base_amount": 78_000,
            "housing_assistance_standard": 53_700,
            "household_assets": 200_000,
        }
    },
    "decide": {"decided_on": "2026-04-03"},
    "reject": {"reason": "要件を満たさない"},
    "plan_program": {"stages": ["daily_life", "social_life"]},
    "review": {"note": "生活リズムが整ってきた"},
    "complete": {"outcome": "general_employment"},
    "withdraw": {"reason": "本人の辞退"},
    "mark_limit_warning": {"note": "10か月経過"},
}
WR_ACTORS: dict[str, Actor] = {"decide": MUN1, "reject": MUN1, "mark_limit_warning": SYSTEM_ACTOR}
WR_PATHS: dict[str, list[str]] = {
    "REFERRED_IN_PLAN": [],
    "ELIGIBILITY_CHECK": ["submit_application"],
    "REJECTED": ["submit_application", "reject"],
    "DECIDED": ["submit_application", "decide"],
    "IN_PROGRAM": ["submit_application", "decide", "plan_program"],
    "COMPLETED": ["submit_application", "decide", "plan_program", "complete"],
    "WITHDRAWN": ["withdraw"],
}
WR_EXPECTED: dict[str, dict[str, str]] = {
    "REFERRED_IN_PLAN": {"submit_application": "ELIGIBILITY_CHECK", "withdraw": "WITHDRAWN"},
    "ELIGIBILITY_CHECK": {"decide": "DECIDED", "reject": "REJECTED", "withdraw": "WITHDRAWN"},
    "DECIDED": {"plan_program": "IN_PROGRAM", "withdraw": "WITHDRAWN"},
    "IN_PROGRAM": {"review": "same", "complete": "COMPLETED", "withdraw": "WITHDRAWN", "mark_limit_warning": "same"},
    "REJECTED": {},
    "COMPLETED": {},
    "WITHDRAWN": {},
}


def wr_reach(state: str) -> WorkReadinessRecord:
    record = WORK_READINESS.start(enrolment_id="w1", case_id="c1", municipality="city-a", now=NOW)
    for trigger in WR_PATHS[state]:
        record = step(WORK_READINESS, record, trigger, None, WR_ACTORS, WR_PAYLOADS)
    return record


WR_PAIRS = [(s, t) for s in WORK_READINESS.states for t in WORK_READINESS.triggers]


@pytest.mark.parametrize(("state", "trigger"), WR_PAIRS, ids=[f"{s}-{t}" for s, t in WR_PAIRS])
def test_work_readiness_state_command_pair(state: str, trigger: str) -> None:
    record = wr_reach(state)
    expected = WR_EXPECTED[state].get(trigger)
    unmet = WORK_READINESS.check(record, trigger, WR_ACTORS.get(trigger, SW1), WR_PAYLOADS[trigger], NOW)
    if expected is None:
        assert [u.id for u in unmet] == ["STATE"]
    else:
        assert unmet == []
        moved = step(WORK_READINESS, record, trigger, None, WR_ACTORS, WR_PAYLOADS)
        assert moved.state == (state if expected == "same" else expected)


def test_work_readiness_eligibility_or_a_recorded_discretion() -> None:
    rich = {"means": {**WR_PAYLOADS["submit_application"]["means"], "household_assets": 468_001}}
    record = step(WORK_READINESS, wr_reach("REFERRED_IN_PLAN"), "submit_application", rich, WR_ACTORS, WR_PAYLOADS)
    assert [u.id for u in WORK_READINESS.check(record, "decide", MUN1, WR_PAYLOADS["decide"], NOW)] == ["G-W1"]
    discretion = {"means": {"discretion": "hard_to_establish", "discretion_reason": "収入の把握が困難"}}
    record = step(
        WORK_READINESS, wr_reach("REFERRED_IN_PLAN"), "submit_application", discretion, WR_ACTORS, WR_PAYLOADS
    )
    assert WORK_READINESS.check(record, "decide", MUN1, WR_PAYLOADS["decide"], NOW) == []


def test_work_readiness_beyond_one_year_needs_a_reason() -> None:
    record = wr_reach("IN_PROGRAM")
    assert warning_at(record) == datetime(2027, 2, 1, 1, tzinfo=UTC)
    year_later = NOW + timedelta(days=366)
    assert [u.id for u in WORK_READINESS.check(record, "review", SW1, WR_PAYLOADS["review"], year_later)] == ["G-W2"]
    with_reason = {**WR_PAYLOADS["review"], "extension_reason": "体調の波があり継続が必要"}
    assert WORK_READINESS.check(record, "review", SW1, with_reason, year_later) == []
