"""What the integrity check found: each run (``integrity_runs``: who started it, when, how far it got) and, per case,
the last check of its hash chain (``case_integrity``: intact, or broken at a seq, and when).

The nightly schedule and the auditor's 「今すぐ検査」 run the same ``IntegrityWorkflow``; its activity writes here after
each batch (``record_batch``), in the transaction that opens the auditors' tasks. A retried batch counts once: a run
keeps the last case it counted (``cursor``), and a batch adds to the counts only when it starts there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from store.models import Base, CaseRecord

Finding = Literal["chain", "rebuild"]


class IntegrityStatus(StrEnum):
    OK = "ok"  # the last check found the chain intact
    BROKEN = "broken"  # the last check found it broken (an altered, deleted or reordered event row)
    UNCHECKED = "unchecked"  # no run has checked the case yet


class IntegrityRunRecord(Base):
    __tablename__ = "integrity_runs"

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the workflow's Temporal run id
    workflow_id: Mapped[str] = mapped_column(String(200), index=True)
    started_by: Mapped[str | None] = mapped_column(String(64))  # None: the nightly schedule
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    total: Mapped[int]  # the cases in the read model when the run began
    checked: Mapped[int] = mapped_column(Integer)
    broken: Mapped[int] = mapped_column(Integer)
    cursor: Mapped[str] = mapped_column(String(64))  # the last case counted ("" before the first batch)


class CaseIntegrityRecord(Base):
    __tablename__ = "case_integrity"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(64), index=True)
    checked_at: Mapped[datetime]
    broken_seq: Mapped[int | None]  # None: intact


class IntegrityRunRow(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    run_id: str
    workflow_id: str
    started_by: str | None
    started_at: datetime
    finished_at: datetime | None
    total: int
    checked: int
    broken: int


class CaseCheck(BaseModel):
    """One case's result in a batch: ``broken_seq`` None when its chain is intact; ``finding`` what was wrong at it
    (``chain``: the stored rows; ``rebuild``: an event the machine does not make, see ``store.integrity_pass``)."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    broken_seq: int | None
    finding: Finding | None = None


class IntegrityRuns:
    """Inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def begin(self, *, run_id: str, workflow_id: str, started_by: str | None, at: datetime) -> IntegrityRunRow:
        """The run's row, made now or by its first batch already (then who started it is added)."""
        run = self._run(run_id, workflow_id, at)
        if started_by is not None:
            run.started_by = started_by
        self._session.flush()
        return IntegrityRunRow.model_validate(run)

    def record_batch(
        self,
        *,
        run_id: str,
        workflow_id: str,
        after_case_id: str,
        checks: Sequence[CaseCheck],
        at: datetime,
        finished: bool,
    ) -> None:
        """The batch that began after ``after_case_id``: each case's result, and the run's progress (once)."""
        run = self._run(run_id, workflow_id, at)
        if run.cursor == after_case_id and run.finished_at is None:
            run.checked += len(checks)
            run.broken += sum(1 for c in checks if c.broken_seq is not None)
            if checks:
                run.cursor = checks[-1].case_id
            if finished:
                run.finished_at = at
        for check in checks:
            row = self._session.get(CaseIntegrityRecord, check.case_id)
            if row is None:
                row = CaseIntegrityRecord(case_id=check.case_id)
                self._session.add(row)
            row.run_id, row.checked_at, row.broken_seq = run_id, at, check.broken_seq
        self._session.flush()

    def get(self, run_id: str) -> IntegrityRunRow | None:
        run = self._session.get(IntegrityRunRecord, run_id)
        return None if run is None else IntegrityRunRow.model_validate(run)

    def unfinished(self) -> list[IntegrityRunRow]:
        stmt = select(IntegrityRunRecord).where(IntegrityRunRecord.finished_at.is_(None))
        runs = self._session.scalars(stmt.order_by(IntegrityRunRecord.started_at))
        return [IntegrityRunRow.model_validate(r) for r in runs]

    def latest(self) -> IntegrityRunRow | None:
        stmt = select(IntegrityRunRecord).order_by(IntegrityRunRecord.started_at.desc()).limit(1)
        run = self._session.scalars(stmt).first()
        return None if run is None else IntegrityRunRow.model_validate(run)

    def _run(self, run_id: str, workflow_id: str, at: datetime) -> IntegrityRunRecord:
        run = self._session.get(IntegrityRunRecord, run_id)
        if run is None:
            total = self._session.scalar(select(func.count()).select_from(CaseRecord)) or 0
            run = IntegrityRunRecord(
                run_id=run_id,
                workflow_id=workflow_id,
                started_by=None,
                started_at=at,
                finished_at=None,
                total=total,
                checked=0,
                broken=0,
                cursor="",
            )
            self._session.add(run)
        return run
