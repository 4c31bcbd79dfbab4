"""Search attributes a case upserts: where it stands, never who it is (no names or other personal data)."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

STAGE = SearchAttributeKey.for_keyword("YorisoiStage")
STATE = SearchAttributeKey.for_keyword("YorisoiState")
MUNICIPALITY = SearchAttributeKey.for_keyword("YorisoiMunicipality")
ASSIGNEE = SearchAttributeKey.for_keyword("YorisoiAssignee")
NEXT_DUE = SearchAttributeKey.for_datetime("YorisoiNextDue")

ALL_KEYS = (STAGE, STATE, MUNICIPALITY, ASSIGNEE, NEXT_DUE)


def cli_flags() -> list[str]:
    """``--search-attribute`` flags for ``temporal server start-dev``."""
    kinds = {"KEYWORD": "Keyword", "DATETIME": "Datetime"}
    return [
        f"--search-attribute={k.name}={kinds[k.indexed_value_type.name.removeprefix('INDEXED_VALUE_TYPE_')]}"
        for k in ALL_KEYS
    ]
