"""The pipeline's counts per day (``case_day_counts``, see ``store.day_counts``) and the two indexes of ``cases`` it
reads beside them: the cases by municipality and time of entering their state, and by municipality and due time.

The table is filled from the cases already there (one statement per measure); the projection keeps it from then on.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTERED = "coalesce(state_entered_at, updated_at)"
MEASURES = (("entered", ENTERED, False), ("entered_month", ENTERED, True), ("due", "next_due_at", False),
            ("due_month", "next_due_at", True))  # fmt: skip


def _utc_day(dialect: str, moment: str, month: bool) -> str:
    """The UTC day (or the first of its month) of a stored time: PostgreSQL keeps a time zone; SQLite keeps the UTC
    wall time as text."""
    if dialect == "postgresql":
        utc = f"timezone('UTC', {moment})"
        return f"date(date_trunc('month', {utc}))" if month else f"date({utc})"
    return f"date({moment}, 'start of month')" if month else f"date({moment})"


def upgrade() -> None:
    op.create_table(
        "case_day_counts",
        sa.Column("municipality", sa.String(), nullable=False),
        sa.Column("measure", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("municipality", "measure", "day", "state", name=op.f("pk_case_day_counts")),
    )
    op.create_index(
        "ix_case_day_counts_covering", "case_day_counts", ["municipality", "measure", "day", "state", "cases"]
    )
    op.create_index(
        "ix_cases_municipality_state_entered_at", "cases", ["municipality", "state_entered_at", "updated_at", "state"]
    )
    op.create_index("ix_cases_municipality_next_due_at", "cases", ["municipality", "next_due_at", "state"])
    bind = op.get_bind()
    for measure, moment, month in MEASURES:
        day = _utc_day(bind.dialect.name, moment, month)
        bind.exec_driver_sql(
            "INSERT INTO case_day_counts (municipality, measure, day, state, cases) "
            f"SELECT municipality, '{measure}', {day}, state, count(*) FROM cases WHERE {moment} IS NOT NULL "
            f"GROUP BY municipality, {day}, state"
        )


def downgrade() -> None:
    op.drop_index("ix_cases_municipality_next_due_at", table_name="cases")
    op.drop_index("ix_cases_municipality_state_entered_at", table_name="cases")
    op.drop_index("ix_case_day_counts_covering", table_name="case_day_counts")
    op.drop_table("case_day_counts")
