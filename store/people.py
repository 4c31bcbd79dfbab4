"""The 相談者: one person record, entered once and reused by every sheet of every case of that person.

Each case names its person (``cases.person_id``). The person's identity (氏名, ふりがな, 性別, 生年月日, 住所, 電話,
世帯) is written here by the projection from the case's 相談受付・申込票 whenever a command changes it, so the last
recorded (or corrected) version is the person's; a new consultation of the same person starts from it
(``services.people``). Search keys are the name and the kana as compared (``search_key``): NFKC, full-width kana,
hiragana folded to katakana, no spaces. Only the store holds identities: never a URL, a log line, Temporal's search
attributes.

Retention: a person's record is erased with the last of their cases (``store.retention``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

import jaconv
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Date, String, Text, and_, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from store.models import Base, CaseRecord

SEARCH_KEY_LENGTH = 200
_SPACES = re.compile(r"[\s\u3000]+")
_LIKE_SPECIALS = re.compile(r"([\\%_])")


class PersonRecord(Base):
    __tablename__ = "people"

    person_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(100))
    name_kana: Mapped[str | None] = mapped_column(String(100))
    gender: Mapped[str | None] = mapped_column(String(40))
    birth_date: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    household: Mapped[str | None] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(String(SEARCH_KEY_LENGTH), index=True, default="")
    kana_key: Mapped[str] = mapped_column(String(SEARCH_KEY_LENGTH), index=True, default="")
    recorded_from_case: Mapped[str] = mapped_column(String(64))  # the case whose record wrote it last
    recorded_seq: Mapped[int]
    updated_at: Mapped[datetime]


class Person(BaseModel):
    """A person as a reader sees them (their identity: special care; shown only to roles that may see it)."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    person_id: str
    name: str | None = None
    name_kana: str | None = None
    gender: str | None = None
    birth_date: date | None = None
    address: str | None = None
    phone: str | None = None
    household: str | None = None

    def identity(self) -> dict[str, Any]:
        """The fields of a 相談受付・申込票's ``client`` (``ClientIdentity``) this person fills."""
        return self.model_dump(mode="json", exclude={"person_id"}, exclude_none=True)


class PersonCase(BaseModel):
    """One case of a person, for the case page's list of their earlier and concurrent cases."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    case_number: str | None
    municipality: str
    state: str
    opened_at: datetime
    closed_at: datetime | None


IDENTITY_FIELDS = ("name", "name_kana", "gender", "birth_date", "address", "phone", "household")


def search_key(text: str) -> str:
    """A name or kana as compared: NFKC (full-width ASCII narrowed, half-width kana widened), hiragana as katakana,
    no spaces of either width. ``やまだ たろう``, ``ﾔﾏﾀﾞﾀﾛｳ`` and ``ヤマダ　タロウ`` give the same key."""
    folded = unicodedata.normalize("NFKC", jaconv.h2z(text, kana=True, ascii=False, digit=False))
    return _SPACES.sub("", jaconv.hira2kata(folded))[:SEARCH_KEY_LENGTH]


def _like(key: str) -> str:
    return "%" + _LIKE_SPECIALS.sub(r"\\\1", key) + "%"


class PeopleRepository:
    """Inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, person_id: str, identity: dict[str, Any], *, case_id: str, seq: int, now: datetime) -> None:
        """Write the person as ``case_id`` records them at ``seq``: every field as the case has it (a field the case
        cleared by a correction is cleared here too). An event older than the one that wrote the record last, of
        the same case, changes nothing (a projection retried late)."""
        record = self._session.get(PersonRecord, person_id)
        if record is None:
            record = PersonRecord(person_id=person_id, recorded_from_case=case_id, recorded_seq=0, updated_at=now)
            self._session.add(record)
        elif record.recorded_from_case == case_id and record.recorded_seq > seq:
            return
        birth = identity.get("birth_date")
        for field in IDENTITY_FIELDS:
            value = identity.get(field)
            setattr(record, field, date.fromisoformat(birth) if field == "birth_date" and birth else value)
        record.name_key = search_key(record.name or "")
        record.kana_key = search_key(record.name_kana or "")
        record.recorded_from_case, record.recorded_seq, record.updated_at = case_id, seq, now
        self._session.flush()

    def get(self, person_id: str, visible: set[str]) -> Person | None:
        """The person, if one of their cases is in a municipality of ``visible``."""
        if not self._has_visible_case(person_id, visible):
            return None
        record = self._session.get(PersonRecord, person_id)
        return None if record is None else Person.model_validate(record)

    def search(
        self, query: str, visible: set[str], *, birth_date: date | None = None, limit: int = 20
    ) -> tuple[list[Person], int]:
        """People whose name or kana contains ``query`` (as compared: ``search_key``), born on ``birth_date`` when
        given, with a case in a municipality of ``visible``; by kana, at most ``limit``; and how many there are."""
        key = search_key(query)
        pattern = _like(key)
        conditions = [
            or_(PersonRecord.name_key.like(pattern, escape="\\"), PersonRecord.kana_key.like(pattern, escape="\\"))
        ]
        if birth_date is not None:
            conditions.append(PersonRecord.birth_date == birth_date)
        served = (
            select(CaseRecord.person_id)
            .where(CaseRecord.person_id == PersonRecord.person_id, CaseRecord.municipality.in_(visible))
            .exists()
        )
        stmt = select(PersonRecord).where(and_(*conditions), served)
        total = self._session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = self._session.scalars(
            stmt.order_by(PersonRecord.kana_key, PersonRecord.name_key, PersonRecord.person_id).limit(limit)
        )
        return [Person.model_validate(r) for r in rows], total

    def cases_of(self, person_id: str, visible: set[str]) -> list[PersonCase]:
        """The person's cases in ``visible`` municipalities, newest first."""
        stmt = (
            select(CaseRecord)
            .where(CaseRecord.person_id == person_id, CaseRecord.municipality.in_(visible))
            .order_by(CaseRecord.opened_at.desc(), CaseRecord.case_id)
        )
        return [
            PersonCase(
                case_id=r.case_id,
                case_number=r.case_number,
                municipality=r.municipality,
                state=r.state,
                opened_at=r.opened_at,
                closed_at=r.closed_at,
            )
            for r in self._session.scalars(stmt)
        ]

    def names(self, person_ids: set[str]) -> dict[str, str]:
        """The recorded name (else kana) of each person who has one: for lists shown to roles that may see it."""
        if not person_ids:
            return {}
        stmt = select(PersonRecord.person_id, PersonRecord.name, PersonRecord.name_kana).where(
            PersonRecord.person_id.in_(person_ids)
        )
        return {pid: shown for pid, name, kana in self._session.execute(stmt) if (shown := name or kana)}

    def erase(self, person_id: str) -> bool:
        """Remove the person's record (their last case was erased). True if there was one."""
        record = self._session.get(PersonRecord, person_id)
        if record is None:
            return False
        self._session.delete(record)
        self._session.flush()
        return True

    def _has_visible_case(self, person_id: str, visible: set[str]) -> bool:
        stmt = select(CaseRecord.case_id).where(CaseRecord.person_id == person_id, CaseRecord.municipality.in_(visible))
        return self._session.scalars(stmt.limit(1)).first() is not None
