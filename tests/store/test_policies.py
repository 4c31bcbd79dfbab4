"""PrivacyPolicyRepository against SQLite and PostgreSQL: the 個人情報取扱規程's versions a consent may name."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from store.policies import DuplicatePolicyError, PrivacyPolicy, PrivacyPolicyRepository, PrivacyPolicyRow

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def policy(municipality: str, version: str, effective_from: date, text: str = "規程の本文") -> PrivacyPolicy:
    return PrivacyPolicy(
        municipality=municipality,
        version=version,
        title="個人情報の管理・取扱規程",
        effective_from=effective_from,
        summary="相談支援に必要な範囲で取得し、同意なく提供しない。",
        document_sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


EVERYWHERE_2025 = policy("*", "2025-04", date(2025, 4, 1))
CITY_A_2026 = policy("city-a", "A-2026", date(2026, 4, 1), text="A市の規程")
CITY_B_2026 = policy("city-b", "B-2026", date(2026, 1, 1), text="B町の規程")


def _add(sessions: sessionmaker[Session], *policies: PrivacyPolicy) -> None:
    with sessions.begin() as session:
        repo = PrivacyPolicyRepository(session)
        for p in policies:
            repo.add(p, "admin", NOW)


def test_a_stored_version_round_trips_with_who_added_it_and_when(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        added = PrivacyPolicyRepository(session).add(CITY_A_2026, "admin", NOW)
    with sessions.begin() as session:
        [stored] = PrivacyPolicyRepository(session).list("city-a")
    assert stored == added == PrivacyPolicyRow(**CITY_A_2026.model_dump(), created_at=NOW, created_by="admin")


def test_the_list_of_a_municipality_holds_its_own_and_every_municipality_s_newest_first(
    sessions: sessionmaker[Session],
) -> None:
    _add(sessions, EVERYWHERE_2025, CITY_A_2026, CITY_B_2026)
    with sessions.begin() as session:
        repo = PrivacyPolicyRepository(session)
        assert [p.version for p in repo.list("city-a")] == ["A-2026", "2025-04"]
        assert [p.version for p in repo.list("city-b")] == ["B-2026", "2025-04"]
        assert [p.version for p in repo.list("city-z")] == ["2025-04"]
        assert [p.version for p in repo.list()] == ["A-2026", "B-2026", "2025-04"]


def test_a_version_is_in_force_from_its_effective_date_in_its_municipality(sessions: sessionmaker[Session]) -> None:
    _add(sessions, EVERYWHERE_2025, CITY_A_2026)
    with sessions.begin() as session:
        repo = PrivacyPolicyRepository(session)
        assert repo.in_force("city-a", "A-2026", date(2026, 3, 31)) is None
        found = repo.in_force("city-a", "A-2026", date(2026, 4, 1))
        assert found is not None
        assert found.municipality == "city-a"
        assert repo.in_force("city-b", "A-2026", date(2026, 4, 1)) is None  # another town's version
        everywhere = repo.in_force("city-b", "2025-04", date(2026, 4, 1))  # "*" is every town's
        assert everywhere is not None
        assert everywhere.municipality == "*"
        assert repo.in_force("city-a", "2025-04", date(2025, 3, 31)) is None
        assert repo.in_force("city-a", "v9", date(2030, 1, 1)) is None


def test_a_municipality_s_own_version_comes_before_the_same_name_for_every_municipality(
    sessions: sessionmaker[Session],
) -> None:
    own = policy("city-a", "2025-04", date(2025, 10, 1), text="A市が改めた本文")
    _add(sessions, EVERYWHERE_2025, own)
    with sessions.begin() as session:
        repo = PrivacyPolicyRepository(session)
        found = repo.in_force("city-a", "2025-04", date(2025, 10, 1))
        before = repo.in_force("city-a", "2025-04", date(2025, 9, 30))  # only the "*" one is in force yet
    assert (found and found.document_sha256) == own.document_sha256
    assert (before and before.municipality) == "*"


def test_the_same_version_twice_for_a_municipality_is_refused_and_nothing_changes(
    sessions: sessionmaker[Session],
) -> None:
    _add(sessions, CITY_A_2026)
    again = policy("city-a", "A-2026", date(2027, 4, 1), text="別の本文")
    with sessions.begin() as session, pytest.raises(DuplicatePolicyError) as info:
        PrivacyPolicyRepository(session).add(again, "admin", NOW)
    assert (info.value.municipality, info.value.version) == ("city-a", "A-2026")
    assert "A-2026" in str(info.value)
    _add(sessions, policy("city-b", "A-2026", date(2027, 4, 1)))  # the same name in another town is another version
    with sessions.begin() as session:
        [stored] = PrivacyPolicyRepository(session).list("city-a")
    assert stored.document_sha256 == CITY_A_2026.document_sha256


def test_a_duplicate_leaves_the_rest_of_the_transaction_as_it_was(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        repo = PrivacyPolicyRepository(session)
        repo.add(EVERYWHERE_2025, "admin", NOW)
        with pytest.raises(DuplicatePolicyError):
            repo.add(EVERYWHERE_2025, "admin", NOW)
        repo.add(CITY_A_2026, "admin", NOW)
    with sessions.begin() as session:
        assert len(PrivacyPolicyRepository(session).list()) == 2


@pytest.mark.parametrize(
    "change",
    [
        {"version": ""},
        {"version": "v" * 41},
        {"title": ""},
        {"document_sha256": "abc"},
        {"document_sha256": "g" * 64},
        {"municipality": ""},
        {"extra": "x"},
    ],
)
def test_a_version_that_does_not_fit_is_refused_by_its_model(change: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        PrivacyPolicy.model_validate({**CITY_A_2026.model_dump(), **change})


def test_the_document_hash_is_kept_in_lower_case() -> None:
    upper = PrivacyPolicy.model_validate({**CITY_A_2026.model_dump(), "document_sha256": "AB" * 32})
    assert upper.document_sha256 == "ab" * 32
