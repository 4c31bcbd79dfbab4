"""Dead letters (store/dead_letters.py): projections that failed every try, until an operator has them retried.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dead_letters",
        sa.Column("letter_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("error_type", sa.String(length=200), nullable=False),
        sa.Column("error", sa.String(length=400), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("letter_id", name=op.f("pk_dead_letters")),
    )
    op.create_index(op.f("ix_dead_letters_workflow_id"), "dead_letters", ["workflow_id"], unique=False)
    op.create_index(op.f("ix_dead_letters_case_id"), "dead_letters", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_dead_letters_case_id"), table_name="dead_letters")
    op.drop_index(op.f("ix_dead_letters_workflow_id"), table_name="dead_letters")
    op.drop_table("dead_letters")
