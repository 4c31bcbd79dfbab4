"""The 支援調整会議 as sittings (store/meetings.py): ``meetings`` and their agenda, ``meeting_agenda``.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("meeting_id", sa.String(length=32), nullable=False),
        sa.Column("municipality", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_meetings")),
    )
    op.create_index(op.f("ix_meetings_municipality"), "meetings", ["municipality"], unique=False)
    op.create_index(op.f("ix_meetings_held_on"), "meetings", ["held_on"], unique=False)
    op.create_table(
        "meeting_agenda",
        sa.Column("meeting_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("minutes", sa.Text(), nullable=True),
        sa.Column("command_ids", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name=op.f("fk_meeting_agenda_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.meeting_id"], name=op.f("fk_meeting_agenda_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("meeting_id", "case_id", name=op.f("pk_meeting_agenda")),
    )
    op.create_index(op.f("ix_meeting_agenda_case_id"), "meeting_agenda", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_meeting_agenda_case_id"), table_name="meeting_agenda")
    op.drop_table("meeting_agenda")
    op.drop_index(op.f("ix_meetings_held_on"), table_name="meetings")
    op.drop_index(op.f("ix_meetings_municipality"), table_name="meetings")
    op.drop_table("meetings")
