"""関係機関へのつなぎ's words on the case page (process.md §6)."""

from __future__ import annotations

from statemachines.programs.definition import Labels

LABELS = Labels(
    fields={
        "answered_on": "回答日",
        "connected": "つながった",
    },
)
