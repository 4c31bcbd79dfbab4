"""Notification activities: the in-app inbox rows for opened tasks, and their e-mail over SMTP.

E-mail is delivered **at most once**. SMTP cannot be made exactly-once: a crash at the wrong moment leaves either a
lost message or a repeated one, and we choose to risk losing it, because the notification itself stays in the
user's inbox (the row is the record; the e-mail is only a nudge to look).

So an attempt first claims the row (``pending``/``failed`` → ``sending``, with a token, committed), then talks to
the server, then marks the row ``sent``. If the worker dies or the database fails after the claim, the retried
activity finds ``sending`` and sends nothing: the message may have gone. The same holds when the connection breaks
in the middle of the SMTP transaction (``EmailOutcomeUnknown``, not retried). Only an answer that proves the message
was not taken (no connection, a refused STARTTLS, login, sender, recipient or data) marks the row ``failed`` and
raises ``SmtpDeliveryFailed``, which Temporal retries. The Message-ID is derived from the idempotency key, so copies
of one notification carry one id wherever a duplicate could still arise (an SMTP relay retrying on its own).

Logs carry notification and case ids only, never addresses, titles or bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import smtplib
import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import templates
from statemachines.kernel.events import TaskNotice
from store.accounts import is_email_address
from store.case_numbers import number_of
from store.errors import UnknownUserError
from store.notifications import CLAIMABLE, EmailClaim, EmailStatus, NotificationKind, NotificationRepository
from workflows.activity_refs import NOTIFY_TASK_OPENED, SEND_NOTIFICATION_EMAIL

SMTP_FAILED = "SmtpDeliveryFailed"
OUTCOME_UNKNOWN = "EmailOutcomeUnknown"
NOTIFICATION_NOT_FOUND = "NotificationNotFound"


class SmtpConfig(BaseModel):
    """Where and as whom notification e-mail is sent. ``sender`` is the From header (``"名前 <addr>"`` or addr)."""

    model_config = ConfigDict(frozen=True)

    host: str
    port: int = Field(default=587, ge=1, le=65535)
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = True
    sender: str
    timeout_seconds: float = Field(default=30.0, gt=0)

    @field_validator("sender")
    @classmethod
    def _sender_has_an_address(cls, sender: str) -> str:
        if not is_email_address(parseaddr(sender)[1]):
            raise ValueError("sender must hold one e-mail address")
        return sender


class DeliveryRefused(Exception):
    """The server did not take the message (or could not be reached): sending again is safe."""


class DeliveryUncertain(Exception):
    """The connection failed during the SMTP transaction: the server may have taken the message."""


def message_id(idempotency_key: str, sender: str) -> str:
    """A Message-ID that is the same for every copy of one notification."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:40]
    domain = parseaddr(sender)[1].rpartition("@")[2]
    return f"<{digest}.notification@{domain}>"


def notification_email(config: SmtpConfig, claim: EmailClaim, now: datetime) -> EmailMessage:
    """The claimed notification as a UTF-8 e-mail (RFC 2047 subject, base64 body)."""
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = claim.title_ja
    message["From"] = config.sender
    message["To"] = claim.email_to
    message["Date"] = format_datetime(now.astimezone(templates.JST))
    message["Message-ID"] = message_id(claim.idempotency_key, config.sender)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(claim.body_ja, charset="utf-8", cte="base64")
    return message


def deliver(config: SmtpConfig, message: EmailMessage) -> None:
    """One SMTP transaction (blocking): DeliveryRefused or DeliveryUncertain when the message may not have gone."""
    client = _open(config)
    try:
        client.send_message(message)
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused, smtplib.SMTPNotSupportedError) as err:
        raise DeliveryRefused(_describe(err)) from err
    except OSError as err:  # disconnected or timed out mid-transaction (SMTPServerDisconnected is an OSError)
        raise DeliveryUncertain(_describe(err)) from err
    finally:
        _close(client)


def _open(config: SmtpConfig) -> smtplib.SMTP:
    try:
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds)
    except OSError as err:
        raise DeliveryRefused(_describe(err)) from err
    try:
        if config.starttls:
            client.starttls(context=ssl.create_default_context())
        if config.username is not None:
            password = config.password.get_secret_value() if config.password is not None else ""
            client.login(config.username, password)
    except OSError as err:  # smtplib.SMTPException and ssl.SSLError are OSErrors
        _close(client)
        raise DeliveryRefused(_describe(err)) from err
    return client


def _close(client: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        client.quit()
    client.close()


def _describe(err: BaseException) -> str:
    """The error's type and SMTP code, without the server's text (it may quote the address)."""
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(code) for code, _ in err.recipients.values()})
    else:
        codes = [str(err.smtp_code)] if isinstance(err, smtplib.SMTPResponseException) else []
    return " ".join([type(err).__name__, *codes])


def _utc_now() -> datetime:
    return datetime.now(UTC)


