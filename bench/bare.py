"""The anchor of the command figures: a bare Temporal update round trip, on the same dev server as the product.

``BareWorkflow`` does nothing but count: its update handler adds one and returns. No codec, no activity, no read
model. ``python -m bench.bare --address HOST:PORT --task-queue Q`` runs its worker as a process of its own, as
``worker.py`` runs the product's, so that client, server and worker are placed the same way in both measurements.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import uuid
from typing import Any

from temporalio import workflow
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

TASK_QUEUE = "bench-bare"


@workflow.defn
class BareWorkflow:
    def __init__(self) -> None:
        self.count = 0
        self.done = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.done and workflow.all_handlers_finished())
        return self.count

    @workflow.update
    def bump(self) -> int:
        self.count += 1
        return self.count

    @workflow.signal
    def finish(self) -> None:
        self.done = True


async def start_bare_workflows(client: Client, count: int) -> list[WorkflowHandle[Any, Any]]:
    """``count`` new bare workflows, one for each window's client or case: a workflow takes at most 2,000 updates
    (the server's limit), which one quiet minute can send, while the product's case continues as new long before."""
    return [
        await client.start_workflow(BareWorkflow.run, id=f"bare-{uuid.uuid4().hex[:12]}", task_queue=TASK_QUEUE)
        for _ in range(count)
    ]


async def serve(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    async with Worker(client, task_queue=task_queue, workflows=[BareWorkflow]):
        await stopping.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--address", required=True)
    parser.add_argument("--task-queue", default=TASK_QUEUE)
    args = parser.parse_args()
    asyncio.run(serve(args.address, args.task_queue))


if __name__ == "__main__":
    main()
