"""How sensitive a field of a record is (process.md §5.1), written on the field: ``Annotated[str, SPECIAL_CARE]``.

Every field of every record a case holds, its program enrolments' records included, carries one of three tags:

- ``BASIC``: what running the case needs — dates, states, kinds, who was met, program choices.
- ``SPECIAL_CARE``: 要配慮個人情報 (個人情報保護法2条3項) and what points to it — health and disability, life history,
  the client's own words about their situation, DV, family relations, free-text notes that may hold any of them —
  and the client's identity (name, address, phone, birth date), whose link to the rest makes it as sensitive.
- ``FINANCIAL``: income, assets, debts, rent, the household budget, the figures of a means test.

A field that holds records (a sheet, a list of notes) is tagged ``BASIC`` as a container: its records' fields decide.
A field that holds the rules pinned on a record (the rule set, a program's durations and caps) is ``CONFIGURATION``:
the same for every client, basic as a whole, its own fields not looked into.

The tags are ``typing.Annotated`` metadata that pydantic keeps on the field (``FieldInfo.metadata``) and leaves out of
validation and of the JSON schemas; ``statemachines.policy.sensitivity`` reads them to decide what each role sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Sensitivity(StrEnum):
    BASIC = "basic"
    SPECIAL_CARE = "special_care"
    FINANCIAL = "financial"


@dataclass(frozen=True)
class Configuration:
    """The tag of a field holding configuration: basic, and kept or left out as a whole."""

    sensitivity: Sensitivity = Sensitivity.BASIC


BASIC: Final = Sensitivity.BASIC
SPECIAL_CARE: Final = Sensitivity.SPECIAL_CARE
FINANCIAL: Final = Sensitivity.FINANCIAL
CONFIGURATION: Final = Configuration()
