"""Who an enrolment is for, without holding who they are: a keyed hash of the client's identity per enrolment.

The 住居確保給付金 may not be paid again to the same person within a year of the last payment (施行規則§16), and the
same person may come back as a new case, even in another municipality served by the same deployment. So each
application links its enrolment to a *person key*: HMAC-SHA256 under a key derived from the deployment's secret over
the client's name in katakana (NFKC, spaces removed, hiragana folded to katakana) and birth date. The store keeps
the key only; it cannot be turned back into a name, and a different deployment (another secret) gets other keys.

Rotating the deployment's secret starts a new series of keys: earlier payments are then no longer found, so the
secret is kept across upgrades (``settings.signing_key``), and the 申請書's own declaration of an earlier payment
still counts (the later of both dates is used).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date, datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from store.models import Base
from store.programs import EnrolmentRecord

HOUSING_BENEFIT = "housing_benefit"
_SPACES = re.compile(r"\s+")
_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(ord("ぁ"), ord("ゖ") + 1)}


class EnrolmentPersonRecord(Base):
    """The person key of one enrolment (recorded when its application is taken)."""

    __tablename__ = "enrolment_persons"

    enrolment_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    person_key: Mapped[str] = mapped_column(String(64), index=True)
    case_id: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]


def normalised_kana(name_kana: str) -> str:
    """The name as compared: NFKC (half-width kana widened), no spaces, hiragana as katakana."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", name_kana)).translate(_HIRAGANA_TO_KATAKANA)


def person_key(secret: str, name_kana: str, birth_date: date) -> str:
    """The keyed hash that stands for one person in this deployment (64 hex digits)."""
    subkey = hmac.new(secret.encode("utf-8"), b"yorisoi person key v1", hashlib.sha256).digest()
    identity = f"{normalised_kana(name_kana)}|{birth_date.isoformat()}".encode()
    return hmac.new(subkey, identity, hashlib.sha256).hexdigest()


class PersonRepository:
    """Inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def link(self, enrolment_id: str, case_id: str, key: str, *, now: datetime) -> None:
        """Record (or correct) whom ``enrolment_id`` is for."""
        record = self._session.get(EnrolmentPersonRecord, enrolment_id)
        if record is None:
            self._session.add(
                EnrolmentPersonRecord(enrolment_id=enrolment_id, person_key=key, case_id=case_id, recorded_at=now)
            )
        else:
            record.person_key, record.recorded_at = key, now
        self._session.flush()

    def last_housing_payment_end(self, key: str, *, excluding: str) -> date | None:
        """The last day paid (or being paid) of the person's other 住居確保給付金 enrolments, or None.

        A paid enrolment that ended counts with its end; one still paying counts with the end of its current period.
        """
        stmt = (
            select(EnrolmentRecord.summary)
            .join(EnrolmentPersonRecord, EnrolmentPersonRecord.enrolment_id == EnrolmentRecord.enrolment_id)
            .where(
                EnrolmentPersonRecord.person_key == key,
                EnrolmentRecord.program == HOUSING_BENEFIT,
                EnrolmentRecord.enrolment_id != excluding,
            )
        )
        ends: list[date] = []
        for summary in self._session.scalars(stmt):
            if not summary.get("months_granted"):
                continue  # never paid: no lock
            end = summary.get("ended_on") or summary.get("period_end")
            if end:
                ends.append(date.fromisoformat(end))
        return max(ends, default=None)
