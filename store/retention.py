"""Retention, legal holds and crypto-shredding of ended cases (process.md §5.5).

When every kind of record a case holds has passed its retention period since the case ended
(``statemachines.policy.retention``) and no legal hold is in place, the case is erased: its data key is erased, so every
payload Temporal keeps for it (history, archives, exports) can no longer be decoded, and the read model's payloads
are emptied. What stays is the skeleton: the case row (municipality, states, dates), every event's seq, time,
actor, command, states and hashes (the hash covers the payload's digest, so ``verify`` still checks the chain), the
tasks and the counts reports are made of. ``case_erasures`` records each erasure (when, by which rule, what).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import JSON, Date, Integer, String, Text, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from statemachines.case.record import STATES, CaseState
from statemachines.kernel.rules import DEFAULT_RULESET
from statemachines.policy.retention import documents_of, erasure_due
from statemachines.programs.registry import DOCUMENTS
from store.appointment_records import AppointmentRecord
from store.crypto import DataKeys
from store.errors import StoreError
from store.meetings import erase_case_minutes
from store.models import Base, CaseEventRecord, CaseRecord
from store.people import PeopleRepository
from store.person_keys import EnrolmentPersonRecord
from store.programs import EnrolmentRecord, ProgramEventRecord
from store.rulesets import RulesetRepository

TERMINAL_STATES = frozenset(s.value for s in CaseState if STATES[s].terminal)


class LegalHoldRecord(Base):
    """A legal hold on a case (審査請求・訴訟・監査): its records are not erased while it is in place."""

    __tablename__ = "legal_holds"

    hold_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    placed_at: Mapped[datetime]
    placed_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    released_at: Mapped[datetime | None]
    released_by: Mapped[str | None] = mapped_column(String(64))
    release_reason: Mapped[str | None] = mapped_column(Text)


class CaseErasureRecord(Base):
    """The record that a case's data was erased, and on what grounds."""

    __tablename__ = "case_erasures"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[datetime]
    due_on: Mapped[date] = mapped_column(Date)
    ended_at: Mapped[datetime]
    ruleset_id: Mapped[str] = mapped_column(String(64))
    documents: Mapped[list[str]] = mapped_column(JSON)
    events_erased: Mapped[int]


class LegalHold(BaseModel):
    hold_id: int
    case_id: str
    placed_at: datetime
    placed_by: str
    reason: str
    released_at: datetime | None = None
    released_by: str | None = None
    release_reason: str | None = None


class RetentionRow(BaseModel):
    """Where an ended case stands: when it may be erased, whether a hold keeps it, whether it was erased."""

    case_id: str
    municipality: str
    ruleset_id: str
    state: str
    ended_at: datetime
    documents: list[str]
    due_on: date
    held: bool
    erased_at: datetime | None = None


@dataclass(frozen=True)
class Erased:
    case_id: str
    events: int


class HoldConflictError(StoreError):
    """A hold that is already there, or not there to release; a held case cannot be erased."""


