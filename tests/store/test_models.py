"""The read model's declarations (store/models.py) on SQLite and PostgreSQL: the naming convention of constraints and
indexes, and every datetime column stored in UTC and read back tz-aware (UTCDateTime)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from store.models import Base
from store.repository import CaseRepository
from tests.store.projections import CASE_ID, JST, T0, apply, apply_all, row_counts, three_projections


def test_schema_follows_the_naming_convention(engine: Engine) -> None:
    names = {c.name for t in Base.metadata.tables.values() for c in t.constraints} | {
        i.name for t in Base.metadata.tables.values() for i in t.indexes
    }
    assert {"pk_cases", "uq_case_events_case_id_seq", "fk_tasks_case_id_cases", "ck_tasks_status"} <= names
    assert {
        "ix_tasks_status_role_due_at",
        "ix_tasks_status_assignee_due_at",
        "ix_case_events_case_id",
    } <= names


def test_datetimes_come_back_tz_aware_utc(sessions: sessionmaker[Session]) -> None:
    projections = three_projections()
    apply_all(sessions, projections)

    with sessions() as session:
        repo = CaseRepository(session)
        case = repo.get_case(CASE_ID)
        events = repo.list_events(CASE_ID)
        tasks = repo.list_tasks(CASE_ID)

    assert case is not None
    stamps = [case.opened_at, case.updated_at, case.next_due_at]
    stamps += [e.at for e in events] + [t.opened_at for t in tasks] + [t.closed_at for t in tasks if t.closed_at]
    assert stamps
    assert all(s is not None and s.tzinfo is UTC for s in stamps)
    # A due time given in JST comes back as the same instant, in UTC.
    due = tasks[0].due_at
    assert due is not None
    assert due.tzinfo is UTC
    assert due == datetime(2025, 4, 8, 17, 0, tzinfo=JST)
    assert due.hour == 8
    assert events[0].at.microsecond == T0.microsecond


def test_naive_datetimes_are_refused(sessions: sessionmaker[Session]) -> None:
    p1, _, _ = three_projections()
    naive_time = datetime(2025, 4, 1, 9, 0)  # noqa: DTZ001 - the naive datetime under test
    naive = p1.model_copy(update={"case": p1.case.model_copy(update={"opened_at": naive_time})})

    with pytest.raises(StatementError) as info:
        apply(sessions, naive)

    assert isinstance(info.value.orig, ValueError)
    assert row_counts(sessions)["cases"] == 0
