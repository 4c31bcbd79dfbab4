"""The dev server's SQLite pragmas, A/B: bare updates on two dev servers side by side, in alternating windows.

One server runs with ``deploy.embedded.SQLITE_PRAGMAS`` (what ``make run`` uses), the other with a candidate set;
each has its own bare worker (:mod:`bench.bare`). Windows alternate between them so that whatever else the machine
is doing falls on both alike. Only the bare anchor runs here: it is the server's own cost of an update.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle

from bench.bare import BareWorkflow, start_bare_workflows
from bench.commands import drive
from bench.common import child_env, latency_summary, progress
from deploy.embedded import ROOT, SQLITE_PRAGMAS, dev_server_command, stop, wait_for_server
from deploy.ports import free_port
from settings import Settings

CANDIDATES: dict[str, tuple[str, ...]] = {
    "current": SQLITE_PRAGMAS,
    "wal_synchronous_normal": ("journal_mode=wal", "synchronous=normal"),
}


@dataclass(frozen=True)
class PragmaConfig:
    clients: int = 8
    window_seconds: float = 15.0
    rounds: int = 3


class Server:
    def __init__(self, name: str, pragmas: tuple[str, ...], folder: Path) -> None:
        self.name = name
        self.pragmas = pragmas
        self.settings = Settings(
            data_dir=folder / name, temporal_address=f"127.0.0.1:{free_port()}", temporal_ui_port=free_port()
        )
        self.processes: list[subprocess.Popen[bytes]] = []
        self.client: Client | None = None
        self.handles: list[WorkflowHandle[Any, Any]] = []
        self.samples: list[float] = []
        self.completed = 0
        self.seconds = 0.0

    def command(self) -> list[str]:
        """``dev_server_command`` with this server's pragmas instead of the module's."""
        kept = [arg for arg in dev_server_command(self.settings) if not arg.startswith("--sqlite-pragma=")]
        return [*kept, *(f"--sqlite-pragma={p}" for p in self.pragmas)]

    async def start(self, clients: int) -> None:
        self.settings.data_dir.mkdir(parents=True)
        self.processes.append(self._spawn("temporal.log", self.command()))
        await wait_for_server(self.settings, self.processes[0])
        bare = [sys.executable, "-m", "bench.bare", "--address", self.settings.temporal_address]
        self.processes.append(self._spawn("bare-worker.log", bare))
        self.client = await Client.connect(self.settings.temporal_address)

    async def fresh_workflows(self, clients: int) -> None:
        """A new bare workflow per client for a window (``start_bare_workflows``)."""
        assert self.client is not None
        self.handles = await start_bare_workflows(self.client, clients)

    def _spawn(self, log: str, command: list[str]) -> subprocess.Popen[bytes]:
        with (self.settings.data_dir / log).open("ab") as out:
            return subprocess.Popen(
                command, cwd=ROOT, env=child_env({}), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    async def update(self, i: int, k: int) -> None:
        await self.handles[i].execute_update(BareWorkflow.bump)

    def stop(self) -> None:
        for process in reversed(self.processes):
            stop(process)


async def run(config: PragmaConfig) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="yorisoi-bench-pragmas-") as tmp:
        servers = [Server(name, pragmas, Path(tmp)) for name, pragmas in CANDIDATES.items()]
        try:
            for server in servers:
                await server.start(config.clients)
            for round_ in range(config.rounds):
                for server in servers if round_ % 2 == 0 else reversed(servers):
                    await server.fresh_workflows(config.clients)
                    window = await drive(config.clients, config.window_seconds, 2.0, server.update)
                    if window.errors:
                        raise RuntimeError(f"{server.name} round {round_ + 1}: {window.figures()}")
                    server.samples += window.samples_ms
                    server.completed += window.completed
                    server.seconds += window.seconds
                    progress(f"pragmas: {server.name} round {round_ + 1}: {window.figures()}")
        finally:
            for server in servers:
                server.stop()
    return {
        "clients": config.clients,
        "loadavg_1min": os.getloadavg()[0],
        **{
            s.name: {
                "pragmas": list(s.pragmas),
                "bare_updates_per_s": round(s.completed / s.seconds, 1),
                **latency_summary(s.samples),
            }
            for s in servers
        },
    }
