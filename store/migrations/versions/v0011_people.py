"""The 相談者 (store/people.py): one person record per person, with the keys a search compares; the access log
names the person a search showed or a reader opened.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("name_kana", sa.String(length=100), nullable=True),
        sa.Column("gender", sa.String(length=40), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("household", sa.Text(), nullable=True),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("kana_key", sa.String(length=200), nullable=False),
        sa.Column("recorded_from_case", sa.String(length=64), nullable=False),
        sa.Column("recorded_seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_people")),
    )
    op.create_index(op.f("ix_people_name_key"), "people", ["name_key"], unique=False)
    op.create_index(op.f("ix_people_kana_key"), "people", ["kana_key"], unique=False)
    op.add_column("access_log", sa.Column("person_id", sa.String(length=32), nullable=True))
    op.create_index(op.f("ix_access_log_person_id"), "access_log", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_access_log_person_id"), table_name="access_log")
    op.drop_column("access_log", "person_id")
    op.drop_index(op.f("ix_people_kana_key"), table_name="people")
    op.drop_index(op.f("ix_people_name_key"), table_name="people")
    op.drop_table("people")
