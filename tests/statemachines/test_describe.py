"""``python -m statemachines describe`` and ``diagram``: the process as data, run the way people run it: the case's
stages, states, transitions, guards and timers, and each program's rules, guards and timers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from statemachines.case.record import CaseState
from tests.statemachines.programs.tables import STARTED_BY_DECISION, STARTED_BY_STAFF

ROOT = Path(__file__).resolve().parents[2]
STAGES = [
    "consultation",
    "assessment",
    "planning",
    "coordination_meeting",
    "municipal_decision",
    "monitoring",
    "termination",
]


def run_cli(what: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "statemachines", what],
        cwd=ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert done.stderr == b""
    return done.stdout.decode("utf-8")


@pytest.fixture(scope="module")
def case_process() -> dict[str, Any]:
    described: dict[str, Any] = json.loads(run_cli("describe"))
    return dict(described["processes"]["case"])


@pytest.fixture(scope="module")
def mermaid() -> str:
    return run_cli("diagram")


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {item["id"]: item for item in items}
    assert len(found) == len(items), "ids are unique"
    return found


def test_the_case_process_has_the_seven_stages_in_order(case_process: dict[str, Any]) -> None:
    assert [s["id"] for s in case_process["stages"]] == STAGES
    assert all(s["name_ja"] and s["name_en"] for s in case_process["stages"])


def test_the_case_process_has_twenty_states_each_with_stage_name_and_terminal_flag(
    case_process: dict[str, Any],
) -> None:
    states = by_id(case_process["states"])
    assert set(states) == {s.value for s in CaseState}
    assert len(states) == 20
    for state in states.values():
        assert state["stage"] in STAGES
        assert state["name_ja"]
        assert isinstance(state["terminal"], bool)


def test_every_state_belongs_to_the_stage_that_lists_it(case_process: dict[str, Any]) -> None:
    states = by_id(case_process["states"])
    listed = [(st["id"], s) for st in case_process["stages"] for s in st["states"]]
    assert sorted(s for _, s in listed) == sorted(states)
    assert all(states[s]["stage"] == stage for stage, s in listed)


def test_the_terminal_states_are_the_reopenable_ends(case_process: dict[str, Any]) -> None:
    terminal = {s["id"] for s in case_process["states"] if s["terminal"]}
    assert terminal == {"ENDED_INFO_ONLY", "REFERRED_OUT", "CLOSED", "INTERRUPTED"}


def test_the_transitions_include_every_id_from_t1_to_t29(case_process: dict[str, Any]) -> None:
    ids = {t["id"] for t in case_process["transitions"]}
    assert {f"T{n}" for n in range(1, 30)} <= ids


def test_t1_opens_a_case_from_nothing(case_process: dict[str, Any]) -> None:
    (t1,) = [t for t in case_process["transitions"] if t["id"] == "T1"]
    assert "(none)" in t1["source"]
    assert t1["dest"] == "INTAKE"


def test_t18_is_the_municipality_s_decision_under_g7(case_process: dict[str, Any]) -> None:
    t18 = by_id(case_process["transitions"])["T18"]
    assert "G7" in t18["guards"]
    assert t18["roles"] == ["MUN"]
    assert (t18["source"], t18["dest"]) == (["DECISION_PENDING"], "SUPPORT_ACTIVE")


def test_every_transition_names_known_states_and_guards(case_process: dict[str, Any]) -> None:
    states = {s["id"] for s in case_process["states"]}
    guards = {g["id"] for g in case_process["guards"]}
    for t in case_process["transitions"]:
        assert set(t["source"]) <= states | {"(none)"}, t["id"]
        assert t["dest"] in states | {"(previous)", "(same)"}, t["id"]
        assert set(t["guards"]) <= guards, t["id"]
        assert t["roles"], t["id"]


def test_the_guards_g1_to_g9_are_described_with_messages_and_basis(case_process: dict[str, Any]) -> None:
    guards = by_id(case_process["guards"])
    for n in range(1, 10):
        guard = guards[f"G{n}"]
        assert guard["message_ja"]
        assert guard["message_en"]
        assert guard["basis"]


def test_the_timers_are_monitoring_plan_period_end_no_contact_and_follow_up(case_process: dict[str, Any]) -> None:
    timers = by_id(case_process["timers"])
    assert set(timers) == {"monitoring", "plan_period_end", "no_contact", "follow_up"}
    assert all(t["rule"] and t["fires"] and t["states"] for t in timers.values())


def test_the_diagram_is_a_mermaid_state_diagram(mermaid: str) -> None:
    assert mermaid.startswith("stateDiagram-v2")


@pytest.mark.parametrize("state", list(CaseState), ids=[s.value for s in CaseState])
def test_the_diagram_mentions_every_state(mermaid: str, state: CaseState) -> None:
    assert re.search(rf"^\s+{state.value}: ", mermaid, re.MULTILINE), "declared inside its stage"
    assert re.search(rf"\b{state.value}\b --> |--> {state.value}\b", mermaid), "has an edge"


def test_an_unknown_cli_command_fails() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "statemachines", "draw-me-a-sheep"], cwd=ROOT, capture_output=True, timeout=60
    )
    assert done.returncode != 0


# --- the programs --------------------------------------------------------------------------------------------------


def test_describe_lists_the_programs_with_their_rules_and_guards() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "statemachines", "describe"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    processes = json.loads(out)["processes"]
    housing = processes["housing_benefit"]
    assert housing["rules"]["max_months"]["default"] == "P9M"
    guards = {g["id"]: g for g in housing["guards"]}
    assert {"G-H1", "G-H2", "G-H3", "G-H4"} <= set(guards)
    assert all("施行規則" in guards[g]["basis"] for g in ("G-H1", "G-H2", "G-H3", "G-H4"))
    assert processes["work_readiness"]["rules"]["max_duration"]["default"] == "P1Y"


def test_describe_lists_the_three_programs_with_their_rules() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "statemachines", "describe"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    processes = json.loads(out)["processes"]
    rules = {p: {k: (v["default"], v["source"]) for k, v in processes[p]["rules"].items()} for p in STARTED_BY_DECISION}
    assert rules["housing_support"]["shelter_max"] == (
        "P3M",
        "一時生活支援（シェルター）は3か月間に限り [LOCAL 水戸市 S40]",
    )
    assert rules["housing_support"]["shelter_extended_max"][0] == "P6M"
    assert "[BK]" in rules["housing_support"]["shelter_extended_max"][1]
    assert rules["household_budget"]["check_interval"][0] == "P1M"
    assert rules["certified_training"]["review_interval"][0] == "P3M"
    for program, spec in STARTED_BY_DECISION.items():
        described = processes[program]
        assert {s["id"] for s in described["states"]} == set(spec.defn.states)
        assert {g["id"] for g in described["guards"]} == set(spec.defn.guards)
        assert all(g["basis"] for g in described["guards"])
        assert described["timers"]


def test_describe_lists_hello_work_and_referral() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "statemachines", "describe"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    processes = json.loads(out)["processes"]
    assert processes["hello_work"]["rules"]["retention_follow_ups"]["default"] == ["P1M", "P3M", "P6M"]
    assert "[BK]" in processes["hello_work"]["rules"]["retention_follow_ups"]["source"]
    assert processes["referral"]["rules"]["answer_within"]["default"] == "P14D"
    for program, spec in STARTED_BY_STAFF.items():
        described = processes[program]
        assert described["initial"] == spec.defn.initial
        assert {s["id"] for s in described["states"]} == set(spec.defn.states)
        assert {g["id"] for g in described["guards"]} == set(spec.defn.guards)
        assert all(g["basis"] for g in described["guards"])
        assert {t["id"] for t in described["timers"]} == {t.timer for t in spec.defn.transitions if t.timer}
