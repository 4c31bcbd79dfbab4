"""The kernel's table rows (statemachines/kernel/table.py): what a plain row is, where a row says it goes (the label
the process diagram prints), and effects typed by their payload, as the engine checks them against the table."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from enum import StrEnum

import pytest
from pydantic import BaseModel

from statemachines.kernel.engine import Process
from statemachines.kernel.events import GENESIS_HASH
from statemachines.kernel.roles import Actor, OrgKind, Role
from statemachines.kernel.table import MAIN_REGION, PREVIOUS, Effect, Transition, effect

NOW = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
STAFF = frozenset({Role.SW})
SW = Actor(user_id="sw", roles=STAFF, organisation="o", org_kind=OrgKind.CONTRACTOR, serves=frozenset({"city-a"}))


class Lamp(StrEnum):
    OFF = "OFF"
    ON = "ON"
    BROKEN = "BROKEN"


class Switch(StrEnum):
    TURN_ON = "turn_on"


class State(BaseModel):
    name_ja: str
    terminal: bool = False


class Level(BaseModel):
    level: int = 1


class Brightness(Level):
    """A payload that is a ``Level`` and more."""

    lux: int = 100


class LampRecord(BaseModel):
    case_id: str = "lamp-1"
    municipality: str = "city-a"
    state: Lamp = Lamp.OFF
    state_entered_at: datetime = NOW
    seq: int = 0
    last_hash: str = GENESIS_HASH
    level: int = 0
    seen: str = ""


@effect(Level)
def _set_level(lamp: LampRecord, payload: Level, actor: Actor, now: datetime) -> None:
    lamp.level = payload.level
    lamp.seen = type(payload).__name__


@effect(Brightness)
def _set_brightness(lamp: LampRecord, payload: Brightness, actor: Actor, now: datetime) -> None:
    lamp.level = payload.lux


def row(
    source: tuple[Lamp, ...] = (Lamp.OFF,), dest: Lamp | None = Lamp.ON, *, dest_previous: bool = False
) -> Transition[Lamp, Switch]:
    return Transition("L1", Switch.TURN_ON, source, dest, STAFF, Level, "点灯", dest_previous=dest_previous)


def lamp_process(
    payload: type[BaseModel], lamp_effect: Effect[LampRecord, BaseModel]
) -> Process[Lamp, Switch, LampRecord]:
    rows = (Transition("L1", Switch.TURN_ON, (Lamp.OFF,), Lamp.ON, STAFF, payload, "点灯"),)
    return Process[Lamp, Switch, LampRecord](
        id="lamp",
        states={lamp: State(name_ja=lamp.value.lower()) for lamp in Lamp},
        triggers=Switch,
        transitions=rows,
        guards={},
        effects={Switch.TURN_ON: lamp_effect},
    )


# --- a row ----------------------------------------------------------------------------------------------------------


def test_a_plain_row_is_of_the_main_region_and_starts_shares_and_looks_up_nothing() -> None:
    plain = row()
    assert (plain.region, plain.guards, plain.timer, plain.dest_previous) == (MAIN_REGION, (), None, False)
    assert (plain.follow_ons, plain.shares_personal_data, plain.looks_up) == ((), False, ())


def test_a_row_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        row().dest = Lamp.BROKEN  # type: ignore[misc]


# --- dest_label -----------------------------------------------------------------------------------------------------


def test_a_row_with_a_destination_is_labelled_by_it() -> None:
    assert row((Lamp.OFF, Lamp.BROKEN), Lamp.ON).dest_label == "ON"


def test_an_internal_row_from_one_state_is_labelled_by_that_state() -> None:
    assert row((Lamp.ON,), None).dest_label == "ON"


def test_an_internal_row_from_several_states_is_labelled_the_same() -> None:
    assert row((Lamp.OFF, Lamp.ON), None).dest_label == "(same)"


def test_a_row_back_to_the_previous_state_is_labelled_previous() -> None:
    assert PREVIOUS == "(previous)"
    assert row((Lamp.BROKEN,), None, dest_previous=True).dest_label == PREVIOUS


# --- effects --------------------------------------------------------------------------------------------------------


def test_effect_declares_the_payload_it_takes_and_keeps_the_function() -> None:
    declared = effect(Level)(_set_level.run)
    assert (declared.payload, declared.run) == (Level, _set_level.run)


def test_an_effect_runs_on_the_record_with_its_payload() -> None:
    lamp = LampRecord()
    _set_level.run(lamp, Level(level=3), SW, NOW)
    assert (lamp.level, lamp.seen) == (3, "Level")


def test_an_effect_for_a_payload_serves_a_row_whose_payload_is_a_subclass_of_it() -> None:
    lamp = lamp_process(Brightness, _set_level)
    applied = lamp.apply(LampRecord(), "turn_on", SW, {"level": 2}, now=NOW, command_id="c1")
    assert (applied.record.level, applied.record.seen) == (2, "Brightness")


def test_an_effect_for_a_subclass_is_refused_for_a_row_carrying_its_base() -> None:
    with pytest.raises(AssertionError, match="effect's payload"):
        lamp_process(Level, _set_brightness)


def test_two_rows_with_one_id_are_refused_when_the_process_is_defined() -> None:
    twice = (row(), Transition("L1", Switch.TURN_ON, (Lamp.ON,), None, STAFF, Level, "再点灯"))
    with pytest.raises(AssertionError, match="two rows share an id"):
        Process[Lamp, Switch, LampRecord](
            id="lamp",
            states={lamp: State(name_ja=lamp.value.lower()) for lamp in Lamp},
            triggers=Switch,
            transitions=twice,
            guards={},
        )
