"""The auditor CLI replays exported histories and prints the timeline and the verdict."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from statemachines.case.engine import open_case
from statemachines.kernel.rules import DEFAULT_RULESET
from tests.factories import CITY, SW1
from workflows.__main__ import Report, case_number_of

HISTORIES = Path(__file__).parent.parent / "histories"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workflows", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_a_recorded_history_replays_with_its_timeline() -> None:
    result = run("replay", str(HISTORIES / "lifecycle.json"))
    assert result.returncode == 0, result.stderr
    assert "決定性 deterministic: OK" in result.stdout
    assert "ハッシュ連鎖 chain: OK" in result.stdout
    assert "decide_support" in result.stdout
    assert "DECISION_PENDING → SUPPORT_ACTIVE" in result.stdout


def test_a_tampered_history_is_reported_and_fails(tmp_path: Path) -> None:
    document = json.loads((HISTORIES / "contact-lost.json").read_text(encoding="utf-8"))
    for event in document["events"]:
        attributes = event.get("activityTaskScheduledEventAttributes")
        if attributes and attributes["activityType"]["name"] == "project_transition":
            del event["activityTaskScheduledEventAttributes"]  # an event the code would schedule is gone
            break
    tampered = tmp_path / "contact-lost.json"
    tampered.write_text(json.dumps(document), encoding="utf-8")
    result = run("replay", str(tampered))
    assert result.returncode == 1
    assert "NG" in result.stdout


def test_a_missing_file_is_a_usage_error() -> None:
    result = run("replay", "/no/such/file.json")
    assert result.returncode == 2
    assert "no such file" in result.stderr


def test_the_timeline_names_the_case_by_the_number_its_opening_recorded() -> None:
    opened = open_case(
        case_id="c1",
        municipality=CITY,
        ruleset=DEFAULT_RULESET,
        actor=SW1,
        payload={},
        now=datetime(2026, 4, 1, tzinfo=UTC),
        command_id="open",
        case_number="A市-2026-000123",
    )
    assert case_number_of([opened.event]) == "A市-2026-000123"
    assert case_number_of([opened.event.model_copy(update={"payload": {}})]) is None  # erased, or before numbering
    report = Report(file="case-c1.json", case_id="c1", case_number="A市-2026-000123", runs=1)
    assert report.lines()[0] == "== case-c1.json (受付番号 A市-2026-000123, case c1, 1 run)"
