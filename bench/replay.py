"""The determinism audit's rate (``services.determinism_audit``: SDK replay across processes) per core, beside a bare
``Replayer`` replaying the same histories one after another in a fresh process (its anchor: one core's worth).

The histories are the recorded ones of ``tests/histories`` (8 to 31 projected events, 112 to 584 history events),
replicated ``rounds`` times. Each side replays every copy once. The per-core comparison is histories per CPU second
of the replaying processes against the bare Replayer's (on a shared machine the wall-clock rates say more about the
load than the code); beside it, the wall-clock rates: the audit's warm rate (once each process has replayed its first
chunk: a country's audit pays the start once) per process, and with the start included.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from bench.common import progress
from bench.integrity import recorded_histories
from services.determinism_audit import AuditResult, audit
from workflows import workflow_runner
from workflows.case_workflow import CaseWorkflow
from workflows.program_workflow import ProgramWorkflow


@dataclass(frozen=True)
class ReplayConfig:
    rounds: int = 10
    processes: int = os.cpu_count() or 1


async def bare(rounds: int) -> dict[str, Any]:
    histories = recorded_histories()
    replayer = Replayer(
        workflows=[CaseWorkflow, ProgramWorkflow], data_converter=pydantic_data_converter,
        workflow_runner=workflow_runner(),
    )  # fmt: skip
    await replayer.replay_workflow(histories[0])  # warm: the sandbox's first import
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for history in histories:
            await replayer.replay_workflow(history)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    count = rounds * len(histories)
    return {
        "histories": count, "seconds": round(seconds, 1), "per_s": round(count / seconds, 2),
        "cpu_ms_per_history": round(cpu / count * 1000, 1), "per_cpu_s": round(count / cpu, 2),
    }  # fmt: skip


async def across_processes(rounds: int, processes: int) -> dict[str, Any]:
    """The audit's rate overall (its processes' start and first import included) and warm: from the moment each
    process has handed back its first chunk to the end."""
    histories = recorded_histories() * rounds
    marks: list[tuple[float, int]] = []

    def report(r: AuditResult) -> None:
        marks.append((r.seconds, r.replayed))
        if len(marks) % 6 == 0:
            progress(f"replay: {r.replayed}/{len(histories)} histories, {r.per_s:.1f}/s ({processes} processes)")

    result = await audit(histories, processes=processes, progress=report)
    if result.failures:
        raise AssertionError(f"recorded histories do not replay: {result.failures[:2]}")
    (t0, n0), (t1, n1) = marks[min(processes, len(marks) - 1) - 1], marks[-1]
    warm = (n1 - n0) / (t1 - t0) if t1 > t0 else result.per_s
    return {
        "histories": result.replayed, "seconds": round(result.seconds, 1), "per_s": round(result.per_s, 2),
        "processes": processes, "warm_per_s": round(warm, 2), "per_core_per_s": round(warm / processes, 2),
        "per_core_per_s_with_start": round(result.per_s / processes, 2),
        "cpu_ms_per_history": round(result.cpu_seconds / result.replayed * 1000, 1),
        "per_cpu_s": round(result.replayed / result.cpu_seconds, 2),
    }  # fmt: skip


async def bare_in_a_fresh_process(rounds: int) -> dict[str, Any]:
    """:func:`bare` in a process of its own, started for it, as the audit's processes are: the benchmark's own
    process has carried every earlier phase's objects by then: the full run of 2026-12-07 measured the anchor there
    at 6.27 histories per CPU second (the audit at 141 % of it), a fresh process at 8.45 (the audit at 110 %)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.replay", "--bare", str(rounds), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"the bare Replayer's process exited with {child.returncode}")
    result: dict[str, Any] = json.loads(out.decode("utf-8").strip().splitlines()[-1])
    return result


async def run(config: ReplayConfig) -> dict[str, Any]:
    loadavg = [round(v, 1) for v in os.getloadavg()]
    anchor = await bare_in_a_fresh_process(config.rounds)
    progress(f"replay: bare Replayer {anchor['per_s']}/s")
    spread = await across_processes(config.rounds, config.processes)
    progress(f"replay: {config.processes} processes {spread['per_s']}/s, {spread['per_core_per_s']}/s per core")
    return {
        "loadavg_before": loadavg,
        "bare_replayer": anchor,
        "audit": spread,
        # histories per second of CPU, audit process against bare Replayer: what a core gives each, whatever else
        # shares the machine (the wall-clock rates depend on the load; both are kept)
        "per_core_vs_bare": round(spread["per_cpu_s"] / anchor["per_cpu_s"], 2),
        "wall_per_core_vs_bare": round(spread["per_core_per_s"] / anchor["per_s"], 2),
    }


def main() -> None:
    """``python -m bench.replay --bare ROUNDS``: the anchor alone, its figures as one JSON line on stdout."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--bare", type=int, required=True, metavar="ROUNDS")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(bare(args.bare))))


if __name__ == "__main__":
    main()
