"""The programs' tables run by their definitions (statemachines/programs/definition.py): every (state, command) pair
of the programs a 支援決定 starts and of those staff start, a refused command leaving the record as it was, and who
fires what: the municipality decides, the system fires the timers, and a program staff start belongs to the
consultants. 住居確保給付金 and 就労準備支援 go through their pairs in their own tests."""

from __future__ import annotations

from typing import Any

import pytest

from statemachines.kernel.outcomes import CommandRejected, PayloadInvalid
from statemachines.kernel.roles import SYSTEM_ACTOR, Actor
from tests.factories import CSW1, ESW1, HHSW1, MUN1, SW1
from tests.statemachines.programs.program_spec import NOW
from tests.statemachines.programs.tables import HW, INSTITUTION, STARTED_BY_DECISION, STARTED_BY_STAFF, SYSTEM_TRIGGERS

SPECS = {**STARTED_BY_DECISION, **STARTED_BY_STAFF}
DECISION_PAIRS = [
    (p, s, t) for p, spec in STARTED_BY_DECISION.items() for s in spec.defn.states for t in spec.defn.triggers
]
STAFF_PAIRS = [(p, s, t) for p, spec in STARTED_BY_STAFF.items() for s in spec.defn.states for t in spec.defn.triggers]


# --- the programs a 支援決定 starts --------------------------------------------------------------------------------


def test_every_state_has_a_path_and_an_expectation() -> None:
    for spec in STARTED_BY_DECISION.values():
        assert set(spec.paths) == set(spec.defn.states) == set(spec.expected)
        assert {t for row in spec.expected.values() for t in row} <= {t.value for t in spec.defn.triggers}


@pytest.mark.parametrize(
    ("program", "state", "trigger"), DECISION_PAIRS, ids=[f"{p}-{s}-{t}" for p, s, t in DECISION_PAIRS]
)
def test_state_command_pair(program: str, state: str, trigger: str) -> None:
    spec = SPECS[program]
    record = spec.reach(state)
    expected = spec.expected[state].get(trigger)
    unmet = spec.unmet(record, trigger)
    if expected is None:
        assert unmet == {"STATE"}
    elif isinstance(expected, frozenset):
        assert unmet == expected
    else:
        assert unmet == set()
        assert spec.step(record, trigger).state == (state if expected == "same" else expected)


@pytest.mark.parametrize("program", list(STARTED_BY_DECISION))
def test_decisions_by_the_municipality_and_timers_by_the_system_only(program: str) -> None:
    spec = SPECS[program]
    deciding = spec.reach(next(s for s, row in spec.expected.items() if row.get("decide") == "DECIDED"))
    assert spec.defn.check(deciding, "decide", MUN1, spec.payloads["decide"], NOW) == []
    for actor in (SW1, HHSW1, ESW1):
        assert [u.id for u in spec.defn.check(deciding, "decide", actor, spec.payloads["decide"], NOW)] == [
            "ROLE",
            "G7",
        ]
    timers = [t for t in spec.defn.transitions if t.timer]
    assert timers
    assert all(t.roles == SYSTEM_ACTOR.roles for t in timers)
    assert all(t.roles == SYSTEM_ACTOR.roles for t in spec.defn.transitions if t.trigger.startswith("mark_"))
    decisions = [t for t in spec.defn.transitions if t.trigger in ("decide", "reject", "extend_shelter")]
    assert all(t.roles == MUN1.roles for t in decisions)


# --- the programs staff start --------------------------------------------------------------------------------------


def test_every_state_has_a_path_an_expectation_and_every_command_a_payload() -> None:
    for spec in STARTED_BY_STAFF.values():
        assert set(spec.paths) == set(spec.defn.states) == set(spec.expected)
        assert {t for row in spec.expected.values() for t in row} <= {t.value for t in spec.defn.triggers}
        assert set(spec.payloads) == {t.value for t in spec.defn.triggers}


