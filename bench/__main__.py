"""``python -m bench`` (``make bench``): the scale figures, each beside its anchor, measured in one run.

Phases (``--only`` picks some): ``commands`` (HTTP command latency and sustained transitions beside bare updates,
the product as ``make run`` starts it: codec on, SQLite), ``commands_pg`` (the same with the read model in PostgreSQL),
``rss`` (the worker's memory with 1,000 and 10,000 open cases, and with other cache sizes), ``pragmas`` (the dev
server's SQLite pragmas, A/B), ``readmodel`` (inbox and pipeline over 1,000,000 and 10,000,000 cases in PostgreSQL,
with the pages' server render, and 100,000 in SQLite), ``verify`` (replay and
chain check of recorded histories), ``integrity`` (the nightly bulk pass, chain and rebuild, in cases/s over
100,000 cases of real histories), ``replay`` (the determinism audit across processes, per core, beside a bare
Replayer). ``--quick`` (or ``BENCH_QUICK=1``) shrinks every size so the whole run takes a
few minutes; its results go to ``bench/results/quick.json`` instead of ``latest.json``. A phase that fails is
recorded with its error and the run goes on; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from bench import commands, integrity, pragmas, readmodel, replay, rss, verify
from bench.common import Stack, fresh_postgres, progress
from bench.readmodel_generator import Volume
from bench.report import figures, markdown

RESULTS = Path(__file__).resolve().parent / "results"
PHASES = ("commands", "commands_pg", "rss", "pragmas", "readmodel", "verify", "integrity", "replay")
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def configs(quick: bool) -> dict[str, Any]:
    """Every size, full or quick; each can be overridden by a BENCH_* variable."""
    rss_counts = os.environ.get("BENCH_RSS_CASES", "200" if quick else "1000,10000")
    pg = postgres_url()
    return {
        "postgres_url": pg,
        "commands": commands.CommandConfig(
            seconds=_env_float("BENCH_SECONDS", 8 if quick else 60),
            sustained_seconds=_env_float("BENCH_SUSTAINED_SECONDS", 12 if quick else 180),
            warmup_seconds=2 if quick else 5,
            cases_per_client=_env_int("BENCH_CASES_PER_CLIENT", 1 if quick else 4),
        ),
        "rss": rss.RssConfig(
            counts=tuple(int(n) for n in rss_counts.split(",")),
            other_caches=tuple(
                int(n) for n in os.environ.get("BENCH_RSS_OTHER_CACHES", "50" if quick else "500,1000").split(",") if n
            ),
            timed_queries=50 if quick else 200,
        ),
        "pragmas": pragmas.PragmaConfig(window_seconds=6 if quick else 20, rounds=2 if quick else 4),
        "readmodel": readmodel.ReadModelConfig(
            postgres_url=pg,
            pg_volume=Volume(cases=_env_int("BENCH_PG_CASES", 20_000 if quick else 1_000_000)),
            sqlite_volume=Volume(cases=_env_int("BENCH_SQLITE_CASES", 10_000 if quick else 100_000)),
            samples=_env_int("BENCH_QUERY_SAMPLES", 50 if quick else 200),
            page_samples=_env_int("BENCH_PAGE_SAMPLES", 20 if quick else 100),
            pg_large_volume=_large_volume(_env_int("BENCH_PG_LARGE_CASES", 40_000 if quick else 10_000_000)),
        ),
        "verify": verify.VerifyConfig(rounds=_env_int("BENCH_VERIFY_ROUNDS", 2 if quick else 20)),
        "integrity": integrity.IntegrityConfig(
            postgres_url=pg,
            cases=_env_int("BENCH_INTEGRITY_CASES", 5_000 if quick else 100_000),
            sqlite_cases=_env_int("BENCH_INTEGRITY_SQLITE_CASES", 2_000 if quick else 20_000),
            processes=_env_int("BENCH_PROCESSES", os.cpu_count() or 1),
        ),
        "replay": replay.ReplayConfig(
            rounds=_env_int("BENCH_REPLAY_ROUNDS", 2 if quick else 10),
            processes=_env_int("BENCH_PROCESSES", os.cpu_count() or 1),
        ),
    }


def _large_volume(cases: int) -> Volume | None:
    """The second, larger PostgreSQL read model (0: none)."""
    return Volume(cases=cases, load_events=False) if cases else None


def postgres_url() -> str | None:
    """BENCH_POSTGRES_URL (``none``: skip), else the tests' server, else the local one; None if nothing answers."""
    url = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("YORISOI_TEST_POSTGRES_URL") or DEFAULT_POSTGRES
    if url == "none":
        return None
    engine = create_engine(url)
    try:
        with engine.connect():
            return url
    except Exception as exc:
        progress(f"PostgreSQL at {url} does not answer ({type(exc).__name__}): its figures are skipped")
        return None
    finally:
        engine.dispose()


