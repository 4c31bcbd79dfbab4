"""The Alembic migrations (store/migrations/), on SQLite and PostgreSQL: from empty, from every earlier revision with
rows in it, down and up again, from a database ``create_all`` made, concurrently, and always equal to the models."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, Table, inspect, select, text
from sqlalchemy.orm import Session

import store.migrate
from settings import Settings
from statemachines.kernel.events import GENESIS_HASH, CaseEvent, chain_hash, first_broken_link, payload_digest
from statemachines.policy.statistics import ASSESSMENT, facts_of
from store.db import create_schema, make_engine
from store.migrate import (
    alembic_config,
    current,
    downgrade,
    head,
    legacy_revision,
    main,
    revisions,
    schema_differences,
    upgrade,
)
from store.models import CaseEventRecord
from store.programs import ProgramEventRecord

ROOT = Path(__file__).resolve().parents[2]
REVISIONS = revisions()
AT = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)
BULK_EVENTS = 1_010
"""Events of one case inserted at the earliest revisions: more than a backfill batch (1,000), so it takes two."""

SAMPLES: dict[str, list[dict[str, Any]]] = {
    "organisations": [
        {"org_id": "131016", "kind": "municipality", "name_ja": "千代田区", "serves": ["131016"], "population": 67000}
    ],
    "users": [
        {
            "user_id": "sw1",
            "display_name": "相談 一郎",
            "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
            "roles": ["SW"],
            "org_id": "131016",
            "active": True,
            "created_at": AT,
            "password_changed_at": AT,
            "email": "sw1@example.jp",
        }
    ],
    "cases": [
        {
            "case_id": case_id,
            "municipality": "131016",
            "stage": "intake",
            "state": "受付",
            "emergency_active": False,
            "assignee": "sw1",
            "opened_at": AT,
            "updated_at": AT,
            "state_entered_at": AT,
            "closed_at": None,
            "next_due_at": AT + timedelta(days=14),
            "next_due_kind": "assessment",
            "ruleset_id": "rs-1",
            "plan_version": 0,
            "last_seq": 3,
        }
        for case_id in ("case-1", "case-2")
    ],
    "tasks": [
        {
            "task_id": "task-1",
            "case_id": "case-1",
            "kind": "assessment",
            "title_ja": "アセスメント",
            "title_en": "Assessment",
            "role": "SW",
            "assignee": "sw1",
            "due_at": AT + timedelta(days=14),
            "command": "complete_assessment",
            "status": "open",
            "opened_seq": 1,
            "closed_seq": None,
            "opened_at": AT,
            "closed_at": None,
        }
    ],
    "case_rejections": [
        {
            "case_id": "case-1",
            "at": AT,
            "actor_id": "sw1",
            "actor_roles": ["SW"],
            "command": "close",
            "command_id": "cmd-refused",
            "state": "受付",
            "reasons": [{"id": "G1", "ja": "同意がありません", "en": "no consent"}],
        }
    ],
    "case_histories": [
        {"case_id": "case-1", "run_index": 0, "run_id": "run-1", "archived_at": AT, "history": '{"events": []}'}
    ],
    "notifications": [
        {
            "notification_id": "n1",
            "idempotency_key": "task-1:sw1",
            "user_id": "sw1",
            "case_id": "case-1",
            "kind": "task_assigned",
            "title_ja": "新しいタスク",
            "body_ja": "アセスメントをしてください",
            "created_at": AT,
            "read_at": None,
            "email_to": "sw1@example.jp",
            "email_status": "pending",
            "email_claim_token": None,
            "email_claimed_at": None,
            "email_sent_at": None,
            "attempts": 0,
        }
    ],
    "login_failures": [{"key": "user:sw1", "window_started_at": AT, "failures": 2, "locked_until": None}],
    "access_log": [
        {"at": AT, "user_id": "sw1", "case_id": "case-1", "fields": ["intake.name"], "purpose": "case_page"}
    ],
    "institutions": [
        {
            "institution_id": "inst-1",
            "name_ja": "千代田区社会福祉協議会",
            "name_kana": "ちよだくしゃかいふくしきょうぎかい",
            "category": "social_welfare_council",
            "municipality": "131016",
            "area_code": "13101",
            "address": "東京都千代田区九段南1-2-1",
            "phone": "03-0000-0000",
            "email": None,
            "accepts_referrals": True,
            "note": "",
        }
    ],
    "offices": [
        {
            "office_id": "office-1",
            "municipality": "131016",
            "name_ja": "相談窓口",
            "hours": {"mon": ["09:00", "17:00"]},
            "travel_buffer_minutes": 15,
        }
    ],
    "appointments": [
        {
            "appointment_id": "appt-1",
            "case_id": "case-1",
            "staff_user_id": "sw1",
            "office_id": "office-1",
            "starts_at": AT,
            "ends_at": AT + timedelta(hours=1),
            "kind": "consultation",
            "status": "booked",
            "note": None,
            "enrolment_id": None,
            "created_by": "sw1",
            "created_at": AT,
        }
    ],
    "program_enrolments": [
        {
            "enrolment_id": "case-1:housing_benefit",
            "case_id": "case-1",
            "municipality": "131016",
            "program": "housing_benefit",
            "state": "申請",
            "started_at": AT,
            "updated_at": AT,
            "next_due_at": None,
            "next_due_kind": None,
            "last_seq": 2,
            "summary": {"months": 3},
        }
    ],
    "enrolment_persons": [
        {"enrolment_id": "case-1:housing_benefit", "person_key": "a" * 64, "case_id": "case-1", "recorded_at": AT}
    ],
    "rulesets": [
        {
            "ruleset_id": "rs-1",
            "municipality": "131016",
            "effective_from": date(2026, 4, 1),
            "body": {"plan_period_months": 6},
            "created_at": AT,
            "created_by": "admin",
        }
    ],
    "sessions": [
        {
            "session_hash": "b" * 64,
            "user_id": "sw1",
            "kind": "page",
            "created_at": AT,
            "last_seen_at": AT,
            "expires_at": AT + timedelta(hours=1),
            "revoked_at": AT,
            "revoke_reason": "logout",
        }
    ],
    "data_keys": [
        {
            "key_id": "case-1",
            "wrapped": b"\x00wrapped key",
            "master_key_id": "mk-1",
            "created_at": AT,
            "erased_at": None,
            "erasure_reason": None,
        }
    ],
    "legal_holds": [
        {
            "case_id": "case-1",
            "placed_at": AT,
            "placed_by": "mun1",
            "reason": "訴訟のため保存",
            "released_at": None,
            "released_by": None,
            "release_reason": None,
        }
    ],
    "case_erasures": [
        {
            "case_id": "case-0",
            "erased_at": AT,
            "due_on": date(2031, 4, 1),
            "ended_at": AT,
            "ruleset_id": "rs-1",
            "documents": ["相談記録"],
            "events_erased": 3,
        }
    ],
    "privacy_policies": [
        {
            "municipality": "*",
            "version": "2026.1",
            "title": "個人情報取扱規程",
            "effective_from": date(2026, 4, 1),
            "summary": "相談記録の利用目的と第三者提供",
            "document_sha256": "c" * 64,
            "created_at": AT,
            "created_by": "admin",
        }
    ],
    "report_targets": [
        {
            "municipality": "131016",
            "fiscal_year": 2026,
            "indicator": "employment_income_rate",
            "value": 0.55,
            "source": "区の目標",
            "created_at": AT,
            "created_by": "admin",
        }
    ],
    "submitted_reports": [
        {
            "municipality": "131016",
            "month": "2026-04",
            "version": 1,
            "body": {"counts": {"new_consultations": 12}},
            "hash": "d" * 64,
            "submitted_at": AT,
            "submitted_by": "mun1",
            "note": None,
        }
    ],
}
"""One or more rows of every table (rows of a table an earlier revision lacks are left out), in an order that
satisfies the foreign keys. ``case_events`` and ``program_events`` are made by :func:`event_rows`."""


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on an empty database (no schema: each test migrates it)."""
    eng = make_engine(db_url)
    try:
        yield eng
    finally:
        eng.dispose()


