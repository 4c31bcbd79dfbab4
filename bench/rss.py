"""Memory of the worker with N open cases: the resident set of the real ``python worker.py`` process.

The stack's worker is restarted first, so its workflow cache holds nothing but what this phase opens. Cases are
opened through the workflows (``CaseService.open``: the workflow starts, T1 is applied and projected), then the
worker's VmRSS is read from /proc once the last one is in the read model. The SDK's sticky cache keeps at most
``max_cached_workflows`` (``YORISOI_WORKER_CACHED_WORKFLOWS``, ``settings.CACHED_WORKFLOWS`` by default) runs in
memory; beyond that, runs are evicted and replayed when they are next needed.

Then, for each other cache size (``YORISOI_WORKER_CACHED_WORKFLOWS``), a fresh worker with that cache touches every
case the phase opened (a query of its record, which replays a run the worker does not hold), and its VmRSS is read
again: the memory at the same open cases with that cache. What a cache smaller than the open cases costs is a replay
whenever an evicted case is next needed: the same query is timed on the cases touched last (still cached) and on the
first ones (evicted since), and the difference is the replay of one case's run.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from bench.commands import Direct
from bench.common import Stack, latency_summary, memory_mb, progress
from settings import CACHED_WORKFLOWS


@dataclass(frozen=True)
class RssConfig:
    counts: tuple[int, ...] = (1000, 10_000)
    concurrency: int = 16
    settle_seconds: float = 3.0
    other_caches: tuple[int, ...] = (500, 1000)
    timed_queries: int = 200  # on cached cases, and as many on evicted ones


async def run(stack: Stack, config: RssConfig) -> dict[str, Any]:
    worker = stack.restart_worker()
    await asyncio.sleep(config.settle_seconds)
    progress(f"rss: fresh worker (pid {worker.pid}), {memory_mb(worker.pid)}")
    readings: dict[str, Any] = {"0": memory_mb(worker.pid)}
    direct = await Direct(stack).connect()
    gate = asyncio.Semaphore(config.concurrency)
    opened = 0
    opening = 0.0  # seconds spent opening (the settling pauses left out)
    case_ids: list[str] = []

    began = time.perf_counter()

    async def one() -> None:
        nonlocal opened
        async with gate:
            case_ids.append(await direct.open_case())
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
        others = {
            str(cache): await _other_cache(stack, direct, case_ids, cache, config) for cache in config.other_caches
        }
    finally:
        direct.close()
        if config.other_caches:
            stack.restart_worker()  # the stack's worker as it was, for any phase after this one
            await stack.wait_until_ready()
    return {
        "process": "python worker.py (a subprocess, as deploy.embedded starts it)",
        "max_cached_workflows": CACHED_WORKFLOWS,  # the stack's worker has the product's default
        "by_open_cases": readings,
        "opened_per_s": round(opened / opening, 1) if opening else None,
        "other_caches": others,
    }


async def _other_cache(
    stack: Stack, direct: Direct, case_ids: list[str], cache: int, config: RssConfig
) -> dict[str, Any]:
    """A fresh worker with a sticky cache of ``cache`` runs: its memory once it has touched every case, and what a
    query costs on a cached case and on an evicted one (replayed from its history), if any was evicted."""
    worker = stack.restart_worker(cached_workflows=cache)
    await stack.wait_until_ready()
    await asyncio.sleep(config.settle_seconds)
    idle = memory_mb(worker.pid)
    gate = asyncio.Semaphore(config.concurrency)
    touched = 0
    began = time.perf_counter()

    async def touch(case_id: str) -> None:
        nonlocal touched
        async with gate:
            await direct.service.record(case_id)
            touched += 1
            if touched % 2000 == 0:
                progress(f"rss: cache {cache}: {touched} cases touched, worker {memory_mb(worker.pid)}")

    await asyncio.gather(*(touch(c) for c in case_ids))
    touching = time.perf_counter() - began
    await asyncio.sleep(config.settle_seconds)
    touched_all = memory_mb(worker.pid)
    n = max(1, min(config.timed_queries, cache // 2, len(case_ids) - cache))  # half: the clients' order is loose
    cached = await _timed(direct, case_ids[-n:])  # the last touched: in the cache
    # the first ones: evicted since, if there are more cases than the cache holds
    evicted = await _timed(direct, case_ids[:n]) if len(case_ids) > cache else None
    progress(
        f"rss: cache {cache}: {len(case_ids)} cases touched: worker {touched_all}; "
        f"query cached {cached}, evicted {evicted}"
    )
    return {
        "max_cached_workflows": cache,
        "idle": idle,
        "open_cases": len(case_ids),
        "after_touching_every_case": touched_all,
        "touched_per_s": round(len(case_ids) / touching, 1),
        "query_cached_ms": cached,
        "query_evicted_ms": evicted,
        "replay_cost_ms_p50": None if evicted is None else round(evicted["p50"] - cached["p50"], 1),
    }


async def _timed(direct: Direct, case_ids: list[str]) -> dict[str, float | int]:
    """The record query on each case in turn (one at a time: the latency of one, not of a queue)."""
    samples = []
    for case_id in case_ids:
        started = time.perf_counter()
        await direct.service.record(case_id)
        samples.append((time.perf_counter() - started) * 1000)
    return latency_summary(samples)
