"""就労準備支援 (statemachines/programs/work_readiness): every (state, command) pair, its eligibility or a recorded
discretion, and a reason to go on beyond one year."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from statemachines.kernel.roles import SYSTEM_ACTOR, Actor
from statemachines.policy.scheduling import JST
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
    "decide_extension": {"decided_on": "2026-04-01", "until": "2027-09-30", "reason": "体調の波があり継続が必要"},
}
WR_ACTORS: dict[str, Actor] = {
    "decide": MUN1,
    "reject": MUN1,
    "mark_limit_warning": SYSTEM_ACTOR,
    "decide_extension": MUN1,
}
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
    "IN_PROGRAM": {
        "review": "same",
        "complete": "COMPLETED",
        "withdraw": "WITHDRAWN",
        "mark_limit_warning": "same",
        "decide_extension": "same",
    },
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


def test_W5_beyond_one_year_only_on_a_municipal_extension_decision() -> None:
    """施行規則§5 (process.md §3.2 "Duration", §1.7, S5): 就労準備支援 lasts at most one year, longer only where the
    都道府県等 judge it necessary given 心身の状況 etc. Past the year a review is refused unless the municipality
    decided an extension with its reason and period (WR9); a reason a consultant writes is not that decision, and
    the decision's last day is the new limit."""
    record = wr_reach("IN_PROGRAM")
    assert warning_at(record) == datetime(2027, 2, 1, 1, tzinfo=UTC)
    year_later = NOW + timedelta(days=366)
    review = WR_PAYLOADS["review"]
    [unmet] = WORK_READINESS.check(record, "review", SW1, review, year_later)
    assert (unmet.id, "第5条" in unmet.basis) == ("G-W2", True)
    with_reason = {**review, "extension_reason": "体調の波があり継続が必要"}
    assert [u.id for u in WORK_READINESS.check(record, "review", SW1, with_reason, year_later)] == ["G-W2"]
    assert {u.id for u in WORK_READINESS.check(record, "decide_extension", SW1, WR_PAYLOADS["decide_extension"])} >= {
        "ROLE"
    }
    decision = {"decided_on": "2027-03-20", "until": "2027-09-30", "reason": "体調の波があり継続が必要"}
    extended = WORK_READINESS.apply(
        record, "decide_extension", MUN1, decision, now=NOW + timedelta(days=353), command_id="x"
    ).record
    assert (extended.extended_until, extended.extension_reason) == (date(2027, 9, 30), "体調の波があり継続が必要")
    assert WORK_READINESS.check(extended, "review", SW1, review, year_later) == []
    after = datetime(2027, 10, 1, tzinfo=JST)
    assert [u.id for u in WORK_READINESS.check(extended, "review", SW1, review, after)] == ["G-W2"]
    short = {**decision, "until": "2027-03-31"}  # not past the year: no extension at all
    unmet_short = WORK_READINESS.check(record, "decide_extension", MUN1, short, NOW + timedelta(days=353))
    assert [u.id for u in unmet_short] == ["G-W3"]


def test_W3_a_specified_public_assistance_recipient_may_use_the_program() -> None:
    """法3条4項 as amended by 令和6年法律第21号 (process.md §1.3 "Cross-cutting outcomes", §3.2, S7): from 2025-04-01 a
    特定被保護者 (生活保護法55条の11) may use 就労準備支援 under this Act; their 生活保護 stands in for the means test
    of 施行規則§4, so the decision is not refused on the household's figures."""
    recipient = {"means": {"specified_public_assistance_recipient": True}}
    record = step(WORK_READINESS, wr_reach("REFERRED_IN_PLAN"), "submit_application", recipient, WR_ACTORS, WR_PAYLOADS)
    assert WORK_READINESS.check(record, "decide", MUN1, WR_PAYLOADS["decide"], NOW) == []
    [unmet] = WORK_READINESS.check(
        step(WORK_READINESS, wr_reach("REFERRED_IN_PLAN"), "submit_application", {"means": {}}, WR_ACTORS, WR_PAYLOADS),
        "decide",
        MUN1,
        WR_PAYLOADS["decide"],
        NOW,
    )
    assert (unmet.id, "法3条4項" in unmet.basis) == ("G-W1", True)
