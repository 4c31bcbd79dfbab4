"""Domain errors of the store. They carry no transport concerns (no HTTP status, no Temporal types)."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of the store's domain errors."""


class ChainConflictError(StoreError):
    """An event cannot join a case's hash chain: another event holds its seq, or its link is wrong.

    Retrying does not help: the workflow and the store disagree about the history of the case.
    """

    def __init__(self, case_id: str, seq: int, reason: str) -> None:
        super().__init__(f"case {case_id} seq {seq}: {reason}")
        self.case_id = case_id
        self.seq = seq
        self.reason = reason
