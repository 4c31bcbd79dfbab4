"""Dead letters: the projections that failed every try (``statemachines.policy.dead_letters``), until resolved."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from statemachines.policy.dead_letters import DeadLetter
from store.models import Base


class DeadLetterRecord(Base):
    __tablename__ = "dead_letters"

    letter_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workflow_id: Mapped[str] = mapped_column(String(200), index=True)
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    error_type: Mapped[str] = mapped_column(String(200))
    error: Mapped[str] = mapped_column(String(400))
    failed_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class DeadLetterRow(DeadLetter):
    letter_id: int
    resolved_at: datetime | None


class DeadLetters:
    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, letter: DeadLetter) -> bool:
        """Keep ``letter``; False when the same event of the same workflow is already waiting (a retried write)."""
        waiting = self._session.scalar(
            select(DeadLetterRecord).where(
                DeadLetterRecord.workflow_id == letter.workflow_id,
                DeadLetterRecord.seq == letter.seq,
                DeadLetterRecord.resolved_at.is_(None),
            )
        )
        if waiting is not None:
            waiting.error_type, waiting.error, waiting.failed_at = letter.error_type, letter.error, letter.failed_at
            return False
        self._session.add(DeadLetterRecord(**letter.model_dump(), resolved_at=None))
        return True

    def resolve(self, workflow_id: str, seq: int, now: datetime) -> int:
        """Mark the workflow's letter for ``seq`` resolved; how many were."""
        rows = self._session.scalars(
            select(DeadLetterRecord).where(
                DeadLetterRecord.workflow_id == workflow_id,
                DeadLetterRecord.seq == seq,
                DeadLetterRecord.resolved_at.is_(None),
            )
        ).all()
        for row in rows:
            row.resolved_at = now
        return len(rows)

    def waiting(self, case_id: str | None = None) -> list[DeadLetterRow]:
        """The letters not resolved yet (of one case), oldest first."""
        stmt = select(DeadLetterRecord).where(DeadLetterRecord.resolved_at.is_(None))
        if case_id is not None:
            stmt = stmt.where(DeadLetterRecord.case_id == case_id)
        rows = self._session.scalars(stmt.order_by(DeadLetterRecord.failed_at, DeadLetterRecord.letter_id))
        return [DeadLetterRow.model_validate(r, from_attributes=True) for r in rows]
