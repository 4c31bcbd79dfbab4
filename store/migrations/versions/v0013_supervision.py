"""Supervision (store/supervision.py): the case's 就労支援員, its last contact with 本人 and the 支援困難事例 flag on
``cases``, for the caseload views of the 主任相談支援員.

``last_contact_at`` of the cases already there is their latest event that counted as contact with 本人 (the contact
transitions of statemachines/case/transitions.py as they are at this revision), else their opening; the next event of
each case writes the workflow's own value. ``difficult_case`` starts false (no case could be flagged before).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTACT_TRANSITIONS = ("T1", "T2", "T5", "T7", "T8", "T10", "T12", "T20", "T25b", "T27", "T29")


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN (no batch copy): SQLite cannot drop ``cases`` while events and tasks refer to
    # it; so ``difficult_case`` keeps its server default (the models declare it too).
    op.add_column("cases", sa.Column("employment_supporter", sa.String(), nullable=True))
    op.add_column("cases", sa.Column("last_contact_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("cases", sa.Column("difficult_case", sa.Boolean(), nullable=False, server_default=sa.false()))
    _backfill_last_contact()
    op.create_index("ix_cases_employment_supporter", "cases", ["employment_supporter"], unique=False)


def _backfill_last_contact() -> None:
    cases = sa.table(
        "cases",
        sa.column("case_id", sa.String()),
        sa.column("opened_at", sa.DateTime(timezone=True)),
        sa.column("last_contact_at", sa.DateTime(timezone=True)),
    )
    events = sa.table(
        "case_events",
        sa.column("case_id", sa.String()),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("transition_id", sa.String()),
    )
    latest = (
        sa.select(sa.func.max(events.c.at))
        .where(events.c.case_id == cases.c.case_id, events.c.transition_id.in_(CONTACT_TRANSITIONS))
        .scalar_subquery()
    )
    op.get_bind().execute(sa.update(cases).values(last_contact_at=sa.func.coalesce(latest, cases.c.opened_at)))


def downgrade() -> None:
    op.drop_index("ix_cases_employment_supporter", table_name="cases")
    for column in ("difficult_case", "last_contact_at", "employment_supporter"):
        op.execute(f"ALTER TABLE cases DROP COLUMN {column}")  # SQLite 3.35+ and PostgreSQL, without a copy
