"""The full determinism audit: today's workflow code replays the Temporal history of every case (every run), with
the SDK's ``Replayer``, across processes, with progress.

Replay is CPU in Python (the SDK's replay worker and the sandbox: about 180 ms for a history of a few hundred events,
bench/verify.py), so one process replays about one core's worth; :func:`audit` spreads the histories over
``processes`` processes, each with one ``Replayer`` made once and reused for every history it is sent. The main
process only lists and fetches histories (I/O) and hands them on as protobuf bytes (as the server sends them;
parsing JSON would cost a fifth of a replay). The nightly integrity pass
(``store.integrity_pass``) checks the read model without the SDK; this checks the code against the histories.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import time
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from temporalio.api.history.v1 import History
from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from workflows import workflow_runner
from workflows.case_workflow import CaseWorkflow
from workflows.program_workflow import ProgramWorkflow

ConverterFactory = Callable[[], DataConverter]
"""Makes the data converter in each replaying process (a module-level function or a partial of one: it is pickled)."""

CASE_QUERY = 'WorkflowType = "CaseWorkflow"'


def plain_converter() -> DataConverter:
    """The converter of histories whose payloads are not encrypted (the recorded fixtures, a test server)."""
    return pydantic_data_converter


@dataclass
class AuditResult:
    replayed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (workflow id, what went wrong)
    seconds: float = 0.0
    processes: int = 1
    cpu_seconds: float = 0.0  # the replaying processes' own CPU time, summed (what the audit costs, whatever the load)

    @property
    def per_s(self) -> float:
        return self.replayed / self.seconds if self.seconds else 0.0


_REPLAYER: Replayer | None = None


def _start(factory: ConverterFactory) -> None:
    global _REPLAYER
    _REPLAYER = Replayer(
        workflows=[CaseWorkflow, ProgramWorkflow], data_converter=factory(), workflow_runner=workflow_runner()
    )


Replayed = tuple[int, list[tuple[str, str]], float]
"""How many histories a chunk had, the ones that did not replay (workflow id, why), the CPU seconds it took."""


def _replay_chunk(chunk: list[tuple[str, bytes]]) -> Replayed:
    """Replay each (workflow id, history as protobuf bytes) in this process."""
    assert _REPLAYER is not None, "the process was started without its replayer"
    replayer = _REPLAYER

    async def replay_all() -> list[tuple[str, str]]:
        failed = []
        for workflow_id, data in chunk:
            history = WorkflowHistory(workflow_id, list(History.FromString(data).events))
            result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
            if result.replay_failure is not None:
                failed.append((workflow_id, f"{type(result.replay_failure).__name__}: {result.replay_failure}"))
        return failed

    started = time.process_time()
    failed = asyncio.run(replay_all())
    return len(chunk), failed, time.process_time() - started


async def audit(
    histories: AsyncIterator[WorkflowHistory] | Iterable[WorkflowHistory],
    *,
    processes: int,
    factory: ConverterFactory = plain_converter,
    chunk: int = 4,
    progress: Callable[[AuditResult], None] | None = None,
) -> AuditResult:
    """Replay every history over ``processes`` processes, ``chunk`` histories per hand-over, at most two chunks per
    process in flight (the histories are fetched as the audit goes, not all held at once)."""
    result = AuditResult(processes=processes)
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    chunks = _chunks(histories, chunk)
    # spawned, not forked: the SDK's runtime refuses to make a replay worker in a fork of a process that has one
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=spawn, initializer=_start, initargs=(factory,)) as pool:
        pending: set[asyncio.Future[Replayed]] = set()
        async for part in chunks:
            pending.add(loop.run_in_executor(pool, _replay_chunk, part))
            if len(pending) >= processes * 2:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                _count(result, done, started, progress)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            _count(result, done, started, progress)
    result.seconds = time.perf_counter() - started
    return result


def _handed(history: WorkflowHistory) -> tuple[str, bytes]:
    return history.workflow_id, History(events=history.events).SerializeToString()


async def _chunks(
    histories: AsyncIterator[WorkflowHistory] | Iterable[WorkflowHistory], size: int
) -> AsyncIterator[list[tuple[str, bytes]]]:
    part: list[tuple[str, bytes]] = []
    if isinstance(histories, AsyncIterator):
        async for history in histories:
            part.append(_handed(history))
            if len(part) == size:
                yield part
                part = []
    else:
        plain = iter(histories)
        while batch := list(itertools.islice(plain, size)):
            yield [_handed(h) for h in batch]
    if part:
        yield part


def _count(
    result: AuditResult,
    done: set[asyncio.Future[Replayed]],
    started: float,
    progress: Callable[[AuditResult], None] | None,
) -> None:
    for future in done:
        count, failed, cpu = future.result()
        result.replayed += count
        result.failures += failed
        result.cpu_seconds += cpu
    result.seconds = time.perf_counter() - started
    if progress is not None:
        progress(result)


async def case_histories(client: Client, query: str = CASE_QUERY) -> AsyncIterator[WorkflowHistory]:
    """Every run of every case workflow the server knows (closed runs too, within its retention)."""
    async for execution in client.list_workflows(query):
        yield await client.get_workflow_handle(execution.id, run_id=execution.run_id).fetch_history()
