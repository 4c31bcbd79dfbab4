"""Organisations and the users who sign in, with argon2id password hashes (the repository never commits)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict, field_serializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from statemachines.kernel.roles import Actor, OrgKind, Role
from store.errors import (
    DuplicateOrganisationError,
    DuplicateUserError,
    InvalidAccountError,
    UnknownOrganisationError,
    UnknownUserError,
)
from store.models import OrganisationRecord, UserRecord
from store.sessions import RevokeReason, UserSessionRepository

DEMO_PASSWORD = "yorisoi-demo"  # every demo user's; refused at sign-in outside demo mode
PASSWORD_HASHER = PasswordHasher()
"""argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile: t=3, m=64 MiB, p=4; about 0.2 s a hash)."""
_IN_USE = {"hasher": PASSWORD_HASHER}


def use_password_hasher(hasher: PasswordHasher) -> None:
    """The hasher of every ``AccountRepository`` not given one: ``PASSWORD_HASHER`` unless this is called.

    Only the test suite calls it (tests/conftest.py), with argon2id at its minimum cost: its tests sign in hundreds of
    demo users, whose hashes are not what they test, and at about 0.3 s a hash that was a third of the suite's time.
    """
    _IN_USE["hasher"] = hasher


MAX_ID_LENGTH = 64
MAX_EMAIL_LENGTH = 254
_NOT_IN_ADDRESS = frozenset('<>()[],;:"\\')
ACCOUNT_KINDS = frozenset({OrgKind.MUNICIPALITY, OrgKind.CONTRACTOR})


class OrganisationRow(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    org_id: str
    kind: OrgKind
    name_ja: str
    serves: list[str]
    population: int | None


class UserRow(BaseModel):
    """A ``users`` row without its password hash."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    user_id: str
    display_name: str
    roles: frozenset[Role]
    org_id: str
    active: bool
    created_at: datetime
    password_changed_at: datetime
    email: str | None = None

    @field_serializer("roles")
    def _sorted_roles(self, roles: frozenset[Role]) -> list[str]:
        return sorted(r.value for r in roles)


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash with ``hasher``'s parameters, verified when the user is unknown so that the answer takes as long."""
    return hasher.hash("yorisoi-dummy-password")


