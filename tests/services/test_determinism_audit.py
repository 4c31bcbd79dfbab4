"""The determinism audit (services/determinism_audit.py): the recorded histories replayed over two processes, every
one counted, and a history today's code does not make named with why."""

from __future__ import annotations

import json

from temporalio.client import WorkflowHistory

from bench.integrity import recorded_histories
from services.determinism_audit import AuditResult, audit


def _altered(history: WorkflowHistory) -> WorkflowHistory:
    """The history with its first scheduled activity renamed: not what the workflow code schedules."""
    body = json.loads(history.to_json())
    for event in body["events"]:
        scheduled = event.get("activityTaskScheduledEventAttributes")
        if scheduled is not None:
            scheduled["activityType"]["name"] = "not_an_activity_of_the_case"
            break
    return WorkflowHistory.from_json("case-altered", json.dumps(body))


async def test_every_history_is_replayed_across_processes_with_progress() -> None:
    histories = recorded_histories()
    seen: list[int] = []

    def progress(result: AuditResult) -> None:
        seen.append(result.replayed)

    result = await audit(histories, processes=2, chunk=3, progress=progress)

    assert result.replayed == len(histories)
    assert result.failures == []
    assert seen == sorted(seen)
    assert seen[-1] == len(histories)
    assert len(seen) == -(-len(histories) // 3)


async def test_a_history_the_code_does_not_make_is_named_with_why() -> None:
    histories = recorded_histories()
    result = await audit([histories[0], _altered(histories[-1])], processes=2, chunk=1)

    assert result.replayed == 2
    assert [workflow for workflow, _ in result.failures] == ["case-altered"]
    assert "not_an_activity_of_the_case" in result.failures[0][1] or "ondeterminism" in result.failures[0][1]
