"""Engines of store/db.py: SQLite connections with WAL, foreign keys and a busy timeout."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from store.db import SQLITE_BUSY_TIMEOUT_MS, make_engine, reading, session_factory

LOCK_PROBE_S = 0.2


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}")
    try:
        with engine.connect() as conn:
            pragmas = [conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in ("journal_mode", "foreign_keys")]
            busy_timeout = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    finally:
        engine.dispose()
    assert pragmas == ["wal", 1]
    assert busy_timeout == SQLITE_BUSY_TIMEOUT_MS


def test_a_read_takes_no_write_lock_and_waits_for_no_writer(tmp_path: Path) -> None:
    """``reading`` (issue 16): while a writer holds SQLite's write lock (``BEGIN IMMEDIATE``), a read answers at
    once from its snapshot, where another ``BEGIN IMMEDIATE`` waits out the busy timeout and fails."""
    path = tmp_path / "locks.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    sessions = session_factory(engine)
    try:
        with sessions.begin() as session:
            session.execute(text("CREATE TABLE t (x INTEGER)"))
            session.execute(text("INSERT INTO t VALUES (1)"))
        with sessions.begin() as writer:
            writer.execute(text("INSERT INTO t VALUES (2)"))  # holds the write lock until the block ends
            started = time.monotonic()
            with reading(sessions) as session:
                seen = session.execute(text("SELECT count(*) FROM t")).scalar()
            read_in = time.monotonic() - started
            other = sqlite3.connect(path, timeout=LOCK_PROBE_S, isolation_level=None)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            finally:
                other.close()
    finally:
        engine.dispose()
    assert seen == 1
    assert read_in < SQLITE_BUSY_TIMEOUT_MS / 1000 / 2
