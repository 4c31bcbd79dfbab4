"""居住支援 (statemachines/programs/housing_support): eligibility, the kind of support chosen at the request, the
watching over that ends after the move-in, the シェルター's extension capped at six months, and its timers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from statemachines.kernel.roles import SYSTEM_ACTOR
from statemachines.programs.housing_support.effects import deadlines
from statemachines.programs.housing_support.table import HOUSING_SUPPORT
from statemachines.programs.tasks import program_task_changes
from tests.statemachines.programs.tables import COMMUNITY, HS, MEANS, MEANS_OK


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
