"""The API process (``python api.py``) killed in the middle of a burst of HTTP commands and started again: clients
that retry with the same ``command_id`` see one effect."""

from __future__ import annotations

import httpx
import pytest

from tests.faults.burst import (
    PATH,
    ApiSender,
    Burst,
    assert_each_command_took_effect_once,
    http_transient,
    log,
    seed_people,
    sign_in,
)
from tests.faults.procs import Stack

pytestmark = [pytest.mark.devserver, pytest.mark.timeout(110)]


async def test_clients_retrying_through_an_api_restart_see_one_effect(stack: Stack) -> None:
    client = await stack.start_server()
    await stack.start_workers(1)
    sessions = stack.sessions()
    seed_people(sessions)
    api = await stack.start_api()

    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        tokens = await sign_in(http, {"sw1", *(step.user for step in PATH)})  # sessions live in the database
        sender = ApiSender(http, tokens)
        burst = Burst(sender, 20, http_transient)
        answered_before_the_crash = 0

        async def crash_and_restart() -> None:
            nonlocal answered_before_the_crash
            await burst.reached(burst.total // 3)
            api.kill()
            answered_before_the_crash = burst.completed
            await stack.start_api()

        await burst.run_during(crash_and_restart)
        log.info("%s; %d answered before the crash", burst.summary(), answered_before_the_crash)

        assert api.starts == 2
        assert answered_before_the_crash < burst.total, "the crash came in the middle of the burst"
        assert burst.retries > 0, "requests cut off by the crash were sent again"
        for run in burst.runs:  # once more, long after: the same answer, and no second event
            last_id = run.command_ids[-1]
            first = sender.answers[last_id]
            assert await sender.send(run.case_id, PATH[-1], last_id) == (run.case_id, run.seqs[-1])
            assert sender.answers[last_id] == first
    await assert_each_command_took_effect_once(burst.runs, sessions, client)
