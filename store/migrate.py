"""Alembic migrations of the read model (``store/migrations/``): bring a database to a revision, one process at a time.

``store.db.create_schema`` calls :func:`upgrade` at every start of the API and the worker, so it is idempotent and safe
when several processes start on the same database at once: the whole upgrade runs in one transaction that first takes
the migration lock (PostgreSQL: a transaction-level advisory lock; SQLite: the write lock that ``BEGIN IMMEDIATE``
takes, see ``store.db.make_engine``); whoever comes second finds the database at head and does nothing. An upgrade
that ran a migration ends by refreshing the planner's statistics (``store.db.refresh_statistics``).

A database made by ``metadata.create_all`` before there were migrations has tables but no ``alembic_version``: it is
stamped at the revision whose schema it has (:data:`LEGACY_SCHEMAS`), then upgraded from there.

From the command line (the URL: ``--url``, else ``YORISOI_DATABASE_URL``, else SQLite in ``YORISOI_DATA_DIR``, as
``Settings.effective_database_url``)::

    python -m store.migrate upgrade [REV]      # default: head
    python -m store.migrate downgrade REV      # e.g. base
    python -m store.migrate current
    python -m store.migrate history
    python -m store.migrate revision "what changed"   # autogenerate the next revision from the models; review it
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, inspect, text
from sqlalchemy.exc import OperationalError

from store.db import make_engine, refresh_statistics
from store.models import Base, UTCDateTime

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD = "head"
ADVISORY_LOCK_KEY = 0x796F7269736F69  # "yorisoi": the one lock every migration of a PostgreSQL database takes
SQLITE_LOCK_WAIT_SECONDS = 600.0
"""How long a process waits for another one's upgrade of the same SQLite file (each try waits the busy timeout)."""

LEGACY_SCHEMAS: tuple[tuple[str, str], ...] = (
    ("0001", "cases"),
    ("0002", "sessions"),
    ("0003", "case_events.payload_sha256"),
    ("0004", "data_keys"),
    ("0005", "report_targets"),
    ("0006", "privacy_policies"),
)
"""What each revision up to the migrations added, by a table (or ``table.column``) of it: a database ``create_all``
made (no ``alembic_version``) is stamped at the last revision of the unbroken run it has. Only databases made before
the migrations need this; every later one is stamped, so later revisions need no entry."""

_IN_PROCESS = threading.Lock()
"""Alembic's ``op`` and ``context`` are process-wide proxies: one migration at a time in a process, whatever the DB."""


def metadata() -> MetaData:
    """Every table of the models (``store.schema`` registers each table module)."""
    import store.schema  # noqa: F401 - registers every table module on Base.metadata

    return Base.metadata


def migration_options() -> dict[str, Any]:
    """What ``env.py`` configures Alembic with: the models, batch mode (SQLite ALTERs), types and defaults compared."""
    return {
        "target_metadata": metadata(),
        "render_as_batch": True,
        "compare_type": True,
        "compare_server_default": True,
        "render_item": _render_item,
    }


def _render_item(type_: str, obj: Any, _context: AutogenContext) -> str | bool:
    # A revision must not import the models (they change after it): UTCDateTime is DateTime(timezone=True) in the DB.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def alembic_config(connection: Connection | None = None) -> Config:
    """The Alembic configuration, made in code: the scripts in this package, ``connection`` for ``env.py``."""
    config = Config(stdout=sys.stdout)  # the stdout of now (the default is the one at import)
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = HEAD, *, fresh_from_models: bool = False) -> None:
    """Bring the database to ``revision`` under the migration lock; a database made by ``create_all`` is stamped first.

    ``fresh_from_models``: a database without any of our tables is made by ``metadata.create_all`` and stamped at
    head instead of running every migration (``create_schema`` does this; the test that the models and the head
    revision agree keeps the two ways equal).
    """
    with _migration_lock(engine) as connection:
        config = alembic_config(connection)
        if MigrationContext.configure(connection).get_current_revision() is None:
            tables = set(inspect(connection).get_table_names()) & set(metadata().tables)
            if not tables and fresh_from_models and revision == HEAD:
                metadata().create_all(connection)
                command.stamp(config, HEAD)
                return
            if tables:
                command.stamp(config, legacy_revision(connection))
        before = MigrationContext.configure(connection).get_current_revision()
        command.upgrade(config, revision)
        if MigrationContext.configure(connection).get_current_revision() != before:
            refresh_statistics(connection)


def downgrade(engine: Engine, revision: str) -> None:
    with _migration_lock(engine) as connection:
        command.downgrade(alembic_config(connection), revision)


