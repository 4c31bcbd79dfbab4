"""Monthly reports (支援状況調査): 目安値, submitted reports, and each case event's coded ``facts`` (121eae9).

Existing ``case_events`` rows get ``facts_of(command, payload)`` (``statemachines.policy.statistics``), as the
projection now records it, in batches, before the column becomes NOT NULL. An event whose payload crypto-shredding has
already erased gets no facts (``{}``): what the payload said is gone.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from statemachines.policy.statistics import facts_of

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL_BATCH = 1_000


def upgrade() -> None:
    op.create_table(
        "report_targets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("municipality", sa.String(length=64), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_targets")),
        sa.UniqueConstraint(
            "municipality",
            "fiscal_year",
            "indicator",
            name=op.f("uq_report_targets_municipality_fiscal_year_indicator"),
        ),
    )
    op.create_table(
        "submitted_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("municipality", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submitted_reports")),
        sa.UniqueConstraint(
            "municipality", "month", "version", name=op.f("uq_submitted_reports_municipality_month_version")
        ),
    )
    with op.batch_alter_table("case_events") as batch:
        batch.add_column(sa.Column("facts", sa.JSON(), nullable=True))
    _backfill_facts()
    with op.batch_alter_table("case_events") as batch:
        batch.alter_column("facts", existing_type=sa.JSON(), nullable=False)


def _backfill_facts() -> None:
    """Each event's ``facts`` from its command and payload, by ascending id, ``BACKFILL_BATCH`` rows at a time."""
    events = sa.table(
        "case_events",
        sa.column("id", sa.BigInteger()),
        sa.column("command", sa.String()),
        sa.column("payload", sa.JSON()),
        sa.column("facts", sa.JSON()),
    )
    fill = sa.update(events).where(events.c.id == sa.bindparam("row_id")).values(facts=sa.bindparam("row_facts"))
    bind = op.get_bind()
    last_id = None
    while True:
        page = sa.select(events.c.id, events.c.command, events.c.payload).order_by(events.c.id).limit(BACKFILL_BATCH)
        if last_id is not None:
            page = page.where(events.c.id > last_id)
        rows = bind.execute(page).all()
        if not rows:
            return
        bind.execute(
            fill,
            [{"row_id": row_id, "row_facts": facts_of(command, payload or {})} for row_id, command, payload in rows],
        )
        last_id = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("case_events") as batch:
        batch.drop_column("facts")
    op.drop_table("submitted_reports")
    op.drop_table("report_targets")
