"""The Temporal dev server killed (SIGKILL) in the middle of a burst and restarted from its database file."""

from __future__ import annotations

import asyncio

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
from tests.faults.procs import Stack

pytestmark = [pytest.mark.devserver, pytest.mark.timeout(110)]

DOWN_SECONDS = 6
"""Longer than a client's patience (``Burst.attempt_seconds``): every command in flight at the crash is sent again."""


async def test_every_case_continues_after_the_server_is_killed_and_restarted_from_its_file(stack: Stack) -> None:
    client = await stack.start_server()
    workers = await stack.start_workers(2)
    sessions = stack.sessions()
    burst = Burst(
        ServiceSender(case_service(client, sessions, stack.settings.task_queue)), 20, temporal_transient, client=client
    )
    answered_before_the_crash = 0

    async def crash_and_restart() -> None:
        nonlocal answered_before_the_crash
        await burst.reached(burst.total // 3)
        stack.server.kill()
        answered_before_the_crash = burst.completed
        await asyncio.sleep(DOWN_SECONDS)
        await stack.start_server()  # the same command: the same port and database file

    await burst.run_during(crash_and_restart)
    interrupted = await interrupted_work(client, burst.runs)
    log.info("%s; %d answered before the crash; %s", burst.summary(), answered_before_the_crash, interrupted)

    assert stack.server.starts == 2
    assert answered_before_the_crash < burst.total, "the crash came in the middle of the burst"
    assert burst.retries > 0, "commands in flight at the crash were sent again"
    assert all(worker.running for worker in workers), "the workers rode out the server's absence"
    await assert_each_command_took_effect_once(burst.runs, sessions, client)
