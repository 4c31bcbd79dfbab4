"""Database fixtures: every test that uses them runs against SQLite and against PostgreSQL.

Register with ``pytest_plugins = ["tests.dbfixtures"]``. PostgreSQL runs need ``YORISOI_TEST_POSTGRES_URL``
(a server URL such as ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``): each test gets a fresh
database, dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from store.db import create_schema, make_engine, session_factory

POSTGRES_URL_ENV = "YORISOI_TEST_POSTGRES_URL"
POSTGRES_SKIP_REASON = f"{POSTGRES_URL_ENV} is not set: PostgreSQL tests skipped (.ci/run sets it)"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database, SQLite file or fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'yorisoi.sqlite3'}"
        return
    server_url = os.environ.get(POSTGRES_URL_ENV)
    if not server_url:
        pytest.skip(POSTGRES_SKIP_REASON)
    yield from _fresh_postgres_database(server_url)


def _fresh_postgres_database(server_url: str) -> Iterator[str]:
    name = f"yorisoi_test_{secrets.token_hex(8)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on ``db_url`` with the schema created."""
    eng = make_engine(db_url)
    try:
        create_schema(eng)
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)
