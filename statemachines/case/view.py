"""Read-side shapes derived from the record: the ``cases`` row, the projection of one event, the live view."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from statemachines.case.engine import CASE
from statemachines.case.record import STATES, CaseRecord
from statemachines.case.tasks import role_reassignments, state_task, task_changes
from statemachines.case.timers import Deadline, deadlines
from statemachines.kernel.engine import Applied
from statemachines.kernel.events import CaseSnapshotRow, Projection
from statemachines.kernel.outcomes import CommandOption
from statemachines.kernel.roles import Actor


def next_due(case: CaseRecord) -> tuple[datetime | None, str | None]:
    """The earliest of the running timers and the current state task's due date."""
    candidates: list[tuple[datetime, str]] = [(d.at, d.kind) for d in deadlines(case)]
    task = state_task(case)
    if task is not None:
        due = case.ruleset.due(task.kind, case.state_entered_at)
        if due is not None:
            candidates.append((due, task.kind))
    if not candidates:
        return None, None
    at, kind = min(candidates)
    return at, kind


def snapshot_row(case: CaseRecord, *, updated_at: datetime) -> CaseSnapshotRow:
    due_at, due_kind = next_due(case)
    return CaseSnapshotRow(
        case_id=case.case_id,
        municipality=case.municipality,
        stage=case.stage.value,
        state=case.state.value,
        emergency_active=case.emergency_active,
        assignee=case.assignee,
        opened_at=case.opened_at,
        updated_at=updated_at,
        state_entered_at=case.state_entered_at,
        closed_at=case.closed_at,
        next_due_at=due_at,
        next_due_kind=due_kind,
        ruleset_id=case.ruleset.ruleset_id,
        plan_version=case.plan_version,
        last_seq=case.seq,
        case_number=case.case_number,
        person_id=case.person_id,
        employment_supporter=case.employment_supporter,
        last_contact_at=case.last_contact_at,
        difficult_case=case.difficult_case is not None,
    )


def projection_for(before: CaseRecord | None, applied: Applied[CaseRecord]) -> Projection:
    close, opened = task_changes(before, applied.record, applied.event)
    client = applied.record.intake.client
    changed = before is None or before.intake.client != client
    return Projection(
        case=snapshot_row(applied.record, updated_at=applied.event.at),
        event=applied.event,
        close_task_kinds=close,
        open_tasks=opened,
        person=client.model_dump(mode="json")
        if changed and applied.record.person_id is not None and not client.is_empty()
        else None,
        reassign_roles=role_reassignments(applied.record, applied.event),
    )


class CaseView(BaseModel):
    """What a query returns: the record, where it stands, and what can happen next for this actor."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    state: str
    state_name_ja: str
    stage: str
    emergency_active: bool
    assignee: str | None
    seq: int
    deadlines: list[Deadline]
    allowed_commands: list[CommandOption]
    record: CaseRecord


def case_view(case: CaseRecord, actor: Actor) -> CaseView:
    return CaseView(
        case_id=case.case_id,
        state=case.state.value,
        state_name_ja=STATES[case.state].name_ja,
        stage=case.stage.value,
        emergency_active=case.emergency_active,
        assignee=case.assignee,
        seq=case.seq,
        deadlines=deadlines(case),
        allowed_commands=CASE.explain(case, actor),
        record=case,
    )
