"""Verify a case: replay its Temporal history against today's code, and hold its ``case_events`` rows against it.

The projection activity's inputs in the history carry every event the workflow produced, with its hash. A row of
``case_events`` that was altered, deleted or reordered no longer matches them (nor its own chain), and its seq is
reported. So is an event whose coded report facts (``case_events.facts``, beside the chain) are not what its chained
payload says: the monthly report counts them.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from temporalio.client import Client

from statemachines.kernel.events import CaseEvent, first_broken_link
from workflows.history import fetch_histories, projected_events, replay


class VerifyResult(BaseModel):
    deterministic: bool | None = Field(description="None: not checkable, the payloads were erased (crypto-shredding)")
    chain_intact: bool
    events: int
    first_bad_seq: int | None
    runs: int
    replay_error: str | None = None
    payloads_erased: bool = False


def first_mismatch(rows: list[CaseEvent], recorded: dict[int, CaseEvent]) -> int | None:
    """The first seq where the stored rows and the workflow's own events disagree, or the chain breaks."""
    candidates: list[int] = []
    broken = first_broken_link(rows)
    if broken is not None:
        candidates.append(broken)
    by_seq = {row.seq: row for row in rows}
    for seq in sorted(set(recorded) | set(by_seq)):
        row, event = by_seq.get(seq), recorded.get(seq)
        if row is None or event is None or row.hash != event.hash or row != event:
            candidates.append(seq)
            break
    return min(candidates) if candidates else None


async def verify(client: Client, case_id: str, rows: list[CaseEvent], wrong_facts: int | None = None) -> VerifyResult:
    """Replay and cross-check; once the case's payloads are erased, the chain of the rows' skeleton alone.

    After crypto-shredding the history cannot be decoded (so neither replayed nor compared), but every row's hash
    still covers its skeleton and the erased payload's digest: an altered, deleted or reordered row is still found.
    """
    histories = await fetch_histories(client, case_id)
    if any(row.payload_erased for row in rows):
        broken = _earliest(first_broken_link(rows), wrong_facts)
        return VerifyResult(
            deterministic=None,
            chain_intact=broken is None,
            events=len(rows),
            first_bad_seq=broken,
            runs=len(histories),
            payloads_erased=True,
        )
    error = await replay(histories, client.data_converter)
    recorded = await projected_events(histories, client.data_converter)
    bad = _earliest(first_mismatch(rows, recorded), wrong_facts)
    return VerifyResult(
        deterministic=error is None,
        chain_intact=bad is None,
        events=len(recorded),
        first_bad_seq=bad,
        runs=len(histories),
        replay_error=error,
    )


def _earliest(*seqs: int | None) -> int | None:
    found = [s for s in seqs if s is not None]
    return min(found) if found else None
