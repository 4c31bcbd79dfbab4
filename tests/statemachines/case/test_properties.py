"""Random command sequences through the pure engine: whatever people (and timers) send, the case stays consistent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from statemachines.case.engine import CASE, open_case
from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.transitions import Trigger
from statemachines.kernel.engine import Applied
from statemachines.kernel.events import CaseEvent, first_broken_link
from statemachines.kernel.outcomes import CommandRejected, PayloadInvalid, Unmet
from statemachines.kernel.rules import DEFAULT_RULESET
from tests.factories import CITY, SW1
from tests.statemachines.strategies import ACTORS, TOURS, Command, command_sequences

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ACTOR_BY_ID = {a.user_id: a for a in ACTORS}
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)


@dataclass
class Step:
    """One command sent to the engine: what check said, what apply did, and whether its input stayed intact."""

    command: Command
    before: CaseRecord
    checked: list[Unmet] | None  # None: check raised PayloadInvalid
    applied: Applied[CaseRecord] | None  # None: apply refused
    refusal: CommandRejected | PayloadInvalid | None
    input_unchanged: bool


@dataclass
class Run:
    opened: Applied[CaseRecord]
    steps: list[Step] = field(default_factory=list)

    @property
    def final(self) -> CaseRecord:
        accepted = [s.applied for s in self.steps if s.applied is not None]
        return accepted[-1].record if accepted else self.opened.record

    @property
    def events(self) -> list[CaseEvent]:
        return [self.opened.event, *(s.applied.event for s in self.steps if s.applied is not None)]


def open_fresh(*, identified: bool, now: datetime = START, command_id: str = "open") -> Applied[CaseRecord]:
    return open_case(
        case_id="c-prop",
        municipality=CITY,
        ruleset=DEFAULT_RULESET,
        actor=SW1,
        payload={},
        now=now,
        command_id=command_id,
        identified=identified,
    )


def _check(
    case: CaseRecord, trigger: Trigger, actor: Any, payload: dict[str, Any], now: datetime
) -> list[Unmet] | None:
    try:
        return CASE.check(case, trigger.value, actor, payload, now)
    except PayloadInvalid:
        return None


def run(sequence: list[Command], *, identified: bool) -> Run:
    result = Run(opened=open_fresh(identified=identified))
    case = result.opened.record
    for i, command in enumerate(sequence, start=1):
        trigger, actor, payload = command
        dump = case.model_dump()
        now = START + timedelta(days=len(case.contact_efforts), minutes=i)  # each contact effort on a day of its own
        checked = _check(case, trigger, actor, payload, now)
        applied: Applied[CaseRecord] | None = None
        refusal: CommandRejected | PayloadInvalid | None = None
        try:
            applied = CASE.apply(case, trigger.value, actor, payload, now=now, command_id=f"c{i}")
        except (CommandRejected, PayloadInvalid) as exc:
            refusal = exc
        result.steps.append(Step(command, case, checked, applied, refusal, case.model_dump() == dump))
        if applied is not None:
            case = applied.record
    return result


def replay(events: list[CaseEvent], *, identified: bool) -> CaseRecord:
    """A fresh case fed the accepted events as stored: trigger, actor, payload, time and command id."""
    first, *rest = events
    case = open_fresh(identified=identified, now=first.at, command_id=first.command_id).record
    for e in rest:
        case = CASE.apply(case, e.command, ACTOR_BY_ID[e.actor_id], e.payload, now=e.at, command_id=e.command_id).record
    return case


def _describe(step: Step) -> str:
    trigger, actor, payload = step.command
    return f"{trigger.value} by {actor.user_id} with {payload} in {step.before.state.value}"


@PROPERTY_SETTINGS
@given(sequence=command_sequences(), identified=st.booleans())
def test_every_reached_state_is_a_case_state(sequence: list[Command], identified: bool) -> None:
    for step in run(sequence, identified=identified).steps:
        if step.applied is not None:
            assert isinstance(step.applied.record.state, CaseState), _describe(step)
            assert step.applied.record.state in set(CaseState), _describe(step)


@PROPERTY_SETTINGS
@given(sequence=command_sequences(), identified=st.booleans())
def test_seq_increases_by_exactly_one_per_accepted_command(sequence: list[Command], identified: bool) -> None:
    result = run(sequence, identified=identified)
    assert result.opened.record.seq == 1
    for step in result.steps:
        if step.applied is not None:
            assert step.applied.record.seq == step.before.seq + 1, _describe(step)
            assert step.applied.event.seq == step.applied.record.seq, _describe(step)
            assert step.applied.record.last_hash == step.applied.event.hash, _describe(step)
    assert [e.seq for e in result.events] == list(range(1, len(result.events) + 1))


@PROPERTY_SETTINGS
@given(sequence=command_sequences(), identified=st.booleans())
def test_the_event_hash_chain_of_accepted_events_verifies(sequence: list[Command], identified: bool) -> None:
    assert first_broken_link(run(sequence, identified=identified).events) is None


@PROPERTY_SETTINGS
@given(sequence=command_sequences(), identified=st.booleans())
def test_a_refused_command_leaves_the_record_identical(sequence: list[Command], identified: bool) -> None:
    for step in run(sequence, identified=identified).steps:
        assert step.input_unchanged, _describe(step)
        if step.applied is None:
            assert isinstance(step.refusal, CommandRejected | PayloadInvalid), _describe(step)


@PROPERTY_SETTINGS
@given(sequence=command_sequences(), identified=st.booleans())
def test_check_is_empty_exactly_when_apply_accepts(sequence: list[Command], identified: bool) -> None:
    for step in run(sequence, identified=identified).steps:
        if step.checked is None:
            assert isinstance(step.refusal, PayloadInvalid), _describe(step)
        elif step.checked == []:
            assert step.applied is not None, _describe(step)
        else:
            assert isinstance(step.refusal, CommandRejected), _describe(step)
            assert step.refusal.unmet == step.checked, _describe(step)


@PROPERTY_SETTINGS
@given(sequence=command_sequences(), identified=st.booleans())
def test_replaying_the_accepted_events_rebuilds_the_same_record(sequence: list[Command], identified: bool) -> None:
    result = run(sequence, identified=identified)
    assert replay(result.events, identified=identified).model_dump() == result.final.model_dump()


def test_every_tour_runs_end_to_end_without_a_refusal() -> None:
    """The tours the strategies build on stay walkable, so random sequences keep reaching deep states."""
    for tour in TOURS:
        result = run(list(tour), identified=False)
        refused = [_describe(s) for s in result.steps if s.applied is None]
        assert refused == []


def test_the_tours_visit_every_case_state() -> None:
    visited = {CaseState.IDENTIFIED}  # the opening state of an identified case, not a tour step
    for tour in TOURS:
        visited |= {s.applied.record.state for s in run(list(tour), identified=False).steps if s.applied}
    assert visited == set(CaseState)
