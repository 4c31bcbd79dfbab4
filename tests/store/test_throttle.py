"""LoginThrottle against SQLite and PostgreSQL: a lock after repeated failures, its end, and a success's reset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from store.throttle import LoginThrottle, ThrottlePolicy

T0 = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
POLICY = ThrottlePolicy(max_failures=3, window=timedelta(minutes=15), lock=timedelta(minutes=15))


def fail(sessions: sessionmaker[Session], key: str, at: datetime) -> None:
    with sessions.begin() as session:
        LoginThrottle(session, POLICY).failed(key, POLICY.max_failures, at)


def locked(sessions: sessionmaker[Session], key: str, at: datetime) -> datetime | None:
    with sessions.begin() as session:
        return LoginThrottle(session, POLICY).locked_until([key], at)


def test_the_third_failure_in_the_window_locks_for_the_lock_period(sessions: sessionmaker[Session]) -> None:
    for minute in (0, 1):
        fail(sessions, "user:sw1", T0 + timedelta(minutes=minute))
    assert locked(sessions, "user:sw1", T0 + timedelta(minutes=2)) is None
    fail(sessions, "user:sw1", T0 + timedelta(minutes=2))
    assert locked(sessions, "user:sw1", T0 + timedelta(minutes=3)) == T0 + timedelta(minutes=17)
    assert locked(sessions, "user:sw1", T0 + timedelta(minutes=17)) is None  # over
    assert locked(sessions, "user:csw1", T0 + timedelta(minutes=3)) is None  # per key


def test_failures_older_than_the_window_do_not_count(sessions: sessionmaker[Session]) -> None:
    fail(sessions, "user:sw1", T0)
    fail(sessions, "user:sw1", T0 + timedelta(minutes=1))
    fail(sessions, "user:sw1", T0 + timedelta(minutes=20))  # a new window
    assert locked(sessions, "user:sw1", T0 + timedelta(minutes=21)) is None


def test_a_success_clears_the_count_but_not_a_lock(sessions: sessionmaker[Session]) -> None:
    fail(sessions, "user:sw1", T0)
    fail(sessions, "user:sw1", T0)
    with sessions.begin() as session:
        LoginThrottle(session, POLICY).succeeded("user:sw1")
    fail(sessions, "user:sw1", T0)
    assert locked(sessions, "user:sw1", T0) is None
    for _ in range(3):
        fail(sessions, "user:csw1", T0)
    with sessions.begin() as session:
        LoginThrottle(session, POLICY).succeeded("user:csw1")
    assert locked(sessions, "user:csw1", T0) == T0 + timedelta(minutes=15)


def test_an_address_is_known_to_a_user_for_its_period_after_a_success(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        LoginThrottle(session, POLICY).remember("sw1", "10.0.0.8", T0)
    with sessions.begin() as session:
        throttle = LoginThrottle(session, POLICY)
        assert throttle.known("sw1", "10.0.0.8", T0 + POLICY.known_for)
        assert not throttle.known("sw1", "10.0.0.8", T0 + POLICY.known_for + timedelta(seconds=1))
        assert not throttle.known("csw1", "10.0.0.8", T0)
        assert not throttle.known("sw1", "10.0.0.9", T0)
        throttle.remember("sw1", "10.0.0.8", T0 + timedelta(days=100))  # signed in again: known again
    with sessions.begin() as session:
        assert LoginThrottle(session, POLICY).known("sw1", "10.0.0.8", T0 + timedelta(days=101))
