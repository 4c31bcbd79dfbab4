"""Every field of every record of a case is tagged, and each role sees what its tags allow."""

from __future__ import annotations

import typing

from pydantic import BaseModel

from statemachines.case import Trigger
from statemachines.case_record import CaseRecord, CaseState
from statemachines.roles import Role
from statemachines.sensitivity import TAGS, Sensitivity, redact, special_care_paths, visible_to
from tests.factories import VALID_PAYLOADS
from tests.statemachines.paths import reach


def _record_models(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[type[BaseModel]]:
    seen = seen if seen is not None else set()
    if model in seen:
        return seen
    seen.add(model)
    for info in model.model_fields.values():
        stack = [info.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                _record_models(annotation, seen)
            stack += list(typing.get_args(annotation))
    return seen


def test_every_field_of_every_record_is_tagged() -> None:
    skip = {"RuleSet"}  # the pinned rule set: configuration, not a record about the client
    untagged = [
        f"{m.__name__}.{name}"
        for m in _record_models(CaseRecord)
        if m.__name__ not in skip
        for name in m.model_fields
        if (m.__name__, name) not in TAGS
    ]
    assert untagged == []


def test_the_client_s_words_health_and_identity_are_special_care_and_money_is_financial() -> None:
    assert TAGS[("ClientIdentity", "name")] is Sensitivity.SPECIAL_CARE
    assert TAGS[("Assessment", "health")] is Sensitivity.SPECIAL_CARE
    assert TAGS[("MonitoringNote", "content")] is Sensitivity.SPECIAL_CARE
    assert TAGS[("Assessment", "finances")] is Sensitivity.FINANCIAL
    assert TAGS[("IntakeRecord", "received_on")] is Sensitivity.BASIC


def test_roles_see_what_their_tags_allow() -> None:
    case = reach(CaseState.PLAN_DRAFTING)
    data = case.model_dump(mode="json")
    assert data["assessment"]["health"]
    consultant = redact(CaseRecord, data, visible_to(frozenset({Role.SW})))
    admin = redact(CaseRecord, data, visible_to(frozenset({Role.ADMIN})))
    ops = redact(CaseRecord, data, visible_to(frozenset({Role.OPS})))
    assert consultant["assessment"]["health"] == data["assessment"]["health"]
    assert "health" not in admin["assessment"]
    assert "finances" not in admin["assessment"]
    assert admin["intake"]["received_on"] == data["intake"]["received_on"]
    assert ops == {}


def test_special_care_paths_name_the_filled_fields_only() -> None:
    case = reach(CaseState.PLAN_DRAFTING)
    paths = special_care_paths(CaseRecord, case.model_dump(mode="json"))
    assert "assessment.health" in paths
    assert "assessment.finances" not in paths  # financial, not special care
    assert "intake.received_on" not in paths
    assert special_care_paths(CaseRecord, {"intake": {"received_on": "2026-01-01"}}) == []
    assert Trigger.COMPLETE_ASSESSMENT in VALID_PAYLOADS
