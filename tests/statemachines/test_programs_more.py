"""Program machines (居住支援, 家計改善支援, 認定就労訓練) over every (state, command) pair, guards and timers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from statemachines.kernel.outcomes import CommandRejected, PayloadInvalid
from statemachines.kernel.roles import SYSTEM_ACTOR, Actor
from statemachines.programs.certified_training.table import CERTIFIED_TRAINING
from statemachines.programs.household_budget.table import HOUSEHOLD_BUDGET
from statemachines.programs.housing_support.table import HOUSING_SUPPORT
from statemachines.programs.tasks import program_task_changes
from tests.factories import ESW1, HHSW1, MUN1, SW1
from tests.statemachines.program_spec import NOW, Spec

MEANS = {"household_income": 100_000, "base_amount": 78_000, "housing_assistance_standard": 53_700}
MEANS_OK = {**MEANS, "household_assets": 200_000}
COMMUNITY = {"kind": "community", "means": MEANS_OK}
HS = Spec(
    HOUSING_SUPPORT,
    payloads={
        "submit_request": {"kind": "shelter", "means": MEANS_OK},
        "decide": {"decided_on": "2026-04-03"},
        "reject": {"reason": "要件を満たさない"},
        "enter_shelter": {"facility": "一時生活支援施設A"},
        "start_community_support": {"services": ["move_in_support", "watching_over"]},
        "record_support": {"activity": {"kind": "agent_accompaniment", "on": "2026-04-10"}},
        "extend_shelter": {"months": 3, "reason": "転居先の入居日が未定"},
        "move_in": {"moved_in_on": "2026-05-01"},
        "end_watch": {"reason": "地域での生活が安定"},
        "transfer_public_assistance": {"protection_started_on": "2026-05-01"},
        "leave": {"reason": "自主退所"},
        "withdraw": {"reason": "本人の辞退"},
        "mark_limit_warning": {},
        "mark_limit_reached": {},
    },
    actors={
        "decide": MUN1,
        "reject": MUN1,
        "extend_shelter": MUN1,
        "transfer_public_assistance": MUN1,
        "mark_limit_warning": SYSTEM_ACTOR,
        "mark_limit_reached": SYSTEM_ACTOR,
    },
    default=SW1,
    paths={
        "REQUESTED": [],
        "ELIGIBILITY_CHECK": ["submit_request"],
        "REJECTED": ["submit_request", "reject"],
        "DECIDED": ["submit_request", "decide"],
        "IN_SHELTER": ["submit_request", "decide", "enter_shelter"],
        "IN_COMMUNITY_SUPPORT": [("submit_request", COMMUNITY), "decide", "start_community_support"],
        "HOUSED": ["submit_request", "decide", "enter_shelter", "move_in"],
        "TRANSFER_PUBLIC_ASSISTANCE": ["submit_request", "decide", "enter_shelter", "transfer_public_assistance"],
        "LEFT": ["submit_request", "decide", "enter_shelter", "leave"],
        "WITHDRAWN": ["withdraw"],
    },
    expected={
        "REQUESTED": {"submit_request": "ELIGIBILITY_CHECK", "withdraw": "WITHDRAWN"},
        "ELIGIBILITY_CHECK": {"decide": "DECIDED", "reject": "REJECTED", "withdraw": "WITHDRAWN"},
        "DECIDED": {
            "enter_shelter": "IN_SHELTER",
            "start_community_support": frozenset({"G-HS3"}),
            "withdraw": "WITHDRAWN",
        },
        "IN_SHELTER": {
            "record_support": "same",
            "extend_shelter": "same",
            "move_in": "HOUSED",
            "transfer_public_assistance": "TRANSFER_PUBLIC_ASSISTANCE",
            "leave": "LEFT",
            "mark_limit_warning": "same",
            "mark_limit_reached": "same",
        },
        "IN_COMMUNITY_SUPPORT": {
            "record_support": "same",
            "move_in": "same",
            "end_watch": frozenset({"G-HS5"}),
            "transfer_public_assistance": "TRANSFER_PUBLIC_ASSISTANCE",
            "leave": "LEFT",
        },
        "REJECTED": {},
        "HOUSED": {},
        "TRANSFER_PUBLIC_ASSISTANCE": {},
        "LEFT": {},
        "WITHDRAWN": {},
    },
)

HH = Spec(
    HOUSEHOLD_BUDGET,
    payloads={
        "decide": {"decided_on": "2026-04-03"},
        "reject": {"reason": "要件を満たさない"},
        "start_assessment": {},
        "record_budget": {
            "budget": {
                "monthly_income": 150_000,
                "monthly_expenses": 170_000,
                "debt_count": 3,
                "debt_total": 1_200_000,
                "arrears_count": 2,
                "cash_flow": [{"month": "2026-05", "income": 150_000, "expenses": 160_000}],
            }
        },
        "draft_plan": {"items": [{"kind": "arrears", "description": "家賃滞納の分納"}]},
        "agree_plan": {"agreed_on": "2026-04-20", "client_agreed": True},
        "record_action": {
            "action": {"kind": "debt_settlement_accompaniment", "on": "2026-05-10", "counterpart": "houterasu"}
        },
        "start_maintenance": {},
        "record_check": {"check": {"checked_on": "2026-07-01", "on_track": True}},
        "relapse": {"reason": "新たな滞納"},
        "close": {"reason": "家計が安定"},
        "withdraw": {"reason": "本人の辞退"},
        "mark_check_due": {},
    },
    actors={"decide": MUN1, "reject": MUN1, "mark_check_due": SYSTEM_ACTOR},
    default=HHSW1,
    paths={
        "REFERRED_IN_PLAN": [],
        "REJECTED": ["reject"],
        "DECIDED": ["decide"],
        "ASSESS_BUDGET": ["decide", "start_assessment", "record_budget"],
        "BUDGET_PLAN": ["decide", "start_assessment", "record_budget", "draft_plan"],
        "IN_SUPPORT": ["decide", "start_assessment", "record_budget", "draft_plan", "agree_plan"],
        "WITHDRAWN": ["withdraw"],
    },
    expected={
        "REFERRED_IN_PLAN": {"decide": "DECIDED", "reject": "REJECTED", "withdraw": "WITHDRAWN"},
        "DECIDED": {"start_assessment": "ASSESS_BUDGET", "withdraw": "WITHDRAWN"},
        "ASSESS_BUDGET": {"record_budget": "same", "draft_plan": "BUDGET_PLAN", "withdraw": "WITHDRAWN"},
        "BUDGET_PLAN": {
            "record_budget": "same",
            "draft_plan": "same",
            "agree_plan": "IN_SUPPORT",
            "withdraw": "WITHDRAWN",
        },
        "IN_SUPPORT": {"record_action": "same", "start_maintenance": frozenset({"G-HH3"}), "withdraw": "WITHDRAWN"},
        "MAINTENANCE_CHECKS": {
            "record_check": "same",
            "relapse": "IN_SUPPORT",
            "close": "CLOSED",
            "withdraw": "WITHDRAWN",
            "mark_check_due": "same",
        },
        "REJECTED": {},
        "CLOSED": {},
        "WITHDRAWN": {},
    },
)
HH.paths["MAINTENANCE_CHECKS"] = [*HH.paths["IN_SUPPORT"], "record_action", "start_maintenance", "record_check"]
HH.paths["CLOSED"] = [*HH.paths["MAINTENANCE_CHECKS"], "close"]

PROVIDER = {"name": "社会福祉法人みどり会", "provider_certified": True, "certification_number": "岡山県就訓第0123号"}
CT = Spec(
    CERTIFIED_TRAINING,
    payloads={
        "match_provider": {"provider": PROVIDER},
        "decide": {"decided_on": "2026-04-03", "training_type": "non_employment"},
        "reject": {"reason": "要件を満たさない"},
        "start_training": {},
        "review": {"note": "作業に慣れてきた"},
        "step_up": {"to_type": "employment"},
        "end": {"outcome": "general_employment"},
        "mark_review_due": {},
    },
    actors={"decide": MUN1, "reject": MUN1, "mark_review_due": SYSTEM_ACTOR},
    default=ESW1,
    paths={
        "MATCHING": ["match_provider"],
        "REJECTED": ["reject"],
        "DECIDED": ["match_provider", "decide"],
        "IN_TRAINING": ["match_provider", "decide", "start_training"],
        "STEP_UP": ["match_provider", "decide", "start_training", "step_up"],
        "ENDED": ["match_provider", "decide", "start_training", "end"],
    },
    expected={
        "MATCHING": {"match_provider": "same", "decide": "DECIDED", "reject": "REJECTED", "end": "ENDED"},
        "DECIDED": {"start_training": "IN_TRAINING", "end": "ENDED"},
        "IN_TRAINING": {"review": "same", "step_up": "STEP_UP", "end": "ENDED", "mark_review_due": "same"},
        "STEP_UP": {"review": "same", "end": "ENDED", "mark_review_due": "same"},
        "REJECTED": {},
        "ENDED": {},
    },
)

SPECS = {"housing_support": HS, "household_budget": HH, "certified_training": CT}
PAIRS = [(p, s, t) for p, spec in SPECS.items() for s in spec.defn.states for t in spec.defn.triggers]


def test_every_state_has_a_path_and_an_expectation() -> None:
    for spec in SPECS.values():
        assert set(spec.paths) == set(spec.defn.states) == set(spec.expected)
        assert {t for row in spec.expected.values() for t in row} <= {t.value for t in spec.defn.triggers}


@pytest.mark.parametrize(("program", "state", "trigger"), PAIRS, ids=[f"{p}-{s}-{t}" for p, s, t in PAIRS])
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


@pytest.mark.parametrize(
    ("program", "state", "trigger", "actor", "payload", "reason"),
    [
        ("housing_support", "IN_SHELTER", "extend_shelter", SW1, {"months": 1, "reason": "延長"}, "ROLE"),
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
    assert [u.id for u in rejected.value.unmet] == [reason]
    with pytest.raises(PayloadInvalid):
        spec.defn.apply(record, trigger, actor, {"unexpected": 1}, now=NOW, command_id="y")
    assert record.model_dump() == before


@pytest.mark.parametrize("program", list(SPECS))
def test_decisions_by_the_municipality_and_timers_by_the_system_only(program: str) -> None:
    spec = SPECS[program]
    deciding = spec.reach(next(s for s, row in spec.expected.items() if row.get("decide") == "DECIDED"))
    assert spec.defn.check(deciding, "decide", MUN1, spec.payloads["decide"], NOW) == []
    for actor in (SW1, HHSW1, ESW1):
        assert [u.id for u in spec.defn.check(deciding, "decide", actor, spec.payloads["decide"], NOW)] == ["ROLE"]
    timers = [t for t in spec.defn.transitions if t.timer]
    assert timers
    assert all(t.roles == SYSTEM_ACTOR.roles for t in timers)
    assert all(t.roles == SYSTEM_ACTOR.roles for t in spec.defn.transitions if t.trigger.startswith("mark_"))
    decisions = [t for t in spec.defn.transitions if t.trigger in ("decide", "reject", "extend_shelter")]
    assert all(t.roles == MUN1.roles for t in decisions)


# --- 居住支援事業 ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_body", "met"),
    [
        ({"kind": "shelter", "means": MEANS_OK}, True),
        ({"kind": "shelter", "means": {**MEANS, "household_assets": 468_001}}, False),
        ({"kind": "shelter", "means": {**MEANS_OK, "household_income": 131_701}}, False),
        ({"kind": "shelter", "means": MEANS}, False),  # assets not recorded
        ({"kind": "shelter"}, False),
        ({"kind": "shelter", "means": {"discretion": "hard_to_establish"}}, False),
        ({"kind": "shelter", "means": {"discretion": "hard_to_establish", "discretion_reason": "把握が困難"}}, True),
        ({"kind": "shelter", "means": {"public_assistance_recipient": True}}, False),
        ({"kind": "community", "means": {"public_assistance_recipient": True}}, True),
    ],
)
def test_housing_support_eligibility_guard(request_body: dict[str, Any], met: bool) -> None:
    record = HS.step(HS.reach("REQUESTED"), "submit_request", request_body)
    assert HS.unmet(record, "decide") == (set() if met else {"G-HS1"})


def test_housing_support_kind_chosen_at_the_request() -> None:
    decided = HS.step(HS.step(HS.reach("REQUESTED"), "submit_request", COMMUNITY), "decide")
    assert HS.unmet(decided, "enter_shelter") == {"G-HS2"}
    assert HS.unmet(decided, "start_community_support") == set()
    assert HS.unmet(HS.reach("DECIDED"), "enter_shelter") == set()


def test_housing_support_watching_over_ends_only_after_the_move_in() -> None:
    record = HS.reach("IN_COMMUNITY_SUPPORT")
    assert HS.unmet(record, "end_watch") == {"G-HS5"}
    record = HS.step(record, "move_in")
    assert (record.state, str(record.moved_in_on)) == ("IN_COMMUNITY_SUPPORT", "2026-05-01")
    assert HS.unmet(record, "end_watch") == set()
    assert HS.step(record, "end_watch").state == "HOUSED"


def test_housing_support_extension_is_capped_at_six_months() -> None:
    record = HS.reach("IN_SHELTER")
    assert HS.unmet(record, "extend_shelter", {"months": 4, "reason": "延長"}) == {"G-HS4"}
    assert HS.unmet(record, "extend_shelter", {"months": 3, "reason": "延長"}) == set()
    record = HS.step(record, "extend_shelter", {"months": 2, "reason": "延長"})
    assert record.shelter_until == datetime(2026, 9, 1, 1, tzinfo=UTC)
    assert HS.unmet(record, "extend_shelter", {"months": 1, "reason": "再延長"}) == set()
    record = HS.step(record, "extend_shelter", {"months": 1, "reason": "再延長"})
    assert HS.unmet(record, "extend_shelter", {"months": 1, "reason": "再々延長"}) == {"G-HS4"}
    assert record.extension_reasons == ["延長", "再延長"]


def test_housing_support_timers_warn_then_open_a_task_at_the_limit_without_eviction() -> None:
    from statemachines.programs.housing_support.effects import deadlines

    record = HS.reach("IN_SHELTER")
    limit, warning = datetime(2026, 7, 1, 1, tzinfo=UTC), datetime(2026, 6, 17, 1, tzinfo=UTC)
    assert [(d.kind, d.at, d.trigger) for d in deadlines(record)] == [
        ("shelter_limit_warning", warning, "mark_limit_warning"),
        ("shelter_limit", limit, "mark_limit_reached"),
    ]
    warned = HS.step(record, "mark_limit_warning", now=warning)
    assert [(d.kind, d.at) for d in deadlines(warned)] == [("shelter_limit", limit)]
    applied = HOUSING_SUPPORT.apply(warned, "mark_limit_reached", SYSTEM_ACTOR, {}, now=limit, command_id="t")
    assert applied.record.state == "IN_SHELTER"
    assert deadlines(applied.record) == []
    _, opened = program_task_changes(HOUSING_SUPPORT, warned, applied.record, applied.event, "sw1")
    assert [(t.kind, t.role, t.command) for t in opened] == [("hs_limit_reached", "SW", "move_in")]
    extended = HS.step(applied.record, "extend_shelter", now=limit)
    assert [(d.kind, d.at) for d in deadlines(extended)] == [
        ("shelter_limit_warning", datetime(2026, 9, 17, 1, tzinfo=UTC)),
        ("shelter_limit", datetime(2026, 10, 1, 1, tzinfo=UTC)),
    ]
    assert deadlines(HS.step(extended, "move_in")) == []


# --- 家計改善支援事業 -----------------------------------------------------------------------------------------------


def test_household_budget_plan_needs_the_budget_sheet_and_consent() -> None:
    assessing = HH.step(HH.reach("DECIDED"), "start_assessment")
    assert HH.unmet(assessing, "draft_plan") == {"G-HH1"}
    record = HH.step(assessing, "record_budget")
    assert record.budget is not None
    assert record.budget.debt_count == 3
    planned = HH.step(record, "draft_plan")
    assert HH.unmet(planned, "agree_plan", {"agreed_on": "2026-04-20", "client_agreed": False}) == {"G-HH2"}
    assert HH.unmet(planned, "agree_plan") == set()


def test_household_budget_support_records_actions_then_checks_before_closing() -> None:
    record = HH.reach("IN_SUPPORT")
    assert HH.unmet(record, "start_maintenance") == {"G-HH3"}
    for kind in ("arrears_resolution", "debt_settlement_accompaniment", "loan_arrangement"):
        record = HH.step(record, "record_action", {"action": {"kind": kind, "on": "2026-05-10"}})
    assert [a.kind for a in record.actions] == [
        "arrears_resolution",
        "debt_settlement_accompaniment",
        "loan_arrangement",
    ]
    maintaining = HH.step(record, "start_maintenance")
    assert HH.unmet(maintaining, "close") == {"G-HH4"}
    slipping = HH.step(maintaining, "record_check", {"check": {"checked_on": "2026-05-01", "on_track": False}})
    assert HH.unmet(slipping, "close") == {"G-HH4"}
    steady = HH.step(slipping, "record_check")
    assert HH.unmet(steady, "close") == set()
    again = HH.step(HH.step(steady, "relapse"), "start_maintenance")
    assert HH.unmet(again, "close") == {"G-HH4"}


def test_household_budget_regular_check_timer() -> None:
    from statemachines.programs.household_budget.effects import deadlines

    record = HH.step(HH.step(HH.reach("IN_SUPPORT"), "record_action"), "start_maintenance")
    due = datetime(2026, 5, 1, 1, tzinfo=UTC)
    assert [(d.kind, d.at, d.trigger) for d in deadlines(record)] == [("maintenance_check", due, "mark_check_due")]
    applied = HOUSEHOLD_BUDGET.apply(record, "mark_check_due", SYSTEM_ACTOR, {}, now=due, command_id="t")
    assert deadlines(applied.record) == []
    _, opened = program_task_changes(HOUSEHOLD_BUDGET, record, applied.record, applied.event, "hhsw1")
    assert [(t.kind, t.role, t.command) for t in opened] == [("hh_check_due", "HHSW", "record_check")]
    checked = HH.step(applied.record, "record_check", now=datetime(2026, 5, 3, tzinfo=UTC))
    assert [d.at for d in deadlines(checked)] == [datetime(2026, 6, 3, tzinfo=UTC)]
    assert deadlines(HH.step(checked, "close")) == []


# --- 認定就労訓練事業 -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "met"),
    [
        (PROVIDER, True),
        ({**PROVIDER, "provider_certified": False}, False),
        ({**PROVIDER, "certification_number": None}, False),
    ],
)
def test_certified_training_only_certified_providers(provider: dict[str, Any], met: bool) -> None:
    record = CERTIFIED_TRAINING.start(enrolment_id="e1", case_id="c1", municipality="city-a", now=NOW)
    assert CT.unmet(record, "decide") == {"G-CT1"}  # no provider matched yet
    assert CT.unmet(record, "match_provider", {"provider": provider}) == (set() if met else {"G-CT1"})


def test_certified_training_decision_needs_the_type() -> None:
    with pytest.raises(PayloadInvalid):
        CERTIFIED_TRAINING.check(CT.reach("MATCHING"), "decide", MUN1, {"decided_on": "2026-04-03"}, NOW)


def test_certified_training_steps_up_only_toward_employment() -> None:
    stepped = CT.reach("STEP_UP")
    assert (stepped.training_type, stepped.steps) == ("employment", ["non_employment", "employment"])
    record = CT.step(CT.reach("MATCHING"), "decide", {"decided_on": "2026-04-03", "training_type": "employment"})
    record = CT.step(record, "start_training")
    assert CT.unmet(record, "step_up", {"to_type": "non_employment"}) == {"G-CT2"}
    assert CT.unmet(record, "step_up", {"to_type": "employment"}) == {"G-CT2"}
    assert CT.unmet(CT.reach("IN_TRAINING"), "step_up", {"to_type": "non_employment"}) == {"G-CT2"}
    assert CT.step(stepped, "end").outcome == "general_employment"


def test_certified_training_review_timer() -> None:
    from statemachines.programs.certified_training.effects import deadlines

    record = CT.reach("IN_TRAINING")
    due = datetime(2026, 7, 1, 1, tzinfo=UTC)
    assert [(d.kind, d.at, d.trigger) for d in deadlines(record)] == [("training_review", due, "mark_review_due")]
    applied = CERTIFIED_TRAINING.apply(record, "mark_review_due", SYSTEM_ACTOR, {}, now=due, command_id="t")
    assert deadlines(applied.record) == []
    _, opened = program_task_changes(CERTIFIED_TRAINING, record, applied.record, applied.event, "esw1")
    assert [(t.kind, t.role, t.command) for t in opened] == [("ct_review_due", "ESW", "review")]
    reviewed = CT.step(applied.record, "review", now=datetime(2026, 7, 10, tzinfo=UTC))
    assert [d.at for d in deadlines(reviewed)] == [datetime(2026, 10, 10, tzinfo=UTC)]
    assert [d.at for d in deadlines(CT.step(reviewed, "step_up"))] == [datetime(2026, 10, 10, tzinfo=UTC)]
    assert deadlines(CT.step(reviewed, "end")) == []


def test_describe_lists_the_three_programs_with_their_rules() -> None:
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "statemachines", "describe"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    processes = json.loads(out)["processes"]
    rules = {p: {k: (v["default"], v["source"]) for k, v in processes[p]["rules"].items()} for p in SPECS}
    assert rules["housing_support"]["shelter_max"] == (
        "P3M",
        "一時生活支援（シェルター）は3か月間に限り [LOCAL 水戸市 S40]",
    )
    assert rules["housing_support"]["shelter_extended_max"][0] == "P6M"
    assert "[BK]" in rules["housing_support"]["shelter_extended_max"][1]
    assert rules["household_budget"]["check_interval"][0] == "P1M"
    assert rules["certified_training"]["review_interval"][0] == "P3M"
    for program, spec in SPECS.items():
        described = processes[program]
        assert {s["id"] for s in described["states"]} == set(spec.defn.states)
        assert {g["id"] for g in described["guards"]} == set(spec.defn.guards)
        assert all(g["basis"] for g in described["guards"])
        assert described["timers"]
