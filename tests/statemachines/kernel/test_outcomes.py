"""The kernel's answers (statemachines/kernel/outcomes.py): the gate of roles and municipality, the unmet conditions
and their messages, a payload parsed into its model or refused with field errors ready for a 422, and a rejection."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import MappingProxyType

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from statemachines.kernel.outcomes import (
    CommandRejected,
    PayloadInvalid,
    UnmetKind,
    gate,
    not_from_state,
    parse_as,
    unknown,
)
from statemachines.kernel.roles import SYSTEM_ACTOR, Actor, OrgKind, Role

CITY = "city-a"
CONSULTANTS = frozenset({Role.SW, Role.CSW})


def actor(*roles: Role, serves: frozenset[str] = frozenset({CITY})) -> Actor:
    return Actor(user_id="u1", roles=frozenset(roles), organisation="o", org_kind=OrgKind.CONTRACTOR, serves=serves)


class Visit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    place: str = Field(max_length=10)
    minutes: int = 30

    @field_validator("place")
    @classmethod
    def _not_home(cls, value: str) -> str:
        if value == "home":
            raise ValueError("訪問先を具体的に記入してください。")
        return value


class Form(BaseModel):
    """Another model carrying the same fields, as a form posted to the service would."""

    place: str
    at: datetime


class Stamped(BaseModel):
    place: str
    at: str


# --- gate -----------------------------------------------------------------------------------------------------------


def test_a_holder_of_one_of_the_roles_who_serves_the_municipality_passes_the_gate() -> None:
    assert gate(CITY, CONSULTANTS, actor(Role.SW)) == []


def test_a_missing_role_is_refused_naming_the_roles_in_japanese() -> None:
    (unmet,) = gate(CITY, CONSULTANTS, actor(Role.MUN))
    assert (unmet.kind, unmet.id) == (UnmetKind.ROLE, "ROLE")
    assert unmet.message_ja == "この操作には役割 CSW・SW が必要です。"
    assert unmet.message_en == "This command needs one of the roles CSW・SW."


def test_another_municipality_s_case_is_out_of_scope() -> None:
    (unmet,) = gate("city-b", CONSULTANTS, actor(Role.SW))
    assert (unmet.kind, unmet.id) == (UnmetKind.SCOPE, "SCOPE")
    assert unmet.message_ja == "この自治体のケースを担当していません。"


def test_a_wrong_role_and_a_wrong_municipality_are_both_named_role_first() -> None:
    assert [u.kind for u in gate("city-b", CONSULTANTS, actor(Role.MUN))] == [UnmetKind.ROLE, UnmetKind.SCOPE]


def test_an_administrator_who_does_not_serve_the_municipality_is_out_of_scope() -> None:
    admins = frozenset({Role.ADMIN})
    assert [u.id for u in gate(CITY, admins, actor(Role.ADMIN, serves=frozenset()))] == ["SCOPE"]


def test_the_system_serves_every_municipality() -> None:
    assert SYSTEM_ACTOR.serves == frozenset()
    assert gate("anywhere", frozenset({Role.SYSTEM}), SYSTEM_ACTOR) == []


def test_the_system_still_needs_the_row_s_role() -> None:
    assert [u.id for u in gate("anywhere", CONSULTANTS, SYSTEM_ACTOR)] == ["ROLE"]


# --- the other unmet conditions -------------------------------------------------------------------------------------


def test_an_unknown_command_is_named_in_its_message() -> None:
    unmet = unknown("fly")
    assert (unmet.kind, unmet.id, unmet.message_ja, unmet.message_en) == (
        UnmetKind.UNKNOWN,
        "UNKNOWN",
        "不明な操作です: fly",
        "Unknown command: fly",
    )


def test_a_command_not_possible_from_the_state_names_the_state_in_japanese_and_english() -> None:
    unmet = not_from_state("支援終結", "CLOSED", "approve_plan")
    assert (unmet.kind, unmet.id) == (UnmetKind.STATE, "STATE")
    assert unmet.message_ja == "「支援終結」の状態からは approve_plan を実行できません。"
    assert unmet.message_en == "approve_plan is not possible from state CLOSED."


def test_an_unmet_condition_has_no_basis_unless_given_and_is_frozen() -> None:
    unmet = unknown("fly")
    assert unmet.basis == ""
    with pytest.raises(ValidationError):
        unmet.id = "OTHER"  # type: ignore[misc]


def test_a_rejection_carries_its_command_and_every_unmet_condition() -> None:
    unmet = [unknown("fly"), not_from_state("閉", "SHUT", "fly")]
    rejected = CommandRejected("fly", unmet)
    assert (rejected.command, rejected.unmet) == ("fly", unmet)
    assert str(rejected) == "fly rejected: UNKNOWN, STATE"


# --- parse_as -------------------------------------------------------------------------------------------------------


def test_a_mapping_is_parsed_into_the_model() -> None:
    assert parse_as(Visit, "visit", MappingProxyType({"place": "駅前"})) == Visit(place="駅前", minutes=30)


def test_an_instance_of_the_model_passes_as_it_is() -> None:
    visit = Visit(place="駅前")
    assert parse_as(Visit, "visit", visit) is visit


def test_no_payload_is_an_empty_one() -> None:
    class Defaults(BaseModel):
        minutes: int = 30

    assert parse_as(Defaults, "visit", None) == Defaults()
    with pytest.raises(PayloadInvalid):
        parse_as(Visit, "visit", None)


def test_another_model_is_read_through_its_json_form() -> None:
    form = Form(place="駅前", at=datetime(2026, 4, 1, 1, 0, tzinfo=UTC))
    assert parse_as(Stamped, "visit", form) == Stamped(place="駅前", at="2026-04-01T01:00:00Z")


def test_a_payload_that_does_not_fit_raises_payload_invalid_with_every_field_error() -> None:
    with pytest.raises(PayloadInvalid) as info:
        parse_as(Visit, "visit", {"place": "x" * 11, "minutes": "long", "extra": 1})
    assert info.value.command == "visit"
    assert str(info.value) == "invalid payload for visit"
    assert [(e["loc"], e["type"]) for e in info.value.errors] == [
        (("place",), "string_too_long"),
        (("minutes",), "int_parsing"),
        (("extra",), "extra_forbidden"),
    ]
    assert isinstance(info.value.__cause__, ValidationError)


def test_a_payload_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="invalid payload for visit"):
        parse_as(Visit, "visit", {})


def test_the_field_errors_carry_no_url_nor_context_and_are_json_ready() -> None:
    with pytest.raises(PayloadInvalid) as info:
        parse_as(Visit, "visit", {"place": "home"})
    (error,) = info.value.errors
    assert set(error) == {"type", "loc", "msg", "input"}
    assert "訪問先を具体的に記入してください。" in error["msg"]
    json.dumps(info.value.errors)
