"""The read model for the country: ``tasks.municipality`` (the case's, written by the projection from now on) so the
inbox finds one municipality's open tasks from an index, the inbox index, the pipeline's covering index on ``cases``
and the case list's index by municipality and opening.

The tasks already there take their case's municipality (a case never changes municipality), one statement; the
column is then made NOT NULL (on SQLite by a batch copy of ``tasks``, which no table refers to). ``store.migrate``
refreshes the planner's statistics after the upgrade (``ANALYZE`` / ``PRAGMA optimize``): the new indexes are only
chosen once the planner knows them.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TASK_INDEX = ("ix_tasks_status_municipality_role_due_at", ["status", "municipality", "role", "due_at", "assignee"])
CASE_INDEXES = (
    (
        "ix_cases_municipality_assignee_pipeline",
        ["municipality", "assignee", "state", "state_entered_at", "updated_at", "next_due_at"],
    ),
    ("ix_cases_municipality_opened_at", ["municipality", "opened_at"]),
)


def upgrade() -> None:
    op.add_column("tasks", sa.Column("municipality", sa.String(), nullable=True))
    _backfill_municipality()
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column("municipality", existing_type=sa.String(), nullable=False)
    op.create_index(TASK_INDEX[0], "tasks", TASK_INDEX[1], unique=False)
    for name, columns in CASE_INDEXES:
        op.create_index(name, "cases", columns, unique=False)


def _backfill_municipality() -> None:
    cases = sa.table("cases", sa.column("case_id", sa.String()), sa.column("municipality", sa.String()))
    tasks = sa.table("tasks", sa.column("case_id", sa.String()), sa.column("municipality", sa.String()))
    of_case = sa.select(cases.c.municipality).where(cases.c.case_id == tasks.c.case_id).scalar_subquery()
    op.get_bind().execute(sa.update(tasks).values(municipality=of_case))


def downgrade() -> None:
    for name, _ in CASE_INDEXES:
        op.drop_index(name, table_name="cases")
    op.drop_index(TASK_INDEX[0], table_name="tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("municipality")
