"""The Japanese wording of notifications (inbox and e-mail alike).

A notification leaves the system by e-mail, so it names the case by its 受付番号 (its id before numbering) and the task
by its title from the
process definition, never the client or anything they told us. Dates are shown in Japan time as 西暦 with the
weekday: 2026年1月5日（月）.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pydantic import BaseModel, ConfigDict

from statemachines.kernel.events import NoticeKind

JST = timezone(timedelta(hours=9), "Asia/Tokyo")
WEEKDAYS_JA = "月火水木金土日"

FOOTER_JA = (
    "詳しくは寄り添い（Yorisoi）にログインしてご確認ください。\n"
    "※ このメールは送信専用です。個人情報保護のため、相談者の氏名等は記載していません。"
)


class NotificationText(BaseModel):
    """The title (the e-mail subject) and the body of one notification."""

    model_config = ConfigDict(frozen=True)

    title_ja: str
    body_ja: str


def date_ja(moment: datetime) -> str:
    """``moment``'s date in Japan time, e.g. 2026年1月5日（月）. Refuses a naive datetime."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime refused: pass a timezone-aware datetime")
    day = moment.astimezone(JST).date()
    return f"{day.year}年{day.month}月{day.day}日（{WEEKDAYS_JA[day.weekday()]}）"


def _task_of(case_label: str, task_title_ja: str) -> str:
    return f"ケース {case_label} のタスク「{task_title_ja}」"


def _body(*lines: str) -> str:
    return "\n".join([*lines, "", FOOTER_JA])


def task_assigned(case_label: str, task_title_ja: str, due_at: datetime | None) -> NotificationText:
    """A task was assigned to the recipient."""
    due = date_ja(due_at) if due_at is not None else "なし"
    return NotificationText(
        title_ja=f"【寄り添い】タスクの割り当て：{task_title_ja}",
        body_ja=_body(f"{_task_of(case_label, task_title_ja)}があなたに割り当てられました。", f"期限：{due}"),
    )


def task_reminder(case_label: str, task_title_ja: str, due_at: datetime | None) -> NotificationText:
    """A timer warns ahead of time (an appointment tomorrow, a deadline in two weeks)."""
    if due_at is None:
        return NotificationText(
            title_ja=f"【寄り添い】リマインダー：{task_title_ja}",
            body_ja=_body(f"{_task_of(case_label, task_title_ja)}があります。", "早めのご対応をお願いします。"),
        )
    due = date_ja(due_at)
    return NotificationText(
        title_ja=f"【寄り添い】リマインダー：{task_title_ja}（期限 {due}）",
        body_ja=_body(f"{_task_of(case_label, task_title_ja)}の期限が近づいています。", f"期限：{due}"),
    )


def task_deadline(case_label: str, task_title_ja: str, due_at: datetime | None) -> NotificationText:
    """A timer says something is due now (monitoring, an evaluation, missing evidence, a follow-up)."""
    due = f"（期限：{date_ja(due_at)}）" if due_at is not None else ""
    return NotificationText(
        title_ja=f"【寄り添い】期限到来：{task_title_ja}",
        body_ja=_body(
            f"{_task_of(case_label, task_title_ja)}が期限を迎えました{due}。",
            "対応状況をご確認ください。",
        ),
    )


def task_notice(notice: NoticeKind, case_label: str, task_title_ja: str, due_at: datetime | None) -> NotificationText:
    """The wording for a task opened with ``notice``."""
    if notice is NoticeKind.REMINDER:
        return task_reminder(case_label, task_title_ja, due_at)
    if notice is NoticeKind.DEADLINE:
        return task_deadline(case_label, task_title_ja, due_at)
    return task_assigned(case_label, task_title_ja, due_at)
