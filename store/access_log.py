"""``access_log``: every read of a case's 要配慮 (special care) fields — who, when, which case, which fields, why.

Written in the same request that shows the fields (process.md §5); auditors read it at ``/api/audit/access-log``.
The log names field paths (``assessment.health``), never their contents.
"""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, BigInteger, ColumnElement, Index, Integer, String, and_, cast, func, or_, select
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from store.models import Base, CaseRecord
from store.queries import Page


class AccessLogRecord(Base):
    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_case_id_at", "case_id", "at"),
        Index("ix_access_log_user_id_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime]
    user_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(String(64))  # "" for a read of a person (``person_id``) or a search
    fields: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[str | None] = mapped_column(String(32), index=True)  # the 相談者 read (store.people)


class AccessLogRow(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    at: datetime
    user_id: str
    case_id: str
    fields: list[str]
    purpose: str
    person_id: str | None = None


def _names_field(field: str) -> ColumnElement[bool]:
    """The stored list (JSON text on both databases) holds ``"field"`` or a path ``"field.…"``."""
    quoted = json.dumps(field)[:-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    text = cast(AccessLogRecord.fields, String)
    return or_(text.like(f'%{quoted}"%', escape="\\"), text.like(f"%{quoted}.%", escape="\\"))


class AccessLog:
    """Inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, *, user_id: str, case_id: str, fields: list[str], purpose: str, now: datetime) -> None:
        """One line per read that showed special care fields (nothing when ``fields`` is empty)."""
        self.record_cases(user_id=user_id, case_ids=[case_id], fields=fields, purpose=purpose, now=now)

    def record_cases(
        self, *, user_id: str, case_ids: list[str], fields: list[str], purpose: str, now: datetime
    ) -> None:
        """The same read of several cases (a list naming each case's client): one line per case, added in one
        statement; nothing when ``fields`` or ``case_ids`` is empty."""
        if fields and case_ids:
            shown = sorted(set(fields))
            self._session.add_all(
                [
                    AccessLogRecord(at=now, user_id=user_id, case_id=case_id, fields=shown, purpose=purpose)
                    for case_id in case_ids
                ]
            )
            self._session.flush()

    def record_person(
        self, *, user_id: str, person_ids: list[str], fields: list[str], purpose: str, now: datetime
    ) -> None:
        """A search or a person opened: one line per person shown, or one line without a person when a search
        found nobody (the search itself is logged, never what was typed). Added in one statement."""
        rows = [
            AccessLogRecord(
                at=now, user_id=user_id, case_id="", fields=sorted(set(fields)), purpose=purpose, person_id=person_id
            )
            for person_id in ([*person_ids] if person_ids else [None])
        ]
        self._session.add_all(rows)
        self._session.flush()

    def query(
        self,
        *,
        case_id: str | None = None,
        user_id: str | None = None,
        from_: datetime | None = None,
        to: datetime | None = None,
        visible: set[str] | None = None,
        purpose: str | None = None,
        field: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Page[AccessLogRow]:
        """Newest first; ``from_`` inclusive, ``to`` exclusive; ``visible``: cases of these municipalities only;
        ``field``: reads that showed this field or one inside it (``assessment`` finds ``assessment.health``)."""
        conditions = []
        if purpose is not None:
            conditions.append(AccessLogRecord.purpose == purpose)
        if field is not None:
            conditions.append(_names_field(field))
        if case_id is not None:
            conditions.append(AccessLogRecord.case_id == case_id)
        if user_id is not None:
            conditions.append(AccessLogRecord.user_id == user_id)
        if from_ is not None:
            conditions.append(AccessLogRecord.at >= from_)
        if to is not None:
            conditions.append(AccessLogRecord.at < to)
        stmt = select(AccessLogRecord).where(*conditions)
        if visible is not None:
            theirs = aliased(CaseRecord)
            person_served = (
                select(theirs.case_id)
                .where(theirs.person_id == AccessLogRecord.person_id, theirs.municipality.in_(visible))
                .exists()
            )
            stmt = stmt.outerjoin(CaseRecord, CaseRecord.case_id == AccessLogRecord.case_id).where(
                or_(
                    CaseRecord.municipality.in_(visible),
                    and_(AccessLogRecord.case_id == "", or_(AccessLogRecord.person_id.is_(None), person_served)),
                )
            )
        total = self._session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = self._session.scalars(
            stmt.order_by(AccessLogRecord.at.desc(), AccessLogRecord.id.desc()).limit(limit).offset(offset)
        )
        return Page(items=[AccessLogRow.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)
