"""Case and task rows written straight into the read model, for the tests of its read side (queries, task queues)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from statemachines.case.record import STATES, CaseState
from store import day_counts
from store.models import CaseRecord, TaskRecord

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
VISIBLE = {"city-a", "city-c"}
DAY = timedelta(days=1)


def add_case(session: Session, case_id: str, **values: Any) -> CaseRecord:
    state = CaseState(values.pop("state", CaseState.INTAKE))
    record = CaseRecord(
        case_id=case_id,
        municipality=values.pop("municipality", "city-a"),
        stage=STATES[state].stage.value,
        state=state.value,
        emergency_active=False,
        assignee=values.pop("assignee", None),
        opened_at=values.pop("opened_at", NOW - 10 * DAY),
        updated_at=values.pop("updated_at", NOW - DAY),
        state_entered_at=values.pop("state_entered_at", NOW - DAY),
        closed_at=None,
        next_due_at=values.pop("next_due_at", None),
        next_due_kind=None,
        ruleset_id="national-2025-04",
        plan_version=0,
        last_seq=1,
        employment_supporter=values.pop("employment_supporter", None),
        last_contact_at=values.pop("last_contact_at", NOW - DAY),
        difficult_case=values.pop("difficult_case", False),
    )
    assert not values, values
    session.add(record)
    session.flush()
    day_counts.move(
        session, frozenset(), day_counts.keys_of(record)
    )  # as the projection, the one writer of cases, does
    return record


def add_task(session: Session, task_id: str, case_id: str, **values: Any) -> TaskRecord:
    case = session.get(CaseRecord, case_id)
    assert case is not None, f"add the case {case_id} before its tasks"
    record = TaskRecord(
        task_id=task_id,
        case_id=case_id,
        municipality=case.municipality,
        kind=values.pop("kind", "screening"),
        title_ja="スクリーニング",
        title_en="Screening",
        role=values.pop("role", "SW"),
        assignee=values.pop("assignee", None),
        due_at=values.pop("due_at", None),
        command="screen",
        status=values.pop("status", "open"),
        opened_seq=1,
        closed_seq=None,
        opened_at=NOW - 5 * DAY,
        closed_at=None,
    )
    assert not values, values
    session.add(record)
    session.flush()
    return record
