"""The sample rows (tests/store/migration_samples.py) as the code of a revision wrote them, inserted into a database
at that revision and read back, and the checks a migrated database passes: its chains verify, it is at head and
equal to the models."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, inspect, select
from sqlalchemy.orm import Session

import store.migrate
from statemachines.kernel.events import GENESIS_HASH, CaseEvent, chain_hash, first_broken_link, payload_digest
from statemachines.policy.statistics import ASSESSMENT, facts_of
from store.migrate import current, head, schema_differences
from store.models import CaseEventRecord
from store.programs import ProgramEventRecord
from tests.store.migration_samples import AT, BULK_EVENTS, RICH_PAYLOADS, SAMPLES


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
