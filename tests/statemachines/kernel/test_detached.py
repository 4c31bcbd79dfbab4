"""The copy a command's effects are written into (statemachines/kernel/detached.py): equal to a deep copy, sharing
with its record only what cannot change; and ``Process.effected`` over every command the recorded histories, the case's
tours and the programs' tables hold, leaving each record as it was (``tests.statemachines.traces``)."""

from __future__ import annotations

import inspect
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import pytest
import pytest_asyncio
from pydantic import BaseModel, ConfigDict
from temporalio.client import WorkflowHistory

import statemachines.kernel.engine
from statemachines.case import payloads as c
from statemachines.case.engine import CASE
from statemachines.case.rebuild import rebuild
from statemachines.case.record import CaseRecord
from statemachines.case.records import MonitoringNote, Plan
from statemachines.case.transitions import Trigger
from statemachines.kernel.detached import detached, is_value
from statemachines.kernel.engine import Process
from statemachines.kernel.events import CaseEvent
from statemachines.kernel.roles import Actor
from statemachines.kernel.rules import DEFAULT_RULESET, RuleSet
from statemachines.kernel.table import effect
from statemachines.programs.hello_work.effects import attendance
from statemachines.programs.hello_work.records import Appointment, Attendance, HelloWorkRecord
from tests.factories import CITY, SW1, contact_note
from tests.statemachines.case.test_properties import run
from tests.statemachines.programs.program_spec import NOW, Spec
from tests.statemachines.programs.tables import HW, STARTED_BY_DECISION, STARTED_BY_STAFF
from tests.statemachines.strategies import TOURS
from tests.statemachines.traces import held, shared_changeable, untouched
from workflows.case_workflow import workflow_id
from workflows.history import projected_events

