"""Cases and programs tell the assignees of the tasks they open: the inbox row, then one e-mail to a real server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from activities.notifications import SmtpConfig
from statemachines.case.transitions import Trigger as T
from statemachines.kernel.roles import OrgKind, Role
from statemachines.kernel.rules import RuleSet
from store.accounts import AccountRepository
from store.notifications import EmailStatus, NotificationKind, NotificationRepository, NotificationRow
from tests.factories import SW1
from tests.passwords import CHEAP_HASHER as CHEAP
from tests.smtp import Mailbox
from tests.workflows.harness import Harness, drive, eventually, running_harness

DAY = timedelta(days=1)


@pytest_asyncio.fixture(loop_scope="session")
async def mailing_harness(
    own_time_env: WorkflowEnvironment, tmp_path: Path, mailbox: tuple[Mailbox, int]
) -> AsyncIterator[Harness]:
    _, port = mailbox
    smtp = SmtpConfig(host="127.0.0.1", port=port, starttls=False, sender="寄り添い <noreply@yorisoi.example.jp>")
    async with running_harness(own_time_env.client, tmp_path / "read-model.sqlite3", smtp=smtp) as h:
        with h.sessions.begin() as session:
            accounts = AccountRepository(session, CHEAP)
            accounts.add_organisation("city-a", OrgKind.MUNICIPALITY, "A市", ["city-a"])
            accounts.add_organisation("contractor-a", OrgKind.CONTRACTOR, "A市 自立相談支援機関", ["city-a"])
            now = datetime.now(UTC)
            accounts.add_user("sw1", "pw", {Role.SW}, "contractor-a", "相談 太郎", email="sw1@example.jp", now=now)
        yield h


def inbox(h: Harness, user_id: str) -> list[NotificationRow]:
    with h.sessions.begin() as session:
        return list(NotificationRepository(session).list_for(user_id, limit=200).items)


async def test_an_opened_task_reaches_its_assignee_s_inbox_and_one_e_mail(
    mailing_harness: Harness, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    handle = await mailing_harness.open()
    case_id = handle.id.removeprefix("case-")

    [row] = inbox(mailing_harness, "sw1")  # stored before the opening's ``projected`` returned
    assert (row.case_id, row.kind, row.idempotency_key) == (
        case_id,
        NotificationKind.TASK_ASSIGNED,
        f"task:{case_id}:1:intake",
    )
    assert row.title_ja == "【寄り添い】タスクの割り当て：相談受付・申込票の記入"
    await eventually(lambda: len(box.messages) == 1)
    [mail] = box.messages
    assert (mail["To"], mail["Subject"]) == ("sw1@example.jp", row.title_ja)
    assert f"ケース {case_id}" in mail.get_content()
    await eventually(lambda: inbox(mailing_harness, "sw1")[0].email_status is EmailStatus.SENT)


async def test_a_timer_s_task_is_told_as_a_deadline(
    mailing_harness: Harness, own_time_env: WorkflowEnvironment, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    # 連絡不通 after 60 days, as the first national rule set had it (the class's default is now P30D, which would
    # open the contact-efforts task on the same day as the monitoring one).
    rules = RuleSet(
        ruleset_id="monthly", effective_from=date(2025, 4, 1), monitoring_interval="P30D", no_contact_threshold="P60D"
    )
    handle = await mailing_harness.open(ruleset=rules)
    await drive(mailing_harness, handle, "SUPPORT_ACTIVE")

    await own_time_env.sleep(31 * DAY)
    await handle.execute_update("projected")

    due = [n for n in inbox(mailing_harness, "sw1") if n.kind is NotificationKind.DEADLINE]
    assert [n.title_ja for n in due] == ["【寄り添い】期限到来：モニタリング（本人との連絡）"]
    # An e-mail activity running while the test server skips a month may time out in virtual time and be retried
    # 30 s (virtual) later: skip those too. Either way the message is sent once.
    await own_time_env.sleep(timedelta(minutes=5))
    await eventually(lambda: [m["Subject"] for m in box.messages].count(due[0].title_ja) == 1)
    await mailing_harness.send(handle, T.RECORD_CONTACT, SW1, await mailing_harness.contact(handle, T.RECORD_CONTACT))
