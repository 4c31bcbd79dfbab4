"""The benchmark's code runs at a toy size and writes the results file's shape (``make bench`` itself is not run)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from bench.__main__ import main
from bench.report import figures, markdown
from tests.dbfixtures import POSTGRES_URL_ENV


def test_the_read_model_and_verify_phases_write_the_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_POSTGRES_URL", os.environ.get(POSTGRES_URL_ENV) or "none")
    monkeypatch.setenv("BENCH_PG_CASES", "300")
    monkeypatch.setenv("BENCH_SQLITE_CASES", "300")
    monkeypatch.setenv("BENCH_PG_LARGE_CASES", "400")
    monkeypatch.setenv("BENCH_QUERY_SAMPLES", "5")
    monkeypatch.setenv("BENCH_PAGE_SAMPLES", "3")
    monkeypatch.setenv("BENCH_VERIFY_ROUNDS", "1")
    out = tmp_path / "results.json"

    assert main(["--quick", "--only", "readmodel,verify", "--out", str(out)]) == 0

    report = json.loads(out.read_text(encoding="utf-8"))
    figures = report["figures"]
    assert figures["inbox_p95_ms_100k_sqlite"] > 0
    assert figures["pipeline_p95_ms_100k_sqlite"] > 0
    assert figures["verify_histories_per_s"] > 0
    assert figures["command_latency_ms"] == {}  # the commands phase did not run
    assert figures["verify_p95_ms"] > 0
    assert figures["targets"]["verify_p95_ms"]["target"] == 250
    sqlite = report["details"]["readmodel"]["sqlite"]
    assert sqlite["cases"] == 300
    assert sqlite["tasks"] > 300
    assert sqlite["events"] > 300
    if os.environ.get(POSTGRES_URL_ENV):
        assert figures["inbox_p95_ms_1m_pg"] > 0
        assert figures["targets"]["inbox_p95_ms_1m_pg"]["target"] == 20
        assert report["details"]["readmodel"]["postgresql"]["cases"] == 300
        pages = report["details"]["readmodel"]["postgresql"]["pages"]  # rendered by the product's app, signed in
        assert set(pages) >= {"/inbox", "/pipeline", "/pipeline/board"}
        assert figures["page_p95_ms_1m_pg"] > 0
        large = report["details"]["readmodel"]["postgresql_large"]
        assert large["cases"] == 400
        assert large["events"] == 0  # its cases keep their numbers of events, but no rows (Volume.load_events)
        assert figures["targets"]["inbox_p95_ms_10m_pg"]["target"] == 50
        assert figures["page_p95_ms_10m_pg"] > 0
        assert "| inbox and pipeline pages, server render p95 ms, 400 cases, PostgreSQL" in markdown(report)


def test_the_integrity_and_replay_phases_write_the_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_POSTGRES_URL", os.environ.get(POSTGRES_URL_ENV) or "none")
    monkeypatch.setenv("BENCH_INTEGRITY_CASES", "60")
    monkeypatch.setenv("BENCH_INTEGRITY_SQLITE_CASES", "40")
    monkeypatch.setenv("BENCH_REPLAY_ROUNDS", "1")
    monkeypatch.setenv("BENCH_PROCESSES", "2")
    out = tmp_path / "results.json"

    assert main(["--quick", "--only", "integrity,replay", "--out", str(out)]) == 0

    report = json.loads(out.read_text(encoding="utf-8"))
    integrity = report["details"]["integrity"]
    assert integrity["sqlite"]["cases"] == 40
    assert integrity["sqlite"]["one_process"]["cases"] == 40
    assert integrity["sqlite"]["2_processes"] == integrity["sqlite"]["one_process"]  # SQLite: one process
    replay = report["details"]["replay"]
    assert replay["audit"]["histories"] == replay["bare_replayer"]["histories"] > 0
    assert report["figures"]["replay_per_core_vs_bare"] > 0
    assert report["figures"]["targets"]["replay_per_core_vs_bare"]["target"] == 0.9
    if os.environ.get(POSTGRES_URL_ENV):
        assert integrity["postgresql"]["cases"] == 60
        assert report["figures"]["integrity_cases_per_s_pg"] > 0


def test_the_commands_on_postgresql_have_their_own_rows_and_targets() -> None:
    """``commands_pg`` (the read model in PostgreSQL) is reported beside ``commands`` (SQLite), each against the
    bare update measured in its own run."""

    def level(command_p50: float, bare_p50: float) -> dict[str, Any]:
        return {
            "command": {"p50": command_p50, "p99": command_p50 * 2, "per_s": 10.0},
            "bare_update": {"p50": bare_p50, "p99": bare_p50 * 2, "per_s": 40.0},
        }

    details = {"commands": {"levels": {"1": level(20.0, 15.0)}}, "commands_pg": {"levels": {"1": level(60.0, 15.0)}}}
    found = figures(details)
    assert found["command_latency_ms_pg"] == {"1": {"p50": 60.0, "p99": 120.0}}
    assert found["targets"]["command_p50_ms_1"]["met"] is True
    assert found["targets"]["command_p50_ms_1_pg"]["met"] is False
    assert found["targets"]["command_p50_vs_bare_1_pg"]["measured"] == 4.0
    assert "command_p50_ms_8" not in found["targets"]  # the latency targets are at one client
    table = markdown({"figures": found, "details": details})
    assert "| command p50 / p99 ms, 1 client, read model SQLite | 20.0 / 40.0 (1.3× bare) |" in table
    assert "| command p50 / p99 ms, 1 client, read model PostgreSQL | 60.0 / 120.0 (4.0× bare) |" in table


def test_the_worker_s_memory_is_reported_for_the_default_cache_and_each_other_one() -> None:
    reading = {"rss_mb": 1.0, "peak_rss_mb": 1.0}
    details = {
        "rss": {
            "max_cached_workflows": 1000,
            "by_open_cases": {"0": {"rss_mb": 120.0}, "10000": {"rss_mb": 341.0, "peak_rss_mb": 343.0}},
            "other_caches": {
                "250": {
                    "open_cases": 10000,
                    "idle": reading,
                    "after_touching_every_case": {"rss_mb": 190.5, "peak_rss_mb": 200.0},
                    "replay_cost_ms_p50": 21.5,
                }
            },
        }
    }
    found = figures(details)
    assert found["targets"]["worker_rss_mb_10000"] == {"target": 300.0, "measured": 341.0, "met": False}
    assert found["targets"]["worker_rss_mb_cache_250"]["met"] is True
    table = markdown({"figures": found, "details": details})
    assert (
        "| worker RSS MB, 10,000 open cases, cache 1000 runs | 341.0 | idle worker 120.0 | ≤ 300 MB | **no** |" in table
    )
    assert "| worker RSS MB, 10,000 open cases touched, cache 250 runs | 190.5 |" in table
    assert "p50 ms 21.5 | ≤ 300 MB | yes |" in table
