"""Auditor CLI: ``python -m workflows replay FILE.json [...]`` replays exported case histories against today's code.

A file is what ``temporal workflow show --output json`` writes, or what Yorisoi archives and exports: one run's
history. It prints the case's timeline (the events the workflow recorded, with their hashes) and the verdict; the
exit status is 0 when every file replays and its hash chain holds, 1 otherwise.

The payloads of a history are encrypted with the case's data key. ``--codec-endpoint https://host/api/codec`` with
``--token`` (an auditor's bearer token from ``POST /api/auth/token``; or ``YORISOI_TOKEN``) decodes them through
Yorisoi's codec endpoint, which checks that the auditor serves the case's municipality and logs the read.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec

from statemachines.kernel.events import first_broken_link
from workflows.case_workflow import workflow_id
from workflows.history import projected_events, replay


def load(path: Path, case_id: str | None) -> WorkflowHistory:
    name = case_id or path.stem.removeprefix("case-")
    return WorkflowHistory.from_json(workflow_id(name), path.read_text(encoding="utf-8"))


class RemoteCodec(PayloadCodec):
    """Decodes through a codec endpoint (Temporal's codec server protocol); encodes nothing."""

    def __init__(self, endpoint: str, token: str | None) -> None:
        self._endpoint = endpoint.rstrip("/")
        self._token = token

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        if not payloads:
            return []
        body = json_format.MessageToJson(Payloads(payloads=payloads)).encode("utf-8")
        answer = await asyncio.to_thread(self._post, body)
        decoded = Payloads()
        json_format.Parse(answer, decoded)
        return list(decoded.payloads)

    def _post(self, body: bytes) -> bytes:
        headers = {"Content-Type": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        request = urllib.request.Request(f"{self._endpoint}/decode", data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            answer: bytes = response.read()
            return answer


def unreadable(exc: Exception) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"the codec endpoint answered {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"the codec endpoint is unreachable ({exc.reason})"
    return "the payloads are encrypted: give --codec-endpoint and --token (an auditor's)"


def converter_for(endpoint: str | None, token: str | None) -> DataConverter:
    if endpoint is None:
        return pydantic_data_converter
    return dataclasses.replace(pydantic_data_converter, payload_codec=RemoteCodec(endpoint, token))


async def timeline(history: WorkflowHistory, converter: DataConverter) -> list[str]:
    events = sorted((await projected_events([history], converter)).values(), key=lambda e: e.seq)
    return [
        f"{e.seq:>4}  {e.at.isoformat(timespec='seconds')}  {e.actor_id:<10} {e.transition_id:<5} "
        f"{e.command:<24} {e.from_state or '(none)'} → {e.to_state}  {e.hash[:12]}"
        for e in events
    ]


async def verdict(history: WorkflowHistory, converter: DataConverter) -> tuple[bool, list[str]]:
    error = await replay([history], converter)
    events = sorted((await projected_events([history], converter)).values(), key=lambda e: e.seq)
    broken = first_broken_link(events) if events and events[0].seq == 1 else None
    lines = [
        f"決定性 deterministic: {'OK' if error is None else 'NG'}" + (f" ({error})" if error else ""),
        f"ハッシュ連鎖 chain: {'OK' if broken is None else f'NG at seq {broken}'}",
        f"イベント数 events: {len(events)}",
    ]
    return error is None and broken is None, lines


async def replay_files(
    paths: list[Path], case_id: str | None, converter: DataConverter = pydantic_data_converter
) -> int:
    ok = True
    for path in paths:
        history = load(path, case_id)
        print(f"== {path} ({history.workflow_id})")
        try:
            print("\n".join(await timeline(history, converter)))
        except (KeyError, urllib.error.URLError) as exc:
            print(f"読めません unreadable: {unreadable(exc)}")
            ok = False
            continue
        passed, lines = await verdict(history, converter)
        print("\n".join(lines))
        ok = ok and passed
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workflows", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    replay_parser = commands.add_parser("replay", help="replay exported history files against today's code")
    replay_parser.add_argument("files", nargs="+", type=Path)
    replay_parser.add_argument("--case-id", help="the case id (default: from the file name, case-<id>.json)")
    replay_parser.add_argument("--codec-endpoint", help="decode encrypted payloads here (…/api/codec)")
    replay_parser.add_argument("--token", default=os.environ.get("YORISOI_TOKEN"), help="bearer token for it")
    args = parser.parse_args(argv)
    missing = [p for p in args.files if not p.is_file()]
    if missing:
        parser.error(f"no such file: {', '.join(map(str, missing))}")
    converter = converter_for(args.codec_endpoint, args.token)
    return asyncio.run(replay_files(args.files, args.case_id, converter))


if __name__ == "__main__":
    sys.exit(main())
