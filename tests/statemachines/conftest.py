"""Every test of the pure engine checks ``Process.effected``'s contract on each record it copies (``traces.untouched``):
an effect added later that changes the record it was given, or reaches something the copy shares, fails the first
test that runs it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from statemachines.kernel.engine import Process
from tests.statemachines.traces import untouched


@pytest.fixture(scope="package", autouse=True)
def effects_leave_no_trace() -> Iterator[None]:
    """Package-wide (Hypothesis refuses function-scoped fixtures in its tests), undone after the package's tests."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Process, "effected", untouched(Process.effected))
        yield
