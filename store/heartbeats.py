"""Worker heartbeats: each worker process writes its row every few seconds while it runs.

Temporal's poller list cannot tell a dead worker from an idle one for up to a minute (an idle long poll is not
renewed before then), so ``/api/health`` reads these rows instead: no row seen within ``WORKER_SEEN_WITHIN`` on the
task queue means no worker is there to run a command.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from store.models import Base

HEARTBEAT_EVERY = timedelta(seconds=5)
WORKER_SEEN_WITHIN = timedelta(seconds=15)  # three beats missed


class WorkerHeartbeatRecord(Base):
    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(128), primary_key=True)  # host:pid:start
    task_queue: Mapped[str] = mapped_column(String(200), index=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]


class Heartbeats:
    def __init__(self, session: Session) -> None:
        self._session = session

    def beat(
        self, *, worker_id: str, task_queue: str, host: str, pid: int, started_at: datetime, now: datetime
    ) -> None:
        row = self._session.get(WorkerHeartbeatRecord, worker_id)
        if row is None:
            row = WorkerHeartbeatRecord(
                worker_id=worker_id, task_queue=task_queue, host=host, pid=pid, started_at=started_at, seen_at=now
            )
            self._session.add(row)
        row.seen_at = now
        # rows of workers gone for a day are of no more use to anyone
        self._session.execute(
            delete(WorkerHeartbeatRecord).where(WorkerHeartbeatRecord.seen_at < now - timedelta(days=1))
        )

    def stopped(self, worker_id: str) -> None:
        """A worker that stops gracefully takes its row with it: health sees it gone at once."""
        self._session.execute(delete(WorkerHeartbeatRecord).where(WorkerHeartbeatRecord.worker_id == worker_id))

    def alive(
        self, task_queue: str, now: datetime, within: timedelta = WORKER_SEEN_WITHIN
    ) -> list[WorkerHeartbeatRecord]:
        stmt = select(WorkerHeartbeatRecord).where(
            WorkerHeartbeatRecord.task_queue == task_queue, WorkerHeartbeatRecord.seen_at >= now - within
        )
        return list(self._session.scalars(stmt))

    def last_seen(self, task_queue: str) -> datetime | None:
        stmt = select(WorkerHeartbeatRecord.seen_at).where(WorkerHeartbeatRecord.task_queue == task_queue)
        return max(self._session.scalars(stmt), default=None)
