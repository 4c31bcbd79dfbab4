"""The 支援調整会議 as sittings (statemachines.case.meetings): ``meetings`` (one row a sitting of one municipality)
and ``meeting_agenda`` (the cases put on it, the outcome recorded for each, the minutes per client, S23).

The case's own history is in its workflow: the commands a sitting sent name it (``MeetingRecord.sitting_id``) and
their command ids are kept on the agenda item, so a case's timeline can say which sitting moved it. The minutes are
the client's (要配慮): they are written into the case's meeting record too, and erased with the case
(``erase_case_minutes``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from statemachines.case.meetings import WAITING, Outcome, Purpose, SittingKind
from statemachines.case.record import CaseState
from store.models import Base, CaseRecord


class SittingRecord(Base):
    __tablename__ = "meetings"

    meeting_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    municipality: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    members: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # Attendee dumps (G5)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class AgendaItemRecord(Base):
    __tablename__ = "meeting_agenda"

    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.meeting_id"), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(32))
    minutes: Mapped[str | None] = mapped_column(Text)
    command_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # the case commands this item sent
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime | None]


class SittingRow(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    meeting_id: str
    municipality: str
    kind: SittingKind
    held_on: date
    title: str | None
    members: list[dict[str, Any]]
    created_by: str
    created_at: datetime


class AgendaRow(BaseModel):
    """An item of the agenda, with where its case stands now (``state``, ``case_number``, ``person_id``)."""

    model_config = ConfigDict(frozen=True)

    meeting_id: str
    case_id: str
    position: int
    purpose: Purpose
    outcome: Outcome | None
    minutes: str | None
    command_ids: list[str]
    recorded_by: str | None
    recorded_at: datetime | None
    case_number: str | None
    person_id: str | None
    state: str


class SittingSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    sitting: SittingRow
    items: int
    recorded: int


class CaseSitting(BaseModel):
    """A sitting that discussed a case, as the case's page lists it."""

    model_config = ConfigDict(frozen=True)

    sitting: SittingRow
    item: AgendaRow