HISTORIES = sorted((Path(__file__).parents[2] / "histories").glob("*.json"))
RECORDED_AT = CITY


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def recorded() -> list[list[CaseEvent]]:
    """Each recorded history's events, in seq order."""
    found = []
    for path in HISTORIES:
        history = WorkflowHistory.from_json(workflow_id(path.stem), path.read_text(encoding="utf-8"))
        events = await projected_events([history])
        found.append([events[seq] for seq in sorted(events)])
    return found


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The rows ``Process.effected`` checked its contract on during the test, whichever way it was reached."""
    checked: list[str] = []
    monkeypatch.setattr(Process, "effected", untouched(inspect.unwrap(Process.effected), checked))
    return checked


def supported(events: list[CaseEvent]) -> CaseRecord:
    """The longest recorded case as it stood when its support last started, with a few months of notes."""
    upto = max(i for i, e in enumerate(events) if e.to_state == "SUPPORT_ACTIVE")
    case = rebuild(events[: upto + 1], municipality=RECORDED_AT, ruleset=DEFAULT_RULESET)
    assert case is not None
    notes = [MonitoringNote.model_validate({**contact_note(), "content": f"面談 {n}"}) for n in range(30)]
    case.monitoring = [*case.monitoring, *notes]
    return case


def a_contact(case: CaseRecord) -> dict[str, Any]:
    """A 支援経過記録 of the day the case stands at (G-DATES)."""
    return {"monitoring_note": {**contact_note(), "contact_on": case.state_entered_at.date().isoformat()}}


# -- the copy -----------------------------------------------------------------------------------------------------


async def test_a_detached_record_equals_its_deep_copy_and_shares_only_what_cannot_change(
    recorded: list[list[CaseEvent]],
) -> None:
    case = supported(max(recorded, key=len))
    copied = detached(case)
    assert copied == case.model_copy(deep=True)
    assert copied.model_fields_set == case.model_fields_set
    assert shared_changeable(copied, held(case)) == []
    assert copied.monitoring is not case.monitoring  # the list is the copy's own, its notes are shared
    assert all(a is b for a, b in zip(copied.monitoring, case.monitoring, strict=True))


class Sheet(BaseModel):
    model_config = ConfigDict(frozen=True)

    when: datetime | None = None
    kind: Literal["a", "b"] = "a"
    items: tuple[MonitoringNote, ...] = ()


class Loose(BaseModel):
    model_config = ConfigDict(frozen=True)

    anything: Any = None


def test_a_model_is_a_value_when_it_is_frozen_and_holds_only_values() -> None:
    assert is_value(MonitoringNote)
    assert is_value(Sheet)
    assert not is_value(Plan)  # frozen, but its goals are a list
    assert not is_value(Loose)  # Any may be a list
    assert not is_value(RuleSet)  # frozen, with dicts of durations and sources
    assert not is_value(CaseRecord)
    assert not is_value(Appointment)  # a program's row changed in place (attendance, reminders)


def test_a_program_row_changed_in_place_is_the_copys_own() -> None:
    record: HelloWorkRecord = HW.reach("JOINT_INTERVIEW")
    copied = detached(record)
    attendance.run(copied, Attendance(appointment_id="ji1", attendance="attended"), SW1, NOW)
    assert copied.appointments[0].status != record.appointments[0].status
    assert record == HW.reach("JOINT_INTERVIEW")


# -- every command the tests hold -----------------------------------------------------------------------------


async def test_every_recorded_command_leaves_its_record_as_it_was(
    recorded: list[list[CaseEvent]], seen: list[str]
) -> None:
    for events in recorded:
        rebuilt = rebuild(events, municipality=RECORDED_AT, ruleset=DEFAULT_RULESET)
        assert rebuilt is not None
        assert rebuilt.seq == events[-1].seq
    assert len(seen) == sum(len(events) - 1 for events in recorded)  # every event but the openings


def test_every_command_of_the_case_tours_leaves_its_record_as_it_was(seen: list[str]) -> None:
    accepted = 0
    for tour in TOURS:
        steps = run(list(tour), identified=False).steps
        assert all(step.input_unchanged for step in steps)
        accepted += sum(step.applied is not None for step in steps)
    assert len(seen) == accepted == sum(len(tour) for tour in TOURS)


@pytest.mark.parametrize("program", [*STARTED_BY_DECISION, *STARTED_BY_STAFF])
def test_every_command_of_a_programs_table_leaves_its_record_as_it_was(program: str, seen: list[str]) -> None:
    spec: Spec = {**STARTED_BY_DECISION, **STARTED_BY_STAFF}[program]
    moves = 0
    for state, row in spec.expected.items():
        record = spec.reach(state)  # every command on the way is checked too
        for trigger, expected in row.items():
            if not isinstance(expected, frozenset):
                spec.step(record, trigger)
                moves += 1
    assert len(seen) >= moves + sum(len(path) for path in spec.paths.values())


# -- an effect that fails ------------------------------------------------------------------------------------------


@effect(c.RecordContact)
def half_written(case: CaseRecord, payload: c.RecordContact, actor: Actor, now: datetime) -> None:
    case.monitoring.append(payload.monitoring_note)
    case.assignee, case.program_monitoring["e1"] = "someone-else", "P1W"
    raise RuntimeError("the effect failed halfway")


async def test_an_effect_that_fails_halfway_leaves_the_case_as_it_was(recorded: list[list[CaseEvent]]) -> None:
    case = supported(max(recorded, key=len))
    before = case.model_dump()
    failing = replace(CASE, effects={**CASE.effects, Trigger.RECORD_CONTACT: half_written})
    body = a_contact(case)
    with pytest.raises(RuntimeError, match="halfway"):
        failing.apply(case, "record_contact", SW1, body, now=case.state_entered_at, command_id="x")
    assert case.model_dump() == before


@effect(Attendance)
def attended_then_failed(r: HelloWorkRecord, p: Attendance, a: Actor, now: datetime) -> None:
    attendance.run(r, p, a, now)  # changes the appointment in place
    raise RuntimeError("the effect failed halfway")


def test_an_effect_that_fails_after_changing_a_row_in_place_leaves_the_program_as_it_was() -> None:
    record = HW.reach("JOINT_INTERVIEW")
    before = record.model_dump()
    trigger = HW.defn.trigger("record_attendance")
    assert trigger is not None
    failing = replace(HW.defn, effects={**HW.defn.effects, trigger: attended_then_failed})
    with pytest.raises(RuntimeError, match="halfway"):
        Spec(failing, HW.payloads, HW.actors, HW.default, HW.paths, HW.expected, HW.times).step(
            record, "record_attendance"
        )
    assert record.model_dump() == before


# -- the check itself ----------------------------------------------------------------------------------------------


async def test_the_check_fails_a_copy_that_shares_a_list(
    recorded: list[list[CaseEvent]], seen: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = supported(max(recorded, key=len))
    monkeypatch.setattr(statemachines.kernel.engine, "detached", lambda record: record.model_copy())
    body = a_contact(case)
    with pytest.raises(AssertionError, match="changed the record they were given"):
        CASE.apply(case, "record_contact", SW1, body, now=case.state_entered_at, command_id="x")


@effect(c.RecordContact)
def rewrites_a_shared_note(case: CaseRecord, payload: c.RecordContact, actor: Actor, now: datetime) -> None:
    object.__setattr__(case.monitoring[0], "content", "書き換え")  # what no effect may do to a frozen row


async def test_the_check_fails_an_effect_that_forces_a_frozen_row(
    recorded: list[list[CaseEvent]], seen: list[str]
) -> None:
    case = supported(max(recorded, key=len))
    forcing = replace(CASE, effects={**CASE.effects, Trigger.RECORD_CONTACT: rewrites_a_shared_note})
    body = a_contact(case)
    with pytest.raises(AssertionError, match="changed the record they were given"):
        forcing.apply(case, "record_contact", SW1, body, now=case.state_entered_at, command_id="x")
