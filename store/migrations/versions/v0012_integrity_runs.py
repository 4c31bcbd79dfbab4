"""The integrity check's runs and each case's last result (store/integrity.py), for the auditor's finder.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "integrity_runs",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column("started_by", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("broken", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_integrity_runs")),
    )
    op.create_index(op.f("ix_integrity_runs_workflow_id"), "integrity_runs", ["workflow_id"], unique=False)
    op.create_index(op.f("ix_integrity_runs_started_at"), "integrity_runs", ["started_at"], unique=False)
    op.create_table(
        "case_integrity",
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("broken_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name=op.f("fk_case_integrity_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_integrity")),
    )
    op.create_index(op.f("ix_case_integrity_run_id"), "case_integrity", ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_case_integrity_run_id"), table_name="case_integrity")
    op.drop_table("case_integrity")
    op.drop_index(op.f("ix_integrity_runs_started_at"), table_name="integrity_runs")
    op.drop_index(op.f("ix_integrity_runs_workflow_id"), table_name="integrity_runs")
    op.drop_table("integrity_runs")
