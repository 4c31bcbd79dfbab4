"""The notification activities in a real ActivityEnvironment, mailing a real aiosmtpd server on a free port."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities import templates
from activities.notifications import (
    NOTIFICATION_NOT_FOUND,
    OUTCOME_UNKNOWN,
    SMTP_FAILED,
    NotificationActivities,
    SmtpConfig,
    message_id,
)
from deploy.ports import free_port
from statemachines.kernel.events import NoticeKind, TaskNotice, TaskSpec
from statemachines.kernel.roles import OrgKind, Role
from store.accounts import AccountRepository
from store.case_numbers import allocate
from store.notifications import EmailStatus, NotificationKind, NotificationRepository, NotificationRow
from tests.passwords import CHEAP_HASHER as CHEAP
from tests.smtp import Mailbox

NOW = datetime(2026, 1, 5, 0, 30, tzinfo=UTC)
DUE = datetime(2026, 1, 8, 15, 0, tzinfo=UTC)  # 2026-01-09 00:00 in Japan: a Friday
SENDER = "寄り添い <noreply@yorisoi.example.jp>"


def smtp_on(port: int) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, starttls=False, sender=SENDER, timeout_seconds=5)


def seed(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        accounts = AccountRepository(session, CHEAP)
        accounts.add_organisation("city-a", OrgKind.MUNICIPALITY, "A市", [])
        accounts.add_user("sw1", "pw", {Role.SW}, "city-a", "相談 太郎", email="sw1@example.jp", now=NOW)
        accounts.add_user("esw1", "pw", {Role.ESW}, "city-a", "就労 次郎", now=NOW)


def pending(sessions: sessionmaker[Session], key: str = "task:t-1") -> str:
    """A notification for sw1 whose e-mail is pending."""
    seed(sessions)
    text = templates.task_assigned("c-1", "アセスメントの実施", DUE)
    with sessions.begin() as session:
        row = NotificationRepository(session).notify(
            key, "sw1", NotificationKind.TASK_ASSIGNED, text.title_ja, text.body_ja, case_id="c-1", now=NOW
        )
    assert row.email_status is EmailStatus.PENDING
    return row.notification_id


def stored(sessions: sessionmaker[Session], notification_id: str) -> NotificationRow:
    with sessions.begin() as session:
        row = NotificationRepository(session).get(notification_id)
    assert row is not None
    return row


def task(task_id: str, assignee: str | None) -> TaskSpec:
    return TaskSpec(
        task_id=task_id,
        kind="assessment",
        title_ja="アセスメントの実施",
        title_en="Assessment",
        role="SW",
        assignee=assignee,
        due_at=DUE,
        command="complete_assessment",
    )


# -- send_notification_email ------------------------------------------------------------------------------------


async def test_the_e_mail_is_sent_once_with_its_japanese_subject(
    sessions: sessionmaker[Session], mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    notification_id = pending(sessions)
    acts = NotificationActivities(sessions, smtp_on(port), clock=lambda: NOW)

    assert await ActivityEnvironment().run(acts.send_email, notification_id) == "sent"
    assert await ActivityEnvironment().run(acts.send_email, notification_id) == "sent"  # a retry sends nothing

    [message] = box.messages
    assert message["Subject"] == "【寄り添い】タスクの割り当て：アセスメントの実施"
    assert (message["From"], message["To"]) == (SENDER, "sw1@example.jp")
    assert str(message["Message-ID"]).strip() == message_id("task:t-1", SENDER)
    body = message.get_content()
    assert "ケース c-1 のタスク「アセスメントの実施」" in body
    assert "2026年1月9日（金）" in body
    assert "相談 太郎" not in body
    row = stored(sessions, notification_id)
    assert (row.email_status, row.email_sent_at, row.attempts) == (EmailStatus.SENT, NOW, 1)


async def test_a_retry_after_the_send_but_before_it_was_recorded_sends_nothing(
    sessions: sessionmaker[Session], mailbox: tuple[Mailbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, port = mailbox
    notification_id = pending(sessions)
    acts = NotificationActivities(sessions, smtp_on(port))

    def database_gone(*_args: object, **_kwargs: object) -> bool:
        raise ConnectionError("the database went away")

    with monkeypatch.context() as patch:
        patch.setattr(NotificationRepository, "mark_sent", database_gone)
        with pytest.raises(ConnectionError):
            await ActivityEnvironment().run(acts.send_email, notification_id)

    assert await ActivityEnvironment().run(acts.send_email, notification_id) == "sending"
    assert len(box.messages) == 1
    assert stored(sessions, notification_id).email_status is EmailStatus.SENDING


async def test_smtp_down_fails_the_attempt_for_temporal_to_retry(
    sessions: sessionmaker[Session], mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    notification_id = pending(sessions)
    down = NotificationActivities(sessions, smtp_on(free_port()))

    with pytest.raises(ApplicationError) as info:
        await ActivityEnvironment().run(down.send_email, notification_id)

    assert (info.value.type, info.value.non_retryable) == (SMTP_FAILED, False)
    failed = stored(sessions, notification_id)
    assert (failed.email_status, failed.attempts) == (EmailStatus.FAILED, 1)
    # The retry, once the server is back, sends it.
    back = NotificationActivities(sessions, smtp_on(port))
    assert await ActivityEnvironment().run(back.send_email, notification_id) == "sent"
    assert len(box.messages) == 1
    assert stored(sessions, notification_id).attempts == 2


async def test_a_refused_recipient_fails_the_attempt(
    sessions: sessionmaker[Session], mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    box.refuse_recipients = True
    notification_id = pending(sessions)

    with pytest.raises(ApplicationError) as info:
        await ActivityEnvironment().run(NotificationActivities(sessions, smtp_on(port)).send_email, notification_id)

    assert info.value.type == SMTP_FAILED
    assert info.value.message.endswith("SMTPRecipientsRefused 550")
    assert "sw1@example.jp" not in info.value.message
    assert info.value.__cause__ is None  # nor in a cause recorded in the history
    assert stored(sessions, notification_id).email_status is EmailStatus.FAILED


async def test_a_transaction_broken_off_after_the_data_is_not_retried(
    sessions: sessionmaker[Session], mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    box.hang_up_after_data = True
    notification_id = pending(sessions)
    acts = NotificationActivities(sessions, smtp_on(port))

    with pytest.raises(ApplicationError) as info:
        await ActivityEnvironment().run(acts.send_email, notification_id)

    assert (info.value.type, info.value.non_retryable) == (OUTCOME_UNKNOWN, True)
    assert stored(sessions, notification_id).email_status is EmailStatus.SENDING
    assert await ActivityEnvironment().run(acts.send_email, notification_id) == "sending"
    assert len(box.messages) == 1


async def test_an_unknown_notification_fails_without_retry(sessions: sessionmaker[Session]) -> None:
    acts = NotificationActivities(sessions, smtp_on(free_port()))

    with pytest.raises(ApplicationError) as info:
        await ActivityEnvironment().run(acts.send_email, "no-such-id")

    assert (info.value.type, info.value.non_retryable) == (NOTIFICATION_NOT_FOUND, True)


# -- notify_task_opened -------------------------------------------------------------------------------------------


async def test_each_assigned_task_gets_one_notification_and_those_with_an_address_are_returned(
    sessions: sessionmaker[Session],
) -> None:
    seed(sessions)
    acts = NotificationActivities(sessions, smtp_on(free_port()))
    notice = TaskNotice(
        case_id="c-1",
        tasks=[task("t-1", "sw1"), task("t-2", None), task("t-3", "esw1"), task("t-4", "gone")],
        at=NOW,
    )

    to_mail = await ActivityEnvironment().run(acts.notify_task_opened, notice)
    again = await ActivityEnvironment().run(acts.notify_task_opened, notice)

    with sessions.begin() as session:
        repo = NotificationRepository(session)
        sw1, esw1 = repo.list_for("sw1").items, repo.list_for("esw1").items
    assert again == to_mail == [sw1[0].notification_id]
    assert [(n.idempotency_key, n.case_id, n.created_at) for n in sw1] == [("task:t-1", "c-1", NOW)]
    assert [(n.idempotency_key, n.email_status) for n in esw1] == [("task:t-3", EmailStatus.NONE)]
    assert sw1[0].title_ja == "【寄り添い】タスクの割り当て：アセスメントの実施"


async def test_a_notice_names_the_case_by_its_number(sessions: sessionmaker[Session]) -> None:
    seed(sessions)
    with sessions.begin() as session:
        number = allocate(session, case_id="c-7", municipality="city-a", day=NOW.date(), now=NOW)
    notice = TaskNotice(case_id="c-7", tasks=[task("t-7", "sw1")], at=NOW)
    await ActivityEnvironment().run(NotificationActivities(sessions, None).notify_task_opened, notice)
    with sessions.begin() as session:
        [row] = NotificationRepository(session).list_for("sw1").items
    assert f"ケース {number} のタスク" in row.body_ja
    assert "c-7" not in row.body_ja


async def test_with_e_mail_off_tasks_are_notified_in_the_inbox_only(sessions: sessionmaker[Session]) -> None:
    seed(sessions)
    acts = NotificationActivities(sessions, None)

    to_mail = await ActivityEnvironment().run(
        acts.notify_task_opened, TaskNotice(case_id="c-1", tasks=[task("t-1", "sw1")], at=NOW)
    )

    with sessions.begin() as session:
        [row] = NotificationRepository(session).list_for("sw1").items
    assert to_mail == []
    assert row.email_status is EmailStatus.NONE
    assert await ActivityEnvironment().run(acts.send_email, row.notification_id) == "none"


# -- templates ----------------------------------------------------------------------------------------------------


def test_dates_are_shown_in_japan_time_with_the_weekday() -> None:
    assert templates.date_ja(datetime(2026, 1, 4, 15, 0, tzinfo=UTC)) == "2026年1月5日（月）"
    assert templates.date_ja(datetime(2026, 1, 4, 14, 59, tzinfo=UTC)) == "2026年1月4日（日）"
    with pytest.raises(ValueError, match="naive"):
        templates.date_ja(datetime(2026, 1, 4, 15, 0))  # noqa: DTZ001 - the naive datetime under test


def test_reminder_and_deadline_name_the_case_and_task_and_their_due_date() -> None:
    reminder = templates.task_reminder("c-9", "モニタリング", DUE)
    deadline = templates.task_deadline("c-9", "モニタリング", DUE + timedelta(days=1))
    assert reminder.title_ja == "【寄り添い】リマインダー：モニタリング（期限 2026年1月9日（金））"
    assert "ケース c-9 のタスク「モニタリング」の期限が近づいています。" in reminder.body_ja
    assert deadline.title_ja == "【寄り添い】期限到来：モニタリング"
    assert "が期限を迎えました（期限：2026年1月10日（土））。" in deadline.body_ja
    assert templates.task_reminder("c-9", "明日の予定", None).title_ja == "【寄り添い】リマインダー：明日の予定"
    assert "期限：なし" in templates.task_assigned("c-9", "面談", None).body_ja


async def test_a_timer_s_tasks_are_notified_as_reminders_or_as_deadlines(sessions: sessionmaker[Session]) -> None:
    seed(sessions)
    acts = NotificationActivities(sessions, None)
    soon = task("t-1", "sw1").model_copy(update={"notice": NoticeKind.REMINDER, "title_ja": "明日の予定"})
    due = task("t-2", "sw1").model_copy(update={"notice": NoticeKind.DEADLINE, "title_ja": "モニタリング"})

    await ActivityEnvironment().run(acts.notify_task_opened, TaskNotice(case_id="c-1", tasks=[soon, due], at=NOW))

    with sessions.begin() as session:
        rows = NotificationRepository(session).list_for("sw1").items
    assert sorted((n.kind, n.title_ja) for n in rows) == [
        (NotificationKind.DEADLINE, "【寄り添い】期限到来：モニタリング"),
        (NotificationKind.REMINDER, "【寄り添い】リマインダー：明日の予定（期限 2026年1月9日（金））"),
    ]
