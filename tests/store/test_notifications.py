"""NotificationRepository against SQLite and PostgreSQL: the inbox, idempotency keys and the e-mail claim."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from statemachines.kernel.roles import OrgKind, Role
from store.accounts import AccountRepository
from store.errors import InvalidAccountError, UnknownUserError
from store.notifications import (
    EmailStatus,
    NotificationKind,
    NotificationNotFoundError,
    NotificationRecord,
    NotificationRepository,
    client_may_be_emailed,
)
from tests.passwords import CHEAP_HASHER as CHEAP

NOW = datetime(2026, 1, 5, 0, 30, tzinfo=UTC)


def seed(session: Session) -> NotificationRepository:
    """sw1 with an e-mail address, mun1 without one."""
    accounts = AccountRepository(session, CHEAP)
    accounts.add_organisation("city-a", OrgKind.MUNICIPALITY, "A市", [])
    accounts.add_user("sw1", "pw", {Role.SW}, "city-a", "相談 太郎", email="sw1@example.jp", now=NOW)
    accounts.add_user("mun1", "pw", {Role.MUN}, "city-a", "市 花子", now=NOW)
    return NotificationRepository(session)


def notify(
    repo: NotificationRepository, key: str, user_id: str = "sw1", *, minutes: int = 0, email: bool = True
) -> str:
    row = repo.notify(
        key,
        user_id,
        NotificationKind.TASK_ASSIGNED,
        f"タスク {key}",
        "ケース c-1 のタスク",
        case_id="c-1",
        email=email,
        now=NOW + timedelta(minutes=minutes),
    )
    return row.notification_id


def test_a_second_notify_with_the_same_key_returns_the_first_row_and_changes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        repo = seed(session)
        first = repo.notify("task:t-1", "sw1", NotificationKind.TASK_ASSIGNED, "一回目", "本文", now=NOW)
    with sessions.begin() as session:
        repo = NotificationRepository(session)
        again = repo.notify("task:t-1", "mun1", NotificationKind.REMINDER, "二回目", "別の本文", now=NOW + timedelta(1))
        count = session.scalar(select(func.count()).select_from(NotificationRecord))
    assert again == first
    assert (again.user_id, again.title_ja, again.kind) == ("sw1", "一回目", NotificationKind.TASK_ASSIGNED)
    assert count == 1


def test_the_e_mail_is_pending_for_a_user_with_an_address(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        row = seed(session).notify("k", "sw1", NotificationKind.DEADLINE, "期限", "本文", case_id="c-1", now=NOW)
    assert (row.email_to, row.email_status, row.attempts, row.read_at) == (
        "sw1@example.jp",
        EmailStatus.PENDING,
        0,
        None,
    )
    assert (row.case_id, row.created_at) == ("c-1", NOW)


def test_the_e_mail_status_is_none_without_an_address(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        row = seed(session).notify("k", "mun1", NotificationKind.OTHER, "お知らせ", "本文", now=NOW)
    assert (row.email_to, row.email_status) == (None, EmailStatus.NONE)


def test_no_e_mail_when_none_is_asked_for_or_the_user_is_inactive(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        repo = seed(session)
        inbox_only = repo.get(notify(repo, "inbox-only", email=False))
        AccountRepository(session, CHEAP).set_active("sw1", False)
        inactive = repo.get(notify(repo, "inactive"))
    assert inbox_only is not None
    assert inactive is not None
    assert {inbox_only.email_status, inactive.email_status} == {EmailStatus.NONE}


def test_a_notification_for_an_unknown_user_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        repo = seed(session)
        with pytest.raises(UnknownUserError):
            notify(repo, "k", "nobody")


def test_the_inbox_is_the_user_s_own_newest_first_paged_and_filtered_by_unread(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        repo = seed(session)
        ids = [notify(repo, f"k{i}", minutes=i) for i in range(3)]
        notify(repo, "theirs", "mun1")
        repo.mark_read(ids[2], "sw1", now=NOW)
    with sessions.begin() as session:
        repo = NotificationRepository(session)
        everything = repo.list_for("sw1")
        unread = repo.list_for("sw1", unread_only=True)
        second_page = repo.list_for("sw1", limit=2, offset=2)
    assert [n.notification_id for n in everything.items] == ids[::-1]
    assert [n.notification_id for n in unread.items] == [ids[1], ids[0]]
    assert (unread.total, second_page.total, [n.notification_id for n in second_page.items]) == (2, 3, [ids[0]])


def test_mark_read_keeps_the_first_reading_time(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        repo = seed(session)
        notification_id = notify(repo, "k")
        repo.mark_read(notification_id, "sw1", now=NOW)
        row = repo.mark_read(notification_id, "sw1", now=NOW + timedelta(hours=1))
    assert row.read_at == NOW


def test_only_the_recipient_may_mark_a_notification_read(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        repo = seed(session)
        notification_id = notify(repo, "k")
        with pytest.raises(NotificationNotFoundError):
            repo.mark_read(notification_id, "mun1", now=NOW)
        with pytest.raises(NotificationNotFoundError):
            repo.mark_read("no-such-id", "sw1", now=NOW)
        row = repo.get(notification_id)
    assert row is not None
    assert row.read_at is None


def test_an_e_mail_is_claimed_by_one_attempt_and_only_its_claim_settles_it(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        notification_id = notify(seed(session), "k")
    with sessions.begin() as session:
        repo = NotificationRepository(session)
        claim = repo.claim_pending_email(notification_id, now=NOW)
        assert claim is not None
        assert repo.claim_pending_email(notification_id, now=NOW) is None  # a retry finds it claimed
        stale = claim.model_copy(update={"claim_token": "0" * 32})
        assert repo.mark_sent(stale, now=NOW) is False
        assert repo.mark_sent(claim, now=NOW) is True
        assert repo.mark_failed(claim) is False  # sent is final
        assert repo.claim_pending_email(notification_id, now=NOW) is None
        row = repo.get(notification_id)
    assert (claim.email_to, claim.attempts, claim.title_ja) == ("sw1@example.jp", 1, "タスク k")
    assert row is not None
    assert (row.email_status, row.email_sent_at, row.attempts) == (EmailStatus.SENT, NOW, 1)


def test_a_failed_e_mail_may_be_claimed_again(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        repo = seed(session)
        notification_id = notify(repo, "k")
        first = repo.claim_pending_email(notification_id, now=NOW)
        assert first is not None
        assert repo.mark_failed(first)
        failed = repo.get(notification_id)
        second = repo.claim_pending_email(notification_id, now=NOW)
    assert failed is not None
    assert (failed.email_status, failed.attempts) == (EmailStatus.FAILED, 1)
    assert second is not None
    assert (second.attempts, second.claim_token != first.claim_token) == (2, True)


def test_nothing_to_claim_without_an_address(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        repo = seed(session)
        assert repo.claim_pending_email(notify(repo, "k", "mun1"), now=NOW) is None
        assert repo.claim_pending_email("no-such-id", now=NOW) is None


def test_a_user_s_address_is_set_checked_and_removed(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        seed(session)
        accounts = AccountRepository(session, CHEAP)
        assert accounts.set_email("mun1", "mun1@city-a.example.jp").email == "mun1@city-a.example.jp"
        for bad in ("mun1", "a@b@c.jp", "a@localhost", "x@y.jp, z@y.jp", "x@y.jp\r\nBcc: z@y.jp", "名 <x@y.jp>"):
            with pytest.raises(InvalidAccountError):
                accounts.set_email("mun1", bad)
        assert accounts.set_email("sw1", None).email is None
        user = accounts.get_user("mun1")
    assert user is not None
    assert user.email == "mun1@city-a.example.jp"


@pytest.mark.parametrize(
    ("address", "consent", "allowed"),
    [
        ("client@example.jp", True, True),
        ("client@example.jp", False, False),
        (None, True, False),
        ("", True, False),
        ("not an address", True, False),
    ],
)
def test_a_client_is_e_mailed_only_with_an_address_and_consent(
    address: str | None, consent: bool, allowed: bool
) -> None:
    assert client_may_be_emailed(address, consent) is allowed
