"""store/migrate.py around the migrations, on SQLite and PostgreSQL: ``create_schema`` at every start (a fresh
database, again, a database ``create_all`` made, other applications' tables, processes starting at once) and the
command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

import store.migrate
from settings import Settings
from store.db import create_schema, make_engine
from store.migrate import current, head, legacy_revision, main, revisions, upgrade
from store.models import CaseEventRecord
from tests.store.revision_rows import assert_at_head_as_the_models, assert_chains_verify, insert_samples

ROOT = Path(__file__).resolve().parents[2]
REVISIONS = revisions()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on an empty database (no schema: each test migrates it)."""
    eng = make_engine(db_url)
    try:
        yield eng
    finally:
        eng.dispose()


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
