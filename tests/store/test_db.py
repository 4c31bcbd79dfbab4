"""Engines of store/db.py: SQLite connections with WAL, foreign keys and a busy timeout."""

from __future__ import annotations

from pathlib import Path

from store.db import SQLITE_BUSY_TIMEOUT_MS, make_engine


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
