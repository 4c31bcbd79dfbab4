"""A field's type read from its annotation, once for the 訂正 and the web's forms (statemachines.kernel.annotations)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Optional, Union

from statemachines.case import corrections
from statemachines.case.records import ClientIdentity, Goal
from statemachines.kernel.annotations import unwrap
from statemachines.kernel.sensitivity import BASIC


def test_unwrap_strips_the_tag_and_none_and_says_whether_none_was_allowed() -> None:
    assert unwrap(ClientIdentity.model_fields["birth_date"].annotation) == (date, True)
    assert unwrap(Annotated[date | None, BASIC]) == (date, True)
    assert unwrap(Optional[Annotated[int, BASIC]]) == (int, True)  # noqa: UP045 (the old spelling too)
    assert unwrap(Annotated[str, BASIC]) == (str, False)
    assert unwrap(list[Goal]) == (list[Goal], False)


def test_a_union_of_several_types_stays_a_union() -> None:
    assert unwrap(int | str | None) == (Union[int, str], True)  # noqa: UP007


def test_the_correction_reads_types_through_the_kernel_s_unwrap() -> None:
    assert getattr(corrections, "unwrap") is unwrap  # noqa: B009 (not exported: read as the module holds it)
    assert not hasattr(corrections, "_unwrap")
