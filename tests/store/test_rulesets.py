"""RulesetRepository against SQLite and PostgreSQL: stored rule sets and the rule book they make."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from statemachines.kernel.rules import DEFAULT_RULESET, NATIONAL_2026, NATIONAL_RULESETS, RuleSet
from store.errors import DuplicateRulesetError
from store.models import RulesetRecord
from store.rulesets import RulesetRepository

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

CITY_A_2026 = RuleSet(
    ruleset_id="city-a-2026-04",
    municipality="city-a",
    effective_from=date(2026, 4, 1),
    plan_period="P3M",
    follow_up_offsets=["P2M", "P4M"],
    task_due={"intake": "P2D"},
    sources={"plan_period": "A市 実施要領 §6 「3か月以内」"},
)
CITY_A_2025 = RuleSet(ruleset_id="city-a-2025-10", municipality="city-a", effective_from=date(2025, 10, 1))
CITY_B_2026 = RuleSet(ruleset_id="city-b-2026-01", municipality="city-b", effective_from=date(2026, 1, 1))


def test_an_empty_store_has_the_default_rule_book(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        rulesets = RulesetRepository(session)
        assert rulesets.list() == list(NATIONAL_RULESETS)
        assert rulesets.rulebook().rulesets == list(NATIONAL_RULESETS)
        assert rulesets.get(DEFAULT_RULESET.ruleset_id) == DEFAULT_RULESET
        assert rulesets.get(NATIONAL_2026.ruleset_id) == NATIONAL_2026
        assert rulesets.get("city-a-2026-04") is None


def test_a_stored_rule_set_round_trips(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        RulesetRepository(session).add(CITY_A_2026, "admin", NOW)
    with sessions.begin() as session:
        assert RulesetRepository(session).get("city-a-2026-04") == CITY_A_2026
        record = session.get_one(RulesetRecord, "city-a-2026-04")
    assert record.municipality == "city-a"
    assert record.effective_from == date(2026, 4, 1)
    assert record.created_by == "admin"
    assert record.created_at == NOW
    assert record.body == CITY_A_2026.model_dump(mode="json")


def test_list_orders_by_municipality_then_date_and_filters(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        rulesets = RulesetRepository(session)
        for ruleset in (CITY_B_2026, CITY_A_2026, CITY_A_2025):
            rulesets.add(ruleset, "admin", NOW)
    with sessions.begin() as session:
        rulesets = RulesetRepository(session)
        assert [r.ruleset_id for r in rulesets.list()] == [
            DEFAULT_RULESET.ruleset_id,  # "*" sorts first, by date
            NATIONAL_2026.ruleset_id,
            "city-a-2025-10",
            "city-a-2026-04",
            "city-b-2026-01",
        ]
        assert [r.ruleset_id for r in rulesets.list("city-a")] == ["city-a-2025-10", "city-a-2026-04"]
        assert rulesets.list("*") == list(NATIONAL_RULESETS)
        assert rulesets.list("city-z") == []


def test_the_rule_book_picks_stored_rule_sets_by_municipality_and_date(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        rulesets = RulesetRepository(session)
        rulesets.add(CITY_A_2025, "admin", NOW)
        rulesets.add(CITY_A_2026, "admin", NOW)
    with sessions.begin() as session:
        book = RulesetRepository(session).rulebook()
    assert book.in_force("city-a", date(2025, 9, 30)) == DEFAULT_RULESET
    assert book.in_force("city-a", date(2025, 10, 1)) == CITY_A_2025
    assert book.in_force("city-a", date(2026, 3, 31)) == CITY_A_2025
    assert book.in_force("city-a", date(2026, 4, 1)) == CITY_A_2026
    assert book.in_force("city-a", date(2026, 4, 1)).plan_period == "P3M"
    assert book.in_force("city-b", date(2026, 4, 1)) == DEFAULT_RULESET


def test_a_stored_rule_set_with_the_default_s_id_replaces_it(sessions: sessionmaker[Session]) -> None:
    national = DEFAULT_RULESET.model_copy(update={"plan_period": "P9M"})
    with sessions.begin() as session:
        RulesetRepository(session).add(national, "admin", NOW)
    with sessions.begin() as session:
        rulesets = RulesetRepository(session)
        book = rulesets.rulebook()
        assert rulesets.get(DEFAULT_RULESET.ruleset_id) == national
    assert book.rulesets == [national, NATIONAL_2026]
    assert book.in_force("city-a", date(2026, 4, 1)).plan_period == "P9M"


def test_item10_the_national_timer_defaults_change_by_a_new_version_not_under_pinned_cases(
    sessions: sessionmaker[Session],
) -> None:
    """Issue 18 item 10 (process.md §1.6, §1.7, §7: monitoring P1M, no-contact P30D plus documented attempts, S11): the
    store's rule book holds both national versions; a case opened before 2026-12-07 is given (and its pinned id still
    reads back) the 2025 values, one opened from that day the new ones."""
    with sessions.begin() as session:
        rulesets = RulesetRepository(session)
        book = rulesets.rulebook()
        before, after = book.in_force("city-b", date(2026, 12, 6)), book.in_force("city-b", date(2026, 12, 7))
        assert (before.ruleset_id, before.monitoring_interval, before.no_contact_threshold) == (
            "national-2025-04",
            "P30D",
            "P60D",
        )
        assert (after.ruleset_id, after.monitoring_interval, after.no_contact_threshold) == (
            "national-2026-12",
            "P1M",
            "P30D",
        )
        assert rulesets.get("national-2025-04") == before


def test_duplicates_are_refused(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        rulesets = RulesetRepository(session)
        rulesets.add(CITY_A_2026, "admin", NOW)
        with pytest.raises(DuplicateRulesetError) as same_id:
            rulesets.add(CITY_A_2026.model_copy(update={"plan_period": "P4M"}), "admin", NOW)
        assert same_id.value.ruleset_id == "city-a-2026-04"
        with pytest.raises(DuplicateRulesetError, match="city-a-2026-04"):
            rulesets.add(CITY_A_2026.model_copy(update={"ruleset_id": "city-a-2026-04b"}), "admin", NOW)
        with pytest.raises(DuplicateRulesetError, match=DEFAULT_RULESET.ruleset_id):
            rulesets.add(DEFAULT_RULESET.model_copy(update={"ruleset_id": "national-bis"}), "admin", NOW)
        # The session is still usable after a refusal.
        rulesets.add(CITY_B_2026, "admin", NOW)
    with sessions.begin() as session:
        assert [r.ruleset_id for r in RulesetRepository(session).list()] == [
            DEFAULT_RULESET.ruleset_id,
            NATIONAL_2026.ruleset_id,
            "city-a-2026-04",
            "city-b-2026-01",
        ]
