"""認定就労訓練 (statemachines/programs/certified_training): certified providers only, a decision that names the type
of training, a step up only toward employment, and the review timer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from statemachines.kernel.outcomes import PayloadInvalid
from statemachines.kernel.roles import SYSTEM_ACTOR
from statemachines.programs.certified_training.effects import deadlines
from statemachines.programs.certified_training.table import CERTIFIED_TRAINING
from statemachines.programs.tasks import program_task_changes
from tests.factories import MUN1
from tests.statemachines.programs.program_spec import NOW
from tests.statemachines.programs.tables import CT, PROVIDER


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
