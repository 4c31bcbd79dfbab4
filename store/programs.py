"""Program enrolments and their hash-chained events in the read model (the program's projection)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, UniqueConstraint, delete, select, tuple_
from sqlalchemy.orm import Mapped, Session, mapped_column

from statemachines.kernel.events import GENESIS_HASH, CaseEvent
from statemachines.programs.tasks import EnrolmentRow, ProgramProjection
from store.errors import ChainConflictError
from store.models import Base, TaskRecord
from store.repository import CaseRepository, supersedes


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

    def apply(self, p: ProgramProjection, *, supersede: bool = False) -> bool:
        """Record one program event, the enrolment row and the task changes; False when already recorded.

        ``supersede`` (the projection run as a local activity, in the workflow task that decides the event): another
        event at this seq linking to the same predecessor was written by a workflow task Temporal never recorded (the
        worker died between the write and the task's completion); it and what followed it are undone
        (``_undo_from``) and this event, the one history keeps, takes its seq (as ``CaseRepository.apply_projection``).
        Only an event dated no earlier supersedes: a lost task's local activity that finishes late is refused.
        """
        event, row = p.event, p.enrolment
        existing = self._event(row.enrolment_id, event.seq)
        forced = False
        if existing is not None:
            if existing.hash == event.hash:
                return False
            if not (supersede and supersedes(event, existing.prev_hash, existing.at)):
                raise ChainConflictError(row.enrolment_id, event.seq, "another event is already recorded at this seq")
            self._undo_from(row.enrolment_id, event.seq)
            forced = True
        prev = self._event(row.enrolment_id, event.seq - 1) if event.seq > 1 else None
        expected = GENESIS_HASH if prev is None else prev.hash
        if (event.seq > 1 and prev is None) or event.prev_hash != expected or not event.hash_is_valid():
            raise ChainConflictError(row.enrolment_id, event.seq, "the event does not link to the enrolment's chain")
        self._upsert(row, force=forced)
        self._session.add(ProgramEventRecord(enrolment_id=row.enrolment_id, **event.model_dump()))
        CaseRepository(self._session).apply_task_changes(event, p.close_task_kinds, p.open_tasks)
        self._session.flush()
        return True

    def _undo_from(self, enrolment_id: str, seq: int) -> None:
        """Take back the enrolment's events from ``seq`` on: the tasks they opened go, the ones they closed are open
        again (a program's task is told from the case's own by its id, ``<enrolment_id>:<seq>:<kind>``, and from
        another event's by the event's seq and time), the events are deleted."""
        undone = self._session.execute(
            select(ProgramEventRecord.case_id, ProgramEventRecord.seq, ProgramEventRecord.at).where(
                ProgramEventRecord.enrolment_id == enrolment_id, ProgramEventRecord.seq >= seq
            )
        ).all()
        if not undone:
            return
        moments = [(r.seq, r.at) for r in undone]
        CaseRepository(self._session).take_back_task_changes(
            undone[0].case_id,
            tuple_(TaskRecord.opened_seq, TaskRecord.opened_at).in_(moments),
            tuple_(TaskRecord.closed_seq, TaskRecord.closed_at).in_(moments),
            TaskRecord.task_id.startswith(f"{enrolment_id}:", autoescape=True),
        )
        self._session.execute(
            delete(ProgramEventRecord)
            .where(ProgramEventRecord.enrolment_id == enrolment_id, ProgramEventRecord.seq >= seq)
            .execution_options(synchronize_session="fetch")
        )

    def enrolment(self, enrolment_id: str) -> EnrolmentRow | None:
        record = self._session.get(EnrolmentRecord, enrolment_id)
        return None if record is None else EnrolmentRow.model_validate(record, from_attributes=True)

    def _event(self, enrolment_id: str, seq: int) -> ProgramEventRecord | None:
        stmt = select(ProgramEventRecord).where(
            ProgramEventRecord.enrolment_id == enrolment_id, ProgramEventRecord.seq == seq
        )
        return self._session.scalars(stmt).one_or_none()

    def _upsert(self, row: EnrolmentRow, *, force: bool = False) -> None:
        record = self._session.get(EnrolmentRecord, row.enrolment_id)
        if record is None:
            self._session.add(EnrolmentRecord(**row.model_dump()))
        elif force or row.last_seq >= record.last_seq:
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