class WaitingCase(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    case_number: str | None
    person_id: str | None
    state: str
    purpose: Purpose
    state_entered_at: datetime | None


def add_sitting(session: Session, row: SittingRow) -> None:
    session.add(SittingRecord(**row.model_dump()))


def sitting(session: Session, meeting_id: str, visible: Iterable[str]) -> SittingRow | None:
    found = session.get(SittingRecord, meeting_id)
    if found is None or found.municipality not in set(visible):
        return None
    return SittingRow.model_validate(found)


def sittings(session: Session, visible: Iterable[str], *, limit: int = 100) -> list[SittingSummary]:
    """The sittings of the municipalities ``visible``, the latest day first, with how many items each has recorded."""
    counts = (
        select(
            AgendaItemRecord.meeting_id,
            func.count().label("n_items"),
            func.count(AgendaItemRecord.outcome).label("n_recorded"),
        )
        .group_by(AgendaItemRecord.meeting_id)
        .subquery()
    )
    stmt = (
        select(SittingRecord, counts.c.n_items, counts.c.n_recorded)
        .outerjoin(counts, counts.c.meeting_id == SittingRecord.meeting_id)
        .where(SittingRecord.municipality.in_(set(visible)))
        .order_by(SittingRecord.held_on.desc(), SittingRecord.created_at.desc())
        .limit(limit)
    )
    return [
        SittingSummary(sitting=SittingRow.model_validate(s), items=items or 0, recorded=recorded or 0)
        for s, items, recorded in session.execute(stmt)
    ]


def _agenda_row(item: AgendaItemRecord, case: CaseRecord) -> AgendaRow:
    return AgendaRow(
        meeting_id=item.meeting_id,
        case_id=item.case_id,
        position=item.position,
        purpose=Purpose(item.purpose),
        outcome=Outcome(item.outcome) if item.outcome else None,
        minutes=item.minutes,
        command_ids=list(item.command_ids or []),
        recorded_by=item.recorded_by,
        recorded_at=item.recorded_at,
        case_number=case.case_number,
        person_id=case.person_id,
        state=case.state,
    )


def agenda(session: Session, meeting_id: str) -> list[AgendaRow]:
    stmt = (
        select(AgendaItemRecord, CaseRecord)
        .join(CaseRecord, CaseRecord.case_id == AgendaItemRecord.case_id)
        .where(AgendaItemRecord.meeting_id == meeting_id)
        .order_by(AgendaItemRecord.position)
    )
    return [_agenda_row(item, case) for item, case in session.execute(stmt)]


def waiting_cases(session: Session, municipality: str, *, limit: int = 500) -> list[WaitingCase]:
    """The municipality's cases waiting for a meeting (``WAITING``) that no sitting still has to decide: not on an
    agenda whose outcome is not recorded yet. Oldest wait first."""
    pending = select(AgendaItemRecord.case_id).where(AgendaItemRecord.outcome.is_(None))
    stmt = (
        select(CaseRecord)
        .where(
            CaseRecord.municipality == municipality,
            CaseRecord.state.in_([s.value for s in WAITING]),
            CaseRecord.case_id.not_in(pending),
        )
        .order_by(CaseRecord.state_entered_at, CaseRecord.case_id)
        .limit(limit)
    )
    return [
        WaitingCase(
            case_id=c.case_id,
            case_number=c.case_number,
            person_id=c.person_id,
            state=c.state,
            purpose=WAITING[CaseState(c.state)],
            state_entered_at=c.state_entered_at,
        )
        for c in session.scalars(stmt)
    ]


def add_items(session: Session, meeting_id: str, cases: Sequence[WaitingCase]) -> None:
    last = session.scalar(select(func.max(AgendaItemRecord.position)).where(AgendaItemRecord.meeting_id == meeting_id))
    for n, case in enumerate(cases, start=(last or 0) + 1):
        session.add(
            AgendaItemRecord(
                meeting_id=meeting_id, case_id=case.case_id, position=n, purpose=case.purpose.value, command_ids=[]
            )
        )


def remove_item(session: Session, meeting_id: str, case_id: str) -> bool:
    """Take an undecided case off the agenda; False when it is not on it or its outcome is recorded."""
    item = session.get(AgendaItemRecord, (meeting_id, case_id))
    if item is None or item.outcome is not None:
        return False
    session.delete(item)
    return True


def note_commands(session: Session, meeting_id: str, case_id: str, command_ids: Sequence[str]) -> None:
    """The case commands sent for the item so far (kept even when a later one is refused)."""
    item = session.get(AgendaItemRecord, (meeting_id, case_id))
    if item is not None:
        item.command_ids = list(dict.fromkeys([*(item.command_ids or []), *command_ids]))


def record_outcome(
    session: Session,
    meeting_id: str,
    case_id: str,
    *,
    outcome: Outcome,
    minutes: str | None,
    user_id: str,
    now: datetime,
) -> None:
    item = session.get(AgendaItemRecord, (meeting_id, case_id))
    if item is not None:
        item.outcome, item.minutes, item.recorded_by, item.recorded_at = outcome.value, minutes, user_id, now


def case_sittings(session: Session, case_id: str) -> list[CaseSitting]:
    """The sittings whose agenda held the case, the latest first."""
    stmt = (
        select(SittingRecord, AgendaItemRecord, CaseRecord)
        .join(AgendaItemRecord, AgendaItemRecord.meeting_id == SittingRecord.meeting_id)
        .join(CaseRecord, CaseRecord.case_id == AgendaItemRecord.case_id)
        .where(AgendaItemRecord.case_id == case_id)
        .order_by(SittingRecord.held_on.desc(), SittingRecord.created_at.desc())
    )
    return [
        CaseSitting(sitting=SittingRow.model_validate(s), item=_agenda_row(item, case))
        for s, item, case in session.execute(stmt)
    ]


def erase_case_minutes(session: Session, case_id: str) -> None:
    """The minutes of an erased case go with its records (the item stays: the sitting discussed a case)."""
    session.execute(update(AgendaItemRecord).where(AgendaItemRecord.case_id == case_id).values(minutes=None))
