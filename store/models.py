"""The read model: SQLAlchemy tables written by the projection activity.

Every datetime column is :class:`UTCDateTime`: stored in UTC and always read back tz-aware in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import DateTime, TypeDecorator

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

HASH_LENGTH = 64

# BIGINT surrogate keys on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY (the rowid).
_SurrogateKey = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that refuses naive input and always returns aware UTC datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: pass a timezone-aware datetime")
        utc = value.astimezone(UTC)
        # SQLite has no time zone type: store the UTC wall time, read it back as UTC.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Every ``Mapped[datetime]`` column is a UTCDateTime.
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class CaseRecord(Base):
    """One row per case: where it stands, for lists and dashboards. No personal data."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_municipality_stage_state", "municipality", "stage", "state"),
        Index("ix_cases_assignee", "assignee"),
        Index("ix_cases_next_due_at", "next_due_at"),
        Index("ix_cases_state_entered_at", "state_entered_at"),
        Index("ix_cases_employment_supporter", "employment_supporter"),
        # The pipeline counts a municipality's cases (of one assignee) from this index alone (an index-only scan on
        # PostgreSQL, a covering index on SQLite): every column it reads is in it.
        Index(
            "ix_cases_municipality_assignee_pipeline",
            "municipality",
            "assignee",
            "state",
            "state_entered_at",
            "updated_at",
            "next_due_at",
        ),
        # The case list, newest first, one municipality at a time (its keyset pages walk this index).
        Index("ix_cases_municipality_opened_at", "municipality", "opened_at"),
        # The pipeline of a whole municipality (store.day_counts): the cases that entered their state on the days
        # that hold an aging bucket's edge, and those due today, each found by a range of these indexes.
        Index("ix_cases_municipality_state_entered_at", "municipality", "state_entered_at", "updated_at", "state"),
        Index("ix_cases_municipality_next_due_at", "municipality", "next_due_at", "state"),
    )

    case_id: Mapped[str] = mapped_column(String, primary_key=True)
    municipality: Mapped[str]
    stage: Mapped[str]
    state: Mapped[str]
    emergency_active: Mapped[bool]
    assignee: Mapped[str | None]
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    state_entered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    next_due_at: Mapped[datetime | None]
    next_due_kind: Mapped[str | None]
    ruleset_id: Mapped[str]
    plan_version: Mapped[int]
    last_seq: Mapped[int]
    # 受付番号 (store.case_numbers); None for a case opened before numbering and not yet backfilled
    case_number: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    # who the case is for (store.persons); the person's identity is in ``people``, never here
    person_id: Mapped[str | None] = mapped_column(String(32), index=True)
    # supervision (store.supervision): the case's 就労支援員, its last contact with 本人, the 支援困難事例 flag
    employment_supporter: Mapped[str | None]
    last_contact_at: Mapped[datetime | None]
    difficult_case: Mapped[bool] = mapped_column(default=False, server_default=false())


class CaseEventRecord(Base):
    """The append-only, hash-chained history of a case."""

    __tablename__ = "case_events"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        Index("ix_case_events_case_id_command_id", "case_id", "command_id"),
    )

    id: Mapped[int] = mapped_column(_SurrogateKey, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
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
    payload_sha256: Mapped[str] = mapped_column(String(HASH_LENGTH))
    payload_erased: Mapped[bool] = mapped_column(default=False)
    facts: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)  # statistics.facts_of: kept when erased
    prev_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    hash: Mapped[str] = mapped_column(String(HASH_LENGTH))


class TaskRecord(Base):
    """Human tasks: the inbox of each role and assignee."""

    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'cancelled')", name="status"),
        Index("ix_tasks_status_role_due_at", "status", "role", "due_at"),
        Index("ix_tasks_status_assignee_due_at", "status", "assignee", "due_at"),
        Index("ix_tasks_case_id_status", "case_id", "status"),
        # The inbox: a municipality's open tasks of a role, in due order (NULLs last, as a B-tree keeps them on
        # PostgreSQL), with the assignee for the ``unassigned`` scope, so a page and its count are index scans.
        Index("ix_tasks_status_municipality_role_due_at", "status", "municipality", "role", "due_at", "assignee"),
    )

    task_id: Mapped[str] = mapped_column(String, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    municipality: Mapped[str]  # the case's (a case never changes municipality): the inbox filters on it
    kind: Mapped[str]
    title_ja: Mapped[str]
    title_en: Mapped[str]
    role: Mapped[str]
    assignee: Mapped[str | None]
    due_at: Mapped[datetime | None]
    command: Mapped[str]
    status: Mapped[str] = mapped_column(String(16))
    opened_seq: Mapped[int]
    closed_seq: Mapped[int | None]
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class RejectionRecord(Base):
    """Commands a case refused (Temporal keeps no trace of a rejected update)."""

    __tablename__ = "case_rejections"

    id: Mapped[int] = mapped_column(_SurrogateKey, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String, index=True)
    at: Mapped[datetime]
    actor_id: Mapped[str]
    actor_roles: Mapped[list[str]] = mapped_column(JSON)
    command: Mapped[str]
    command_id: Mapped[str]
    state: Mapped[str | None]
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON)


class HistoryArchiveRecord(Base):
    """A run of a case's Temporal history, kept so it can be exported and replayed after Temporal's retention."""

    __tablename__ = "case_histories"

    case_id: Mapped[str] = mapped_column(String, primary_key=True)
    run_index: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str]
    archived_at: Mapped[datetime]
    history: Mapped[str] = mapped_column(Text)


class OrganisationRecord(Base):
    """A municipality (福祉事務所設置自治体) or a contractor (委託先) working for some of them."""

    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint("kind IN ('municipality', 'contractor')", name="kind"),)

    org_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name_ja: Mapped[str]
    # The municipalities whose cases its staff work on; a municipality lists itself.
    serves: Mapped[list[str]] = mapped_column(JSON)
    population: Mapped[int | None]
    # a municipality's 受付番号 prefix (A市); None: its name up to the first space (statemachines.case.numbers)
    case_number_prefix: Mapped[str | None] = mapped_column(String(16))


class UserRecord(Base):
    """A person who signs in (``user_id`` is the login name), with the roles they hold in one organisation."""

    __tablename__ = "users"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str]
    password_hash: Mapped[str]
    roles: Mapped[list[str]] = mapped_column(JSON)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.org_id"), index=True)
    active: Mapped[bool]
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]
    email: Mapped[str | None] = mapped_column(String(254))  # where notifications are mailed; None: inbox only


class RulesetRecord(Base):
    """A stored version of the durations (a :class:`statemachines.rules.RuleSet`); never changed once stored."""

    __tablename__ = "rulesets"
    __table_args__ = (UniqueConstraint("municipality", "effective_from"),)

    ruleset_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    municipality: Mapped[str] = mapped_column(String(64))
    effective_from: Mapped[date]
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    created_by: Mapped[str]
