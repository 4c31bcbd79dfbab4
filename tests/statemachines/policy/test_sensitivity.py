"""Every field of every record of a case and of its program enrolments carries its tag, and each role sees what its
tags allow."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.records import Assessment, ClientIdentity, IntakeRecord, MonitoringNote
from statemachines.case.transitions import Trigger
from statemachines.kernel.roles import Role
from statemachines.kernel.sensitivity import Sensitivity
from statemachines.policy.sensitivity import declared_tag, records_held, redact, special_care_paths, tag_of, visible_to
from statemachines.programs.household_budget.records import BudgetSheet
from statemachines.programs.housing_benefit.records import HousingApplication, HousingBenefitRecord
from statemachines.programs.housing_benefit.table import HOUSING_BENEFIT
from statemachines.programs.housing_support.records import HousingSupportRecord
from statemachines.programs.referral.records import Sending
from statemachines.programs.registry import PROGRAMS
from statemachines.programs.work_readiness.records import Means, WorkReadinessRecord
from tests.factories import VALID_PAYLOADS
from tests.statemachines.paths import reach


def _record_models(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[type[BaseModel]]:
    """``model`` and every record model its fields hold, as the policy walks them (configuration is a leaf)."""
    seen = seen if seen is not None else set()
    if model not in seen:
        seen.add(model)
        for info in model.model_fields.values():
            nested = records_held(info)
            if nested is not None:
                _record_models(nested, seen)
    return seen


def _all_record_models() -> set[type[BaseModel]]:
    """The case record's models and every program's."""
    seen: set[type[BaseModel]] = set()
    roots: list[type[BaseModel]] = [CaseRecord, *(p.record_type for p in PROGRAMS)]
    for root in roots:
        _record_models(root, seen)
    return seen


def _untagged(models: set[type[BaseModel]]) -> list[str]:
    return sorted(
        f"{m.__module__}.{m.__name__}.{name}"
        for m in models
        for name, info in m.model_fields.items()
        if declared_tag(info) is None
    )


def test_every_field_of_every_record_is_tagged() -> None:
    assert _untagged(_all_record_models()) == []


def test_every_field_of_every_program_record_is_tagged() -> None:
    models = {m for p in PROGRAMS for m in _record_models(p.record_type)}
    assert {HousingBenefitRecord, HousingApplication, BudgetSheet, Sending, Means} <= models
    assert _untagged(models) == []


def test_the_walk_finds_the_records_a_field_holds_but_not_the_rules_pinned_on_it() -> None:
    names = {m.__name__ for m in _all_record_models()}
    assert {"IntakeRecord", "ClientIdentity", "Goal", "HousingApplication", "MonthlyEvidence", "CashFlowMonth"} <= names
    assert not {"RuleSet", "HousingBenefitRules"} & names
    assert records_held(CaseRecord.model_fields["ruleset"]) is None
    assert tag_of(CaseRecord, "ruleset") is Sensitivity.BASIC


def test_an_untagged_field_is_treated_as_special_care() -> None:
    class Untagged(BaseModel):
        remark: str = ""

    assert tag_of(Untagged, "remark") is Sensitivity.SPECIAL_CARE
    assert tag_of(Untagged, "no_such_field") is Sensitivity.SPECIAL_CARE
    assert special_care_paths(Untagged, {"remark": "…"}) == ["remark"]


def test_a_program_s_money_is_financial_and_its_notes_and_health_special_care() -> None:
    assert tag_of(HousingApplication, "household_income") is Sensitivity.FINANCIAL
    assert tag_of(HousingApplication, "rent") is Sensitivity.FINANCIAL
    assert tag_of(BudgetSheet, "debt_total") is Sensitivity.FINANCIAL
    assert tag_of(Means, "household_assets") is Sensitivity.FINANCIAL
    assert tag_of(HousingApplication, "days_unable_to_seek") is Sensitivity.SPECIAL_CARE
    assert tag_of(WorkReadinessRecord, "extension_reason") is Sensitivity.SPECIAL_CARE
    assert tag_of(Sending, "reason") is Sensitivity.SPECIAL_CARE
    assert tag_of(HousingSupportRecord, "facility") is Sensitivity.SPECIAL_CARE
    assert tag_of(HousingBenefitRecord, "decided_on") is Sensitivity.BASIC
    assert tag_of(HousingBenefitRecord, "state") is Sensitivity.BASIC


def test_the_client_s_words_health_and_identity_are_special_care_and_money_is_financial() -> None:
    assert tag_of(ClientIdentity, "name") is Sensitivity.SPECIAL_CARE
    assert tag_of(Assessment, "health") is Sensitivity.SPECIAL_CARE
    assert tag_of(MonitoringNote, "content") is Sensitivity.SPECIAL_CARE
    assert tag_of(Assessment, "finances") is Sensitivity.FINANCIAL
    assert tag_of(IntakeRecord, "received_on") is Sensitivity.BASIC


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
        f for f in HousingApplication.model_fields if tag_of(HousingApplication, f) is Sensitivity.BASIC
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
