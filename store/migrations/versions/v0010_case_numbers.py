"""受付番号 (store/case_numbers.py): the counters, the allocated numbers, each case's number and person, and the
prefix an organisation may set. Cases opened before numbering are numbered here, per municipality and 年度 in the
order they were opened, so every list can show a number (their first event, recorded before, does not hold it).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JST = timezone(timedelta(hours=9))


def upgrade() -> None:
    op.create_table(
        "case_number_counters",
        sa.Column("municipality", sa.String(length=64), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("municipality", "fiscal_year", name=op.f("pk_case_number_counters")),
    )
    op.create_table(
        "case_numbers",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("municipality", sa.String(length=64), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_numbers")),
        sa.UniqueConstraint(
            "municipality", "fiscal_year", "seq", name=op.f("uq_case_numbers_municipality_fiscal_year_seq")
        ),
        sa.UniqueConstraint("number", name=op.f("uq_case_numbers_number")),
    )
    # Plain ADD COLUMN and indexes: SQLite would otherwise copy ``cases``, which other tables' keys reference.
    op.add_column("cases", sa.Column("case_number", sa.String(length=64), nullable=True))
    op.add_column("cases", sa.Column("person_id", sa.String(length=32), nullable=True))
    op.create_index(op.f("ix_cases_case_number"), "cases", ["case_number"], unique=True)
    op.create_index(op.f("ix_cases_person_id"), "cases", ["person_id"], unique=False)
    op.add_column("organisations", sa.Column("case_number_prefix", sa.String(length=16), nullable=True))
    _number_existing_cases()


def _number_existing_cases() -> None:
    from statemachines.case.numbers import case_number, default_prefix, fiscal_year

    bind = op.get_bind()
    names: dict[str, str] = dict(bind.execute(sa.text("SELECT org_id, name_ja FROM organisations")).all())
    rows = bind.execute(sa.text("SELECT case_id, municipality, opened_at FROM cases ORDER BY opened_at, case_id")).all()
    counters: dict[tuple[str, int], int] = {}
    numbers = sa.table(
        "case_numbers",
        sa.column("case_id", sa.String()),
        sa.column("number", sa.String()),
        sa.column("municipality", sa.String()),
        sa.column("fiscal_year", sa.Integer()),
        sa.column("seq", sa.Integer()),
        sa.column("allocated_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":  # the wall time in UTC, as store.models.UTCDateTime keeps it there
        now = now.replace(tzinfo=None)
    for case_id, municipality, opened_at in rows:
        opened = opened_at if isinstance(opened_at, datetime) else datetime.fromisoformat(str(opened_at))
        if opened.tzinfo is None:
            opened = opened.replace(tzinfo=UTC)
        year = fiscal_year(opened.astimezone(_JST).date())
        seq = counters[(municipality, year)] = counters.get((municipality, year), 0) + 1
        number = case_number(default_prefix(names.get(municipality), municipality), year, seq)
        bind.execute(
            numbers.insert().values(
                case_id=case_id, number=number, municipality=municipality, fiscal_year=year, seq=seq, allocated_at=now
            )
        )
        bind.execute(sa.text("UPDATE cases SET case_number = :n WHERE case_id = :c"), {"n": number, "c": case_id})
    for (municipality, year), last in counters.items():
        bind.execute(
            sa.text("INSERT INTO case_number_counters (municipality, fiscal_year, last) VALUES (:m, :y, :l)"),
            {"m": municipality, "y": year, "l": last},
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_cases_person_id"), table_name="cases")
    op.drop_index(op.f("ix_cases_case_number"), table_name="cases")
    op.drop_column("organisations", "case_number_prefix")  # SQLite 3.35+ drops a column without a copy
    op.drop_column("cases", "person_id")
    op.drop_column("cases", "case_number")
    op.drop_table("case_numbers")
    op.drop_table("case_number_counters")
