"""When a case's records may be erased: the longest retention of the records it holds, from its end (in Japan)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from statemachines.kernel.rules import DEFAULT_RULESET, DocumentType, RuleSet
from statemachines.policy.retention import documents_of, erasure_due

D = DocumentType


PROGRAMS = {"housing_benefit": D.HOUSING_BENEFIT, "work_readiness": D.PROGRAM}


def test_every_case_holds_a_consultation_record_and_more_as_its_commands_show() -> None:
    assert documents_of([], PROGRAMS) == {D.CONSULTATION}
    assert documents_of(["complete_intake", "end_with_information"], PROGRAMS) == {D.CONSULTATION}
    assert documents_of(["submit_plan"], PROGRAMS) == {D.CONSULTATION, D.PLAN}
    assert documents_of(["housing_benefit.apply", "work_readiness.start"], PROGRAMS) == {
        D.CONSULTATION,
        D.HOUSING_BENEFIT,
        D.PROGRAM,
    }


def test_a_program_s_events_hold_the_kind_of_record_it_declares_and_a_program_record_otherwise() -> None:
    assert documents_of(["housing_benefit.apply"], {}) == {D.CONSULTATION, D.PROGRAM}
    assert documents_of(["work_readiness.start"], {"work_readiness": D.HOUSING_BENEFIT}) == {
        D.CONSULTATION,
        D.HOUSING_BENEFIT,
    }


def test_the_longest_retention_among_the_case_s_records_decides() -> None:
    rules = DEFAULT_RULESET.model_copy(update={"retention": {**DEFAULT_RULESET.retention, D.HOUSING_BENEFIT: "P7Y"}})
    ended = datetime(2026, 3, 31, 3, 0, tzinfo=UTC)
    assert erasure_due(ended, {D.CONSULTATION, D.PLAN}, rules) == date(2031, 3, 31)
    assert erasure_due(ended, {D.CONSULTATION, D.HOUSING_BENEFIT}, rules) == date(2033, 3, 31)


def test_the_end_is_counted_on_its_day_in_japan() -> None:
    late_evening_utc = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)  # 2026-04-01 01:00 in Japan
    assert erasure_due(late_evening_utc, {D.CONSULTATION}, DEFAULT_RULESET) == date(2031, 4, 1)


def test_a_rule_set_names_only_known_kinds_of_record_with_real_durations() -> None:
    base = {"ruleset_id": "r", "effective_from": "2027-04-01"}
    with pytest.raises(ValidationError):
        RuleSet.model_validate({**base, "retention": {"diary": "P5Y"}})
    with pytest.raises(ValidationError):
        RuleSet.model_validate({**base, "retention": {"plan": "P0Y"}})
    assert RuleSet.model_validate(base).retention == dict.fromkeys(DocumentType, "P5Y")
    partial = RuleSet.model_validate({**base, "retention": {"housing_benefit": "P10Y"}})
    assert partial.retention == {**dict.fromkeys(DocumentType, "P5Y"), D.HOUSING_BENEFIT: "P10Y"}
    assert "retention" in DEFAULT_RULESET.sources
