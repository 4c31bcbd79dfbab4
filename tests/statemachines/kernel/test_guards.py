"""The kernel's guards (statemachines/kernel/guards.py): what a guard sees of the record and the payload, its
three-valued verdicts (met, unmet, "cannot tell yet"), how an unmet guard is told, and a process's table of them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import BaseModel

from statemachines.kernel.guards import Guard, GuardContext, Verdict, from_payload, guard_table, present
from statemachines.kernel.outcomes import Unmet, UnmetKind
from statemachines.kernel.roles import SYSTEM_ACTOR

NOW = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)


class Household(BaseModel):
    income: int | None = None
    consented: bool = True
    note: str | None = None


class Declaration(BaseModel):
    income: int | None = None
    consented: bool | None = None


FIELDS = frozenset(Declaration.model_fields)


def ctx(record: Household, payload: Declaration | None, fields: frozenset[str] = FIELDS) -> GuardContext[Household]:
    return GuardContext(record, SYSTEM_ACTOR, "declare", payload, fields, NOW)


def low_income(c: GuardContext[Household]) -> Verdict:
    return present(c, "income", lambda v: v < 100)


def declared_low_income(c: GuardContext[Household]) -> Verdict:
    return from_payload(c, "income", lambda v: v < 100)


LOW = Guard("G-LOW", "収入が基準を超えています。", "Income above the limit.", "規則 第4条", low_income)
DECLARED = Guard("G-DECL", "今回の申告がありません。", "Nothing declared now.", "規則 第5条", declared_low_income)


# --- GuardContext ---------------------------------------------------------------------------------------------------


def test_a_value_the_command_brings_wins_over_the_record_s() -> None:
    assert ctx(Household(income=500), Declaration(income=50)).value("income") == 50


def test_a_value_the_command_leaves_empty_is_the_record_s() -> None:
    assert ctx(Household(income=500), Declaration()).value("income") == 500


def test_a_false_value_the_command_brings_is_a_value_not_an_absence() -> None:
    assert ctx(Household(consented=True), Declaration(consented=False)).value("consented") is False


def test_a_field_neither_has_is_none() -> None:
    assert ctx(Household(), Declaration()).value("unknown_field") is None


def test_a_field_of_the_payload_is_awaited_only_while_there_is_no_payload() -> None:
    assert ctx(Household(), None).awaiting("income")
    assert not ctx(Household(), Declaration()).awaiting("income")


def test_a_field_the_payload_does_not_have_is_never_awaited() -> None:
    assert not ctx(Household(), None).awaiting("note")


# --- present --------------------------------------------------------------------------------------------------------


def test_present_is_met_by_the_record_when_explain_has_no_payload() -> None:
    assert low_income(ctx(Household(income=50), None)) is True


def test_present_cannot_tell_yet_what_the_command_would_bring() -> None:
    assert low_income(ctx(Household(income=500), None)) is None


def test_present_is_unmet_by_a_payload_that_fails_the_test() -> None:
    assert low_income(ctx(Household(), Declaration(income=500))) is False


def test_present_is_unmet_by_a_field_no_command_brings() -> None:
    assert low_income(ctx(Household(), None, fields=frozenset())) is False


# --- from_payload ---------------------------------------------------------------------------------------------------


def test_from_payload_is_met_only_by_what_this_command_brings() -> None:
    assert declared_low_income(ctx(Household(), Declaration(income=50))) is True


def test_from_payload_never_counts_a_record_of_an_earlier_round() -> None:
    assert declared_low_income(ctx(Household(income=50), Declaration())) is False


def test_from_payload_cannot_tell_yet_without_a_payload() -> None:
    assert declared_low_income(ctx(Household(income=50), None)) is None


def test_from_payload_is_unmet_when_no_command_brings_the_field() -> None:
    assert declared_low_income(ctx(Household(income=50), None, fields=frozenset())) is False


# --- Guard and guard_table ------------------------------------------------------------------------------------------


def test_a_guard_describes_itself_by_id_messages_and_basis() -> None:
    assert LOW.describe() == {
        "id": "G-LOW",
        "message_ja": "収入が基準を超えています。",
        "message_en": "Income above the limit.",
        "basis": "規則 第4条",
    }


def test_an_unmet_guard_is_told_with_its_id_messages_and_basis() -> None:
    assert LOW.unmet() == Unmet(
        kind=UnmetKind.GUARD,
        id="G-LOW",
        message_ja="収入が基準を超えています。",
        message_en="Income above the limit.",
        basis="規則 第4条",
    )


def test_a_guard_table_holds_the_guards_by_id_in_the_order_written() -> None:
    table = guard_table(DECLARED, LOW)
    assert list(table) == ["G-DECL", "G-LOW"]
    assert table["G-LOW"] is LOW


def test_a_guard_table_refuses_two_guards_with_one_id() -> None:
    twin = Guard("G-LOW", "別の条件です。", "Another condition.", "規則 第6条", declared_low_income)
    with pytest.raises(ValueError, match="G-LOW"):
        guard_table(LOW, twin)
