"""Verify throughput: the replay and chain check that ``/api/cases/{id}/verify`` and the auditors' 「検証」 run.

Over the recorded histories of ``tests/histories/`` (plaintext fixtures of real lifecycle and contact-lost cases,
112 to 584 events each), replicated: for each history, ``workflows.history.replay`` against today's code, then the
events the workflow projected (``projected_events``) and ``statemachines.events.first_broken_link`` over them, as
``web.audit.verify`` does once it has fetched the history. Fetching is left out (the history comes from the
server as protobuf in the product); parsing the fixtures' JSON is measured apart, since the product never does it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHistory

from bench.common import percentile, progress
from statemachines.kernel.events import first_broken_link
from workflows.case_workflow import workflow_id
from workflows.history import projected_events, replay

HISTORIES = Path(__file__).resolve().parent.parent / "tests" / "histories"


@dataclass(frozen=True)
class VerifyConfig:
    rounds: int = 20


async def verify_one(history: WorkflowHistory) -> None:
    error = await replay([history])
    if error is not None:
        raise AssertionError(f"{history.workflow_id} does not replay: {error}")
    events = await projected_events([history])
    broken = first_broken_link(list(events.values()))
    if broken is not None:
        raise AssertionError(f"{history.workflow_id}: the chain breaks at seq {broken}")


async def run(config: VerifyConfig) -> dict[str, Any]:
    paths = sorted(HISTORIES.glob("*.json"))
    texts = [(p.stem, p.read_text(encoding="utf-8")) for p in paths]
    started = time.perf_counter()
    histories = [WorkflowHistory.from_json(workflow_id(stem), text) for stem, text in texts]
    parse_ms = (time.perf_counter() - started) * 1000 / len(histories)
    await verify_one(histories[0])  # warm: the sandbox's first import of the workflow module
    each: list[float] = []
    started = time.perf_counter()
    for round_ in range(config.rounds):
        for history in histories:
            began = time.perf_counter()
            await verify_one(history)
            each.append((time.perf_counter() - began) * 1000)
        if (round_ + 1) % 5 == 0:
            progress(f"verify: {len(each)} histories, {len(each) / (time.perf_counter() - started):.1f}/s")
    seconds = time.perf_counter() - started
    return {
        "histories": len(each),
        "distinct_histories": len(histories),
        "events_per_history": {
            "min": min(len(h.events) for h in histories),
            "max": max(len(h.events) for h in histories),
        },
        "per_s": round(len(each) / seconds, 1),
        "p50_ms": round(percentile(each, 50), 1),
        "p95_ms": round(percentile(each, 95), 1),
        "json_parse_ms_per_history": round(parse_ms, 1),
    }
