"""Database fixtures: every test that uses them runs against SQLite and against PostgreSQL.

Register with ``pytest_plugins = ["tests.dbfixtures"]``. PostgreSQL runs need ``YORISOI_TEST_POSTGRES_URL``
(a server URL such as ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``): each test gets a fresh
database, dropped afterwards.
"""

from __future__ import annotations

import hashlib
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
READ_MODEL_ENV = "YORISOI_TEST_DATABASE"
"""``postgresql``: every harness's read model (workflows, API, pages, browser) in PostgreSQL instead of SQLite; the
second pass of ``make test`` sets it."""
_READ_MODELS: set[str] = set()


def on_postgres() -> bool:
    return os.environ.get(READ_MODEL_ENV) == "postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass leaves out the tests parametrised by ``db_url``: the SQLite pass ran both their variants
    (it has the server's URL whenever this pass runs), so running the PostgreSQL one again would test nothing new."""
    if not on_postgres():
        return
    ran = [item for item in items if "db_url" in getattr(getattr(item, "callspec", None), "params", {})]
    if ran:
        config.hook.pytest_deselected(items=ran)
        left = set(items) - set(ran)
        items[:] = [item for item in items if item in left]


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


def read_model_url(db_path: Path) -> str:
    """The read model of a harness: the SQLite file ``db_path``, or in the PostgreSQL pass a database named after it.

    The same path gives the same database (a worker restarted on the same read model finds its rows); the databases
    are dropped at the end of the session (``drop_read_models``).
    """
    if not on_postgres():
        return f"sqlite:///{db_path}"
    server_url = os.environ.get(POSTGRES_URL_ENV)
    if not server_url:
        raise RuntimeError(f"{READ_MODEL_ENV}=postgresql needs {POSTGRES_URL_ENV}")
    name = f"yorisoi_rm_{hashlib.sha256(str(db_path).encode()).hexdigest()[:20]}"
    if name not in _READ_MODELS:
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        finally:
            admin.dispose()
        _READ_MODELS.add(name)
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_read_models() -> None:
    server_url = os.environ.get(POSTGRES_URL_ENV)
    if not server_url or not _READ_MODELS:
        return
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for name in sorted(_READ_MODELS):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
    _READ_MODELS.clear()


@pytest.fixture(scope="session", autouse=True)
def _read_models_dropped() -> Iterator[None]:
    yield
    drop_read_models()


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
