"""Login throttling: failed sign-ins counted per user and per client address, and a lock after too many.

A key (``user:<id>`` or ``ip:<address>``) that fails ``max_failures`` times within ``window`` is locked for ``lock``:
while locked, every sign-in on that key is refused, the right password included, so a locked account does not tell
a guesser when it got the password right. A successful sign-in clears the user's count (not the address's).
Counted in the store, so every API process shares the counts.

An address lock stops one source spraying guesses over many users. Behind one office address (a 福祉事務所's NAT)
it must not lock out the staff: a user who signed in successfully from that address within ``known_for`` (their own
office) passes it, held only by their own user lock; a user never seen there is refused while it lasts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from store.models import Base


class LoginFailureRecord(Base):
    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_started_at: Mapped[datetime]
    failures: Mapped[int]
    locked_until: Mapped[datetime | None]


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5  # per user
    max_failures_per_address: int = 50  # per client address (many users behind one office NAT)
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)
    known_for: timedelta = timedelta(days=90)  # a user's own address passes its lock this long after a success


class KnownAddressRecord(Base):
    """A user's successful sign-in from an address: what lets them through that address's lock."""

    __tablename__ = "login_known_addresses"

    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    address: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_success_at: Mapped[datetime]


class LoginThrottle:
    """Inside the caller's transaction."""

    def __init__(self, session: Session, policy: ThrottlePolicy) -> None:
        self._session = session
        self._policy = policy

    def locked_until(self, keys: list[str], now: datetime) -> datetime | None:
        """The latest lock among ``keys`` still in force at ``now``, or None."""
        ends = []
        for key in keys:
            record = self._session.get(LoginFailureRecord, key, populate_existing=True)
            if record is not None and record.locked_until is not None and record.locked_until > now:
                ends.append(record.locked_until)
        return max(ends, default=None)

    def failed(self, key: str, limit: int, now: datetime) -> None:
        """Count a failure on ``key``; the ``limit``-th within the window locks it."""
        record = self._session.get(LoginFailureRecord, key, with_for_update=True, populate_existing=True)
        if record is None:
            record = LoginFailureRecord(key=key, window_started_at=now, failures=0, locked_until=None)
            try:
                with self._session.begin_nested():
                    self._session.add(record)
            except IntegrityError:  # another request counted the first failure at the same moment
                record = self._session.get_one(LoginFailureRecord, key, with_for_update=True, populate_existing=True)
        if now - record.window_started_at > self._policy.window:
            record.window_started_at, record.failures = now, 0
        record.failures += 1
        if record.failures >= limit:
            record.locked_until = now + self._policy.lock
            record.window_started_at, record.failures = now, 0
        self._session.flush()

    def succeeded(self, key: str) -> None:
        record = self._session.get(LoginFailureRecord, key)
        if record is not None and (record.locked_until is None):
            self._session.delete(record)
            self._session.flush()

    def remember(self, user_id: str, address: str, now: datetime) -> None:
        """``user_id`` signed in from ``address`` at ``now``."""
        record = self._session.get(KnownAddressRecord, (user_id[:100], address[:100]))
        if record is None:
            self._session.add(KnownAddressRecord(user_id=user_id[:100], address=address[:100], last_success_at=now))
        else:
            record.last_success_at = now

    def known(self, user_id: str, address: str, now: datetime) -> bool:
        """Whether ``user_id`` signed in from ``address`` within ``known_for``."""
        record = self._session.get(KnownAddressRecord, (user_id[:100], address[:100]))
        return record is not None and record.last_success_at >= now - self._policy.known_for
