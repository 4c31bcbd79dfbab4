"""The kernel's engine on a process of its own: a door that opens, closes, locks, and remembers where it was."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

import pytest
from pydantic import BaseModel, ConfigDict

from statemachines.kernel.engine import Process
from statemachines.kernel.events import GENESIS_HASH, first_broken_link
from statemachines.kernel.guards import Detail, Guard, GuardContext, Verdict, present
from statemachines.kernel.outcomes import CommandRejected, PayloadInvalid, Unmet, UnmetKind
from statemachines.kernel.roles import SYSTEM_ACTOR, Actor, OrgKind, Role
from statemachines.kernel.table import Lookup, Transition, effect

NOW = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)


class Door(StrEnum):
    OPEN = "OPEN"
    SHUT = "SHUT"
    LOCKED = "LOCKED"
    JAMMED = "JAMMED"


class Push(StrEnum):
    CLOSE = "close"
    OPEN = "open"
    LOCK = "lock"
    JAM = "jam"
    UNJAM = "unjam"
    LIGHT = "light"
    OILED = "oiled"


class Named(BaseModel):
    name_ja: str
    terminal: bool = False


class Empty(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Key(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str | None = None


class DoorRecord(BaseModel):
    case_id: str = "c1"
    municipality: str = "city-a"
    state: Door = Door.OPEN
    state_entered_at: datetime = NOW
    seq: int = 0
    last_hash: str = GENESIS_HASH
    key: str | None = None
    before_jam: Door | None = None
    light: bool = False
    moves: int = 0


def _right_key(ctx: GuardContext[DoorRecord]) -> Verdict:
    return present(ctx, "key", lambda k: k == "brass")


def _not_night(ctx: GuardContext[DoorRecord]) -> Verdict:
    return None if ctx.now is None else ctx.now.hour < 12


GUARDS = {
    "G-KEY": Guard("G-KEY", "鍵が違います。", "Wrong key.", "door rules §1", _right_key),
    "G-DAY": Guard("G-DAY", "夜は施錠しません。", "No locking at night.", "door rules §2", _not_night),
}


@effect(Key)
def _lock(door: DoorRecord, payload: Key, actor: Actor, now: datetime) -> None:
    door.key = payload.key


@effect(Empty)
def _light(door: DoorRecord, payload: Empty, actor: Actor, now: datetime) -> None:
    door.light = not door.light


def _settle(
    door: DoorRecord,
    t: Transition[Door, Push],
    payload: BaseModel,
    actor: Actor,
    now: datetime,
    source: Door,
    dest: Door,
) -> None:
    door.moves += 1
    if dest is Door.JAMMED:
        door.before_jam = source


STAFF = frozenset({Role.SW})
ROWS = (
    Transition("D1", Push.CLOSE, (Door.OPEN,), Door.SHUT, STAFF, Empty, "閉める"),
    Transition("D2", Push.OPEN, (Door.SHUT,), Door.OPEN, STAFF, Empty, "開ける"),
    Transition(
        "D3", Push.LOCK, (Door.SHUT,), Door.LOCKED, STAFF, Key, "施錠", ("G-KEY", "G-DAY"), looks_up=(Lookup.PERSON,)
    ),
    Transition("D4", Push.JAM, (Door.OPEN, Door.SHUT), Door.JAMMED, frozenset({Role.SYSTEM}), Empty, "固着"),
    Transition("D5", Push.UNJAM, (Door.JAMMED,), None, STAFF, Empty, "固着の解消", dest_previous=True),
    Transition("D6", Push.LIGHT, tuple(Door), None, STAFF, Empty, "照明", region="light"),
    Transition("D7", Push.OILED, (Door.SHUT,), None, frozenset({Role.SYSTEM}), Empty, "注油", timer="oil"),
)


class DoorProcess(Process[Door, Push, DoorRecord]):
    def event_command(self, trigger: Push) -> str:
        return f"door.{trigger.value}"


class ListingDoor(DoorProcess):
    explains_timer_commands = True


DOOR = DoorProcess(
    id="door",
    states={d: Named(name_ja=d.value.lower()) for d in Door},
    triggers=Push,
    transitions=ROWS,
    guards=GUARDS,
    effects={Push.LOCK: _lock, Push.LIGHT: _light},
    available=lambda door, t: t.region != "light" or door.state is not Door.LOCKED,
    previous_state=lambda door: door.before_jam or Door.SHUT,
    previous_states=(Door.OPEN, Door.SHUT),
    settle=_settle,
)
SW = Actor(
    user_id="sw",
    roles=frozenset({Role.SW}),
    organisation="o",
    org_kind=OrgKind.CONTRACTOR,
    serves=frozenset({"city-a"}),
)
MUN = Actor(user_id="mun", roles=frozenset({Role.MUN}), organisation="o", org_kind=OrgKind.MUNICIPALITY)


def door(state: Door = Door.OPEN) -> DoorRecord:
    return DoorRecord(state=state)


def ids(unmet: list[Unmet]) -> list[str]:
    return [u.id for u in unmet]


def test_a_command_moves_the_record_and_chains_its_event() -> None:
    applied = DOOR.apply(door(), "close", SW, {}, now=NOW, command_id="c1")
    assert applied.record.state is Door.SHUT
    assert applied.event.command == "door.close"
    assert (applied.event.from_state, applied.event.to_state) == ("OPEN", "SHUT")
    again = DOOR.apply(applied.record, "open", SW, {}, now=NOW, command_id="c2")
    assert first_broken_link([applied.event, again.event]) is None
    assert again.record.seq == 2
    assert again.record.last_hash == again.event.hash


def test_the_old_record_is_never_changed() -> None:
    before = door(Door.SHUT)
    DOOR.apply(before, "lock", SW, {"key": "brass"}, now=NOW, command_id="c1")
    assert before.state is Door.SHUT
    assert before.key is None
    assert before.seq == 0


def test_unknown_wrong_state_role_and_scope_are_each_named() -> None:
    assert ids(DOOR.check(door(), "fly", SW)) == ["UNKNOWN"]
    assert ids(DOOR.check(door(), "open", SW)) == ["STATE"]
    assert [u.kind for u in DOOR.check(door(), "close", MUN)] == [UnmetKind.ROLE, UnmetKind.SCOPE]


def test_a_guard_without_its_data_is_pending_in_explain_and_unmet_in_check() -> None:
    shut = door(Door.SHUT)
    assert ids(DOOR.check(shut, "lock", SW, {}, NOW)) == ["G-KEY"]
    lock = next(o for o in DOOR.explain(shut, SW, NOW) if o.command == "lock")
    assert lock.allowed
    assert [r["id"] for r in lock.requires] == ["G-KEY"]


def test_a_guard_that_needs_the_clock_cannot_tell_without_one() -> None:
    shut = door(Door.SHUT)
    lock = next(o for o in DOOR.explain(shut, SW) if o.command == "lock")
    assert [r["id"] for r in lock.requires] == ["G-KEY", "G-DAY"]  # pending, not refused
    assert ids(DOOR.check(shut, "lock", SW, {"key": "brass"})) == ["G-DAY"]  # a command is never let through
    assert DOOR.check(shut, "lock", SW, {"key": "brass"}, NOW) == []
    late = datetime(2026, 4, 1, 13, tzinfo=UTC)
    assert ids(DOOR.check(shut, "lock", SW, {"key": "brass"}, late)) == ["G-DAY"]


def test_an_effect_receives_its_own_payload_type() -> None:
    locked = DOOR.apply(door(Door.SHUT), "lock", SW, {"key": "brass"}, now=NOW, command_id="c1").record
    assert (locked.state, locked.key, locked.moves) == (Door.LOCKED, "brass", 1)


def test_an_effect_for_another_payload_is_refused_when_the_table_is_made() -> None:
    with pytest.raises(AssertionError, match="effect's payload"):
        Process[Door, Push, DoorRecord](
            id="bad", states=DOOR.states, triggers=Push, transitions=ROWS, guards=GUARDS, effects={Push.CLOSE: _lock}
        )


def test_a_row_may_go_back_where_the_record_came_from() -> None:
    jammed = DOOR.apply(door(Door.SHUT), "jam", SYSTEM_ACTOR, {}, now=NOW, command_id="c1").record
    assert jammed.before_jam is Door.SHUT
    assert DOOR.apply(jammed, "unjam", SW, {}, now=NOW, command_id="c2").record.state is Door.SHUT


def test_a_row_of_a_parallel_region_keeps_the_state_and_has_its_own_condition() -> None:
    lit = DOOR.apply(door(), "light", SW, {}, now=NOW, command_id="c1").record
    assert (lit.state, lit.light, lit.state_entered_at) == (Door.OPEN, True, NOW)
    assert ids(DOOR.check(door(Door.LOCKED), "light", SW)) == ["STATE"]


def test_explain_lists_timer_commands_only_where_the_process_says_so() -> None:
    assert "oiled" not in {o.command for o in DOOR.explain(door(Door.SHUT), SW)}
    listing = ListingDoor(
        id="door",
        states=DOOR.states,
        triggers=Push,
        transitions=ROWS,
        guards=GUARDS,
        previous_state=DOOR.previous_state,
        previous_states=DOOR.previous_states,
    )
    assert "oiled" in {o.command for o in listing.explain(door(Door.SHUT), SW)}


def test_a_payload_that_does_not_fit_is_a_payload_error() -> None:
    with pytest.raises(PayloadInvalid) as info:
        DOOR.apply(door(Door.SHUT), "lock", SW, {"key": 1, "extra": True}, now=NOW, command_id="c1")
    assert {e["loc"][0] for e in info.value.errors} == {"key", "extra"}
    with pytest.raises(CommandRejected):
        DOOR.apply(door(), "fly", SW, {}, now=NOW, command_id="c1")


def test_an_opening_is_the_first_link_of_the_chain() -> None:
    opened = DOOR.open(
        door(), SW, transition_id="door.start", command="door.start", payload={}, now=NOW, command_id="o"
    )
    assert (opened.event.seq, opened.event.prev_hash, opened.event.from_state) == (1, GENESIS_HASH, None)
    assert opened.record.last_hash == opened.event.hash


def test_a_command_says_what_its_payload_is_completed_with_from_the_store() -> None:
    assert DOOR.lookups("lock") == {Lookup.PERSON}
    assert DOOR.lookups("open") == frozenset()


def _named_key(ctx: GuardContext[DoorRecord]) -> list[Detail]:
    key = getattr(ctx.payload, "key", None)
    if key is None or key == "brass":
        return []
    return [(f"鍵「{ctx.name_of(key)}」ではこの扉は開きません", f"The key {key} does not fit this door")]


NAMING_DOOR = DoorProcess(
    id="door",
    states=DOOR.states,
    triggers=Push,
    transitions=ROWS,
    guards={
        **GUARDS,
        "G-KEY": Guard("G-KEY", "鍵が違います。", "Wrong key.", "door rules §1", _right_key, _named_key, "keys-named"),
    },
    previous_state=DOOR.previous_state,
    previous_states=DOOR.previous_states,
)


def test_a_refusal_names_what_is_wrong_by_the_names_its_runner_gives() -> None:
    [unmet] = NAMING_DOOR.check(door(Door.SHUT), "lock", SW, {"key": "iron"}, NOW, names={"iron": "鉄の鍵"})
    assert (unmet.id, unmet.basis) == ("G-KEY", "door rules §1")
    assert unmet.message_ja == "鍵「鉄の鍵」ではこの扉は開きません。"
    assert unmet.message_en == "The key iron does not fit this door."
    [unnamed] = NAMING_DOOR.check(door(Door.SHUT), "lock", SW, {}, NOW)
    assert unnamed.message_ja == "鍵が違います。"  # nothing to name: the guard's own message


def test_a_guard_that_came_with_a_patch_is_named_and_not_asked_when_waived() -> None:
    assert NAMING_DOOR.guard_patches("lock") == {"G-KEY": "keys-named"}
    assert NAMING_DOOR.guard_patches("close") == {}
    with pytest.raises(CommandRejected):
        NAMING_DOOR.apply(door(Door.SHUT), "lock", SW, {"key": "iron"}, now=NOW, command_id="c1")
    waived = NAMING_DOOR.apply(
        door(Door.SHUT), "lock", SW, {"key": "iron"}, now=NOW, command_id="c1", waived=frozenset({"G-KEY"})
    )
    assert waived.record.state is Door.LOCKED  # as a run recorded before the guard came replays