def source() -> dict[str, Any]:
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True).stdout.strip()
        )
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = os.environ.get("BENCH_GIT_COMMIT", "unknown"), False
    return {"git_commit": commit, "uncommitted_changes": dirty}


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg_at_start": [round(v, 1) for v in os.getloadavg()],
    }


async def _phase(name: str, results: dict[str, Any], work: Callable[[], Awaitable[Any]]) -> bool:
    progress(f"== {name}")
    try:
        results[name] = await work()
    except Exception as exc:
        traceback.print_exc()
        results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        return False
    return True


async def run(only: tuple[str, ...], quick: bool) -> tuple[dict[str, Any], bool]:
    config = configs(quick)
    results: dict[str, Any] = {}
    ok = True
    if "commands" in only or "rss" in only:
        async with Stack() as stack:
            if "commands" in only:
                ok &= await _phase("commands", results, lambda: commands.run(stack, config["commands"]))
            if "rss" in only:
                ok &= await _phase("rss", results, lambda: rss.run(stack, config["rss"]))
    if "commands_pg" in only:
        ok &= await _phase("commands_pg", results, lambda: _commands_on_postgres(config))
    if "pragmas" in only:
        ok &= await _phase("pragmas", results, lambda: pragmas.run(config["pragmas"]))
    if "readmodel" in only:
        ok &= await _phase("readmodel", results, lambda: asyncio.to_thread(readmodel.run, config["readmodel"]))
    if "verify" in only:
        ok &= await _phase("verify", results, lambda: verify.run(config["verify"]))
    if "integrity" in only:
        ok &= await _phase("integrity", results, lambda: asyncio.to_thread(integrity.run, config["integrity"]))
    if "replay" in only:
        ok &= await _phase("replay", results, lambda: replay.run(config["replay"]))
    return results, ok


async def _commands_on_postgres(config: dict[str, Any]) -> dict[str, Any]:
    """The commands phase with the read model in a new PostgreSQL database (worker and API both on it)."""
    admin = config["postgres_url"]
    if admin is None:
        return {"skipped": "no PostgreSQL answers (BENCH_POSTGRES_URL)"}
    with fresh_postgres(admin) as url:
        async with Stack(database_url=url) as stack:
            return await commands.run(stack, config["commands"])


def render(path: Path) -> int:
    """Recompute the figures of an existing results file (after a change to bench/report.py) and print the table."""
    report = json.loads(path.read_text(encoding="utf-8"))
    report["figures"] = figures(report["details"])
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(markdown(report))
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # so that every started process is stopped on the way out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK", "") not in ("", "0"))
    parser.add_argument("--only", default=",".join(PHASES), help=f"comma-separated phases of {', '.join(PHASES)}")
    parser.add_argument("--out", type=Path, help="the results file (default: bench/results/latest.json or quick.json)")
    parser.add_argument("--render", type=Path, metavar="RESULTS", help="only recompute the figures of a results file")
    args = parser.parse_args(argv)
    if args.render:
        return render(args.render)
    only = tuple(p for p in args.only.split(",") if p)
    unknown = set(only) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    out: Path = args.out or RESULTS / ("quick.json" if args.quick else "latest.json")
    started = datetime.now(UTC)
    report: dict[str, Any] = {"measured_at": started.isoformat(timespec="seconds"), "quick": args.quick}
    report.update(source())
    report["machine"] = machine()
    details, ok = asyncio.run(run(only, args.quick))
    report["machine"]["loadavg_at_end"] = [round(v, 1) for v in os.getloadavg()]
    report["duration_minutes"] = round((datetime.now(UTC) - started).total_seconds() / 60, 1)
    report["figures"] = figures(details)
    report["details"] = details
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print()
    print(markdown(report))
    print(f"\nwritten to {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)
    code = 130
    with contextlib.suppress(KeyboardInterrupt):
        code = main()
    sys.stdout.flush()
    os._exit(code)  # the SDK's runtime can crash at interpreter exit (sdk-python#300): the results are written