class AccountRepository:
    """Organisations and users, inside the caller's transaction."""

    def __init__(self, session: Session, hasher: PasswordHasher | None = None) -> None:
        self._session = session
        self._hasher = hasher if hasher is not None else _IN_USE["hasher"]

    # -- organisations ------------------------------------------------------------------------------------------

    def add_organisation(
        self, org_id: str, kind: OrgKind, name_ja: str, serves: list[str], population: int | None = None
    ) -> OrganisationRow:
        """Add an organisation. A municipality always serves itself; every other served id must be a municipality."""
        _check_id("org_id", org_id)
        if kind not in ACCOUNT_KINDS:
            raise InvalidAccountError(f"組織の種別 {kind} は登録できません。")
        served = set(serves) | ({org_id} if kind is OrgKind.MUNICIPALITY else set())
        if not served:
            raise InvalidAccountError(f"委託先 {org_id} が担当する自治体を指定してください。")
        self._check_municipalities(served - {org_id})
        record = OrganisationRecord(
            org_id=org_id, kind=kind.value, name_ja=name_ja, serves=sorted(served), population=population
        )
        self._insert(record, DuplicateOrganisationError(org_id), exists=self._session.get(OrganisationRecord, org_id))
        return OrganisationRow.model_validate(record)

    def get_organisation(self, org_id: str) -> OrganisationRow | None:
        record = self._session.get(OrganisationRecord, org_id)
        return None if record is None else OrganisationRow.model_validate(record)

    def list_organisations(self) -> list[OrganisationRow]:
        stmt = select(OrganisationRecord).order_by(OrganisationRecord.kind.desc(), OrganisationRecord.org_id)
        return [OrganisationRow.model_validate(r) for r in self._session.scalars(stmt)]

    def _check_municipalities(self, org_ids: set[str]) -> None:
        for org_id in sorted(org_ids):
            record = self._session.get(OrganisationRecord, org_id)
            if record is None:
                raise UnknownOrganisationError(org_id)
            if record.kind != OrgKind.MUNICIPALITY.value:
                raise InvalidAccountError(f"{org_id} は自治体ではありません。")

    # -- users --------------------------------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        password: str,
        roles: set[Role],
        org_id: str,
        display_name: str,
        *,
        email: str | None = None,
        now: datetime | None = None,
    ) -> UserRow:
        """Add an active user with an argon2id hash of ``password`` (and the address notifications go to)."""
        _check_id("user_id", user_id)
        _check_email(email)
        if not password:
            raise InvalidAccountError("パスワードを指定してください。")
        if not roles or Role.SYSTEM in roles:
            raise InvalidAccountError("役割を1つ以上指定してください（SYSTEM は付与できません）。")
        if self._session.get(OrganisationRecord, org_id) is None:
            raise UnknownOrganisationError(org_id)
        moment = now if now is not None else datetime.now(UTC)
        record = UserRecord(
            user_id=user_id,
            display_name=display_name,
            password_hash=self._hasher.hash(password),
            roles=sorted(Role(r).value for r in roles),
            org_id=org_id,
            active=True,
            created_at=moment,
            password_changed_at=moment,
            email=email,
        )
        self._insert(record, DuplicateUserError(user_id), exists=self._session.get(UserRecord, user_id))
        return UserRow.model_validate(record)

    def get_user(self, user_id: str) -> UserRow | None:
        record = self._session.get(UserRecord, user_id)
        return None if record is None else UserRow.model_validate(record)

    def list_users(self, org_id: str | None = None) -> list[UserRow]:
        stmt = select(UserRecord).order_by(UserRecord.org_id, UserRecord.user_id)
        if org_id is not None:
            stmt = stmt.where(UserRecord.org_id == org_id)
        return [UserRow.model_validate(r) for r in self._session.scalars(stmt)]

    def set_active(self, user_id: str, active: bool, *, now: datetime | None = None) -> UserRow:
        """Activate or deactivate a user; deactivating also revokes every session they have."""
        record = self._user_record(user_id)
        record.active = active
        self._session.flush()
        if not active:
            moment = now if now is not None else datetime.now(UTC)
            UserSessionRepository(self._session).revoke_all(user_id, RevokeReason.USER_DEACTIVATED, moment)
        return UserRow.model_validate(record)

    def set_email(self, user_id: str, email: str | None) -> UserRow:
        """Set (or with None, remove) the address the user's notifications are mailed to."""
        _check_email(email)
        record = self._user_record(user_id)
        record.email = email
        self._session.flush()
        return UserRow.model_validate(record)

    def set_password(self, user_id: str, password: str, *, now: datetime | None = None) -> UserRow:
        if not password:
            raise InvalidAccountError("パスワードを指定してください。")
        record = self._user_record(user_id)
        record.password_hash = self._hasher.hash(password)
        record.password_changed_at = now if now is not None else datetime.now(UTC)
        self._session.flush()
        return UserRow.model_validate(record)

    def authenticate(self, user_id: str, password: str) -> UserRow | None:
        """The user if ``password`` is theirs and they are active, else None (taking about as long either way).

        A hash made with other parameters than the hasher's is replaced (flushed, committed by the caller).
        """
        record = self._session.get(UserRecord, user_id)
        if record is None:
            self._verify(_dummy_hash(self._hasher), password)
            return None
        if not self._verify(record.password_hash, password) or not record.active:
            return None
        if self._hasher.check_needs_rehash(record.password_hash):
            record.password_hash = self._hasher.hash(password)
            self._session.flush()
        return UserRow.model_validate(record)

    def actor(self, user: UserRow) -> Actor:
        """Who ``user`` acts as: their roles, and their organisation's kind and municipalities."""
        org = self._session.get(OrganisationRecord, user.org_id)
        if org is None:
            raise UnknownOrganisationError(user.org_id)
        return Actor(
            user_id=user.user_id,
            roles=user.roles,
            organisation=org.org_id,
            org_kind=OrgKind(org.kind),
            serves=frozenset(org.serves),
        )

    # -- helpers ------------------------------------------------------------------------------------------------

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _user_record(self, user_id: str) -> UserRecord:
        record = self._session.get(UserRecord, user_id)
        if record is None:
            raise UnknownUserError(user_id)
        return record

    def _insert(self, record: OrganisationRecord | UserRecord, duplicate: Exception, *, exists: object) -> None:
        """Insert ``record`` in a savepoint; ``duplicate`` if the key exists (or a concurrent insert wins)."""
        if exists is not None:
            raise duplicate
        try:
            with self._session.begin_nested():
                self._session.add(record)
        except IntegrityError as exc:
            raise duplicate from exc


def _check_id(name: str, value: str) -> None:
    if not value or len(value) > MAX_ID_LENGTH or value != value.strip():
        raise InvalidAccountError(f"{name} は1〜{MAX_ID_LENGTH}文字で、前後に空白を含めないでください。")


def is_email_address(value: str) -> bool:
    """One plain mailbox ``local@domain.tld``: no display name, list, spaces or control characters."""
    local, _, domain = value.partition("@")
    plain = not any(ch.isspace() or not ch.isprintable() or ch in _NOT_IN_ADDRESS for ch in value)
    return bool(local) and "@" not in domain and "." in domain.strip(".") and plain and len(value) <= MAX_EMAIL_LENGTH


def _check_email(email: str | None) -> None:
    if email is not None and not is_email_address(email):
        raise InvalidAccountError("メールアドレスの形式が正しくありません。")
