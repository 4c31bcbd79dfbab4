"""AccountRepository against SQLite and PostgreSQL: organisations, users, argon2id passwords and actors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statemachines.kernel.roles import OrgKind, Role
from store.accounts import PASSWORD_HASHER, AccountRepository, UserRow
from store.errors import (
    AccountError,
    DuplicateOrganisationError,
    DuplicateUserError,
    InvalidAccountError,
    UnknownOrganisationError,
    UnknownUserError,
)
from store.models import UserRecord
from tests.passwords import CHEAP_HASHER as CHEAP

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
# argon2id with the smallest parameters: the production hasher costs about 0.2 s a hash.


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verified.append(hash if isinstance(hash, str) else hash.decode())
        return super().verify(hash, password)


def seed(session: Session, hasher: PasswordHasher = CHEAP) -> AccountRepository:
    """city-a and city-b (municipalities), contractor-a serving both; a user in each of city-a and contractor-a."""
    accounts = AccountRepository(session, hasher)
    accounts.add_organisation("city-a", OrgKind.MUNICIPALITY, "A市", [], population=120_000)
    accounts.add_organisation("city-b", OrgKind.MUNICIPALITY, "B町", ["city-b"])
    accounts.add_organisation("contractor-a", OrgKind.CONTRACTOR, "A市社会福祉協議会", ["city-b", "city-a"])
    accounts.add_user("sw1", "correct horse", {Role.SW, Role.CSW}, "contractor-a", "相談 太郎", now=NOW)
    accounts.add_user("mun1", "battery staple", {Role.MUN}, "city-a", "市 花子", now=NOW)
    return accounts


# -- organisations ------------------------------------------------------------------------------------------------


def test_a_municipality_serves_itself_and_a_contractor_the_municipalities_it_names(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        seed(session)
    with sessions.begin() as session:
        orgs = {o.org_id: o for o in AccountRepository(session, CHEAP).list_organisations()}
    assert list(orgs) == ["city-a", "city-b", "contractor-a"]
    assert orgs["city-a"].serves == ["city-a"]
    assert orgs["city-a"].population == 120_000
    assert orgs["city-a"].kind is OrgKind.MUNICIPALITY
    assert orgs["city-b"].serves == ["city-b"]
    assert orgs["city-b"].population is None
    assert orgs["contractor-a"].serves == ["city-a", "city-b"]
    assert orgs["contractor-a"].kind is OrgKind.CONTRACTOR
    assert orgs["contractor-a"].name_ja == "A市社会福祉協議会"


def test_organisations_that_cannot_be_added(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        accounts = seed(session)
        with pytest.raises(DuplicateOrganisationError):
            accounts.add_organisation("city-a", OrgKind.MUNICIPALITY, "A市", [])
        with pytest.raises(UnknownOrganisationError):
            accounts.add_organisation("npo-x", OrgKind.CONTRACTOR, "NPO", ["city-z"])
        with pytest.raises(InvalidAccountError):
            accounts.add_organisation("npo-x", OrgKind.CONTRACTOR, "NPO", ["contractor-a"])
        with pytest.raises(InvalidAccountError):
            accounts.add_organisation("npo-x", OrgKind.CONTRACTOR, "NPO", [])
        with pytest.raises(InvalidAccountError):
            accounts.add_organisation("yorisoi", OrgKind.SYSTEM, "システム", [])
        with pytest.raises(InvalidAccountError):
            accounts.add_organisation("", OrgKind.MUNICIPALITY, "空", [])
        # The session is still usable after a refused insert.
        accounts.add_organisation("npo-x", OrgKind.CONTRACTOR, "NPO", ["city-b"])
    with sessions.begin() as session:
        assert AccountRepository(session).get_organisation("npo-x") is not None
        assert AccountRepository(session).get_organisation("npo-y") is None


# -- users --------------------------------------------------------------------------------------------------------


def test_a_user_is_stored_with_an_argon2id_hash_and_read_back_without_it(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        seed(session)
    with sessions.begin() as session:
        stored = session.scalars(select(UserRecord).where(UserRecord.user_id == "sw1")).one()
        user = AccountRepository(session, CHEAP).get_user("sw1")
    assert stored.password_hash.startswith("$argon2id$")
    assert "correct horse" not in stored.password_hash
    assert stored.roles == ["CSW", "SW"]
    assert user == UserRow(
        user_id="sw1",
        display_name="相談 太郎",
        roles=frozenset({Role.SW, Role.CSW}),
        org_id="contractor-a",
        active=True,
        created_at=NOW,
        password_changed_at=NOW,
    )
    assert "password_hash" not in UserRow.model_fields
    assert user.model_dump(mode="json")["roles"] == ["CSW", "SW"]


def test_users_that_cannot_be_added(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        accounts = seed(session)
        with pytest.raises(DuplicateUserError):
            accounts.add_user("sw1", "another", {Role.SW}, "contractor-a", "二人目")
        with pytest.raises(UnknownOrganisationError):
            accounts.add_user("sw9", "pw", {Role.SW}, "contractor-z", "不明")
        with pytest.raises(InvalidAccountError):
            accounts.add_user("sw9", "", {Role.SW}, "contractor-a", "空パスワード")
        with pytest.raises(InvalidAccountError):
            accounts.add_user("sw9", "pw", set(), "contractor-a", "役割なし")
        with pytest.raises(InvalidAccountError):
            accounts.add_user("sw9", "pw", {Role.SYSTEM}, "contractor-a", "システム")
        with pytest.raises(InvalidAccountError):
            accounts.add_user("x" * 65, "pw", {Role.SW}, "contractor-a", "長すぎ")
        with pytest.raises(UnknownUserError):
            accounts.set_active("nobody", False)
        assert issubclass(DuplicateUserError, AccountError)
        assert [u.user_id for u in accounts.list_users()] == ["mun1", "sw1"]


def test_list_users_by_organisation(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        accounts = seed(session)
        accounts.add_user("esw1", "pw", {Role.ESW}, "contractor-a", "就労 次郎")
        assert [u.user_id for u in accounts.list_users("contractor-a")] == ["esw1", "sw1"]
        assert [u.user_id for u in accounts.list_users("city-b")] == []


# -- authentication -----------------------------------------------------------------------------------------------


def test_authenticate_the_right_password_only(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        seed(session)
    with sessions.begin() as session:
        accounts = AccountRepository(session, CHEAP)
        user = accounts.authenticate("sw1", "correct horse")
        assert user is not None
        assert user.user_id == "sw1"
        assert accounts.authenticate("sw1", "Correct horse") is None
        assert accounts.authenticate("sw1", "") is None
        assert accounts.authenticate("mun1", "correct horse") is None


def test_an_unknown_user_is_refused_after_verifying_a_dummy_hash(sessions: sessionmaker[Session]) -> None:
    hasher = CountingHasher()
    with sessions.begin() as session:
        seed(session)
    with sessions.begin() as session:
        accounts = AccountRepository(session, hasher)
        assert accounts.authenticate("nobody", "correct horse") is None
        assert accounts.authenticate("nobody-else", "x") is None
    assert len(hasher.verified) == 2
    assert hasher.verified[0] == hasher.verified[1]
    assert hasher.verified[0].startswith("$argon2id$v=19$m=8,t=1,p=1$")


def test_an_inactive_user_cannot_sign_in_until_reactivated(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        seed(session)
        assert AccountRepository(session, CHEAP).set_active("sw1", False).active is False
    with sessions.begin() as session:
        accounts = AccountRepository(session, CHEAP)
        assert accounts.authenticate("sw1", "correct horse") is None
        user = accounts.get_user("sw1")
        assert user is not None
        assert user.active is False
        accounts.set_active("sw1", True)
    with sessions.begin() as session:
        assert AccountRepository(session, CHEAP).authenticate("sw1", "correct horse") is not None


def test_a_hash_with_old_parameters_is_replaced_at_sign_in(sessions: sessionmaker[Session]) -> None:
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    with sessions.begin() as session:
        seed(session)
    with sessions.begin() as session:
        assert AccountRepository(session, stronger).authenticate("sw1", "correct horse") is not None
    with sessions.begin() as session:
        stored = session.get_one(UserRecord, "sw1")
        assert stored.password_hash.startswith("$argon2id$v=19$m=16,t=2,p=1$")
        assert stored.password_changed_at == NOW
        accounts = AccountRepository(session, stronger)
        assert accounts.authenticate("sw1", "correct horse") is not None
        assert accounts.authenticate("sw1", "wrong") is None
        assert session.get_one(UserRecord, "sw1").password_hash == stored.password_hash


def test_set_password(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        accounts = seed(session)
        assert accounts.set_password("sw1", "new secret", now=LATER).password_changed_at == LATER
        with pytest.raises(InvalidAccountError):
            accounts.set_password("sw1", "")
    with sessions.begin() as session:
        accounts = AccountRepository(session, CHEAP)
        assert accounts.authenticate("sw1", "correct horse") is None
        assert accounts.authenticate("sw1", "new secret") is not None


def test_the_production_hasher_is_argon2id() -> None:
    assert PASSWORD_HASHER.type is Type.ID
    assert PASSWORD_HASHER.memory_cost >= 19_456  # OWASP's minimum for argon2id
    assert PASSWORD_HASHER.time_cost >= 2


# -- actors -------------------------------------------------------------------------------------------------------


def test_the_actor_of_a_contractor_user_serves_the_contractor_s_municipalities(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        accounts = seed(session)
        user = accounts.get_user("sw1")
        assert user is not None
        actor = accounts.actor(user)
    assert actor.user_id == "sw1"
    assert actor.roles == frozenset({Role.SW, Role.CSW})
    assert actor.organisation == "contractor-a"
    assert actor.org_kind is OrgKind.CONTRACTOR
    assert actor.serves == frozenset({"city-a", "city-b"})
    assert not actor.is_municipal_staff


def test_the_actor_of_a_municipal_user_serves_its_own_municipality(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        accounts = seed(session)
        user = accounts.authenticate("mun1", "battery staple")
        assert user is not None
        actor = accounts.actor(user)
    assert actor.roles == frozenset({Role.MUN})
    assert actor.organisation == "city-a"
    assert actor.org_kind is OrgKind.MUNICIPALITY
    assert actor.serves == frozenset({"city-a"})
    assert actor.is_municipal_staff
