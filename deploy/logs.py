"""How every process of Yorisoi logs (api.py, worker.py, ``deploy.embedded``, ``deploy.temporal_setup``): one JSON
object per line on stderr, with ``time`` (ISO 8601, UTC), ``level``, ``logger`` and ``message``, and where known
``request_id`` and ``case_id`` (issue 15, "Logs").

A line carries named fields only, never a record's other attributes: what a caller passes as ``extra`` (a payload, a
form) is dropped unless its name is one of ``FIELDS``, and an exception is logged by its type and where it was raised,
never its text (a database error quotes the value it refused). Terminal colour codes are taken out of every message,
so the Temporal core's lines, forwarded into Python logging (``deploy.connect.temporal_runtime``), are plain too.

``YORISOI_LOG_FORMAT=text`` gives the lines a developer reads at a terminal instead (the same filters apply).
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from pythonjsonlogger.json import JsonFormatter

from workflows.ids import case_of_workflow_id

LogFormat = Literal["json", "text"]

FIELDS = (
    "request_id",
    "case_id",
    "method",
    "route",
    "status",
    "duration_ms",
    "exception_type",
    "workflow_id",
    "activity_type",
    "attempt",
)
"""The fields a line may carry beyond time, level, logger and message: ids, routes as templates, counts."""

_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
STACK_FRAMES = 8


def plain(text: str) -> str:
    """``text`` without terminal escape sequences (colours, cursor moves)."""
    return _ESCAPES.sub("", text)


def where_raised(exc_info: Any) -> list[str]:
    """The innermost frames of an exception as ``file:line in function``: enough to find it, no values."""
    if not isinstance(exc_info, tuple) or exc_info[2] is None:
        return []
    frames = traceback.extract_tb(exc_info[2])[-STACK_FRAMES:]
    return [f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in frames]


class JsonLines(JsonFormatter):
    """One JSON object per record, of the named fields only (python-json-logger does the encoding)."""

    def __init__(self) -> None:
        super().__init__(json_ensure_ascii=False)

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        log_data["time"] = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = plain(record.getMessage())
        for name in FIELDS:
            value = record.__dict__.get(name)
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                log_data[name] = plain(value) if isinstance(value, str) else value
        if record.exc_info and record.exc_info[0] is not None:
            log_data["exception_type"] = record.exc_info[0].__name__
            log_data["stack"] = where_raised(record.exc_info)


class TextLines(logging.Formatter):
    """The developer's lines: the message and the fields, the exception by type and place only, no colours."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = f"{self.formatTime(record)} {record.levelname} {record.name} {plain(record.getMessage())}"
        named = [f"{name}={record.__dict__[name]}" for name in ("request_id", "case_id") if name in record.__dict__]
        if record.exc_info and record.exc_info[0] is not None:
            named.append(f"exception_type={record.exc_info[0].__name__}")
            named += [f"at {frame}" for frame in where_raised(record.exc_info)[-1:]]
        return " ".join([line, *named])


class TemporalContext(logging.Filter):
    """Lines of an activity or a workflow (the SDK's ``temporal_activity`` / ``temporal_workflow`` extra) carry the
    workflow id, the activity and its attempt, and the case they belong to."""

    def filter(self, record: logging.LogRecord) -> bool:
        details = record.__dict__.get("temporal_activity") or record.__dict__.get("temporal_workflow")
        if isinstance(details, Mapping):
            workflow_id = details.get("workflow_id")
            if isinstance(workflow_id, str):
                record.workflow_id = workflow_id
                case_id = case_of_workflow_id(workflow_id)
                if case_id is not None and "case_id" not in record.__dict__:
                    record.case_id = case_id
            for name in ("activity_type", "attempt"):
                if name in details:
                    record.__dict__[name] = details[name]
        return True


def log_handler(
    log_format: LogFormat = "json", *, stream: TextIO | None = None, filters: Sequence[logging.Filter] = ()
) -> logging.Handler:
    """A handler writing Yorisoi's lines to ``stream`` (stderr), with ``filters`` adding their fields."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLines() if log_format == "json" else TextLines())
    for added in (TemporalContext(), *filters):
        handler.addFilter(added)
    return handler


def configure_logging(
    log_format: LogFormat = "json", level: str = "INFO", *, filters: Sequence[logging.Filter] = ()
) -> None:
    """The process's logging: the root logger's only handler is Yorisoi's (what ``logging.basicConfig`` was)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(log_handler(log_format, filters=filters))
    root.setLevel(level.upper())
