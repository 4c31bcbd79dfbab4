"""受付番号 against SQLite and PostgreSQL: in order per municipality and 年度, once per case, never twice under
concurrent openings, the prefix configurable per organisation, and a number whose case never opened listed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statemachines.case.numbers import default_prefix, fiscal_year, looks_like_number, prefix_problem
from statemachines.kernel.roles import OrgKind
from store.accounts import AccountRepository
from store.case_numbers import CaseNumberRecord, allocate_in, unused
from store.models import OrganisationRecord

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def _towns(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        accounts = AccountRepository(session)
        accounts.add_organisation("city-a", OrgKind.MUNICIPALITY, "A市 福祉事務所", [])
        accounts.add_organisation("city-b", OrgKind.MUNICIPALITY, "B町 福祉事務所", [])


def _number(sessions: sessionmaker[Session], case_id: str, town: str = "city-a", day: date = date(2026, 12, 6)) -> str:
    return allocate_in(sessions, case_id=case_id, municipality=town, day=day, now=NOW)


def test_the_fiscal_year_runs_from_april_to_march() -> None:
    assert fiscal_year(date(2026, 4, 1)) == 2026
    assert fiscal_year(date(2027, 3, 31)) == 2026
    assert fiscal_year(date(2027, 4, 1)) == 2027
    assert fiscal_year(date(1, 1, 1)) == 0
    assert fiscal_year(date(9999, 12, 31)) == 9999


def test_the_prefix_is_the_towns_name_unless_configured() -> None:
    assert default_prefix("A市 福祉事務所", "city-a") == "A市"
    assert default_prefix(None, "city-a") == "city-a"
    assert prefix_problem("A市") is None
    assert prefix_problem("") is not None
    assert prefix_problem("A 市") is not None
    assert prefix_problem("A市/") is not None
    assert prefix_problem("x" * 17) is not None
    assert looks_like_number("A市-2026-000123")
    assert not looks_like_number("やまだ")


def test_numbers_run_in_order_per_town_and_year_and_a_case_keeps_its_own(sessions: sessionmaker[Session]) -> None:
    _towns(sessions)
    assert _number(sessions, "c1") == "A市-2026-000001"
    assert _number(sessions, "c2") == "A市-2026-000002"
    assert _number(sessions, "c1") == "A市-2026-000001"  # the same opening again: the same number
    assert _number(sessions, "b1", town="city-b") == "B町-2026-000001"
    assert _number(sessions, "c3", day=date(2027, 3, 31)) == "A市-2026-000003"
    assert _number(sessions, "c4", day=date(2027, 4, 1)) == "A市-2027-000001"  # a new 年度 starts at 1
    with sessions.begin() as session:
        session.get_one(OrganisationRecord, "city-a").case_number_prefix = "あ市相談"
    assert _number(sessions, "c5", day=date(2027, 4, 2)) == "あ市相談-2027-000002"


def test_concurrent_openings_get_distinct_numbers_without_gaps(sessions: sessionmaker[Session]) -> None:
    _towns(sessions)
    cases = [f"c{i}" for i in range(40)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(lambda c: _number(sessions, c), cases + cases[:10]))  # ten of them twice
    assert numbers[40:] == numbers[:10]
    assert sorted(numbers[:40]) == [f"A市-2026-{i:06d}" for i in range(1, 41)]
    with sessions.begin() as session:
        assert len(session.scalars(select(CaseNumberRecord)).all()) == 40


def test_a_number_whose_case_never_opened_is_listed_not_reused(sessions: sessionmaker[Session]) -> None:
    _towns(sessions)
    _number(sessions, "never-started")
    assert _number(sessions, "next") == "A市-2026-000002"
    with sessions.begin() as session:
        assert unused(session, "city-a", 2026) == ["A市-2026-000001", "A市-2026-000002"]  # no cases row for either
