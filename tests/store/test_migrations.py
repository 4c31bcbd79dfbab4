"""The Alembic migrations (store/migrations/), on SQLite and PostgreSQL: the head revision equals the models, and a
database upgrades from empty, from every earlier revision with rows in it, and down and up again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from statemachines.kernel.events import CaseEvent, payload_digest
from statemachines.policy.statistics import facts_of
from store.db import make_engine
from store.migrate import alembic_config, current, downgrade, revisions, schema_differences, upgrade
from store.models import CaseEventRecord
from store.programs import ProgramEventRecord
from tests.store.migration_samples import RICH_PAYLOADS, SAMPLES
from tests.store.revision_rows import (
    as_stored,
    assert_at_head_as_the_models,
    assert_chains_verify,
    insert_samples,
    our_tables,
    reflect,
    stored,
)

REVISIONS = revisions()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on an empty database (no schema: each test migrates it)."""
    eng = make_engine(db_url)
    try:
        yield eng
    finally:
        eng.dispose()


# --- the models and the revisions ---------------------------------------------------------------------------------


def test_the_models_and_the_head_revision_agree(engine: Engine) -> None:
    upgrade(engine)
    with engine.connect() as connection:
        differences = schema_differences(connection)
    assert differences == [], (
        "the models differ from the newest migration: add a revision "
        '(python -m store.migrate revision "what changed", then review it and its data migration)'
    )


def test_the_revisions_are_one_line_from_the_baseline() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    assert scripts.get_heads() == [REVISIONS[-1]]
    assert [scripts.get_revision(r).down_revision for r in REVISIONS] == [None, *REVISIONS[:-1]]


def test_every_table_has_sample_rows(engine: Engine) -> None:
    upgrade(engine)
    with engine.connect() as connection:
        tables = set(reflect(connection)) - {"alembic_version"}
    assert tables - set(SAMPLES) == {"case_events", "program_events"}, "add rows of the new tables to SAMPLES"


def test_an_empty_database_upgrades_to_head(engine: Engine) -> None:
    upgrade(engine)
    assert_at_head_as_the_models(engine)


# --- from every revision, with rows --------------------------------------------------------------------------------


@pytest.mark.parametrize("revision", REVISIONS)
def test_upgrading_from_a_revision_keeps_its_rows_and_their_chains_verify(engine: Engine, revision: str) -> None:
    upgrade(engine, revision)
    assert current(engine) == revision
    inserted = insert_samples(engine)

    upgrade(engine)

    assert_at_head_as_the_models(engine)
    for name, rows in inserted.items():
        columns = sorted(rows[0])
        assert stored(engine, name, columns) == as_stored(rows, columns), name
    assert assert_chains_verify(engine, CaseEventRecord) == len(inserted["case_events"])
    assert assert_chains_verify(engine, ProgramEventRecord) == len(inserted["program_events"])
    with Session(engine) as session:
        facts = {(r.case_id, r.seq): r.facts for r in session.scalars(select(CaseEventRecord))}
    assert facts == {(e["case_id"], e["seq"]): facts_of(e["command"], e["payload"]) for e in inserted["case_events"]}
    assert facts["case-1", 2] == {"employment_support_target": True}


def test_the_backfilled_digests_are_the_payloads_and_the_old_hashes_still_verify(engine: Engine) -> None:
    upgrade(engine, "0002")
    inserted = insert_samples(engine)["case_events"]
    upgrade(engine)
    with Session(engine) as session:
        records = session.scalars(select(CaseEventRecord).where(CaseEventRecord.case_id == "case-1")).all()
        by_seq = {r.seq: r for r in records}
    for row in inserted[: len(RICH_PAYLOADS)]:
        record = by_seq[row["seq"]]
        assert record.payload_sha256 == payload_digest(row["payload"])
        assert record.payload_erased is False
        assert record.hash == row["hash"]  # the old hash is kept: the chain is not rewritten
        event = CaseEvent.model_validate(record, from_attributes=True)
        assert event.hash_is_valid()
        assert not event.model_copy(update={"payload": {**event.payload, "x": 1}}).hash_is_valid()


def test_downgrading_to_base_and_upgrading_again(engine: Engine) -> None:
    upgrade(engine)
    insert_samples(engine)
    downgrade(engine, "base")
    assert current(engine) is None
    assert our_tables(engine) == set()

    upgrade(engine)

    assert_at_head_as_the_models(engine)


