"""Three worker processes on one task queue; the busiest is killed (SIGKILL) in the middle of a burst of commands."""

from __future__ import annotations

import pytest

from tests.faults.burst import (
    Burst,
    ServiceSender,
    assert_each_command_took_effect_once,
    case_service,
    interrupted_work,
    log,
    temporal_transient,
)
from tests.faults.procs import Service, Stack

pytestmark = [pytest.mark.devserver, pytest.mark.timeout(110)]


def projections(worker: Service) -> int:
    return worker.projections()


async def test_a_worker_killed_mid_burst_leaves_every_command_applied_once(stack: Stack) -> None:
    client = await stack.start_server()
    workers = await stack.start_workers(3)
    sessions = stack.sessions()
    burst = Burst(
        ServiceSender(case_service(client, sessions, stack.settings.task_queue)), 20, temporal_transient, client=client
    )
    by_survivors_before = 0
    victim = workers[0]

    async def crash() -> None:
        nonlocal victim, by_survivors_before
        await burst.reached(burst.total // 3)
        victim = max(workers, key=projections)  # the one with most cases in its cache and work in its hands
        victim.kill()
        by_survivors_before = sum(projections(w) for w in workers if w is not victim)

    await burst.run_during(crash)
    interrupted = await interrupted_work(client, burst.runs)
    log.info("%s; %s killed; %s", burst.summary(), victim.name, interrupted)

    assert not victim.running
    assert all(worker.running for worker in workers if worker is not victim)
    assert sum(projections(w) for w in workers if w is not victim) > by_survivors_before, "the others took over"
    assert interrupted, "the crash cut off work in flight"
    await assert_each_command_took_effect_once(burst.runs, sessions, client)
