"""Program enrolments and their hash-chained events in the read model (the program's projection)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from statemachines.kernel.events import GENESIS_HASH, CaseEvent
from statemachines.programs.tasks import EnrolmentRow, ProgramProjection
from store.errors import ChainConflictError
from store.models import Base
from store.repository import CaseRepository


class EnrolmentRecord(Base):
    __tablename__ = "program_enrolments"
    __table_args__ = (Index("ix_program_enrolments_program_state", "program", "state"),)

    enrolment_id: Mapped[str] = mapped_column(String, primary_key=True)
    case_id: Mapped[str] = mapped_column(String, index=True)
    municipality: Mapped[str]
    program: Mapped[str]
    state: Mapped[str]
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    next_due_at: Mapped[datetime | None]
    next_due_kind: Mapped[str | None]
    last_seq: Mapped[int]
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)


class ProgramEventRecord(Base):
    __tablename__ = "program_events"
    __table_args__ = (UniqueConstraint("enrolment_id", "seq"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    enrolment_id: Mapped[str] = mapped_column(String, index=True)
    case_id: Mapped[str] = mapped_column(String, index=True)
    seq: Mapped[int]
    at: Mapped[datetime]
    actor_id: Mapped[str]
    actor_roles: Mapped[list[str]] = mapped_column(JSON)
    command: Mapped[str]
    command_id: Mapped[str]
    transition_id: Mapped[str]
    from_state: Mapped[str | None]
    to_state: Mapped[str]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    payload_erased: Mapped[bool] = mapped_column(default=False)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ProgramRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def apply(self, p: ProgramProjection) -> bool:
        """Record one program event, the enrolment row and the task changes; False when already recorded."""
        event, row = p.event, p.enrolment
        existing = self._event(row.enrolment_id, event.seq)
        if existing is not None:
            if existing.hash == event.hash:
                return False
            raise ChainConflictError(row.enrolment_id, event.seq, "another event is already recorded at this seq")
        prev = self._event(row.enrolment_id, event.seq - 1) if event.seq > 1 else None
        expected = GENESIS_HASH if prev is None else prev.hash
        if (event.seq > 1 and prev is None) or event.prev_hash != expected or not event.hash_is_valid():
            raise ChainConflictError(row.enrolment_id, event.seq, "the event does not link to the enrolment's chain")
        self._upsert(row)
        self._session.add(ProgramEventRecord(enrolment_id=row.enrolment_id, **event.model_dump()))
        CaseRepository(self._session).apply_task_changes(event, p.close_task_kinds, p.open_tasks)
        self._session.flush()
        return True

    def _event(self, enrolment_id: str, seq: int) -> ProgramEventRecord | None:
        stmt = select(ProgramEventRecord).where(
            ProgramEventRecord.enrolment_id == enrolment_id, ProgramEventRecord.seq == seq
        )
        return self._session.scalars(stmt).one_or_none()

    def _upsert(self, row: EnrolmentRow) -> None:
        record = self._session.get(EnrolmentRecord, row.enrolment_id)
        if record is None:
            self._session.add(EnrolmentRecord(**row.model_dump()))
        elif row.last_seq >= record.last_seq:
            for name, value in row.model_dump(exclude={"enrolment_id"}).items():
                setattr(record, name, value)
        self._session.flush()

    def enrolments(self, case_id: str) -> list[EnrolmentRow]:
        stmt = select(EnrolmentRecord).where(EnrolmentRecord.case_id == case_id).order_by(EnrolmentRecord.started_at)
        return [EnrolmentRow.model_validate(r, from_attributes=True) for r in self._session.scalars(stmt)]

    def events(self, enrolment_id: str) -> list[CaseEvent]:
        stmt = (
            select(ProgramEventRecord)
            .where(ProgramEventRecord.enrolment_id == enrolment_id)
            .order_by(ProgramEventRecord.seq)
        )
        return [CaseEvent.model_validate(r, from_attributes=True) for r in self._session.scalars(stmt)]
