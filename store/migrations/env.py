"""Alembic's environment for the read model: run by ``store.migrate`` with the connection it holds the lock on.

``store.migrate`` builds the :class:`alembic.config.Config` in code and passes its open connection (inside the
transaction that holds the migration lock) as ``config.attributes["connection"]``; the migrations run inside that
transaction. There is no offline (``--sql``) mode.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from store.migrate import migration_options


def run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, **migration_options())
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("the read model's migrations run online only: python -m store.migrate upgrade")
_connection = context.config.attributes.get("connection")
if not isinstance(_connection, Connection):
    raise RuntimeError("store.migrate passes the connection: python -m store.migrate upgrade")
run_migrations(_connection)