def current(engine: Engine) -> str | None:
    """The revision the database is at; None before the first."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head() -> str:
    """The newest revision."""
    newest = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if newest is None:
        raise RuntimeError(f"no revisions in {MIGRATIONS}")
    return newest


def revisions() -> list[str]:
    """Every revision, oldest first."""
    scripts = ScriptDirectory.from_config(alembic_config()).walk_revisions()
    return [script.revision for script in reversed(list(scripts))]


def legacy_revision(connection: Connection) -> str:
    """The revision a database without ``alembic_version`` has the schema of (see :data:`LEGACY_SCHEMAS`).

    A database that has a later revision's table without an earlier one's matches no revision: it is refused.
    """
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())

    def has(marker: str) -> bool:
        table, _, column = marker.partition(".")
        return table in tables and (not column or column in {c["name"] for c in inspector.get_columns(table)})

    present = [has(marker) for _, marker in LEGACY_SCHEMAS]
    run = present.index(False) if False in present else len(present)
    if run == 0:
        raise RuntimeError(f"tables {sorted(tables)} without alembic_version, and not the read model's: not migrating")
    if any(present[run:]):
        later = [marker for (_, marker), there in zip(LEGACY_SCHEMAS[run:], present[run:], strict=True) if there]
        raise RuntimeError(
            f"the database has {later} but not {LEGACY_SCHEMAS[run][1]}: its schema is no revision's; "
            "migrate it by hand (python -m store.migrate) or make it again"
        )
    return LEGACY_SCHEMAS[run - 1][0]


def schema_differences(connection: Connection) -> list[Any]:
    """What Alembic's autogenerate sees between the models and the database: empty when they agree."""
    context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
    return list(compare_metadata(context, metadata()))


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection in the transaction that holds the database's migration lock; it commits when the block ends."""
    with _IN_PROCESS, _begin_waiting(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        yield connection


@contextmanager
def _begin_waiting(engine: Engine) -> Iterator[Connection]:
    """``engine.begin()``, waiting for SQLite's write lock longer than one busy timeout (another process migrating)."""
    deadline = time.monotonic() + SQLITE_LOCK_WAIT_SECONDS
    while True:
        connection: Connection | None = None
        try:
            connection = engine.connect()  # SQLite: the connect hook's PRAGMAs may wait for the lock too
            transaction = connection.begin()
        except OperationalError as exc:
            if connection is not None:
                connection.close()
            if "database is locked" not in str(exc) or time.monotonic() > deadline:
                raise
            continue
        break
    with connection, transaction:
        yield connection


def new_revision(message: str) -> Path:
    """Autogenerate the next revision (``v000N_...``) from the models against a scratch database at head."""
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'head.sqlite3'}")
        try:
            upgrade(engine)
            with _migration_lock(engine) as connection:
                config = alembic_config(connection)
                rev_id = f"{int(head()) + 1:04d}"
                script = command.revision(config, message, autogenerate=True, rev_id=rev_id)
        finally:
            engine.dispose()
    if script is None or isinstance(script, list):
        raise RuntimeError("alembic made no single revision")
    return Path(script.path)


def default_url() -> str:
    """``YORISOI_DATABASE_URL``, else ``yorisoi.db`` in ``YORISOI_DATA_DIR`` (``.data``): the settings' default.

    ``store/`` does not read the settings (only the composition roots do); a test checks the two agree.
    """
    url = os.environ.get("YORISOI_DATABASE_URL")
    if url:
        return url
    data_dir = Path(os.environ.get("YORISOI_DATA_DIR", ".data"))
    return f"sqlite:///{(data_dir / 'yorisoi.db').resolve()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m store.migrate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=None, help="SQLAlchemy URL (default: the settings' database)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("upgrade", help="to REV (default head)").add_argument("revision", nargs="?", default=HEAD)
    commands.add_parser("downgrade", help="to REV (base: no tables)").add_argument("revision")
    commands.add_parser("current", help="the database's revision")
    commands.add_parser("history", help="every revision, newest first")
    commands.add_parser("revision", help="autogenerate the next revision").add_argument("message")
    args = parser.parse_args(argv)
    if args.command == "history":
        command.history(alembic_config())
        return 0
    if args.command == "revision":
        sys.stdout.write(f"{new_revision(args.message)}\n")
        return 0
    engine = make_engine(args.url or default_url())
    try:
        if args.command == "upgrade":
            upgrade(engine, args.revision)
        elif args.command == "downgrade":
            downgrade(engine, args.revision)
        sys.stdout.write(f"{current(engine) or 'base'}\n")
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
