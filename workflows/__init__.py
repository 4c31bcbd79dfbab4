"""Temporal workflows: one durable workflow per case. Imports ``statemachines`` only (never store, web, settings)."""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

PASSTHROUGH = ("statemachines", "transitions", "six")


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox with the pure process definition passed through: imported once per process, not per run."""
    return SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH))
