"""Per-case data keys for the encryption of Temporal payloads, wrapped by the deployment's master key.

Every payload a case's workflows put into Temporal (its inputs, updates, activity inputs and results, queries,
failures) is encrypted with that case's own 256-bit data key (``store.codec``). The store keeps each data key only
wrapped (AES-256-GCM) by the master key from settings, with the key's id as associated data, so a wrapped key cannot
be moved to another case. Erasing a case's wrapped key (``DataKeys.erase``) makes everything encrypted under it
unreadable wherever it is kept: the Temporal database, its backups, exported histories. That is the crypto-shredding
of ``store.retention``; the row stays, with when and why it was erased.

Unwrapped keys are cached in memory for ``cache_ttl`` (one minute by default) so that a command does not read the
store for every payload; an erasure evicts the key from its own process at once and from others within that time.
Workflows that belong to no case (the nightly integrity check) use the ``system`` key, which is never erased.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from store.models import Base

SYSTEM_KEY = "system"
KEY_BYTES = 32
NONCE_BYTES = 12


class DataKeyRecord(Base):
    """One case's data key, wrapped; after crypto-shredding only the record of its erasure."""

    __tablename__ = "data_keys"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    master_key_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    erased_at: Mapped[datetime | None]
    erasure_reason: Mapped[str | None] = mapped_column(String(200))


class KeyErasedError(Exception):
    """The data key was erased: what it encrypted can no longer be read (nor may anything more be encrypted)."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"the data key of {key_id} was erased (crypto-shredding)")
        self.key_id = key_id


class UnknownKeyError(Exception):
    def __init__(self, key_id: str) -> None:
        super().__init__(f"no data key {key_id} in this store")
        self.key_id = key_id


class WrongMasterKeyError(Exception):
    def __init__(self, key_id: str, master_key_id: str) -> None:
        super().__init__(f"the data key of {key_id} is wrapped by master key {master_key_id}, not the configured one")
        self.key_id = key_id


class MasterKey:
    """The deployment's key-encryption key (32 bytes, from settings), used only to wrap and unwrap data keys."""

    def __init__(self, raw: bytes) -> None:
        if len(raw) != KEY_BYTES:
            raise ValueError(f"the master key must be {KEY_BYTES} bytes, got {len(raw)}")
        self._aead = AESGCM(raw)
        self.key_id = hashlib.sha256(b"yorisoi master key id|" + raw).hexdigest()[:16]

    def wrap(self, key_id: str, data_key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data_key, key_id.encode("utf-8"))

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        return self._aead.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], key_id.encode("utf-8"))


class DataKeys:
    """Get-or-create, unwrap and erase data keys; thread-safe (the codec calls it from worker threads)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        master: MasterKey,
        *,
        cache_ttl: float = 60.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._master = master
        self._ttl = cache_ttl
        self._clock = clock
        self._cache: dict[str, tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    def cached(self, key_id: str) -> bytes | None:
        """The unwrapped key if this process read it within the cache time, else None (then call ``get``)."""
        with self._lock:
            hit = self._cache.get(key_id)
            if hit is None or time.monotonic() - hit[1] > self._ttl:
                self._cache.pop(key_id, None)
                return None
            return hit[0]

    def get(self, key_id: str, *, create: bool) -> bytes:
        """The data key of ``key_id``, made now if ``create`` and there is none; raises if it was erased."""
        key = self.cached(key_id)
        if key is not None:
            return key
        with self._sessions.begin() as session:
            record = session.get(DataKeyRecord, key_id)
            if record is None and create:
                record = self._create(session, key_id)
        if record is None:
            if not create:
                raise UnknownKeyError(key_id)
            with self._sessions.begin() as session:  # another process created it first
                record = session.get(DataKeyRecord, key_id)
            if record is None:
                raise UnknownKeyError(key_id)
        key = self._unwrap(record)
        with self._lock:
            self._cache[key_id] = (key, time.monotonic())
        return key

    def _create(self, session: Session, key_id: str) -> DataKeyRecord | None:
        data_key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        record = DataKeyRecord(
            key_id=key_id,
            wrapped=self._master.wrap(key_id, data_key),
            master_key_id=self._master.key_id,
            created_at=self._clock(),
        )
        try:
            with session.begin_nested():
                session.add(record)
        except IntegrityError:
            return None
        return record

    def _unwrap(self, record: DataKeyRecord) -> bytes:
        if record.wrapped is None:
            raise KeyErasedError(record.key_id)
        if record.master_key_id != self._master.key_id:
            raise WrongMasterKeyError(record.key_id, record.master_key_id)
        try:
            return self._master.unwrap(record.key_id, record.wrapped)
        except InvalidTag as exc:
            raise WrongMasterKeyError(record.key_id, record.master_key_id) from exc

    def erase(self, session: Session, key_id: str, *, reason: str, now: datetime) -> bool:
        """Erase the wrapped key in the caller's transaction; False if it was already erased or never made.

        The ``system`` key is never erased: it holds no case's data, and the schedules need it.
        """
        if key_id == SYSTEM_KEY:
            raise ValueError("the system key holds no case's data and is never erased")
        stmt = select(DataKeyRecord).where(DataKeyRecord.key_id == key_id).with_for_update()
        record = session.scalars(stmt).one_or_none()
        with self._lock:
            self._cache.pop(key_id, None)
        if record is None or record.wrapped is None:
            return False
        record.wrapped, record.erased_at, record.erasure_reason = None, now, reason
        session.flush()
        return True

    def forget(self, key_id: str) -> None:
        """Drop the key from this process's cache (after an erasure committed elsewhere)."""
        with self._lock:
            self._cache.pop(key_id, None)


def erased_at(session: Session, key_id: str) -> datetime | None:
    record = session.get(DataKeyRecord, key_id)
    return None if record is None else record.erased_at
