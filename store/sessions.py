"""Sign-in sessions (the ``sessions`` table): one row per sign-in, on the pages or over the API.

The session id is a random secret carried inside the signed token (the page cookie or an API bearer token); the table
keeps only its SHA-256, so a copy of the table signs nobody in. A session can be used until the first of:

- its absolute expiry (``expires_at``, fixed at sign-in);
- ``idle`` without a request: every use moves ``last_seen_at``, written at most once per ``touch_every`` so that a
  busy session does not write on each request (the idle time is thus counted from up to a minute before the last
  request: a session may end that much early, never late);
- its revocation: logout, a password change (the user's other sessions), the user's deactivation (all of them).

Rows stay after a session ends: they record who was signed in when, and why the session ended.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from pydantic import BaseModel, ConfigDict
from sqlalchemy import CheckConstraint, CursorResult, ForeignKey, String, Update, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from store.errors import StoreError
from store.models import HASH_LENGTH, Base


class SessionKind(StrEnum):
    PAGE = "page"  # the session cookie of the pages (POST /login, POST /api/auth/session)
    API = "api"  # a bearer token (POST /api/auth/token)


class RevokeReason(StrEnum):
    LOGOUT = "logout"
    PASSWORD_CHANGED = "password_changed"  # the user's password was changed in another session
    USER_DEACTIVATED = "user_deactivated"


class SessionEnd(StrEnum):
    """Why a session can no longer be used."""

    UNKNOWN = "unknown"  # no such session (or another user's)
    REVOKED = "revoked"
    EXPIRED = "expired"  # past its absolute expiry
    IDLE = "idle"  # no request for longer than the idle time


@dataclass(frozen=True)
class SessionPolicy:
    lifetime: timedelta = timedelta(minutes=60)  # absolute, from sign-in
    idle: timedelta = timedelta(minutes=30)
    touch_every: timedelta = timedelta(minutes=1)  # the most often last_seen_at is written for one session


def _one_of(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class UserSessionRecord(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint(_one_of("kind", SessionKind), name="kind"),
        CheckConstraint(_one_of("revoke_reason", RevokeReason), name="revoke_reason"),
        CheckConstraint("(revoked_at IS NULL) = (revoke_reason IS NULL)", name="revoked_with_reason"),
    )

    session_hash: Mapped[str] = mapped_column(String(HASH_LENGTH), primary_key=True)  # SHA-256 of the session id
    user_id: Mapped[str] = mapped_column(ForeignKey("users.user_id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(String(32))


class UserSession(BaseModel):
    """A ``sessions`` row (it holds no secret: only the hash of the session id)."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    session_hash: str
    user_id: str
    kind: SessionKind
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoke_reason: RevokeReason | None


class SessionEndedError(StoreError):
    """The session cannot be used: unknown, revoked (with its reason), past its expiry, or idle too long."""

    def __init__(self, end: SessionEnd, revoke_reason: RevokeReason | None = None) -> None:
        super().__init__(end.value if revoke_reason is None else f"{end.value}: {revoke_reason.value}")
        self.end = end
        self.revoke_reason = revoke_reason


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class UserSessionRepository:
    """Sessions, inside the caller's transaction."""

    def __init__(self, session: Session, policy: SessionPolicy | None = None) -> None:
        self._session = session
        self._policy = policy or SessionPolicy()

    def start(self, user_id: str, kind: SessionKind, now: datetime) -> tuple[str, UserSession]:
        """A new session of ``user_id``: its secret id (for the token only, never stored) and its row."""
        session_id = secrets.token_urlsafe(32)
        record = UserSessionRecord(
            session_hash=session_hash(session_id),
            user_id=user_id,
            kind=kind.value,
            created_at=now,
            last_seen_at=now,
            expires_at=now + self._policy.lifetime,
            revoked_at=None,
            revoke_reason=None,
        )
        self._session.add(record)
        self._session.flush()
        return session_id, UserSession.model_validate(record)

    def use(self, session_id: str, user_id: str, now: datetime, *, touch: bool = True) -> UserSession:
        """The session of ``user_id`` with this id, its use recorded; SessionEndedError if it cannot be used.
        ``touch=False`` only checks it (a read-only transaction): ``touch`` records the use, when ``touch_due``."""
        record = self._session.get(UserSessionRecord, session_hash(session_id))
        if record is None or record.user_id != user_id:
            raise SessionEndedError(SessionEnd.UNKNOWN)
        if record.revoke_reason is not None:
            raise SessionEndedError(SessionEnd.REVOKED, RevokeReason(record.revoke_reason))
        if now >= record.expires_at:
            raise SessionEndedError(SessionEnd.EXPIRED)
        if now - record.last_seen_at > self._policy.idle:
            raise SessionEndedError(SessionEnd.IDLE)
        if touch and self.touch_due(record.last_seen_at, now):
            record.last_seen_at = now
            self._session.flush()
        return UserSession.model_validate(record)

    def touch_due(self, last_seen_at: datetime, now: datetime) -> bool:
        """Whether a use at ``now`` is to be written: at most once per ``touch_every``."""
        return now - last_seen_at >= self._policy.touch_every

    def touch(self, hashed: str, now: datetime) -> None:
        """Record a use at ``now`` (the check came first, in a read-only transaction: ``use(touch=False)``); a
        later use written meanwhile by another request stays."""
        self._session.execute(
            update(UserSessionRecord)
            .where(UserSessionRecord.session_hash == hashed, UserSessionRecord.last_seen_at < now)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )

    def revoke(self, session_id: str, reason: RevokeReason, now: datetime) -> bool:
        """End one session (False: no such session, or it was already revoked)."""
        stmt = update(UserSessionRecord).where(
            UserSessionRecord.session_hash == session_hash(session_id), UserSessionRecord.revoked_at.is_(None)
        )
        return self._revoke(stmt, reason, now) > 0

    def revoke_all(self, user_id: str, reason: RevokeReason, now: datetime, *, keep: str | None = None) -> int:
        """End every unrevoked session of ``user_id`` that has not expired, except the one whose hash is ``keep``."""
        stmt = update(UserSessionRecord).where(
            UserSessionRecord.user_id == user_id,
            UserSessionRecord.revoked_at.is_(None),
            UserSessionRecord.expires_at > now,
        )
        if keep is not None:
            stmt = stmt.where(UserSessionRecord.session_hash != keep)
        return self._revoke(stmt, reason, now)

    def of_user(self, user_id: str) -> list[UserSession]:
        """Every session of ``user_id``, newest first."""
        stmt = (
            select(UserSessionRecord)
            .where(UserSessionRecord.user_id == user_id)
            .order_by(UserSessionRecord.created_at.desc(), UserSessionRecord.session_hash)
        )
        return [UserSession.model_validate(r) for r in self._session.scalars(stmt)]

    def _revoke(self, stmt: Update, reason: RevokeReason, now: datetime) -> int:
        values = stmt.values(revoked_at=now, revoke_reason=reason.value)
        result = cast(CursorResult[Any], self._session.execute(values.execution_options(synchronize_session="fetch")))
        return result.rowcount
