"""Worker heartbeats against SQLite and PostgreSQL: a worker is alive while its beats are recent, per task queue; a
graceful stop removes it at once; rows of workers gone for a day are cleared by the next beat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from store.heartbeats import WORKER_SEEN_WITHIN, Heartbeats, WorkerHeartbeatRecord

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def beat(sessions: sessionmaker[Session], worker_id: str, at: datetime, queue: str = "q") -> None:
    with sessions.begin() as session:
        Heartbeats(session).beat(worker_id=worker_id, task_queue=queue, host="h", pid=1, started_at=T0, now=at)


def alive(sessions: sessionmaker[Session], at: datetime, queue: str = "q") -> list[str]:
    with sessions.begin() as session:
        return sorted(r.worker_id for r in Heartbeats(session).alive(queue, at))


def test_a_worker_is_alive_while_it_beats_and_dead_three_beats_later(sessions: sessionmaker[Session]) -> None:
    beat(sessions, "w1", T0)
    beat(sessions, "w2", T0, queue="other")
    assert alive(sessions, T0 + WORKER_SEEN_WITHIN) == ["w1"]
    assert alive(sessions, T0 + WORKER_SEEN_WITHIN + timedelta(seconds=1)) == []
    beat(sessions, "w1", T0 + timedelta(seconds=20))
    assert alive(sessions, T0 + timedelta(seconds=21)) == ["w1"]
    with sessions.begin() as session:
        assert Heartbeats(session).last_seen("q") == T0 + timedelta(seconds=20)
        assert Heartbeats(session).last_seen("none") is None


def test_a_stopped_worker_is_gone_at_once_and_old_rows_are_cleared(sessions: sessionmaker[Session]) -> None:
    beat(sessions, "w1", T0)
    beat(sessions, "w2", T0)
    with sessions.begin() as session:
        Heartbeats(session).stopped("w1")
    assert alive(sessions, T0) == ["w2"]
    beat(sessions, "w3", T0 + timedelta(days=2))  # w2 has been gone for two days
    with sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(WorkerHeartbeatRecord)) == 1
