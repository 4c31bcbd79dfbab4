"""Baseline: the read model as ``metadata.create_all`` made it at commit dc53d2f, before sessions.

The cases and their hash-chained events, tasks, rejections, archived histories, organisations and users, rule sets,
notifications, offices and appointments, the 関係機関 directory, programs and their events, the people keys of the
re-payment lock, the access log and the login throttle.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "cases",
    "case_events",
    "tasks",
    "case_rejections",
    "case_histories",
    "organisations",
    "users",
    "notifications",
    "login_failures",
    "access_log",
    "institutions",
    "offices",
    "appointments",
    "program_enrolments",
    "program_events",
    "enrolment_persons",
    "rulesets",
)
"""In the order they are created: a table's foreign keys point at tables before it."""


def upgrade() -> None:
    _create_case_tables()
    _create_people_tables()
    _create_directory_tables()
    _create_program_tables()


def _create_case_tables() -> None:
    """The case: its row, its hash-chained events, its tasks, refused commands, archived histories."""
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("municipality", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("emergency_active", sa.Boolean(), nullable=False),
        sa.Column("assignee", sa.String(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state_entered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_due_kind", sa.String(), nullable=True),
        sa.Column("ruleset_id", sa.String(), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_cases")),
    )
    op.create_index("ix_cases_assignee", "cases", ["assignee"], unique=False)
    op.create_index("ix_cases_municipality_stage_state", "cases", ["municipality", "stage", "state"], unique=False)
    op.create_index("ix_cases_next_due_at", "cases", ["next_due_at"], unique=False)
    op.create_index("ix_cases_state_entered_at", "cases", ["state_entered_at"], unique=False)
    op.create_table(
        "case_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(), nullable=False),
        sa.Column("actor_roles", sa.JSON(), nullable=False),
        sa.Column("command", sa.String(), nullable=False),
        sa.Column("command_id", sa.String(), nullable=False),
        sa.Column("transition_id", sa.String(), nullable=False),
        sa.Column("from_state", sa.String(), nullable=True),
        sa.Column("to_state", sa.String(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name=op.f("fk_case_events_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
        sa.UniqueConstraint("case_id", "seq", name=op.f("uq_case_events_case_id_seq")),
    )
    op.create_index(op.f("ix_case_events_case_id"), "case_events", ["case_id"], unique=False)
    op.create_index("ix_case_events_case_id_command_id", "case_events", ["case_id", "command_id"], unique=False)
    op.create_table(
        "tasks",
        sa.Column("task_id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("title_ja", sa.String(), nullable=False),
        sa.Column("title_en", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("assignee", sa.String(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("command", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_seq", sa.Integer(), nullable=False),
        sa.Column("closed_seq", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('open', 'done', 'cancelled')", name=op.f("ck_tasks_status")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name=op.f("fk_tasks_case_id_cases")),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_tasks")),
    )
    op.create_index(op.f("ix_tasks_case_id"), "tasks", ["case_id"], unique=False)
    op.create_index("ix_tasks_case_id_status", "tasks", ["case_id", "status"], unique=False)
    op.create_index("ix_tasks_status_assignee_due_at", "tasks", ["status", "assignee", "due_at"], unique=False)
    op.create_index("ix_tasks_status_role_due_at", "tasks", ["status", "role", "due_at"], unique=False)
    op.create_table(
        "case_rejections",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(), nullable=False),
        sa.Column("actor_roles", sa.JSON(), nullable=False),
        sa.Column("command", sa.String(), nullable=False),
        sa.Column("command_id", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_rejections")),
    )
    op.create_index(op.f("ix_case_rejections_case_id"), "case_rejections", ["case_id"], unique=False)
    op.create_table(
        "case_histories",
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("run_index", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("history", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "run_index", name=op.f("pk_case_histories")),
    )


def _create_people_tables() -> None:
    """Organisations and their users, their notifications, the login throttle and the access log."""
    op.create_table(
        "organisations",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name_ja", sa.String(), nullable=False),
        sa.Column("serves", sa.JSON(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('municipality', 'contractor')", name=op.f("ck_organisations_kind")),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_organisations")),
    )
    op.create_table(
        "users",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.org_id"], name=op.f("fk_users_org_id_organisations")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_users")),
    )
    op.create_index(op.f("ix_users_org_id"), "users", ["org_id"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("notification_id", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title_ja", sa.Text(), nullable=False),
        sa.Column("body_ja", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_to", sa.String(length=254), nullable=True),
        sa.Column("email_status", sa.String(length=16), nullable=False),
        sa.Column("email_claim_token", sa.String(length=32), nullable=True),
        sa.Column("email_claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "email_status IN ('none', 'pending', 'sending', 'sent', 'failed')",
            name=op.f("ck_notifications_email_status"),
        ),
        sa.CheckConstraint(
            "kind IN ('task_assigned', 'reminder', 'deadline', 'other')", name=op.f("ck_notifications_kind")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], name=op.f("fk_notifications_user_id_users")),
        sa.PrimaryKeyConstraint("notification_id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_notifications_idempotency_key")),
    )
    op.create_index("ix_notifications_user_id_created_at", "notifications", ["user_id", "created_at"], unique=False)
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_failures")),
    )
    op.create_table(
        "access_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
    )
    op.create_index("ix_access_log_case_id_at", "access_log", ["case_id", "at"], unique=False)
    op.create_index("ix_access_log_user_id_at", "access_log", ["user_id", "at"], unique=False)


def _create_directory_tables() -> None:
    """The 関係機関 directory, offices and appointments."""
    op.create_table(
        "institutions",
        sa.Column("institution_id", sa.String(length=64), nullable=False),
        sa.Column("name_ja", sa.String(length=200), nullable=False),
        sa.Column("name_kana", sa.String(length=200), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("municipality", sa.String(length=64), nullable=False),
        sa.Column("area_code", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("accepts_referrals", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("institution_id", name=op.f("pk_institutions")),
    )
    op.create_index("ix_institutions_area_code", "institutions", ["area_code"], unique=False)
    op.create_index("ix_institutions_municipality_category", "institutions", ["municipality", "category"], unique=False)
    op.create_table(
        "offices",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("municipality", sa.String(length=64), nullable=False),
        sa.Column("name_ja", sa.String(), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("travel_buffer_minutes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("office_id", name=op.f("pk_offices")),
    )
    op.create_index("ix_offices_municipality", "offices", ["municipality"], unique=False)
    op.create_table(
        "appointments",
        sa.Column("appointment_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("staff_user_id", sa.String(length=64), nullable=False),
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("enrolment_id", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('joint_interview', 'accompaniment', 'consultation', 'other')", name=op.f("ck_appointments_kind")
        ),
        sa.CheckConstraint(
            "status IN ('booked', 'attended', 'no_show', 'cancelled')", name=op.f("ck_appointments_status")
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_appointments_ends_after_start")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name=op.f("fk_appointments_case_id_cases")),
        sa.ForeignKeyConstraint(["office_id"], ["offices.office_id"], name=op.f("fk_appointments_office_id_offices")),
        sa.PrimaryKeyConstraint("appointment_id", name=op.f("pk_appointments")),
    )
    op.create_index("ix_appointments_case_id", "appointments", ["case_id"], unique=False)
    op.create_index(
        "ix_appointments_staff_user_id_starts_at", "appointments", ["staff_user_id", "starts_at"], unique=False
    )


def _create_program_tables() -> None:
    """Programs (child workflows), their events, the person keys of the re-payment lock; rule sets."""
    op.create_table(
        "program_enrolments",
        sa.Column("enrolment_id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("municipality", sa.String(), nullable=False),
        sa.Column("program", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_due_kind", sa.String(), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("enrolment_id", name=op.f("pk_program_enrolments")),
    )
    op.create_index(op.f("ix_program_enrolments_case_id"), "program_enrolments", ["case_id"], unique=False)
    op.create_index("ix_program_enrolments_program_state", "program_enrolments", ["program", "state"], unique=False)
    op.create_table(
        "program_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("enrolment_id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(), nullable=False),
        sa.Column("actor_roles", sa.JSON(), nullable=False),
        sa.Column("command", sa.String(), nullable=False),
        sa.Column("command_id", sa.String(), nullable=False),
        sa.Column("transition_id", sa.String(), nullable=False),
        sa.Column("from_state", sa.String(), nullable=True),
        sa.Column("to_state", sa.String(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_events")),
        sa.UniqueConstraint("enrolment_id", "seq", name=op.f("uq_program_events_enrolment_id_seq")),
    )
    op.create_index(op.f("ix_program_events_case_id"), "program_events", ["case_id"], unique=False)
    op.create_index(op.f("ix_program_events_enrolment_id"), "program_events", ["enrolment_id"], unique=False)
    op.create_table(
        "enrolment_persons",
        sa.Column("enrolment_id", sa.String(length=200), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("enrolment_id", name=op.f("pk_enrolment_persons")),
    )
    op.create_index(op.f("ix_enrolment_persons_person_key"), "enrolment_persons", ["person_key"], unique=False)
    op.create_table(
        "rulesets",
        sa.Column("ruleset_id", sa.String(length=64), nullable=False),
        sa.Column("municipality", sa.String(length=64), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("ruleset_id", name=op.f("pk_rulesets")),
        sa.UniqueConstraint("municipality", "effective_from", name=op.f("uq_rulesets_municipality_effective_from")),
    )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
