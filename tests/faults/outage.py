"""The read-model database made unavailable for real, to every process at once, and given back.

SQLite: another connection holds the database's write lock (``BEGIN EXCLUSIVE``). Every transaction of
``store.db.make_engine`` begins with ``BEGIN IMMEDIATE``, reads included, so each one waits out the busy timeout
(``SQLITE_BUSY_TIMEOUT_MS``) and then fails with "database is locked".

PostgreSQL: the database stops accepting connections (``ALLOW_CONNECTIONS false``, which binds superusers too, unlike
``REVOKE CONNECT``) and every backend connected to it is terminated, so pooled connections die and new ones are refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextlib.asynccontextmanager
async def read_model_outage(url: str) -> AsyncIterator[None]:
    """The database of ``url`` is unavailable inside the block."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database is not None
        async with _sqlite_locked(Path(parsed.database)):
            yield
    else:
        async with _postgres_closed(url):
            yield


@contextlib.asynccontextmanager
async def _sqlite_locked(path: Path) -> AsyncIterator[None]:
    lock = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    try:
        await asyncio.to_thread(lock.execute, "BEGIN EXCLUSIVE")  # waits for a writer in the middle of a commit
        try:
            yield
        finally:
            lock.execute("ROLLBACK")
    finally:
        lock.close()


@contextlib.asynccontextmanager
async def _postgres_closed(url: str) -> AsyncIterator[None]:
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"), {"name": name}
            )
        try:
            yield
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    finally:
        admin.dispose()
