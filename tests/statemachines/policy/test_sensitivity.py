"""Every field of every record of a case and of its program enrolments is tagged, and each role sees what its tags
allow."""

from __future__ import annotations

import typing
from datetime import UTC, datetime

from pydantic import BaseModel

from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.transitions import Trigger
from statemachines.kernel.roles import Role
from statemachines.policy.sensitivity import CONFIGURATION, TAGS, Sensitivity, redact, special_care_paths, visible_to
from statemachines.programs.housing_benefit.records import HousingApplication, HousingBenefitRecord
from statemachines.programs.housing_benefit.table import HOUSING_BENEFIT
from statemachines.programs.registry import PROGRAMS
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


def _all_record_models() -> set[type[BaseModel]]:
    """The case record's models and every program's (the rule sets pinned on them are configuration: left out)."""
    seen: set[type[BaseModel]] = set()
    roots: list[type[BaseModel]] = [CaseRecord, *(p.record_type for p in PROGRAMS)]
    for root in roots:
        _record_models(root, seen)
    return {m for m in seen if m.__name__ not in CONFIGURATION}


def test_every_field_of_every_record_is_tagged() -> None:
    untagged = [
        f"{m.__name__}.{name}"
        for m in _all_record_models()
        for name in m.model_fields
        if (m.__name__, name) not in TAGS
    ]
    assert untagged == []


def test_every_field_of_every_program_record_is_tagged() -> None:
    names = {m.__name__ for p in PROGRAMS for m in _record_models(p.record_type)} - CONFIGURATION
    assert {"HousingBenefitRecord", "HousingApplication", "BudgetSheet", "Sending", "Means"} <= names
    untagged = [
        f"{m.__name__}.{name}"
        for m in _all_record_models()
        if m.__name__ in names
        for name in m.model_fields
        if (m.__name__, name) not in TAGS
    ]
    assert untagged == []


def test_records_sharing_a_name_are_one_model_and_its_extension() -> None:
    """Tags are keyed by the model's name: two unrelated models of one name would share each other's tags."""
    by_name: dict[str, list[type[BaseModel]]] = {}
    for model in _all_record_models():
        by_name.setdefault(model.__name__, []).append(model)
    unrelated = [
        name
        for name, models in by_name.items()
        if any(not (issubclass(a, b) or issubclass(b, a)) for a in models for b in models)
    ]
    assert unrelated == []


def test_a_program_s_money_is_financial_and_its_notes_and_health_special_care() -> None:
    assert TAGS[("HousingApplication", "household_income")] is Sensitivity.FINANCIAL
    assert TAGS[("HousingApplication", "rent")] is Sensitivity.FINANCIAL
    assert TAGS[("BudgetSheet", "debt_total")] is Sensitivity.FINANCIAL
    assert TAGS[("Means", "household_assets")] is Sensitivity.FINANCIAL
    assert TAGS[("HousingApplication", "days_unable_to_seek")] is Sensitivity.SPECIAL_CARE
    assert TAGS[("WorkReadinessRecord", "extension_reason")] is Sensitivity.SPECIAL_CARE
    assert TAGS[("Sending", "reason")] is Sensitivity.SPECIAL_CARE
    assert TAGS[("HousingSupportRecord", "facility")] is Sensitivity.SPECIAL_CARE
    assert TAGS[("HousingBenefitRecord", "decided_on")] is Sensitivity.BASIC
    assert TAGS[("HousingBenefitRecord", "state")] is Sensitivity.BASIC


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


def _housing_benefit() -> HousingBenefitRecord:
    now = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
    record = HOUSING_BENEFIT.start(enrolment_id="e-1", case_id="c-1", municipality="city-a", now=now)
    application = HousingApplication.model_validate(
        {
            "applied_on": "2026-04-01",
            "route": "job_loss",
            "days_unable_to_seek": 30,
            "main_earner": True,
            "household_income": 80_000,
            "base_amount": 78_000,
            "rent": 50_000,
            "rent_cap": 53_700,
            "household_assets": 300_000,
        }
    )
    return record.model_copy(update={"application": application})


def test_roles_see_of_a_program_record_what_their_tags_allow() -> None:
    data = _housing_benefit().model_dump(mode="json")
    consultant = redact(HousingBenefitRecord, data, visible_to(frozenset({Role.SW})))
    admin = redact(HousingBenefitRecord, data, visible_to(frozenset({Role.ADMIN})))
    ops = redact(HousingBenefitRecord, data, visible_to(frozenset({Role.OPS})))

    assert consultant == data
    assert admin["state"] == "APPLIED"
    assert admin["rules"] == data["rules"]  # configuration, whole
    assert admin["application"]["applied_on"] == "2026-04-01"
    assert set(admin["application"]) == {
        f for f in HousingApplication.model_fields if TAGS[("HousingApplication", f)] is Sensitivity.BASIC
    }
    assert "household_income" not in admin["application"]
    assert "days_unable_to_seek" not in admin["application"]
    assert ops == {}


def test_a_program_record_s_special_care_paths_leave_money_and_configuration_out() -> None:
    data = _housing_benefit().model_dump(mode="json")
    assert special_care_paths(HousingBenefitRecord, data) == [
        "application.days_unable_to_seek",
        "application.housing_lost",
    ]
    assert special_care_paths(HousingBenefitRecord, {**data, "application": None}) == []