class RetentionRepository:
    """Inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def active_hold(self, case_id: str) -> LegalHold | None:
        stmt = select(LegalHoldRecord).where(LegalHoldRecord.case_id == case_id, LegalHoldRecord.released_at.is_(None))
        record = self._session.scalars(stmt).first()
        return None if record is None else LegalHold.model_validate(record, from_attributes=True)

    def holds(self, case_id: str) -> list[LegalHold]:
        stmt = select(LegalHoldRecord).where(LegalHoldRecord.case_id == case_id).order_by(LegalHoldRecord.hold_id)
        return [LegalHold.model_validate(r, from_attributes=True) for r in self._session.scalars(stmt)]

    def place_hold(self, case_id: str, *, by: str, reason: str, now: datetime) -> LegalHold:
        if self.erasure(case_id) is not None:
            raise HoldConflictError("このケースの記録は保存期間の経過により既に消去されています。")
        if self.active_hold(case_id) is not None:
            raise HoldConflictError("このケースには既に訴訟等の保存（リーガルホールド）が設定されています。")
        record = LegalHoldRecord(case_id=case_id, placed_at=now, placed_by=by, reason=reason)
        self._session.add(record)
        self._session.flush()
        return LegalHold.model_validate(record, from_attributes=True)

    def release_hold(self, case_id: str, *, by: str, reason: str, now: datetime) -> LegalHold:
        stmt = select(LegalHoldRecord).where(LegalHoldRecord.case_id == case_id, LegalHoldRecord.released_at.is_(None))
        record = self._session.scalars(stmt).first()
        if record is None:
            raise HoldConflictError("このケースに解除できるリーガルホールドはありません。")
        record.released_at, record.released_by, record.release_reason = now, by, reason
        self._session.flush()
        return LegalHold.model_validate(record, from_attributes=True)

    def erasure(self, case_id: str) -> CaseErasureRecord | None:
        return self._session.get(CaseErasureRecord, case_id)

    def ended_cases(self, *, after: str = "", limit: int = 500, municipalities: set[str] | None = None) -> list[str]:
        """Ended (terminal) cases not yet erased, in case id order after ``after``; of some municipalities only."""
        stmt = (
            select(CaseRecord.case_id)
            .where(CaseRecord.state.in_(TERMINAL_STATES), CaseRecord.case_id > after)
            .where(CaseRecord.case_id.not_in(select(CaseErasureRecord.case_id)))
            .order_by(CaseRecord.case_id)
            .limit(limit)
        )
        if municipalities is not None:
            stmt = stmt.where(CaseRecord.municipality.in_(municipalities))
        return list(self._session.scalars(stmt))

    def erased_cases(self, municipalities: set[str], *, limit: int = 500) -> list[CaseErasureRecord]:
        stmt = (
            select(CaseErasureRecord)
            .join(CaseRecord, CaseRecord.case_id == CaseErasureRecord.case_id)
            .where(CaseRecord.municipality.in_(municipalities))
            .order_by(CaseErasureRecord.erased_at.desc())
            .limit(limit)
        )
        return list(self._session.scalars(stmt))

    def row(self, case_id: str) -> RetentionRow | None:
        """The retention of an ended case under the rule set it pinned, or None if it has not ended."""
        case = self._session.get(CaseRecord, case_id)
        if case is None or case.state not in TERMINAL_STATES:
            return None
        ruleset = RulesetRepository(self._session).get(case.ruleset_id) or DEFAULT_RULESET
        ended_at = case.closed_at or case.state_entered_at or case.updated_at
        documents = documents_of(self._commands(case_id), DOCUMENTS)
        erased = self.erasure(case_id)
        return RetentionRow(
            case_id=case_id,
            municipality=case.municipality,
            ruleset_id=case.ruleset_id,
            state=case.state,
            ended_at=ended_at,
            documents=sorted(d.value for d in documents),
            due_on=erased.due_on if erased is not None else erasure_due(ended_at, documents, ruleset),
            held=self.active_hold(case_id) is not None,
            erased_at=erased.erased_at if erased is not None else None,
        )

    def _commands(self, case_id: str) -> set[str]:
        case_commands = select(CaseEventRecord.command).where(CaseEventRecord.case_id == case_id).distinct()
        program_commands = select(ProgramEventRecord.command).where(ProgramEventRecord.case_id == case_id).distinct()
        return set(self._session.scalars(case_commands)) | set(self._session.scalars(program_commands))

    def _erase_person_of(self, case_id: str) -> None:
        """The 相談者's record goes with the last of their cases: kept while another case of theirs is not erased."""
        person_id = self._session.scalar(select(CaseRecord.person_id).where(CaseRecord.case_id == case_id))
        if person_id is None:
            return
        others = select(CaseRecord.case_id).where(
            CaseRecord.person_id == person_id,
            CaseRecord.case_id != case_id,
            CaseRecord.case_id.not_in(select(CaseErasureRecord.case_id)),
        )
        if self._session.scalars(others.limit(1)).first() is None:
            PeopleRepository(self._session).erase(person_id)

    def erase(self, row: RetentionRow, keys: DataKeys | None, *, now: datetime) -> Erased:
        """Crypto-shred the case: erase its data key and empty the read model's payloads, keeping the skeleton.

        The caller has checked that the case is due, not held and no longer running in Temporal. ``keys`` is None
        only where Temporal payloads are not encrypted (a worker built on a client without the payload codec).
        """
        if self.active_hold(row.case_id) is not None:
            raise HoldConflictError("リーガルホールド中のケースは消去できません。")
        if keys is not None:
            keys.erase(self._session, row.case_id, reason=f"retention due {row.due_on.isoformat()}", now=now)
        s = self._session
        events = s.execute(
            update(CaseEventRecord)
            .where(CaseEventRecord.case_id == row.case_id, CaseEventRecord.payload_erased.is_(False))
            .values(payload={}, payload_erased=True)
        )
        s.execute(
            update(ProgramEventRecord)
            .where(ProgramEventRecord.case_id == row.case_id, ProgramEventRecord.payload_erased.is_(False))
            .values(payload={}, payload_erased=True)
        )
        s.execute(update(EnrolmentRecord).where(EnrolmentRecord.case_id == row.case_id).values(summary={}))
        s.execute(update(AppointmentRecord).where(AppointmentRecord.case_id == row.case_id).values(note=None))
        s.execute(delete(EnrolmentPersonRecord).where(EnrolmentPersonRecord.case_id == row.case_id))
        erase_case_minutes(s, row.case_id)
        self._erase_person_of(row.case_id)
        count = int(getattr(events, "rowcount", 0) or 0)
        s.add(
            CaseErasureRecord(
                case_id=row.case_id,
                erased_at=now,
                due_on=row.due_on,
                ended_at=row.ended_at,
                ruleset_id=row.ruleset_id,
                documents=row.documents,
                events_erased=count,
            )
        )
        s.flush()
        return Erased(case_id=row.case_id, events=count)


def forget_old_pages(sessions: sessionmaker[Session]) -> None:
    """After an erasure, SQLite's write-ahead log may still hold the pages as they were before (a person's row, an
    event's payload): checkpoint it and truncate it, so no readable copy stays in the files. PostgreSQL reuses its
    dead rows' space itself (its vacuum); nothing to do there."""
    engine = sessions.kw["bind"]
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()  # outside any transaction: a checkpoint cannot run inside one
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
