"""/api/notifications over HTTP: each user sees and marks only their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store.accounts import AccountRepository
from store.notifications import NotificationKind, NotificationRepository
from tests.web.apiharness import Api

T0 = datetime(2026, 1, 5, 0, 30, tzinfo=UTC)


def notify(api: Api, key: str, user_id: str, *, minutes: int = 0) -> str:
    with api.worker.sessions.begin() as session:
        row = NotificationRepository(session).notify(
            key,
            user_id,
            NotificationKind.TASK_ASSIGNED,
            f"【寄り添い】タスクの割り当て：{key}",
            "ケース c-1 のタスク「面談」があなたに割り当てられました。",
            case_id="c-1",
            now=T0 + timedelta(minutes=minutes),
        )
    return row.notification_id


async def test_the_inbox_holds_only_the_signed_in_user_s_notifications_newest_first(api: Api) -> None:
    first = notify(api, "task:a", "sw1")
    second = notify(api, "task:b", "sw1", minutes=5)
    notify(api, "task:c", "csw1")

    response = await api.get("sw1", "/api/notifications")

    assert response.status_code == 200, response.text
    page = response.json()
    assert [n["notification_id"] for n in page["items"]] == [second, first]
    assert page["total"] == 2
    assert page["items"][0]["title_ja"] == "【寄り添い】タスクの割り当て：task:b"
    assert page["items"][0]["read_at"] is None


async def test_unread_only_leaves_out_what_was_read_and_paging_applies(api: Api) -> None:
    ids = [notify(api, f"task:{i}", "sw1", minutes=i) for i in range(3)]

    marked = await api.post("sw1", f"/api/notifications/{ids[2]}/read")
    unread = await api.get("sw1", "/api/notifications", unread_only="true", limit=1, offset=1)

    assert marked.status_code == 200, marked.text
    assert marked.json()["read_at"] is not None
    assert unread.status_code == 200, unread.text
    assert ([n["notification_id"] for n in unread.json()["items"]], unread.json()["total"]) == ([ids[0]], 2)


async def test_someone_else_s_notification_cannot_be_marked_read(api: Api) -> None:
    theirs = notify(api, "task:x", "sw1")

    response = await api.post("csw1", f"/api/notifications/{theirs}/read")

    assert response.status_code == 404
    assert response.json()["code"] == "notification_not_found"
    [row] = (await api.get("sw1", "/api/notifications")).json()["items"]
    assert row["read_at"] is None


async def test_the_inbox_needs_a_signed_in_user(api: Api) -> None:
    response = await api.http.get("/api/notifications")

    assert response.status_code == 401


async def test_a_case_opened_over_http_puts_its_first_task_in_the_opener_s_inbox(api: Api) -> None:
    case_id = await api.open_case("sw1")

    [row] = (await api.get("sw1", "/api/notifications")).json()["items"]

    assert (row["case_id"], row["kind"], row["idempotency_key"]) == (
        case_id,
        "task_assigned",
        f"task:{case_id}:1:intake",
    )
    # The demo user has an address, but the API harness has no SMTP server: the inbox only.
    assert (row["email_to"], row["email_status"]) == (None, "none")
    with api.worker.sessions.begin() as session:
        user = AccountRepository(session).get_user("sw1")
    assert user is not None
    assert user.email == "sw1@demo.yorisoi.example"
    assert (await api.get("csw1", "/api/notifications")).json()["items"] == []