def old_style_content(row: dict[str, Any]) -> str:
    """What an event's hash covered up to commit 25c5618: the payload itself instead of its digest."""
    body = {
        "case_id": row["case_id"],
        "seq": row["seq"],
        "at": row["at"].isoformat(),
        "actor_id": row["actor_id"],
        "actor_roles": sorted(row["actor_roles"]),
        "command": row["command"],
        "command_id": row["command_id"],
        "transition_id": row["transition_id"],
        "from_state": row["from_state"],
        "to_state": row["to_state"],
        "payload": row["payload"],
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def event_rows(case_id: str, payloads: list[dict[str, Any]], columns: set[str]) -> list[dict[str, Any]]:
    """A hash chain over ``payloads`` as the code of a revision whose event table has ``columns`` wrote it: hashed
    with the payload's digest once there is ``payload_sha256``, else over the payload itself; with ``facts``."""
    rows: list[dict[str, Any]] = []
    prev = GENESIS_HASH
    for seq, payload in enumerate(payloads, start=1):
        command = "open_consultation" if seq == 1 else ASSESSMENT if "assessment" in payload else "note"
        row: dict[str, Any] = {
            "case_id": case_id,
            "seq": seq,
            "at": AT + timedelta(minutes=seq),
            "actor_id": "sw1",
            "actor_roles": ["SW", "CSW"],
            "command": command,
            "command_id": f"cmd-{case_id}-{seq}",
            "transition_id": f"T{seq}",
            "from_state": None if seq == 1 else "受付",
            "to_state": "受付",
            "payload": payload,
            "prev_hash": prev,
        }
        if "payload_sha256" in columns:
            event = CaseEvent.model_validate({**row, "hash": ""})
            row |= {"payload_sha256": event.payload_sha256, "payload_erased": False}
            row["hash"] = chain_hash(prev, event.canonical_content())
        else:
            row["hash"] = chain_hash(prev, old_style_content(row))
        if "facts" in columns:
            row["facts"] = facts_of(command, payload)
        rows.append(row)
        prev = row["hash"]
    return rows


RICH_PAYLOADS: list[dict[str, Any]] = [
    {"name": "寄添 花子", "age": 47, "household": {"members": 3, "children": [9, 12]}, "income": 120000.5},
    {"assessment": {"employment_support_target": True, "note": "家賃の滞納が2か月、ハローワーク同行を希望"}},
    {"flags": [True, False, None]},
    {},
]


def samples_for(tables: dict[str, Table]) -> dict[str, list[dict[str, Any]]]:
    """The sample rows of the tables that exist, with only the columns they have, events hashed their way."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for name, sample in SAMPLES.items():
        if name in tables:
            rows[name] = [{k: v for k, v in row.items() if k in tables[name].c} for row in sample]
        if name == "cases":
            columns = set(tables["case_events"].c.keys())
            rows["case_events"] = event_rows("case-1", RICH_PAYLOADS, columns)
            bulk = [{"n": n, "名前": f"相談者{n}"} for n in range(3 if "payload_sha256" in columns else BULK_EVENTS)]
            rows["case_events"] += event_rows("case-2", bulk, columns)
        if name == "program_enrolments":
            events = event_rows("case-1", RICH_PAYLOADS[:2], set(tables["program_events"].c.keys()))
            rows["program_events"] = [{**e, "enrolment_id": "case-1:housing_benefit"} for e in events]
    return rows


def reflect(connection: Connection) -> dict[str, Table]:
    metadata = MetaData()
    metadata.reflect(connection)
    return dict(metadata.tables)


def insert_samples(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    with engine.begin() as connection:
        tables = reflect(connection)
        rows = samples_for(tables)
        for name, table_rows in rows.items():
            connection.execute(tables[name].insert(), table_rows)
    return rows


def normal(value: Any) -> Any:
    """A value as comparable across dialects: datetimes aware in UTC (SQLite gives back naive UTC)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def stored(engine: Engine, name: str, columns: list[str]) -> list[str]:
    with engine.connect() as connection:
        table = Table(name, MetaData(), autoload_with=connection)
        result = connection.execute(select(*(table.c[c] for c in columns)))
        return sorted(json.dumps([normal(v) for v in row], default=repr, ensure_ascii=False) for row in result)


def as_stored(rows: list[dict[str, Any]], columns: list[str]) -> list[str]:
    return sorted(json.dumps([normal(r[c]) for c in columns], default=repr, ensure_ascii=False) for r in rows)


def assert_chains_verify(engine: Engine, record: type[CaseEventRecord] | type[ProgramEventRecord]) -> int:
    """Every event's digest is its payload's, its hash verifies, each case's chain is unbroken; how many events."""
    with Session(engine) as session:
        events = [CaseEvent.model_validate(r, from_attributes=True) for r in session.scalars(select(record))]
    for event in events:
        assert event.payload_sha256 == payload_digest(event.payload), (event.case_id, event.seq)
        assert event.hash_is_valid(), (event.case_id, event.seq)
    for case_id in {e.case_id for e in events}:
        assert first_broken_link([e for e in events if e.case_id == case_id]) is None, case_id
    return len(events)


def our_tables(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(inspect(connection).get_table_names()) & set(store.migrate.metadata().tables)


def assert_at_head_as_the_models(engine: Engine) -> None:
    assert current(engine) == head()
    with engine.connect() as connection:
        assert schema_differences(connection) == []


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


# --- create_schema: fresh, again, after create_all, concurrently ----------------------------------------------------


def test_create_schema_makes_a_fresh_database_at_head_and_changes_nothing_the_second_time(engine: Engine) -> None:
    create_schema(engine)
    assert_at_head_as_the_models(engine)
    insert_samples(engine)

    create_schema(engine)

    assert_at_head_as_the_models(engine)
    assert assert_chains_verify(engine, CaseEventRecord) > 0


@pytest.mark.parametrize("revision", [r for r, _ in store.migrate.LEGACY_SCHEMAS])
def test_a_database_create_all_made_is_stamped_at_its_revision_and_upgraded(engine: Engine, revision: str) -> None:
    """Each revision up to the introduction of migrations is the schema ``create_all`` made at its commit."""
    upgrade(engine, revision)
    insert_samples(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
        assert legacy_revision(connection) == revision

    create_schema(engine)

    assert_at_head_as_the_models(engine)
    assert assert_chains_verify(engine, CaseEventRecord) > 0


def test_other_tables_in_the_database_are_left_alone(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE other_application (id INTEGER PRIMARY KEY)"))

    create_schema(engine)

    assert current(engine) == head()
    with engine.connect() as connection:
        assert "other_application" in inspect(connection).get_table_names()


def test_a_database_with_some_of_our_table_names_but_not_our_schema_is_refused(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE tasks (task_id VARCHAR(64) PRIMARY KEY)"))
    with pytest.raises(RuntimeError, match="not the read model's"):
        create_schema(engine)
    assert current(engine) is None


def test_a_database_create_all_made_with_a_later_table_but_not_an_earlier_one_is_refused(engine: Engine) -> None:
    upgrade(engine, store.migrate.LEGACY_SCHEMAS[-1][0])
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
        connection.execute(text(f"DROP TABLE {store.migrate.LEGACY_SCHEMAS[-2][1]}"))
    with pytest.raises(RuntimeError, match="its schema is no revision's"):
        create_schema(engine)
    assert current(engine) is None


CONCURRENT = """
import pathlib, sys, time
from store.db import create_schema, make_engine
from store.migrate import upgrade
url, mode, ready, go = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), pathlib.Path(sys.argv[4])
engine = make_engine(url)
ready.touch()
while not go.exists():
    time.sleep(0.005)
create_schema(engine) if mode == "create_schema" else upgrade(engine)
"""


@pytest.mark.parametrize("mode", ["create_schema", "migrations"])
def test_processes_starting_on_one_fresh_database_at_once_all_succeed(
    engine: Engine, db_url: str, tmp_path: Path, mode: str
) -> None:
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(2)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT, db_url, mode, str(r), str(go)],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in ready
    ]
    try:
        deadline = time.monotonic() + 120
        while not all(r.exists() for r in ready) and time.monotonic() < deadline:
            time.sleep(0.01)
        go.touch()
        outcomes = [(p.communicate(timeout=120)[1], p.returncode) for p in processes]
    finally:
        for p in processes:
            p.kill()
    assert outcomes == [("", 0)] * len(processes)
    assert_at_head_as_the_models(engine)


# --- the command line ------------------------------------------------------------------------------------------------


def test_the_command_line_upgrades_shows_and_downgrades(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", db_url, "upgrade", REVISIONS[0]]) == 0
    assert main(["--url", db_url, "current"]) == 0
    assert main(["--url", db_url, "upgrade"]) == 0
    assert main(["--url", db_url, "downgrade", "base"]) == 0
    assert capsys.readouterr().out.split() == [REVISIONS[0], REVISIONS[0], head(), "base"]
    assert main(["history"]) == 0
    shown = capsys.readouterr().out
    assert all(f"-> {r}" in shown for r in REVISIONS[1:])
    assert f"{head()} (head)" in shown


def test_the_command_line_s_database_is_the_settings_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("YORISOI_DATABASE_URL", raising=False)
    monkeypatch.setenv("YORISOI_DATA_DIR", str(tmp_path))
    assert store.migrate.default_url() == Settings().effective_database_url
    monkeypatch.setenv("YORISOI_DATABASE_URL", "postgresql+psycopg://u@db/yorisoi")
    assert store.migrate.default_url() == Settings().effective_database_url


def test_a_new_revision_is_generated_after_the_head(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    shutil.copytree(store.migrate.MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(store.migrate, "MIGRATIONS", migrations)
    last = head()

    path = store.migrate.new_revision("nothing yet")

    number = f"{int(last) + 1:04d}"
    assert path == migrations / "versions" / f"v{number}_nothing_yet.py"
    source = path.read_text(encoding="utf-8")
    assert f"revision: str = '{number}'" in source
    assert f"down_revision: str | None = '{last}'" in source
    assert head() == number
