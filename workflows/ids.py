"""Which case a Temporal workflow id belongs to: the key of the payload codec (``store.codec``).

``case-<case_id>`` is the case; ``program-<case_id>-<program>-v<plan>`` one of its programs (program ids are
snake_case, so the case id is everything before the last two parts). Any other workflow belongs to no case.
"""

from __future__ import annotations

import re

_CASE = re.compile(r"^case-(?P<case>.+)$")
_PROGRAM = re.compile(r"^program-(?P<case>.+)-[a-z][a-z0-9_]*-v\d+$")


def case_of_workflow_id(workflow_id: str) -> str | None:
    for pattern in (_CASE, _PROGRAM):
        match = pattern.fullmatch(workflow_id)
        if match is not None:
            return match["case"]
    return None
