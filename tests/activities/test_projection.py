"""The projection activities in a real ActivityEnvironment, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.projection import ProjectionActivities
from statemachines.kernel.events import (
    GENESIS_HASH,
    CaseEvent,
    CaseSnapshotRow,
    Projection,
    Rejection,
    TaskSpec,
    canonical_event_content,
    chain_hash,
)
from store.repository import CaseRepository

CASE_ID = "case-act-1"
T0 = datetime(2025, 5, 1, 1, 0, tzinfo=UTC)


def make_projection(seq: int, prev_hash: str, to_state: str, payload: dict[str, Any] | None = None) -> Projection:
    content: dict[str, Any] = {
        "case_id": CASE_ID,
        "seq": seq,
        "at": T0 + timedelta(minutes=seq),
        "actor_id": "staff-01",
        "actor_roles": ["consultant"],
        "command": f"to_{to_state}",
        "command_id": f"cmd-{seq}",
        "transition_id": f"t-{to_state}",
        "from_state": None if seq == 1 else "intake",
        "to_state": to_state,
        "payload": payload or {},
    }
    event = CaseEvent(**content, prev_hash=prev_hash, hash=chain_hash(prev_hash, canonical_event_content(**content)))
    case = CaseSnapshotRow(
        case_id=CASE_ID,
        municipality="271004",
        stage="intake",
        state=to_state,
        emergency_active=seq == 1,
        assignee=None,
        opened_at=T0,
        updated_at=event.at,
        closed_at=None,
        next_due_at=None,
        next_due_kind=None,
        ruleset_id="rules-2025.04",
        plan_version=0,
        last_seq=seq,
    )
    task = TaskSpec(
        task_id=f"{CASE_ID}-{seq}",
        kind=f"kind-{seq}",
        title_ja="面談",
        title_en="Interview",
        role="consultant",
        assignee=None,
        due_at=None,
        command="interview",
    )
    return Projection(case=case, event=event, close_task_kinds=[f"kind-{seq - 1}"], open_tasks=[task])


@pytest.fixture
def acts(sessions: sessionmaker[Session]) -> ProjectionActivities:
    return ProjectionActivities(sessions)


async def test_project_transition_writes_once(
    acts: ProjectionActivities, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    env = ActivityEnvironment()
    p1 = make_projection(1, GENESIS_HASH, "intake", {"memo": "相談受付"})
    p2 = make_projection(2, p1.event.hash, "assessment")

    assert await env.run(acts.project_transition, p1) is True
    assert await env.run(acts.project_transition, p2) is True
    assert await env.run(acts.project_transition, p2) is False

    with sessions() as session:
        repo = CaseRepository(session)
        assert repo.get_case(CASE_ID) == p2.case
        assert repo.list_events(CASE_ID) == [p1.event, p2.event]
        assert [(t.task_id, t.status) for t in repo.list_tasks(CASE_ID)] == [
            (f"{CASE_ID}-1", "done"),
            (f"{CASE_ID}-2", "open"),
        ]
        assert repo.verify_chain(CASE_ID) is None
    assert f"projected case {CASE_ID} seq 2" in caplog.text
    assert "相談受付" not in caplog.text  # payloads may hold personal data: never logged


async def test_a_chain_conflict_fails_without_retry(acts: ProjectionActivities) -> None:
    env = ActivityEnvironment()
    p1 = make_projection(1, GENESIS_HASH, "intake")
    await env.run(acts.project_transition, p1)
    conflicting = make_projection(1, GENESIS_HASH, "closed")

    with pytest.raises(ApplicationError) as info:
        await env.run(acts.project_transition, conflicting)

    assert info.value.type == "ChainConflict"
    assert info.value.non_retryable is True
    assert info.value.details == (CASE_ID, 1)


async def test_a_broken_link_fails_without_retry(acts: ProjectionActivities) -> None:
    env = ActivityEnvironment()

    with pytest.raises(ApplicationError) as info:
        await env.run(acts.project_transition, make_projection(2, "b" * 64, "assessment"))

    assert (info.value.type, info.value.non_retryable) == ("ChainConflict", True)
    assert "seq 1 is not recorded" in info.value.message


async def test_record_rejection(acts: ProjectionActivities, sessions: sessionmaker[Session]) -> None:
    rejection = Rejection(
        case_id=CASE_ID,
        at=T0,
        actor_id="staff-02",
        actor_roles=["clerk"],
        command="close_case",
        command_id="cmd-x",
        state="intake",
        reasons=[{"code": "guard", "message_ja": "支援計画が未作成です"}],
    )

    await ActivityEnvironment().run(acts.record_rejection, rejection)

    with sessions() as session:
        assert CaseRepository(session).list_rejections(CASE_ID) == [rejection]


async def test_database_errors_propagate_for_temporal_to_retry(acts: ProjectionActivities, engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE tasks"))

    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(acts.project_transition, make_projection(1, GENESIS_HASH, "intake"))
    postgres = engine.dialect.name == "postgresql"
    expected = (
        ("ProgrammingError", 'relation "tasks" does not exist') if postgres else ("OperationalError", "no such table")
    )
    assert (raised.value.type, raised.value.non_retryable) == (expected[0], False)  # retried by Temporal
    assert expected[1] in raised.value.message
    assert raised.value.__cause__ is None  # the statement and its parameters go nowhere
