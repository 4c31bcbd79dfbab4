"""``python -m deploy.replay_all``: the full determinism audit (``services.determinism_audit``): every run of every
case workflow on the Temporal server of the settings replayed against today's code, over ``--processes`` processes,
with progress on stderr; the runs that do not replay on stdout (workflow id, why). Exit status 1 if any.

Each replaying process decodes the payloads with the case's data key as the worker does (the read model's keys,
the master key of the settings). ``--dir DIR`` replays the bare history files there instead (``case-<id>.json``, as
``temporal workflow show --output json`` writes them, payloads not encrypted: the recorded fixtures, for instance).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from deploy.connect import connect_temporal, data_keys
from services.determinism_audit import AuditResult, ConverterFactory, audit, case_histories, plain_converter
from settings import Settings
from store.codec import encrypted_data_converter
from store.db import make_engine, session_factory
from workflows.case_workflow import workflow_id
from workflows.ids import case_of_workflow_id


def settings_converter() -> DataConverter:
    """The worker's converter, made in a replaying process from the settings (its own engine on the read model)."""
    settings = Settings()
    sessions = session_factory(make_engine(settings.effective_database_url))
    return encrypted_data_converter(data_keys(settings, sessions), case_of_workflow_id)


def _files(folder: Path) -> list[WorkflowHistory]:
    paths = sorted(folder.glob("*.json"))
    return [WorkflowHistory.from_json(workflow_id(p.stem.removeprefix("case-")), p.read_text("utf-8")) for p in paths]


def _progress(result: AuditResult) -> None:
    sys.stderr.write(
        f"{result.replayed:,} runs replayed, {len(result.failures)} failed, {result.per_s:,.1f}/s "
        f"({result.processes} processes)\n"
    )


async def _run(args: argparse.Namespace) -> AuditResult:
    factory: ConverterFactory = plain_converter
    if args.dir is not None:
        return await audit(_files(args.dir), processes=args.processes, factory=factory, progress=_progress)
    client = await connect_temporal(Settings())  # listing and fetching only: the replaying processes decode
    return await audit(case_histories(client), processes=args.processes, factory=settings_converter, progress=_progress)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.replay_all", description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--dir", type=Path, default=None, help="bare history files instead of the server's runs")
    args = parser.parse_args(argv)
    result = asyncio.run(_run(args))
    for workflow, why in result.failures:
        sys.stdout.write(f"{workflow}\t{why}\n")
    _progress(result)
    return 1 if result.failures else 0


if __name__ == "__main__":
    sys.exit(main())
