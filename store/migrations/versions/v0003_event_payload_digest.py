"""Event hashes cover the payload's digest: ``payload_sha256`` and ``payload_erased`` on both event tables (25c5618).

Existing rows get the digest of their payload (:func:`statemachines.events.payload_digest`, the sha256 of its
canonical JSON), computed here in batches, before the column becomes NOT NULL: their hashes were made the old way,
over the payload itself, and ``CaseEvent.hash_is_valid`` still accepts that while the payload matches its digest.
``payload_erased`` starts false everywhere; its server default only fills the existing rows and is dropped after, as
the models have none.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from statemachines.kernel.events import payload_digest

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENT_TABLES = ("case_events", "program_events")
BACKFILL_BATCH = 1_000


def upgrade() -> None:
    for table in EVENT_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("payload_sha256", sa.String(length=64), nullable=True))
            batch.add_column(sa.Column("payload_erased", sa.Boolean(), nullable=False, server_default=sa.false()))
        _backfill_digests(table)
        with op.batch_alter_table(table) as batch:
            batch.alter_column("payload_sha256", existing_type=sa.String(length=64), nullable=False)
            batch.alter_column(
                "payload_erased", existing_type=sa.Boolean(), existing_nullable=False, server_default=None
            )


def _backfill_digests(table_name: str) -> None:
    """Each row's ``payload_sha256`` from its payload, by ascending id, ``BACKFILL_BATCH`` rows at a time."""
    table = sa.table(
        table_name,
        sa.column("id", sa.BigInteger()),
        sa.column("payload", sa.JSON()),
        sa.column("payload_sha256", sa.String(length=64)),
    )
    fill = sa.update(table).where(table.c.id == sa.bindparam("row_id")).values(payload_sha256=sa.bindparam("digest"))
    bind = op.get_bind()
    last_id = None
    while True:
        page = sa.select(table.c.id, table.c.payload).order_by(table.c.id).limit(BACKFILL_BATCH)
        if last_id is not None:
            page = page.where(table.c.id > last_id)
        rows = bind.execute(page).all()
        if not rows:
            return
        bind.execute(fill, [{"row_id": row_id, "digest": payload_digest(payload or {})} for row_id, payload in rows])
        last_id = rows[-1][0]


def downgrade() -> None:
    for table in EVENT_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("payload_erased")
            batch.drop_column("payload_sha256")
