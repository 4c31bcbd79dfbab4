"""Two worker processes and two API processes on one Temporal dev server and one PostgreSQL read model: 1,002 commands
(167 cases, each opened and taken along ``PATH``) from 16 clients over HTTP, eight on each API, each client signed in
with sessions of its own; midway the busier worker is killed (SIGKILL) and not started again, the other carries on.

Every command takes effect once, in the order sent, with the case's hash chain intact
(``assert_each_command_took_effect_once``). A client retries with the same ``command_id`` when its request is cut
off, when it gives up waiting (``Burst.attempt_seconds``) and when the API answers 503 ``worker_unavailable``; and on
purpose, every 8th case's third command is first sent with a read timeout too short for any answer, the client waits
until the read model holds its event (the command took effect; the client never learnt it) and sends it again: the
answer is that event's seq, and no second event is written. It runs only in the PostgreSQL pass of ``make test``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from store.db import reading
from store.repository import CaseRepository
from tests.dbfixtures import POSTGRES_SKIP_REASON, POSTGRES_URL_ENV, READ_MODEL_ENV, on_postgres
from tests.faults.burst import (
    PATH,
    Answer,
    ApiSender,
    Burst,
    CaseRun,
    Step,
    api_transient,
    assert_each_command_took_effect_once,
    interrupted_work,
    log,
    seed_people,
    sign_in,
)
from tests.faults.procs import Service, Stack

pytestmark = [
    pytest.mark.devserver,
    pytest.mark.timeout(360),
    pytest.mark.skipif(not os.environ.get(POSTGRES_URL_ENV), reason=POSTGRES_SKIP_REASON),
    pytest.mark.skipif(
        bool(os.environ.get(POSTGRES_URL_ENV)) and not on_postgres(),
        reason=f"runs in the PostgreSQL pass of make test only ({READ_MODEL_ENV}=postgresql): its read model is "
        "PostgreSQL, shared by four processes",
    ),
]

CLIENTS = 16
CASES = 167  # × (opening + 5 commands) = 1,002 commands
CUT_EVERY = 8  # every 8th case …
CUT_STEP = 2  # … has its third command (ASSIGN by csw1) first sent with …
CUT_READ_WITHIN = 0.01  # … a read timeout (seconds) shorter than any answer
SEEN_WITHIN = 3.0  # how long the client then waits for its event in the read model before it sends the command again


@dataclass
class Cuts:
    """The commands whose first attempt the client cuts off, and what it found in the read model before retrying."""

    to_cut: set[str] = field(default_factory=set)
    seen: dict[str, int | None] = field(default_factory=dict)  # command id → seq of its event before the retry
    answered_anyway: set[str] = field(default_factory=set)  # answered within the short timeout: nothing was cut


async def seq_in_read_model(sessions: sessionmaker[Session], case_id: str, command_id: str) -> int | None:
    """The seq of the case's event of ``command_id`` once it is there; None if it is not within ``SEEN_WITHIN``."""
    for _ in range(int(SEEN_WITHIN / 0.05)):
        with reading(sessions) as session:
            seqs = [e.seq for e in CaseRepository(session).list_events(case_id) if e.command_id == command_id]
        if seqs:
            return seqs[0]
        await asyncio.sleep(0.05)
    return None


class CuttingSender(ApiSender):
    """A client of the API that gives up on the first attempt of each command of ``cuts.to_cut`` at once."""

    def __init__(
        self, http: httpx.AsyncClient, tokens: dict[str, str], sessions: sessionmaker[Session], cuts: Cuts
    ) -> None:
        super().__init__(http, tokens)
        self._sessions = sessions
        self._cuts = cuts

    async def send(self, case_id: str, step: Step, command_id: str, read_within: float | None = None) -> Answer:
        cuts = self._cuts
        if command_id not in cuts.to_cut or command_id in cuts.seen or command_id in cuts.answered_anyway:
            return await super().send(case_id, step, command_id, read_within)
        try:
            answer = await super().send(case_id, step, command_id, read_within=CUT_READ_WITHIN)
        except httpx.ReadTimeout:
            cuts.seen[command_id] = await seq_in_read_model(self._sessions, case_id, command_id)
            raise  # the burst sends it again, with the same command id
        cuts.answered_anyway.add(command_id)
        return answer


