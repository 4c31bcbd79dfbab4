"""A process's timers described (statemachines/kernel/timers.py): the states, trigger and default come from the row
and the rules, and a timer the table and its declarations disagree on is refused, not described half."""

from __future__ import annotations

from enum import StrEnum

import pytest
from pydantic import BaseModel

from statemachines.kernel.roles import SYSTEM
from statemachines.kernel.table import Transition
from statemachines.kernel.timers import Timer, describe_timers


class Kettle(StrEnum):
    COLD = "COLD"
    BOILING = "BOILING"


class Act(StrEnum):
    WHISTLE = "whistle"


class Empty(BaseModel):
    pass


ROWS = (
    Transition("K1", Act.WHISTLE, (Kettle.COLD, Kettle.BOILING), None, SYSTEM, Empty, "笛", timer="whistle"),
    Transition("K2", Act.WHISTLE, (Kettle.BOILING,), None, SYSTEM, Empty, "手動"),
)
RULES = {"boil_within": ("PT5M", "やかんの取扱説明書")}


def test_a_timer_takes_its_states_trigger_and_default_from_the_row_and_the_rules() -> None:
    timer = Timer("whistle", "opens a task", rule="boil_within", start="switching on")
    assert describe_timers(ROWS, (timer,), RULES) == [
        {
            "id": "whistle",
            "states": ["COLD", "BOILING"],
            "fires": "whistle",
            "transition": "K1",
            "rule": "boil_within",
            "default": "PT5M",
            "source": "やかんの取扱説明書",
            "from": "switching on",
            "effect": "opens a task",
        }
    ]


def test_a_timer_no_rule_sets_says_when_in_words() -> None:
    described = describe_timers(ROWS, (Timer("whistle", "opens a task", at="when it boils"),), RULES)
    assert described[0]["at"] == "when it boils"
    assert described[0].keys().isdisjoint({"rule", "default", "source"})


@pytest.mark.parametrize(
    ("timers", "named"),
    [
        ((), "'whistle'"),
        ((Timer("whistle", "x"), Timer("alarm", "y")), "'alarm'"),
        ((Timer("whistle", "x", rule="cool_after"),), "'cool_after'"),
    ],
    ids=["a row's timer undeclared", "a declaration no row fires", "a rule the rules lack"],
)
def test_a_table_and_its_timers_that_disagree_are_refused(timers: tuple[Timer, ...], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        describe_timers(ROWS, timers, RULES)