class NotificationActivities:
    """Register the bound methods: ``activities=[n.notify_task_opened, n.send_email]``.

    With ``smtp`` None e-mail is off: notifications are stored for the inbox only and nothing is sent.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        smtp: SmtpConfig | None,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._sessions = sessions
        self._smtp = smtp
        self._clock = clock

    @NOTIFY_TASK_OPENED.defn
    async def notify_task_opened(self, payload: TaskNotice) -> list[str]:
        """An inbox notification (key ``task:<task_id>``) for each opened task with an assignee.

        Worded by the task's notice: assigned, a reminder ahead of time, or something due now.

        Returns the ids of the notifications whose e-mail is still to be sent (``send_notification_email``).
        An assignee who is not a user is skipped (logged): retrying would not make them one.
        """
        to_mail, unknown = await asyncio.to_thread(self._notify_tasks, payload)
        for task_id in unknown:
            activity.logger.warning(
                "case %s task %s: the assignee is not a user; not notified", payload.case_id, task_id
            )
        activity.logger.info("case %s: %d notification(s) to mail", payload.case_id, len(to_mail))
        return to_mail

    @SEND_NOTIFICATION_EMAIL.defn
    async def send_email(self, notification_id: str) -> str:
        """Send the notification's e-mail at most once; returns its e-mail status afterwards.

        ``sent`` (now or before), ``none`` (nothing to send), ``sending`` (an earlier attempt claimed it: it may have
        gone, so it is not sent again), ``pending`` (e-mail is off). A refusal raises ``SmtpDeliveryFailed``
        (retried), a broken transaction ``EmailOutcomeUnknown`` (not retried), an unknown id ``NotificationNotFound``.
        """
        if self._smtp is None:
            activity.logger.info("notification %s: e-mail is off", notification_id)
            return await asyncio.to_thread(self._status, notification_id)
        claim = await asyncio.to_thread(self._claim, notification_id)
        if claim is None:
            status = await asyncio.to_thread(self._status, notification_id)
            if status == EmailStatus.SENDING:
                activity.logger.warning(
                    "notification %s: claimed by an earlier attempt; not sent again", notification_id
                )
            return status
        await self._deliver(self._smtp, claim)
        if not await asyncio.to_thread(self._settle, claim, sent=True):
            activity.logger.warning("notification %s: sent, but its claim was no longer held", notification_id)
        activity.logger.info("notification %s: e-mail sent (attempt %d)", notification_id, claim.attempts)
        return EmailStatus.SENT.value

    async def _deliver(self, smtp: SmtpConfig, claim: EmailClaim) -> None:
        message = notification_email(smtp, claim, self._clock())
        try:
            await asyncio.to_thread(deliver, smtp, message)
        except DeliveryRefused as err:
            await asyncio.to_thread(self._settle, claim, sent=False)
            activity.logger.warning(
                "notification %s: not delivered (attempt %d): %s", claim.notification_id, claim.attempts, err
            )
            # ``from None``: the server's text may quote the address, and a cause would carry it into the history.
            raise ApplicationError(f"notification {claim.notification_id}: {err}", type=SMTP_FAILED) from None
        except DeliveryUncertain as err:
            activity.logger.error("notification %s: delivery outcome unknown: %s", claim.notification_id, err)
            message_text = f"notification {claim.notification_id}: the SMTP transaction broke off ({err}); not resent"
            raise ApplicationError(message_text, type=OUTCOME_UNKNOWN, non_retryable=True) from None

    def _notify_tasks(self, notice: TaskNotice) -> tuple[list[str], list[str]]:
        to_mail: list[str] = []
        unknown: list[str] = []
        with self._sessions.begin() as session:
            repo = NotificationRepository(session)
            case_label = number_of(session, notice.case_id) or notice.case_id
            for task in notice.tasks:
                if task.assignee is None:
                    continue
                text = templates.task_notice(task.notice, case_label, task.title_ja, task.due_at)
                try:
                    row = repo.notify(
                        f"task:{task.task_id}",
                        task.assignee,
                        NotificationKind(task.notice.value),
                        text.title_ja,
                        text.body_ja,
                        case_id=notice.case_id,
                        email=self._smtp is not None,
                        now=notice.at,
                    )
                except UnknownUserError:
                    unknown.append(task.task_id)
                    continue
                if row.email_status in CLAIMABLE:
                    to_mail.append(row.notification_id)
        return to_mail, unknown

    def _claim(self, notification_id: str) -> EmailClaim | None:
        with self._sessions.begin() as session:  # committed before the SMTP transaction starts
            return NotificationRepository(session).claim_pending_email(notification_id, now=self._clock())

    def _settle(self, claim: EmailClaim, *, sent: bool) -> bool:
        with self._sessions.begin() as session:
            repo = NotificationRepository(session)
            return repo.mark_sent(claim, now=self._clock()) if sent else repo.mark_failed(claim)

    def _status(self, notification_id: str) -> str:
        with self._sessions.begin() as session:
            row = NotificationRepository(session).get(notification_id)
        if row is None:
            raise ApplicationError(
                f"notification {notification_id} does not exist", type=NOTIFICATION_NOT_FOUND, non_retryable=True
            )
        return row.email_status.value
