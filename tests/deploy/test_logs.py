"""The one way every process logs (deploy/logs.py): a JSON object per line of named fields only, in UTC, with no
terminal escapes and no exception text; the developer's text lines keep to the same rules."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from deploy.logs import log_handler

NAME = "鈴木ログ花子"


Logged = tuple[logging.Logger, io.StringIO]


@pytest.fixture
def logger() -> Iterator[Logged]:
    """A logger of its own writing JSON lines to a buffer (what ``configure_logging`` puts on the root)."""
    stream = io.StringIO()
    log = logging.getLogger("yorisoi.test_logs")
    handler = log_handler("json", stream=stream)
    log.addHandler(handler)
    log.propagate, log.level = False, logging.DEBUG
    try:
        yield log, stream
    finally:
        log.removeHandler(handler)
        log.propagate = True


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_line_holds_time_in_utc_level_logger_message_and_the_named_fields_only(
    logger: Logged,
) -> None:
    log, stream = logger
    log.info("case %s moved", "0123abcd", extra={"case_id": "0123abcd", "payload": {"name": NAME}, "status": 200})
    [line] = lines(stream)
    assert line == {
        "time": line["time"],
        "level": "INFO",
        "logger": "yorisoi.test_logs",
        "message": "case 0123abcd moved",
        "case_id": "0123abcd",
        "status": 200,
    }
    assert line["time"].endswith("+00:00")


def test_an_exception_is_logged_by_its_type_and_place_never_its_text(
    logger: Logged,
) -> None:
    log, stream = logger
    try:
        raise ValueError(f"value too long for type character varying(64): {NAME}")
    except ValueError:
        log.exception("the projection failed")
    [line] = lines(stream)
    assert line["exception_type"] == "ValueError"
    assert "test_logs.py" in line["stack"][-1]
    assert NAME not in stream.getvalue()


def test_terminal_escapes_are_taken_out_of_every_line(
    logger: Logged,
) -> None:
    log, stream = logger
    log.warning("\x1b[33m WARN\x1b[0m \x1b[2mtemporalio_sdk_core::worker\x1b[0m: capability missing")
    [line] = lines(stream)
    assert line["message"] == " WARN temporalio_sdk_core::worker: capability missing"
    assert "\x1b" not in stream.getvalue()
    assert "\\u001b" not in stream.getvalue()


def test_an_activity_s_line_names_its_workflow_and_case(
    logger: Logged,
) -> None:
    log, stream = logger
    details = {"workflow_id": "program-0123abcd4567-housing_benefit-v1", "activity_type": "project", "attempt": 2}
    log.info("projected", extra={"temporal_activity": details})
    [line] = lines(stream)
    assert (line["workflow_id"], line["case_id"], line["activity_type"], line["attempt"]) == (
        details["workflow_id"],
        "0123abcd4567",
        "project",
        2,
    )


def test_the_text_format_keeps_the_same_rules(logger: Logged) -> None:
    log, stream = logger
    log.handlers[0].setFormatter(log_handler("text").formatter)
    try:
        raise KeyError(NAME)
    except KeyError:
        log.error("\x1b[31mfailed\x1b[0m", exc_info=True, extra={"request_id": "r-1", "payload": NAME})
    [line] = stream.getvalue().splitlines()
    assert " ERROR yorisoi.test_logs failed request_id=r-1 exception_type=KeyError at " in line
    assert NAME not in line
    assert "\x1b" not in line