def cut_answers(runs: list[CaseRun], cuts: Cuts) -> dict[str, tuple[int | None, int]]:
    """For each command cut off after it took effect: (its event's seq seen before the retry, the retry's answer)."""
    answers = {}
    for run in runs:
        command_id = run.command_ids[CUT_STEP]
        if cuts.seen.get(command_id) is not None:
            answers[command_id] = (cuts.seen[command_id], run.seqs[1 + CUT_STEP])
    return answers


async def test_two_workers_and_two_apis_apply_a_thousand_commands_once_through_a_worker_kill(stack: Stack) -> None:
    started = time.monotonic()
    client = await stack.start_server()
    workers = await stack.start_workers(2)
    sessions = stack.sessions()
    seed_people(sessions)
    apis = [await stack.start_api(0), await stack.start_api(1)]
    cuts = Cuts()

    async with contextlib.AsyncExitStack() as closing:
        https = [
            await closing.enter_async_context(httpx.AsyncClient(base_url=stack.url_of(apis[i % 2]), timeout=30))
            for i in range(CLIENTS)
        ]
        senders = [CuttingSender(http, await sign_in(http, {"sw1", "csw1"}), sessions, cuts) for http in https]
        burst = Burst(senders[0], CASES, api_transient, deadline_seconds=270, client=client)
        cuts.to_cut = {run.command_ids[CUT_STEP] for run in burst.runs[::CUT_EVERY]}
        victim = workers[0]
        by_survivor_before = 0

        async def crash() -> None:
            nonlocal victim, by_survivor_before
            await burst.reached(burst.total // 2)
            victim = max(workers, key=Service.projections)  # the one with more work in its hands
            victim.kill()
            by_survivor_before = sum(w.projections() for w in workers if w is not victim)
            log.info("%s killed after %d of %d answers", victim.name, burst.completed, burst.total)

        burst_started = time.monotonic()
        await burst.run_during(crash, senders)
        burst_seconds = time.monotonic() - burst_started

        async def send_last_again(sender: ApiSender, runs: list[CaseRun]) -> None:
            for run in runs:  # long after, to the other API process: the same answer, and no second event
                assert await sender.send(run.case_id, PATH[-1], run.command_ids[-1]) == (run.case_id, run.seqs[-1])

        first_answers = {cid: body for s in senders for cid, body in s.answers.items()}
        await asyncio.gather(
            *(send_last_again(senders[(k + 1) % CLIENTS], burst.runs[k::CLIENTS]) for k in range(CLIENTS))
        )
        again = {cid: body for s in senders for cid, body in s.answers.items()}
        changed = [
            run.case_id for run in burst.runs if again[run.command_ids[-1]] != first_answers[run.command_ids[-1]]
        ]

    interrupted = await interrupted_work(client, burst.runs)
    by_api = [sum(len(s.answers) for s in senders[i::2]) for i in range(2)]
    log.info(
        "%s in %.1f s (%.1f commands/s); %s killed; %s; answers by API %s; cut off %d (%d seen applied before the "
        "retry, %d answered within %g s anyway); %.1f s in all",
        burst.summary(),
        burst_seconds,
        burst.total / burst_seconds,
        victim.name,
        interrupted,
        by_api,
        len(cuts.seen),
        sum(seq is not None for seq in cuts.seen.values()),
        len(cuts.answered_anyway),
        CUT_READ_WITHIN,
        time.monotonic() - started,
    )

    assert burst.total >= 1000
    assert not victim.running
    survivor = next(w for w in workers if w is not victim)
    assert survivor.running
    assert survivor.projections() > by_survivor_before, "the other worker carried on"
    assert interrupted, "the kill cut off work in flight"
    assert all(api.running and api.starts == 1 for api in apis)
    assert min(by_api) > burst.total // 4, f"both API processes took commands: {by_api}"
    assert not changed, f"a command sent again long after got another answer: {changed}"
    retried_after_effect = cut_answers(burst.runs, cuts)
    assert retried_after_effect, f"some first attempts were cut off after they took effect: {cuts}"
    wrong = {cid: pair for cid, pair in retried_after_effect.items() if pair[0] != pair[1]}
    assert not wrong, f"a retry after a timeout got another seq than the event already written: {wrong}"
    assert burst.retries >= len(cuts.seen)
    await assert_each_command_took_effect_once(burst.runs, sessions, client)
