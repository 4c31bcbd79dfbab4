"""Histories recorded by the lifecycle scenario replay against today's code: a change that breaks them fails here.

Re-record after an intended, patched change with ``YORISOI_RECORD_HISTORIES=1 make test`` (see README).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows import workflow_runner
from workflows.case_workflow import CaseWorkflow, workflow_id

HISTORIES = sorted((Path(__file__).parent.parent / "histories").glob("*.json"))


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(workflow_id(path.stem), path.read_text(encoding="utf-8"))


def test_recorded_histories_are_present() -> None:
    assert {p.stem for p in HISTORIES} >= {
        "lifecycle",
        "contact-lost",
        "lifecycle-v2",
        "contact-lost-v2",
        "lifecycle-v3",
        "lifecycle-v4",
        "contact-lost-v4",
        "contact-lost-v3",
        "lifecycle-v5",
        "contact-lost-v5",
        "lifecycle-v6",
        "contact-lost-v6",
    }


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_a_recorded_history_replays_against_todays_code(path: Path) -> None:
    history = load(path)
    replayer = Replayer(
        workflows=[CaseWorkflow], data_converter=pydantic_data_converter, workflow_runner=workflow_runner()
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None


async def test_changed_timer_logic_is_caught_by_replay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The guard rail itself: code whose timers differ from the recorded run fails the replay."""
    import statemachines.case.timers

    monkeypatch.setattr(statemachines.case.timers, "next_deadline", lambda case: None)
    path = next(p for p in HISTORIES if p.stem == "lifecycle")
    history = load(path)
    replayer = Replayer(
        workflows=[CaseWorkflow], data_converter=pydantic_data_converter, workflow_runner=workflow_runner()
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None


async def test_the_guards_added_since_replay_only_behind_their_patches(monkeypatch: pytest.MonkeyPatch) -> None:
    """The recorded lifecycle submitted a plan whose 達成時期 (2026-06-30) was past when it ran (2026-12-07): asked on
    replay, G-PLAN-DATES would refuse it. The update handler leaves a guard out of a run recorded before its patch."""
    import workflows.updates

    monkeypatch.setattr(workflows.updates, "waived_guards", lambda process, command: frozenset())
    path = next(p for p in HISTORIES if p.stem == "lifecycle-v6")
    replayer = Replayer(
        workflows=[CaseWorkflow], data_converter=pydantic_data_converter, workflow_runner=workflow_runner()
    )
    result = await replayer.replay_workflow(load(path), raise_on_replay_failure=False)
    assert result.replay_failure is not None
