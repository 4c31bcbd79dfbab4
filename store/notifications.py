"""The in-app inbox of each user and the e-mail that may go with a notification (the ``notifications`` table).

Every notification has an idempotency key: notifying twice with one key stores one row, so a retried activity adds
nothing. The e-mail status moves ``pending`` → ``sending`` (claimed, with a token, before the SMTP transaction) →
``sent`` or ``failed`` (the server refused it; claimable again). A row left in ``sending`` may have been mailed and
is never claimed again: e-mail is delivered at most once (see ``activities/notifications.py``).

Titles and bodies name the case by its id only, never the client: they are mailed outside the system.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from pydantic import BaseModel, ConfigDict
from sqlalchemy import CheckConstraint, CursorResult, ForeignKey, Index, String, Text, Update, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from store.accounts import is_email_address
from store.errors import StoreError, UnknownUserError
from store.models import Base, UserRecord
from store.queries import Page


class NotificationKind(StrEnum):
    TASK_ASSIGNED = "task_assigned"
    REMINDER = "reminder"
    DEADLINE = "deadline"
    OTHER = "other"


class EmailStatus(StrEnum):
    NONE = "none"  # inbox only: the user has no address, or no mail was asked for
    PENDING = "pending"
    SENDING = "sending"  # claimed: the SMTP transaction may have happened; never sent again automatically
    SENT = "sent"
    FAILED = "failed"  # the server refused it or could not be reached: claimable again


CLAIMABLE = (EmailStatus.PENDING.value, EmailStatus.FAILED.value)


def _one_of(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class NotificationRecord(Base):
    """One notification for one user (the recipient), with the state of its e-mail."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(_one_of("kind", NotificationKind), name="kind"),
        CheckConstraint(_one_of("email_status", EmailStatus), name="email_status"),
        Index("ix_notifications_user_id_created_at", "user_id", "created_at"),
    )

    notification_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.user_id"))
    case_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    title_ja: Mapped[str] = mapped_column(Text)
    body_ja: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    email_to: Mapped[str | None] = mapped_column(String(254))
    email_status: Mapped[str] = mapped_column(String(16))
    email_claim_token: Mapped[str | None] = mapped_column(String(32))
    email_claimed_at: Mapped[datetime | None]
    email_sent_at: Mapped[datetime | None]
    attempts: Mapped[int]


class NotificationNotFoundError(StoreError):
    """No such notification, or it is someone else's (the same either way)."""

    def __init__(self, notification_id: str) -> None:
        super().__init__(f"通知 {notification_id} が見つかりません。")
        self.notification_id = notification_id