@pytest.mark.parametrize(("program", "state", "trigger"), STAFF_PAIRS, ids=[f"{p}-{s}-{t}" for p, s, t in STAFF_PAIRS])
def test_state_command_pair_and_apply_refuses_what_check_refuses(program: str, state: str, trigger: str) -> None:
    spec = SPECS[program]
    record = spec.reach(state)
    expected = spec.expected[state].get(trigger)
    unmet = spec.unmet(record, trigger)
    if expected is None:
        assert unmet == {"STATE"}
    elif isinstance(expected, frozenset):
        assert unmet == expected
        with pytest.raises(CommandRejected):
            spec.step(record, trigger)
    else:
        assert unmet == set()
        assert spec.step(record, trigger).state == (state if expected == "same" else expected)


@pytest.mark.parametrize("program", list(STARTED_BY_STAFF))
def test_staff_commands_by_consultants_and_timers_by_the_system_only(program: str) -> None:
    spec = SPECS[program]
    for t in spec.defn.transitions:
        if t.trigger in SYSTEM_TRIGGERS:
            assert t.roles == SYSTEM_ACTOR.roles
            assert t.timer is not None
        else:
            assert {r.value for r in t.roles} == {"ESW", "SW", "CSW"}  # a referral: no municipal decision
            assert t.timer is None
    first = spec.defn.transitions[0].trigger
    record = spec.reach(spec.defn.initial)
    for actor in (ESW1, SW1, CSW1):
        assert {u.id for u in spec.defn.check(record, first, actor, spec.payloads[first], NOW)} == set()
    for actor in (MUN1, HHSW1, SYSTEM_ACTOR):
        assert {u.id for u in spec.defn.check(record, first, actor, spec.payloads[first], NOW)} == {"ROLE"}


# --- every program -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("program", "state", "trigger", "actor", "payload", "reason"),
    [
        ("housing_support", "IN_SHELTER", "extend_shelter", SW1, {"months": 1, "reason": "延長"}, "ROLE G7"),
        ("housing_support", "IN_SHELTER", "extend_shelter", MUN1, {"months": 4, "reason": "延長"}, "G-HS4"),
        (
            "household_budget",
            "BUDGET_PLAN",
            "agree_plan",
            HHSW1,
            {"agreed_on": "2026-04-20", "client_agreed": False},
            "G-HH2",
        ),
        ("certified_training", "IN_TRAINING", "step_up", ESW1, {"to_type": "non_employment"}, "G-CT2"),
        ("certified_training", "ENDED", "review", ESW1, {"note": "振り返り"}, "STATE"),
        ("hello_work", "CANDIDATE", "consent", MUN1, HW.payloads["consent"], "ROLE"),
        ("hello_work", "CANDIDATE", "consent", ESW1, {**HW.payloads["consent"], "signed_by_client": False}, "G-HW1"),
        ("hello_work", "JOINT_INTERVIEW", "remind_appointment", ESW1, {"appointment_id": "ji1"}, "ROLE"),
        ("hello_work", "ENDED", "record_outcome", ESW1, {"offers": 1}, "STATE"),
        ("referral", "DRAFT", "send", SW1, {**INSTITUTION, "accepts_referrals": False}, "G-RF1"),
        ("referral", "SENT", "no_answer", SW1, {}, "ROLE"),
    ],
)
def test_a_rejected_command_leaves_the_record_unchanged(
    program: str, state: str, trigger: str, actor: Actor, payload: dict[str, Any], reason: str
) -> None:
    spec = SPECS[program]
    record = spec.reach(state)
    before = record.model_dump()
    with pytest.raises(CommandRejected) as rejected:
        spec.defn.apply(record, trigger, actor, payload, now=NOW, command_id="x")
    assert " ".join(u.id for u in rejected.value.unmet) == reason  # a municipal step: G7 too (issue 18 item 1)
    with pytest.raises(PayloadInvalid):
        spec.defn.apply(record, trigger, actor, {"unexpected": 1}, now=NOW, command_id="y")
    assert record.model_dump() == before
