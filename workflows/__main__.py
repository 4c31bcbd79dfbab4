"""Auditor CLI: ``python -m workflows replay FILE.json [...]`` replays exported case histories against today's code.

A file is what Yorisoi exports (``GET /api/cases/{id}/temporal-history``, the ``/audit`` page's history file: the
format of ``workflows/export.py``, every run of the case), the unversioned export of before, or one run's bare
history as ``temporal workflow show --output json`` writes it (name it ``case-<id>.json`` or give ``--case-id``).
Each run is replayed in order, the hash chain is checked across all of them (or, once the case's payloads were erased
after their retention, across the exported skeleton), and the file's digest is checked; the timeline and the verdict
are printed (``--json``: one JSON object per file).

Exit status: 0 when every file replays and its chain and digest hold; 1 when one does not (the seq named); 2 when a
file is not one this CLI reads (not JSON, cut short, another format), with a one-line message and no traceback.

The payloads of a history are encrypted with the case's data key. ``--codec-endpoint https://host/api/codec`` with
``--token`` (an auditor's bearer token from ``POST /api/auth/token``; or ``YORISOI_TOKEN``) decodes them through
Yorisoi's codec endpoint, which checks that the auditor serves the case's municipality and logs the read.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec

from statemachines.case.timers import JST
from statemachines.kernel.events import CaseEvent, first_broken_link
from workflows.case_workflow import workflow_id
from workflows.export import WrongFile, read
from workflows.history import projected_events, replay


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


@dataclasses.dataclass
class Report:
    """What replaying one file found: printed as text, or as JSON with ``--json``."""

    file: str
    case_id: str | None = None
    case_number: str | None = None  # 受付番号, from the first event (None when its payload is erased)
    format_version: int | None = None
    runs: int = 0
    events: int = 0
    deterministic: bool | None = None  # None: not replayed (payloads erased, or unreadable)
    replay_error: str | None = None
    chain_intact: bool | None = None
    first_bad_seq: int | None = None
    digest_ok: bool | None = None  # None: the file carries no digest
    payloads_erased: bool = False
    unreadable: str | None = None
    wrong_file: str | None = None
    timeline: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (
            self.wrong_file is None
            and self.unreadable is None
            and self.deterministic is not False
            and self.chain_intact is True
            and self.digest_ok is not False
        )

    def lines(self) -> list[str]:
        if self.wrong_file is not None:
            return [f"error: {self.file}: {self.wrong_file}"]
        number = f"受付番号 {self.case_number}, " if self.case_number else ""
        head = f"== {self.file} ({number}case {self.case_id}, {self.runs} run{'s' if self.runs != 1 else ''})"
        body = [_timeline_line(e) for e in self.timeline]
        if self.unreadable is not None:
            return [head, *body, f"読めません unreadable: {self.unreadable}"]
        if self.payloads_erased:
            replayed = "— (記録は保存期間の経過により消去 payloads erased: the skeleton's chain only)"
        else:
            replayed = "OK" if self.deterministic else f"NG ({self.replay_error})"
        chain = "OK" if self.chain_intact else f"NG at seq {self.first_bad_seq}"
        digest = {None: "— (none in this file)", True: "OK", False: "NG (the file was changed after its export)"}
        return [
            head,
            *body,
            f"決定性 deterministic: {replayed}",
            f"ハッシュ連鎖 chain: {chain}",
            f"ファイルのダイジェスト digest: {digest[self.digest_ok]}",
            f"イベント数 events: {self.events}",
        ]


def case_number_of(events: Sequence[CaseEvent]) -> str | None:
    """The 受付番号 the opening recorded (``Opened``), None before numbering or once the payloads are erased."""
    opening = next((e for e in events if e.seq == 1), None)
    number = opening.payload.get("case_number") if opening is not None else None
    return number if isinstance(number, str) else None


def _timeline_line(e: dict[str, Any]) -> str:
    return (
        f"{e['seq']:>4}  {e['at']}  {e['actor_id']:<10} {e['transition_id']:<5} "
        f"{e['command']:<24} {e['from_state'] or '(none)'} → {e['to_state']}  {e['hash'][:12]}"
    )


def _entry(e: CaseEvent) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at.astimezone(JST).isoformat(timespec="seconds"),  # 日本時間, with its offset
        "actor_id": e.actor_id,
        "transition_id": e.transition_id,
        "command": e.command,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "hash": e.hash,
    }


async def replay_file(path: Path, case_id: str | None, converter: DataConverter) -> Report:
    report = Report(file=str(path))
    try:
        hint = case_id or path.stem.removeprefix("case-")  # a bare history is named case-<id>.json
        found = read(await asyncio.to_thread(path.read_text, encoding="utf-8"), case_id_hint=hint)
        case = case_id or found.case_id
        histories = [WorkflowHistory.from_json(workflow_id(case), run) for run in found.runs]
    except WrongFile as exc:
        report.wrong_file = str(exc)
        return report
    except UnicodeDecodeError:
        report.wrong_file = "not a text file (not UTF-8)"
        return report
    except (ValueError, TypeError, KeyError) as exc:  # a run that protobuf cannot read as a history
        report.wrong_file = f"a run is not a readable Temporal history ({type(exc).__name__})"
        return report
    report.case_id, report.format_version, report.runs = case, found.version, len(histories)
    report.digest_ok, report.payloads_erased = found.digest_ok, found.payloads_erased
    if found.payloads_erased:
        events = sorted(found.skeleton, key=lambda e: e.seq)
    else:
        try:
            events = sorted((await projected_events(histories, converter)).values(), key=lambda e: e.seq)
        except (KeyError, urllib.error.URLError, ValueError) as exc:
            report.unreadable = unreadable(exc)
            return report
        report.replay_error = await replay(histories, converter)
        report.deterministic = report.replay_error is None
    report.events, report.timeline = len(events), [_entry(e) for e in events]
    report.case_number = case_number_of(events)
    report.first_bad_seq = first_broken_link(events) if events else None
    report.chain_intact = bool(events) and report.first_bad_seq is None
    return report


async def replay_files(
    paths: list[Path],
    case_id: str | None,
    converter: DataConverter = pydantic_data_converter,
    *,
    as_json: bool = False,
) -> int:
    """Replay each file and print what was found: 0 all passed, 1 one failed, 2 one was not a file this reads."""
    reports = [await replay_file(path, case_id, converter) for path in paths]
    for report in reports:
        if as_json:
            print(json.dumps({**dataclasses.asdict(report), "passed": report.passed}, ensure_ascii=False))
        else:
            print("\n".join(report.lines()), file=sys.stderr if report.wrong_file else sys.stdout)
    if any(r.wrong_file for r in reports):
        return 2
    return 0 if all(r.passed for r in reports) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m workflows", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    replay_parser = commands.add_parser("replay", help="replay exported history files against today's code")
    replay_parser.add_argument("files", nargs="+", type=Path)
    replay_parser.add_argument("--case-id", help="the case id of a bare history (default: case-<id>.json's)")
    replay_parser.add_argument("--codec-endpoint", help="decode encrypted payloads here (…/api/codec)")
    replay_parser.add_argument("--token", default=os.environ.get("YORISOI_TOKEN"), help="bearer token for it")
    replay_parser.add_argument("--json", action="store_true", help="one JSON object per file on standard output")
    args = parser.parse_args(argv)
    missing = [p for p in args.files if not p.is_file()]
    if missing:
        parser.error(f"no such file: {', '.join(map(str, missing))}")
    converter = converter_for(args.codec_endpoint, args.token)
    return asyncio.run(replay_files(args.files, args.case_id, converter, as_json=args.json))


if __name__ == "__main__":
    sys.exit(main())
