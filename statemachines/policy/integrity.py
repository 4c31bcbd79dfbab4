"""The messages of the nightly integrity check (workflow ↔ activity), and the kind of task a broken chain opens."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

INTEGRITY_TASK = "chain_broken"


class ChainBatch(BaseModel):
    model_config = ConfigDict(frozen=True)

    after_case_id: str = ""  # cases are walked in case_id order
    limit: int = Field(default=500, ge=1, le=10_000)
    checked_on: str  # the night's date (JST), part of the task id


class BrokenChain(BaseModel):
    """A case the check found wrong at ``seq``: its stored chain (``chain``), or an event the pure machine does not
    make (``rebuild``)."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    seq: int
    finding: Literal["chain", "rebuild"] = "chain"


class ChainReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    checked: int
    broken: list[BrokenChain]
    last_case_id: str | None  # None: no case after ``after_case_id``
