"""個人情報取扱規程: the adopted versions a consent's ``policy_version`` names (the repository never commits).

A consent (C1, C2, the ハローワーク支援要請's) is linked to the version of the 規程 explained to 本人 (process.md §5).
Each version is stored once, for one municipality or for every one (``"*"``), with the date it takes effect and the
SHA-256 of the document as adopted, so an auditor can tell which text was explained. A version is never changed once
stored: consents refer to it. A version is in force for a municipality from its ``effective_from`` on; a later
version does not end an earlier one (a consent signed under the earlier one stays valid).
"""

from __future__ import annotations

import builtins
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Date, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from store.errors import StoreError
from store.models import Base

EVERY_MUNICIPALITY = "*"


class PrivacyPolicyRecord(Base):
    """One adopted version of the 個人情報取扱規程; never changed once stored."""

    __tablename__ = "privacy_policies"
    __table_args__ = (UniqueConstraint("municipality", "version"),)

    policy_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    effective_from: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    document_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))


class PrivacyPolicy(BaseModel):
    """A version of the 個人情報取扱規程 as adopted, for a municipality (``"*"``: every one of the deployment)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    municipality: str = Field(min_length=1, max_length=64, description='a municipality id, or "*" for every one')
    version: str = Field(min_length=1, max_length=40, description="what a consent's policy_version names")
    title: str = Field(min_length=1, max_length=200)
    effective_from: date
    summary: str = Field(default="", max_length=4000)
    document_sha256: str = Field(
        pattern=r"^[0-9a-fA-F]{64}$", description="SHA-256 (hex) of the document as adopted: the text explained"
    )

    @field_validator("document_sha256")
    @classmethod
    def _lower_case(cls, value: str) -> str:
        return value.lower()


class PrivacyPolicyRow(PrivacyPolicy):
    created_at: datetime
    created_by: str


class DuplicatePolicyError(StoreError):
    """This municipality (or ``"*"``) already has a version of this name: a stored version is never replaced."""

    def __init__(self, municipality: str, version: str) -> None:
        where = "全自治体共通" if municipality == EVERY_MUNICIPALITY else municipality
        super().__init__(
            f"個人情報取扱規程の版「{version}」（{where}）は既に登録されています。別の版名で登録してください。"
        )
        self.municipality = municipality
        self.version = version


class PrivacyPolicyRepository:
    """The 規程's versions, inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, policy: PrivacyPolicy, created_by: str, now: datetime) -> PrivacyPolicyRow:
        """Store ``policy``; :class:`DuplicatePolicyError` if its municipality already has this version."""
        record = PrivacyPolicyRecord(**policy.model_dump(), created_at=now, created_by=created_by)
        try:
            with self._session.begin_nested():
                self._session.add(record)
        except IntegrityError as exc:
            raise DuplicatePolicyError(policy.municipality, policy.version) from exc
        return _row(record)

    def list(self, municipality: str | None = None) -> builtins.list[PrivacyPolicyRow]:
        """Every version (``municipality``: its own and the ``"*"`` ones), newest effective date first."""
        stmt = select(PrivacyPolicyRecord).order_by(
            PrivacyPolicyRecord.effective_from.desc(), PrivacyPolicyRecord.municipality, PrivacyPolicyRecord.version
        )
        if municipality is not None:
            stmt = stmt.where(PrivacyPolicyRecord.municipality.in_({municipality, EVERY_MUNICIPALITY}))
        return [_row(r) for r in self._session.scalars(stmt)]

    def in_force(self, municipality: str, version: str, on: date) -> PrivacyPolicyRow | None:
        """The version a consent signed ``on`` that day in ``municipality`` names, if it is in force then, else None.

        The municipality's own version of that name comes before a ``"*"`` one."""
        stmt = select(PrivacyPolicyRecord).where(
            PrivacyPolicyRecord.version == version,
            PrivacyPolicyRecord.effective_from <= on,
            PrivacyPolicyRecord.municipality.in_({municipality, EVERY_MUNICIPALITY}),
        )
        found = sorted(self._session.scalars(stmt), key=lambda r: r.municipality == EVERY_MUNICIPALITY)
        return _row(found[0]) if found else None


def _row(record: PrivacyPolicyRecord) -> PrivacyPolicyRow:
    return PrivacyPolicyRow(
        municipality=record.municipality,
        version=record.version,
        title=record.title,
        effective_from=record.effective_from,
        summary=record.summary,
        document_sha256=record.document_sha256,
        created_at=record.created_at,
        created_by=record.created_by,
    )