@pytest.mark.parametrize("revision", REVISIONS)
def test_each_revision_downgrades_to_the_one_before(engine: Engine, revision: str) -> None:
    upgrade(engine, revision)
    insert_samples(engine)
    downgrade(engine, "-1")
    assert current(engine) == (REVISIONS[REVISIONS.index(revision) - 1] if revision != REVISIONS[0] else None)
    upgrade(engine)
    assert_at_head_as_the_models(engine)


# --- 0015: tasks carry their case's municipality ---------------------------------------------------------------


def test_the_tasks_already_there_take_their_cases_municipality(engine: Engine) -> None:
    upgrade(engine, "0014")
    insert_samples(engine)
    with engine.begin() as connection:
        tables = reflect(connection)
        connection.execute(
            tables["cases"].update().where(tables["cases"].c.case_id == "case-2"), {"municipality": "271004"}
        )
        task = {**SAMPLES["tasks"][0], "task_id": "task-2", "case_id": "case-2"}
        del task["municipality"]
        connection.execute(tables["tasks"].insert(), [task])

    upgrade(engine)

    assert_at_head_as_the_models(engine)
    assert sorted(stored(engine, "tasks", ["task_id", "municipality"])) == [
        '["task-1", "131016"]',
        '["task-2", "271004"]',
    ]
    with engine.connect() as connection:
        tasks = reflect(connection)["tasks"]
    assert not tasks.c.municipality.nullable
    assert {c.name for c in tasks.constraints if c.name} >= {"ck_tasks_status", "fk_tasks_case_id_cases"}, (
        "the batch copy of tasks (SQLite) keeps its constraints"
    )


# --- 0016: the pipeline's counts per day ---------------------------------------------------------------------------


def test_the_cases_already_there_are_counted_by_the_utc_days_and_months_they_entered_their_state_and_fall_due(
    engine: Engine,
) -> None:
    upgrade(engine, "0015")
    insert_samples(engine)  # case-1 and case-2: 131016, 受付, entered at AT, due 14 days later
    late_evening = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)  # 1 April in Japan: counted on 31 March (UTC)
    more: list[dict[str, Any]] = [
        {"case_id": "case-3", "state_entered_at": late_evening, "updated_at": late_evening + timedelta(days=3)},
        # before there was a time of entering: counted by its last update, as the pipeline ages it; not due
        {
            "case_id": "case-4",
            "state_entered_at": None,
            "updated_at": late_evening + timedelta(days=3),
            "next_due_at": None,
        },
        {"case_id": "case-5", "municipality": "271004", "state": "アセスメント", "next_due_at": late_evening},
    ]
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET TIME ZONE 'Asia/Tokyo'")  # the day is UTC's whatever the session's zone
        cases = reflect(connection)["cases"]
        connection.execute(cases.insert(), [{**SAMPLES["cases"][0], **row} for row in more])

    upgrade(engine)

    assert_at_head_as_the_models(engine)
    columns = ["municipality", "measure", "day", "state", "cases"]
    assert stored(engine, "case_day_counts", columns) == [
        '["131016", "due", "datetime.date(2026, 4, 15)", "受付", 3]',
        '["131016", "due_month", "datetime.date(2026, 4, 1)", "受付", 3]',
        '["131016", "entered", "datetime.date(2026, 3, 31)", "受付", 1]',
        '["131016", "entered", "datetime.date(2026, 4, 1)", "受付", 2]',
        '["131016", "entered", "datetime.date(2026, 4, 3)", "受付", 1]',
        '["131016", "entered_month", "datetime.date(2026, 3, 1)", "受付", 1]',
        '["131016", "entered_month", "datetime.date(2026, 4, 1)", "受付", 3]',
        '["271004", "due", "datetime.date(2026, 3, 31)", "アセスメント", 1]',
        '["271004", "due_month", "datetime.date(2026, 3, 1)", "アセスメント", 1]',
        '["271004", "entered", "datetime.date(2026, 4, 1)", "アセスメント", 1]',
        '["271004", "entered_month", "datetime.date(2026, 4, 1)", "アセスメント", 1]',
    ]


def test_an_upgrade_leaves_the_planner_statistics_fresh(engine: Engine) -> None:
    upgrade(engine, "0014")
    insert_samples(engine)

    upgrade(engine)

    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            analysed = {r[0] for r in connection.exec_driver_sql("SELECT DISTINCT tbl FROM sqlite_stat1")}
        else:
            analysed = {
                r[0]
                for r in connection.exec_driver_sql(
                    "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
                )
            }
    assert {"tasks", "cases", "case_events"} <= analysed
