"""A projection that failed every try: the dead letter that stands for it until an operator has it tried again.

The workflow keeps the event at the head of its outbox and waits; the dead letter (in the read model, with an OPS
task) says which case, which seq and why, in words without a value of the case: a database's error text quotes the
statement's parameters (personal data), so only its first line, cut before any parameter or detail, is kept.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

PROJECTION_FAILED_TASK = "projection_failed"
ERROR_CHARS = 300
_QUOTING = re.compile(r"\[SQL:|\[parameters:|DETAIL:|\(Background on this error")
_BOILERPLATE = re.compile(r"\((raised as a result of|Background on this error)")  # SQLAlchemy's own notes


class DeadLetter(BaseModel):
    """What the workflow hands the store when a projection failed every try."""

    model_config = ConfigDict(frozen=True)

    workflow_id: str
    case_id: str
    seq: int
    kind: Literal["case", "program"]
    error_type: str
    error: str  # ``sanitized``: no value of the case
    failed_at: datetime


def sanitized(message: str) -> str:
    """The first line that says what went wrong, cut before the parts that quote values, at most ``ERROR_CHARS``."""
    lines = [line.strip() for line in message.splitlines() if line.strip() and not _BOILERPLATE.match(line.strip())]
    first = lines[0] if lines else ""
    found = _QUOTING.search(first)
    return (first[: found.start()] if found else first).strip()[:ERROR_CHARS]
