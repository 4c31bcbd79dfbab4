"""Memory of the worker with N open cases: the resident set of the real ``python worker.py`` process.

The stack's worker is restarted first, so its workflow cache holds nothing but what this phase opens. Cases are
opened through the workflows (``CaseService.open``: the workflow starts, T1 is applied and projected), then the
worker's VmRSS is read from /proc once the last one is in the read model. The SDK's sticky cache keeps at most
``max_cached_workflows`` (1000 by default, ``worker.py`` does not change it) runs in memory; beyond that, runs are
evicted and replayed when they are next needed.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from bench.commands import Direct
from bench.common import Stack, memory_mb, progress

DEFAULT_CACHE = 1000  # temporalio.worker.Worker's max_cached_workflows, which worker.py keeps


@dataclass(frozen=True)
class RssConfig:
    counts: tuple[int, ...] = (1000, 10_000)
    concurrency: int = 16
    settle_seconds: float = 3.0


async def run(stack: Stack, config: RssConfig) -> dict[str, Any]:
    worker = stack.restart_worker()
    await asyncio.sleep(config.settle_seconds)
    progress(f"rss: fresh worker (pid {worker.pid}), {memory_mb(worker.pid)}")
    readings: dict[str, Any] = {"0": memory_mb(worker.pid)}
    direct = await Direct(stack).connect()
    gate = asyncio.Semaphore(config.concurrency)
    opened = 0
    opening = 0.0  # seconds spent opening (the settling pauses left out)

    began = time.perf_counter()

    async def one() -> None:
        nonlocal opened
        async with gate:
            await direct.open_case()
            opened += 1
            if opened % 500 == 0:
                rate = opened / (opening + time.perf_counter() - began)
                progress(f"rss: {opened} cases open ({rate:.1f}/s), worker {memory_mb(worker.pid)}")

    try:
        for count in sorted(config.counts):
            began = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(count - opened)))
            opening += time.perf_counter() - began
            await asyncio.sleep(config.settle_seconds)
            readings[str(count)] = memory_mb(worker.pid)
            progress(f"rss: {count} open cases: worker {readings[str(count)]}")
    finally:
        direct.close()
    return {
        "process": "python worker.py (a subprocess, as deploy.embedded starts it)",
        "max_cached_workflows": DEFAULT_CACHE,
        "by_open_cases": readings,
        "opened_per_s": round(opened / opening, 1) if opening else None,
    }
