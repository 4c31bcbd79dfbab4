"""The pipeline's counts per day (``case_state_days``, see ``store.state_days``) and the two indexes of ``cases`` it
reads beside them: the cases by municipality and time of entering their state, and by municipality and due time.

The table is filled from the cases already there in one statement; the projection keeps it from then on.

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


def upgrade() -> None:
    op.create_table(
        "case_state_days",
        sa.Column("municipality", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("entered_on", sa.Date(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("municipality", "state", "entered_on", name=op.f("pk_case_state_days")),
    )
    op.create_index(
        "ix_cases_municipality_state_entered_at", "cases", ["municipality", "state_entered_at", "updated_at", "state"]
    )
    op.create_index("ix_cases_municipality_next_due_at", "cases", ["municipality", "next_due_at", "state"])
    bind = op.get_bind()
    # The UTC day: PostgreSQL keeps a time zone; SQLite keeps the UTC wall time as text.
    day = f"date(timezone('UTC', {ENTERED}))" if bind.dialect.name == "postgresql" else f"date({ENTERED})"
    bind.exec_driver_sql(
        "INSERT INTO case_state_days (municipality, state, entered_on, cases) "
        f"SELECT municipality, state, {day}, count(*) FROM cases GROUP BY municipality, state, {day}"
    )


def downgrade() -> None:
    op.drop_index("ix_cases_municipality_next_due_at", table_name="cases")
    op.drop_index("ix_cases_municipality_state_entered_at", table_name="cases")
    op.drop_table("case_state_days")
