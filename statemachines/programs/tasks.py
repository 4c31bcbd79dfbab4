"""What a program event does to the task queues and the read model (the program's half of the projection)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from statemachines.kernel.events import CaseEvent, TaskKind, TaskSpec
from statemachines.kernel.roles import MUNICIPAL
from statemachines.programs.definition import AnyProgram, ProgramRecord


class EnrolmentRow(BaseModel):
    """The ``program_enrolments`` row: where an enrolment stands (no personal data)."""

    model_config = ConfigDict(frozen=True)

    enrolment_id: str
    case_id: str
    municipality: str
    program: str
    state: str
    started_at: datetime
    updated_at: datetime
    next_due_at: datetime | None = None
    next_due_kind: str | None = None
    last_seq: int
    summary: dict[str, Any] = Field(default_factory=dict)


class ProgramProjection(BaseModel):
    model_config = ConfigDict(frozen=True)

    enrolment: EnrolmentRow
    event: CaseEvent
    close_task_kinds: list[str] = Field(default_factory=list)
    open_tasks: list[TaskSpec] = Field(default_factory=list)


class ProgramProjectionAnswer(BaseModel):
    """What a program event's projection run inside a command's workflow task answers (the case's
    ``ProjectionAnswer`` for an enrolment): the event it recorded, kept in the local activity's marker, and the
    enrolment's row as the read model holds it after the event, which the command's answer shows."""

    model_config = ConfigDict(frozen=True)

    event: CaseEvent
    enrolment: EnrolmentRow


class ProgramView(BaseModel):
    """An enrolment as the API shows it after a command: its row, its record (as JSON, before the reader's
    visibility is applied) and the commands possible now for the sender."""

    model_config = ConfigDict(frozen=True)

    enrolment: EnrolmentRow
    record: dict[str, Any]
    allowed_commands: list[dict[str, Any]]


def _spec(
    record: ProgramRecord,
    kind: TaskKind[Any],
    event: CaseEvent,
    assignee: str | None,
    routes: Mapping[str, str | None],
) -> TaskSpec:
    """``routes``: who a task of a role goes to instead (the case's 就労支援員 for the ESW's tasks)."""
    routed = routes.get(kind.role.value, assignee) if kind.role not in MUNICIPAL else assignee
    return kind.spec(f"{record.enrolment_id}:{event.seq}:{kind.kind}", event, routed, None)


def program_task_changes(
    defn: AnyProgram,
    before: ProgramRecord | None,
    after: ProgramRecord,
    event: CaseEvent,
    assignee: str | None,
    routes: Mapping[str, str | None] | None = None,
) -> tuple[list[str], list[TaskSpec]]:
    all_kinds = {k.kind for k in [*defn.state_tasks.values(), *defn.event_tasks.values()]}
    trigger = event.command.removeprefix(f"{defn.id}.")
    moved = before is None or before.state != after.state
    close = set(all_kinds) if moved else set(defn.closes.get(trigger, ()))
    opened: list[TaskSpec] = []
    state_task = defn.state_tasks.get(after.state)
    if moved and state_task is not None:
        opened.append(_spec(after, state_task, event, None if state_task.role in MUNICIPAL else assignee, routes or {}))
    event_task = defn.event_tasks.get(trigger)
    if event_task is not None:
        close.add(event_task.kind)
        opened.append(_spec(after, event_task, event, assignee, routes or {}))
    return sorted(close), opened


def program_projection(
    defn: AnyProgram,
    before: ProgramRecord | None,
    after: ProgramRecord,
    event: CaseEvent,
    *,
    assignee: str | None,
    summary: dict[str, Any],
    routes: Mapping[str, str | None] | None = None,
) -> ProgramProjection:
    deadlines = defn.deadlines(after)
    first = min(deadlines, key=lambda d: d.at) if deadlines else None
    close, opened = program_task_changes(defn, before, after, event, assignee, routes)
    row = EnrolmentRow(
        enrolment_id=after.enrolment_id,
        case_id=after.case_id,
        municipality=after.municipality,
        program=defn.id,
        state=after.state,
        started_at=after.started_at,
        updated_at=event.at,
        next_due_at=first.at if first else None,
        next_due_kind=first.kind if first else None,
        last_seq=after.seq,
        summary=summary,
    )
    return ProgramProjection(enrolment=row, event=event, close_task_kinds=close, open_tasks=opened)
