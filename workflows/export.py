"""The one export format of a case's whole history: what the API and the ``/audit`` page hand out, what the auditor CLI
(``python -m workflows replay``) reads.

A file (``yorisoi.case-history``, version 1) holds:

- ``case_id``, ``source`` (``temporal``: read from the Temporal service; ``archive``: from Yorisoi's archive, after
  Temporal's retention) and ``exported_at``;
- ``runs``: every run of the case's workflow, oldest first across continue-as-new, each exactly as
  ``temporal workflow show --output json`` writes a history (payloads encrypted with the case's data key);
- ``payloads_erased`` and ``skeleton``: once the case's records were erased after their retention (crypto-shredding),
  the runs can no longer be decoded; the skeleton (each event's seq, time, actor, command, states, the digest of its
  erased payload and its hashes) is what still proves the chain. Empty while the payloads exist;
- ``digest``: ``sha256:`` and the SHA-256 of the canonical JSON (keys sorted, no spaces, UTF-8) of every other field,
  so a file damaged or edited after the export is told apart from one that is not.

The CLI also reads a bare history file (``temporal workflow show --output json``) and the unversioned
``{"case_id", "source", "runs"}`` the API exported before version 1.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from statemachines.kernel.events import CaseEvent

FORMAT: Final = "yorisoi.case-history"
VERSION: Final = 1


class CaseHistoryExport(BaseModel):
    """A case's whole history, as exported (see the module's docstring)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["yorisoi.case-history"] = FORMAT
    version: Literal[1] = VERSION
    case_id: str = Field(min_length=1, max_length=64)
    source: Literal["temporal", "archive"]
    exported_at: datetime
    runs: list[dict[str, Any]]
    payloads_erased: bool = False
    skeleton: list[CaseEvent] = Field(default_factory=list)
    digest: str = ""

    def content_digest(self) -> str:
        content = self.model_dump(mode="json", exclude={"digest"})
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def sealed(self) -> CaseHistoryExport:
        """This export with its digest filled in."""
        return self.model_copy(update={"digest": self.content_digest()})


def export(
    case_id: str,
    source: Literal["temporal", "archive"],
    runs: list[dict[str, Any]],
    *,
    exported_at: datetime,
    skeleton: list[CaseEvent] | None = None,
) -> CaseHistoryExport:
    """The export of a case; ``skeleton`` (the read model's events) is kept only once its payloads were erased."""
    erased = any(e.payload_erased for e in skeleton or [])
    return CaseHistoryExport(
        case_id=case_id,
        source=source,
        exported_at=exported_at,
        runs=runs,
        payloads_erased=erased,
        skeleton=list(skeleton or []) if erased else [],
    ).sealed()


class WrongFile(Exception):
    """A file that is not a case history this CLI reads: the message says what it is instead, in one line."""


class ReadFile(BaseModel):
    """What a file turned out to hold."""

    case_id: str
    version: int | None  # None: a bare Temporal history or the unversioned export
    runs: list[dict[str, Any]]
    payloads_erased: bool = False
    skeleton: list[CaseEvent] = Field(default_factory=list)
    digest_ok: bool | None = None  # None: the file has no digest to check


def read(text: str, *, case_id_hint: str | None) -> ReadFile:
    """Any file the CLI accepts; ``WrongFile`` for anything else (not JSON, truncated, another format)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise WrongFile(f"not JSON, or cut short (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(value, dict):
        raise WrongFile("not a case history: the file holds a JSON " + type(value).__name__)
    if "format" in value:
        return _versioned(value)
    if "runs" in value and "case_id" in value:
        runs = value["runs"]
        if not isinstance(runs, list) or not all(isinstance(r, dict) and "events" in r for r in runs):
            raise WrongFile("an unversioned export whose runs are not Temporal histories")
        return ReadFile(case_id=str(value["case_id"]), version=None, runs=runs)
    if isinstance(value.get("events"), list):
        if not value["events"]:
            raise WrongFile("a Temporal history without a single event")
        if not case_id_hint:
            raise WrongFile("a bare Temporal history: give --case-id, or name the file case-<id>.json")
        return ReadFile(case_id=case_id_hint, version=None, runs=[value])
    raise WrongFile(f"neither a {FORMAT} export nor a Temporal history (no 'format' and no 'events')")


def _versioned(value: dict[str, Any]) -> ReadFile:
    if value.get("format") != FORMAT:
        raise WrongFile(f"format {str(value.get('format'))[:40]!r} is not {FORMAT!r}")
    if value.get("version") != VERSION:
        raise WrongFile(f"{FORMAT} version {str(value.get('version'))[:20]} is not one this CLI reads ({VERSION})")
    try:
        parsed = CaseHistoryExport.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise WrongFile(f"a {FORMAT} file with a bad field '{where}': {first['msg']}") from None
    if not all("events" in run for run in parsed.runs):
        raise WrongFile("a run of the file is not a Temporal history (no 'events')")
    return ReadFile(
        case_id=parsed.case_id,
        version=parsed.version,
        runs=parsed.runs,
        payloads_erased=parsed.payloads_erased,
        skeleton=parsed.skeleton,
        digest_ok=parsed.digest == parsed.content_digest(),
    )