class NotificationRow(BaseModel):
    """A notification as its recipient sees it (the claim token stays inside the store)."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    notification_id: str
    idempotency_key: str
    user_id: str
    case_id: str | None
    kind: NotificationKind
    title_ja: str
    body_ja: str
    created_at: datetime
    read_at: datetime | None
    email_to: str | None
    email_status: EmailStatus
    email_sent_at: datetime | None
    attempts: int


class EmailClaim(BaseModel):
    """What to send, claimed by one attempt: only the holder of ``claim_token`` may mark it sent or failed."""

    model_config = ConfigDict(frozen=True)

    notification_id: str
    idempotency_key: str
    email_to: str
    title_ja: str
    body_ja: str
    claim_token: str
    attempts: int


def client_may_be_emailed(address: str | None, consent: bool) -> bool:
    """A client (相談者) is e-mailed only with a usable address and their consent to contact by e-mail."""
    return consent and address is not None and is_email_address(address)


class NotificationRepository:
    """Notifications, inside the caller's transaction (the repository never commits)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def notify(
        self,
        key: str,
        user_id: str,
        kind: NotificationKind,
        title_ja: str,
        body_ja: str,
        *,
        case_id: str | None = None,
        email: bool = True,
        now: datetime,
    ) -> NotificationRow:
        """Store a notification once per ``key``: a second call with the key returns the first row unchanged.

        The e-mail is ``pending`` when ``email`` is asked for and the user is active with an address, else ``none``.
        """
        existing = self._by_key(key)
        if existing is not None:
            return NotificationRow.model_validate(existing)
        user = self._session.get(UserRecord, user_id)
        if user is None:
            raise UnknownUserError(user_id)
        address = user.email if email and user.active else None
        record = NotificationRecord(
            notification_id=uuid.uuid4().hex,
            idempotency_key=key,
            user_id=user_id,
            case_id=case_id,
            kind=NotificationKind(kind).value,
            title_ja=title_ja,
            body_ja=body_ja,
            created_at=now,
            email_to=address,
            email_status=(EmailStatus.PENDING if address else EmailStatus.NONE).value,
            attempts=0,
        )
        try:
            with self._session.begin_nested():
                self._session.add(record)
        except IntegrityError:
            concurrent = self._by_key(key)  # another transaction stored the key first
            if concurrent is None:
                raise
            record = concurrent
        return NotificationRow.model_validate(record)

    def get(self, notification_id: str) -> NotificationRow | None:
        record = self._session.get(NotificationRecord, notification_id, populate_existing=True)
        return None if record is None else NotificationRow.model_validate(record)

    def list_for(
        self, user_id: str, *, unread_only: bool = False, limit: int = 50, offset: int = 0
    ) -> Page[NotificationRow]:
        """The user's own notifications, newest first."""
        where = [NotificationRecord.user_id == user_id]
        if unread_only:
            where.append(NotificationRecord.read_at.is_(None))
        total = self._session.scalar(select(func.count()).select_from(NotificationRecord).where(*where)) or 0
        stmt = (
            select(NotificationRecord)
            .where(*where)
            .order_by(NotificationRecord.created_at.desc(), NotificationRecord.notification_id.desc())
            .limit(limit)
            .offset(offset)
        )
        items = [NotificationRow.model_validate(r) for r in self._session.scalars(stmt)]
        return Page(items=items, total=total, limit=limit, offset=offset)

    def mark_read(self, notification_id: str, user_id: str, *, now: datetime) -> NotificationRow:
        """Mark read by its recipient (the first reading time is kept); anyone else gets NotificationNotFoundError."""
        record = self._session.get(NotificationRecord, notification_id)
        if record is None or record.user_id != user_id:
            raise NotificationNotFoundError(notification_id)
        if record.read_at is None:
            record.read_at = now
            self._session.flush()
        return NotificationRow.model_validate(record)

    def claim_pending_email(self, notification_id: str, *, now: datetime) -> EmailClaim | None:
        """Claim a ``pending`` or ``failed`` e-mail for one sending attempt (``sending``, attempts + 1).

        None when there is nothing to claim: no such row, no e-mail, already sent, or claimed by an earlier attempt.
        The caller commits the claim before it opens the SMTP transaction.
        """
        token = uuid.uuid4().hex
        claimed = _updated(
            self._session,
            update(NotificationRecord)
            .where(
                NotificationRecord.notification_id == notification_id,
                NotificationRecord.email_status.in_(CLAIMABLE),
                NotificationRecord.email_to.is_not(None),
            )
            .values(
                email_status=EmailStatus.SENDING.value,
                email_claim_token=token,
                email_claimed_at=now,
                attempts=NotificationRecord.attempts + 1,
            ),
        )
        if not claimed:
            return None
        record = self._session.get_one(NotificationRecord, notification_id, populate_existing=True)
        assert record.email_to is not None
        return EmailClaim(
            notification_id=notification_id,
            idempotency_key=record.idempotency_key,
            email_to=record.email_to,
            title_ja=record.title_ja,
            body_ja=record.body_ja,
            claim_token=token,
            attempts=record.attempts,
        )

    def mark_sent(self, claim: EmailClaim, *, now: datetime) -> bool:
        """The server accepted the claimed e-mail. False if the claim is no longer held."""
        return self._settle(claim, EmailStatus.SENT, sent_at=now)

    def mark_failed(self, claim: EmailClaim) -> bool:
        """The server refused the claimed e-mail, or could not be reached: it may be claimed again."""
        return self._settle(claim, EmailStatus.FAILED, sent_at=None)

    def _settle(self, claim: EmailClaim, status: EmailStatus, *, sent_at: datetime | None) -> bool:
        return _updated(
            self._session,
            update(NotificationRecord)
            .where(
                NotificationRecord.notification_id == claim.notification_id,
                NotificationRecord.email_status == EmailStatus.SENDING.value,
                NotificationRecord.email_claim_token == claim.claim_token,
            )
            .values(email_status=status.value, email_sent_at=sent_at),
        )

    def _by_key(self, key: str) -> NotificationRecord | None:
        stmt = select(NotificationRecord).where(NotificationRecord.idempotency_key == key)
        return self._session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()


def _updated(session: Session, stmt: Update) -> bool:
    result = cast(CursorResult[Any], session.execute(stmt.execution_options(synchronize_session=False)))
    return result.rowcount == 1
