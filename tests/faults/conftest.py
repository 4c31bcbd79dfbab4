"""The ``stack`` fixture: real processes torn down whatever happens, their log tails in a failing test's report."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from tests.faults.procs import Stack

STACK_KEY = pytest.StashKey[Stack]()


@pytest.fixture
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    """A stack with nothing started yet; every process it starts is killed at teardown (even after a timeout)."""
    created = Stack.create(tmp_path / "stack")
    request.node.stash[STACK_KEY] = created
    try:
        yield created
    finally:
        created.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    stack = item.stash.get(STACK_KEY, None)
    if stack is not None and report.failed:
        report.sections.append(("subprocess logs (tails)", stack.tails()))
    return report
