"""Engines and sessions for the read model (SQLite for a laptop, PostgreSQL in production)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BUSY_TIMEOUT_MS = 5_000
READ_ONLY = "yorisoi_read_only"  # the execution option ``reading`` sets: a deferred BEGIN on SQLite


def make_engine(url: str) -> Engine:
    """An engine for ``sqlite:///path`` or ``postgresql+psycopg://...``.

    SQLite connections get WAL, foreign keys and a busy timeout, and SQLAlchemy (not the ``sqlite3`` driver)
    emits ``BEGIN IMMEDIATE``, so that reads belong to the transaction that writes after them and a transaction
    takes the write lock when it starts. With a deferred BEGIN, a transaction that read and then writes after
    another one committed fails at once with "database is locked" (the busy timeout cannot help: its snapshot is
    stale), which concurrent activities (a projection, a notification, an e-mail claim) made happen.
    """
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url)
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        event.listen(engine, "close", _on_sqlite_close)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _on_sqlite_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # Disable the driver's own (legacy) transaction handling: _on_sqlite_begin emits BEGIN instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted and overwritten content is zeroed, not left in free pages: erasure after retention must leave
        # no readable copy of a client's data in the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS:d}")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


@contextlib.contextmanager
def reading(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction that only reads (``with reading(sessions) as session``): on SQLite a deferred ``BEGIN``, a
    snapshot of the WAL that takes no write lock, so a read neither waits for a writer (a projection, an e-mail
    claim) nor makes one wait, as ``BEGIN IMMEDIATE`` (every other transaction, see ``make_engine``) would; on
    PostgreSQL an ordinary transaction. Nothing may be written in it: a write would have to upgrade a stale
    snapshot, which SQLite refuses when another transaction committed since ("database is locked")."""
    with sessions() as session:
        session.connection(execution_options={READ_ONLY: True})
        yield session
        session.commit()


def _on_sqlite_close(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # What SQLite asks of a connection that closes: refresh the statistics of the tables its queries found stale
    # (a no-op for tables never analysed: refresh_statistics gives them their first). Never fails a close.
    with contextlib.suppress(sqlite3.Error):
        dbapi_connection.execute("PRAGMA optimize")


SQLITE_ANALYSIS_LIMIT = 1_000
"""Rows of each index ``ANALYZE`` samples on SQLite (``PRAGMA analysis_limit``): seconds, not minutes, on a big file."""


def refresh_statistics(connection: Connection) -> None:
    """The planner's statistics of every table, after a migration or a bulk load (the new indexes are chosen only
    once the planner knows them): ``ANALYZE`` on PostgreSQL (autovacuum keeps them fresh after that), a sampled
    ``ANALYZE`` on SQLite (``PRAGMA optimize``, run as each connection closes, keeps them fresh after that)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT:d}")
    connection.exec_driver_sql("ANALYZE")


def create_schema(engine: Engine) -> None:
    """Bring the read model to the newest migration (``store/migrations/``); idempotent, safe from two processes.

    An empty database is made from the models and stamped at the newest revision (what running every migration
    gives, as a test checks, in a fraction of the time: the tests make hundreds of databases); any other is upgraded
    by the migrations, after a stamp if ``create_all`` made it before there were migrations (``store.migrate``).
    """
    from store.migrate import upgrade

    upgrade(engine, fresh_from_models=True)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)
