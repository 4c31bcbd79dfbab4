"""UserSessionRepository against SQLite and PostgreSQL: hashed ids, idle and absolute expiry, revocation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store.accounts import AccountRepository
from store.sessions import (
    RevokeReason,
    SessionEnd,
    SessionEndedError,
    SessionKind,
    SessionPolicy,
    UserSessionRecord,
    UserSessionRepository,
    session_hash,
)
from tests.passwords import CHEAP_HASHER as CHEAP
from tests.store.test_accounts import seed

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
POLICY = SessionPolicy(lifetime=timedelta(hours=8), idle=timedelta(minutes=30))


def _start(sessions: sessionmaker[Session], user_id: str = "sw1", at: datetime = NOW) -> str:
    with sessions.begin() as session:
        session_id, _ = UserSessionRepository(session, POLICY).start(user_id, SessionKind.PAGE, at)
    return session_id


def _use(sessions: sessionmaker[Session], session_id: str, at: datetime, user_id: str = "sw1") -> datetime:
    """Use the session at ``at``; its last_seen_at as stored afterwards."""
    with sessions.begin() as session:
        UserSessionRepository(session, POLICY).use(session_id, user_id, at)
    with sessions.begin() as session:
        return session.get_one(UserSessionRecord, session_hash(session_id)).last_seen_at


def _ended(sessions: sessionmaker[Session], session_id: str, at: datetime, user_id: str = "sw1") -> SessionEndedError:
    with pytest.raises(SessionEndedError) as refused, sessions.begin() as session:
        UserSessionRepository(session, POLICY).use(session_id, user_id, at)
    return refused.value


@pytest.fixture
def seeded(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions.begin() as session:
        seed(session)
    return sessions


def test_only_the_hash_of_the_session_id_is_stored(seeded: sessionmaker[Session]) -> None:
    session_id = _start(seeded)
    with seeded.begin() as session:
        record = session.scalars(select(UserSessionRecord)).one()
        stored = [str(v) for v in vars(record).values()]

    assert record.session_hash == session_hash(session_id) != session_id
    assert not any(session_id in value for value in stored)
    assert (record.created_at, record.last_seen_at, record.expires_at) == (NOW, NOW, NOW + timedelta(hours=8))
    assert (record.kind, record.revoked_at, record.revoke_reason) == ("page", None, None)


def test_use_slides_the_idle_window_writing_at_most_once_a_minute(seeded: sessionmaker[Session]) -> None:
    session_id = _start(seeded)

    soon = _use(seeded, session_id, NOW + timedelta(seconds=59))
    minute = _use(seeded, session_id, NOW + timedelta(minutes=1))
    # 29 minutes after the last write, then again 29 minutes later: the session is still alive at +59 min.
    later = _use(seeded, session_id, NOW + timedelta(minutes=30))
    latest = _use(seeded, session_id, NOW + timedelta(minutes=59))

    assert soon == NOW  # not written: less than a minute since the last write
    assert minute == NOW + timedelta(minutes=1)
    assert later == NOW + timedelta(minutes=30)
    assert latest == NOW + timedelta(minutes=59)


def test_a_session_idle_longer_than_the_policy_ends(seeded: sessionmaker[Session]) -> None:
    session_id = _start(seeded)
    _use(seeded, session_id, NOW + timedelta(minutes=30))  # exactly the idle time: still alive

    ended = _ended(seeded, session_id, NOW + timedelta(minutes=60, seconds=1))

    assert ended.end is SessionEnd.IDLE
    assert ended.revoke_reason is None


def test_the_absolute_expiry_ends_a_busy_session(seeded: sessionmaker[Session]) -> None:
    session_id = _start(seeded)
    for minutes in range(20, 8 * 60, 20):
        _use(seeded, session_id, NOW + timedelta(minutes=minutes))

    assert _ended(seeded, session_id, NOW + timedelta(hours=8)).end is SessionEnd.EXPIRED


def test_an_unknown_session_or_another_user_s_is_refused(seeded: sessionmaker[Session]) -> None:
    session_id = _start(seeded)

    assert _ended(seeded, "not-a-session", NOW).end is SessionEnd.UNKNOWN
    assert _ended(seeded, session_id, NOW, user_id="mun1").end is SessionEnd.UNKNOWN


def test_a_revoked_session_ends_with_its_reason_and_is_revoked_once(seeded: sessionmaker[Session]) -> None:
    session_id = _start(seeded)
    with seeded.begin() as session:
        sessions = UserSessionRepository(session, POLICY)
        first = sessions.revoke(session_id, RevokeReason.LOGOUT, NOW + timedelta(minutes=5))
        again = sessions.revoke(session_id, RevokeReason.PASSWORD_CHANGED, NOW + timedelta(minutes=6))

    ended = _ended(seeded, session_id, NOW + timedelta(minutes=7))
    with seeded.begin() as session:
        [row] = UserSessionRepository(session).of_user("sw1")

    assert (first, again) == (True, False)
    assert (ended.end, ended.revoke_reason) == (SessionEnd.REVOKED, RevokeReason.LOGOUT)
    assert (row.revoked_at, row.revoke_reason) == (NOW + timedelta(minutes=5), RevokeReason.LOGOUT)


def test_revoke_all_keeps_the_one_asked_and_leaves_other_users_alone(seeded: sessionmaker[Session]) -> None:
    kept, other, mine_elsewhere = _start(seeded), _start(seeded, "mun1"), _start(seeded)
    with seeded.begin() as session:
        revoked = UserSessionRepository(session, POLICY).revoke_all(
            "sw1", RevokeReason.PASSWORD_CHANGED, NOW, keep=session_hash(kept)
        )

    assert revoked == 1
    _use(seeded, kept, NOW + timedelta(minutes=1))
    _use(seeded, other, NOW + timedelta(minutes=1), user_id="mun1")
    assert _ended(seeded, mine_elsewhere, NOW).revoke_reason is RevokeReason.PASSWORD_CHANGED


def test_deactivating_a_user_revokes_every_session_of_theirs(seeded: sessionmaker[Session]) -> None:
    first, second = _start(seeded), _start(seeded)
    with seeded.begin() as session:
        AccountRepository(session, CHEAP).set_active("sw1", False, now=NOW + timedelta(minutes=1))
    with seeded.begin() as session:
        AccountRepository(session, CHEAP).set_active("sw1", True)  # coming back does not revive them

    for session_id in (first, second):
        assert _ended(seeded, session_id, NOW + timedelta(minutes=2)).revoke_reason is RevokeReason.USER_DEACTIVATED
