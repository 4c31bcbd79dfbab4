"""Auditor CLI: ``python -m workflows replay FILE.json [...]`` replays exported case histories against today's code.

A file is what ``temporal workflow show --output json`` writes, or what Yorisoi archives and exports: one run's
history. It prints the case's timeline (the events the workflow recorded, with their hashes) and the verdict; the
exit status is 0 when every file replays and its hash chain holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from temporalio.client import WorkflowHistory

from statemachines.events import first_broken_link
from workflows.case_workflow import workflow_id
from workflows.history import projected_events, replay


def load(path: Path, case_id: str | None) -> WorkflowHistory:
    name = case_id or path.stem.removeprefix("case-")
    return WorkflowHistory.from_json(workflow_id(name), path.read_text(encoding="utf-8"))


def timeline(history: WorkflowHistory) -> list[str]:
    events = sorted(projected_events([history]).values(), key=lambda e: e.seq)
    return [
        f"{e.seq:>4}  {e.at.isoformat(timespec='seconds')}  {e.actor_id:<10} {e.transition_id:<5} "
        f"{e.command:<24} {e.from_state or '(none)'} → {e.to_state}  {e.hash[:12]}"
        for e in events
    ]


async def verdict(history: WorkflowHistory) -> tuple[bool, list[str]]:
    error = await replay([history])
    events = sorted(projected_events([history]).values(), key=lambda e: e.seq)
    broken = first_broken_link(events) if events and events[0].seq == 1 else None
    lines = [
        f"決定性 deterministic: {'OK' if error is None else 'NG'}" + (f" ({error})" if error else ""),
        f"ハッシュ連鎖 chain: {'OK' if broken is None else f'NG at seq {broken}'}",
        f"イベント数 events: {len(events)}",
    ]
    return error is None and broken is None, lines


async def replay_files(paths: list[Path], case_id: str | None) -> int:
    ok = True
    for path in paths:
        history = load(path, case_id)
        print(f"== {path} ({history.workflow_id})")
        print("\n".join(timeline(history)))
        passed, lines = await verdict(history)
        print("\n".join(lines))
        ok = ok and passed
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workflows", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    replay_parser = commands.add_parser("replay", help="replay exported history files against today's code")
    replay_parser.add_argument("files", nargs="+", type=Path)
    replay_parser.add_argument("--case-id", help="the case id (default: from the file name, case-<id>.json)")
    args = parser.parse_args(argv)
    missing = [p for p in args.files if not p.is_file()]
    if missing:
        parser.error(f"no such file: {', '.join(map(str, missing))}")
    return asyncio.run(replay_files(args.files, args.case_id))


if __name__ == "__main__":
    sys.exit(main())
