"""The task queues (store/task_queue.py) against SQLite and PostgreSQL: inboxes, claims and releases."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from statemachines.case.record import CaseState
from store.errors import TaskConflictError, TaskNotFoundError, TaskRoleError
from store.models import TaskRecord
from store.queries import PageKey
from store.task_queue import claim_task, inbox, release_task
from tests.store.case_rows import DAY, NOW, VISIBLE, add_case, add_task

# -- inbox --------------------------------------------------------------------------------------------------------


@pytest.fixture
def tasks(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions.begin() as s:
        add_case(s, "a1")
        add_case(s, "c1", municipality="city-c", state=CaseState.ASSESSMENT)
        add_case(s, "b1", municipality="city-b")
        add_task(s, "t-free-late", "a1", due_at=NOW - 2 * DAY)
        add_task(s, "t-free-later", "c1", due_at=NOW - DAY)
        add_task(s, "t-free-soon", "a1", due_at=NOW + DAY)
        add_task(s, "t-free-nodue", "a1")
        add_task(s, "t-free-now", "c1", due_at=NOW)
        add_task(s, "t-mine", "a1", assignee="sw1", due_at=NOW + 2 * DAY)
        add_task(s, "t-mine-csw", "c1", role="CSW", assignee="sw1", due_at=NOW - 3 * DAY)
        add_task(s, "t-other", "a1", assignee="sw2", due_at=NOW + 3 * DAY)
        add_task(s, "t-esw", "a1", role="ESW")
        add_task(s, "t-done", "a1", status="done", assignee="sw1")
        add_task(s, "t-cancelled", "a1", status="cancelled")
        add_task(s, "t-hidden", "b1", assignee="sw1", due_at=NOW - 9 * DAY)
    return sessions


def inbox_ids(session: Session, scope: Any, **filters: Any) -> list[str]:
    page = inbox(session, user_id="sw1", roles={"SW"}, visible=VISIBLE, scope=scope, now=NOW, **filters)
    return [t.task_id for t in page.items]


def test_inbox_scopes_and_order(tasks: sessionmaker[Session]) -> None:
    with tasks() as s:
        assert inbox_ids(s, "mine") == ["t-mine-csw", "t-mine"]
        assert inbox_ids(s, "role") == [
            "t-free-late",
            "t-free-later",
            "t-free-now",
            "t-free-soon",
            "t-mine",
            "t-other",
            "t-free-nodue",
        ]
        assert inbox_ids(s, "unassigned") == [
            "t-free-late",
            "t-free-later",
            "t-free-now",
            "t-free-soon",
            "t-free-nodue",
        ]
        esw = inbox(s, user_id="esw1", roles={"ESW", "HHSW"}, visible=VISIBLE, scope="role", now=NOW)
        assert [t.task_id for t in esw.items] == ["t-esw"]
        assert inbox(s, user_id="sw1", roles={"SW"}, visible={"city-b"}, scope="mine", now=NOW).total == 1


def test_inbox_rows_carry_their_case(tasks: sessionmaker[Session]) -> None:
    with tasks() as s:
        page = inbox(s, user_id="sw1", roles={"SW"}, visible=VISIBLE, scope="unassigned", now=NOW)
    by_id = {t.task_id: t for t in page.items}
    late = by_id["t-free-late"]
    assert (late.municipality, late.case_state, late.overdue) == ("city-a", "INTAKE", True)
    assert (late.status, late.role, late.assignee, late.case_id) == ("open", "SW", None, "a1")
    later = by_id["t-free-later"]
    assert (later.municipality, later.case_state, later.overdue) == ("city-c", "ASSESSMENT", True)
    assert by_id["t-free-now"].overdue is False
    assert by_id["t-free-nodue"].overdue is False


def test_inbox_filters(tasks: sessionmaker[Session]) -> None:
    with tasks() as s:
        assert inbox_ids(s, "role", overdue=True) == ["t-free-late", "t-free-later"]
        assert inbox_ids(s, "role", overdue=False) == ["t-free-now", "t-free-soon", "t-mine", "t-other", "t-free-nodue"]
        assert inbox_ids(s, "mine", overdue=True) == ["t-mine-csw"]
        assert inbox_ids(s, "role", due_before=NOW + DAY) == ["t-free-late", "t-free-later", "t-free-now"]
        assert inbox_ids(s, "role", municipality="city-c") == ["t-free-later", "t-free-now"]
        assert inbox_ids(s, "mine", municipality="city-b") == []


def test_inbox_pages(tasks: sessionmaker[Session]) -> None:
    with tasks() as s:
        pages = [
            inbox(s, user_id="sw1", roles={"SW"}, visible=VISIBLE, scope="role", now=NOW, limit=3, offset=o)
            for o in (0, 3, 6)
        ]
    assert [[t.task_id for t in p.items] for p in pages] == [
        ["t-free-late", "t-free-later", "t-free-now"],
        ["t-free-soon", "t-mine", "t-other"],
        ["t-free-nodue"],
    ]
    assert [p.total for p in pages] == [7, 7, 7]
    assert [(p.limit, p.offset) for p in pages] == [(3, 0), (3, 3), (3, 6)]


def walk(session: Session, scope: Any, limit: int, **filters: Any) -> list[list[str]]:
    """Every page of the queue, each found by the previous one's cursor."""
    pages: list[list[str]] = []
    after: PageKey | None = None
    while True:
        page = inbox(
            session, user_id="sw1", roles={"SW"}, visible=VISIBLE, scope=scope, now=NOW, limit=limit, after=after,
            **filters,
        )  # fmt: skip
        pages.append([t.task_id for t in page.items])
        if page.next_cursor is None:
            return pages
        after = PageKey.decode(page.next_cursor)


@pytest.fixture
def crowded(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """A queue with ties on due_at, tasks without a due date, and ids that sort against their due order."""
    with sessions.begin() as s:
        add_case(s, "a1")
        add_case(s, "b1", municipality="city-b")
        dues = [NOW - DAY, NOW, NOW, NOW, None, NOW + DAY, None, NOW, None, NOW - DAY, NOW + 2 * DAY, None]
        for n, due in enumerate(dues):
            add_task(s, f"t{(7 * n) % 12:02d}", "a1", due_at=due)
        add_task(s, "t-b", "b1", due_at=NOW)  # another municipality's, at a tie: never on a page
    return sessions


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5, 11, 12, 13])
def test_cursor_pages_have_no_duplicates_and_no_gaps(crowded: sessionmaker[Session], limit: int) -> None:
    with crowded() as s:
        whole = inbox_ids(s, "role", limit=100)
        pages = walk(s, "role", limit)
    assert [task for page in pages for task in page] == whole
    assert len(whole) == 12
    assert len(set(whole)) == 12
    assert all(len(page) == limit for page in pages[:-1])
    assert len(pages) == max(1, -(-12 // limit))  # no empty page after a full one


def test_cursor_pages_keep_the_due_order_nulls_last(crowded: sessionmaker[Session]) -> None:
    with crowded() as s:
        tasks = inbox(s, user_id="sw1", roles={"SW"}, visible=VISIBLE, scope="role", now=NOW, limit=100).items
    dues = [t.due_at for t in tasks]
    dated = [d for d in dues if d is not None]
    assert dues == [*sorted(dated), None, None, None, None]
    assert [t.task_id for t in tasks if t.due_at == NOW] == sorted(t.task_id for t in tasks if t.due_at == NOW)
    assert [t.task_id for t in tasks if t.due_at is None] == sorted(t.task_id for t in tasks if t.due_at is None)


def test_the_offset_pages_are_the_cursor_pages(crowded: sessionmaker[Session]) -> None:
    with crowded() as s:
        by_offset = [inbox_ids(s, "role", limit=5, offset=o) for o in (0, 5, 10)]
        by_cursor = walk(s, "role", 5)
        second = inbox(s, user_id="sw1", roles={"SW"}, visible=VISIBLE, scope="role", now=NOW, limit=5, offset=5)
    assert by_offset == by_cursor
    assert second.next_cursor is not None  # an offset page links to the next one by cursor too


def test_a_cursor_page_skips_nothing_when_rows_close_meanwhile(crowded: sessionmaker[Session]) -> None:
    with crowded() as s:
        first = inbox(s, user_id="sw1", roles={"SW"}, visible=VISIBLE, scope="role", now=NOW, limit=4)
    with crowded.begin() as s:
        s.get(TaskRecord, first.items[0].task_id).status = "done"  # type: ignore[union-attr]
    assert first.next_cursor is not None
    with crowded() as s:
        second = inbox(
            s, user_id="sw1", roles={"SW"}, visible=VISIBLE, scope="role", now=NOW, limit=4,
            after=PageKey.decode(first.next_cursor),
        )  # fmt: skip
        whole = inbox_ids(s, "role", limit=100)
    assert [t.task_id for t in second.items] == whole[3:7]


def test_a_page_is_found_by_cursor_or_offset_not_both(crowded: sessionmaker[Session]) -> None:
    key = PageKey(at=NOW, id="t01")
    with crowded() as s, pytest.raises(ValueError, match="not both"):
        inbox(s, user_id="sw1", roles={"SW"}, visible=VISIBLE, scope="role", now=NOW, offset=2, after=key)


def test_an_unreadable_cursor_is_refused_with_what_to_do() -> None:
    for text in ("", "x", "bm90LWpzb24", PageKey(at=NOW, id="t").encode()[:-3], "WzEsMiwzXQ"):
        with pytest.raises(ValueError, match="next_cursor"):
            PageKey.decode(text)
    assert PageKey.decode(PageKey(at=None, id="t:1").encode()) == PageKey(at=None, id="t:1")


# -- claims -------------------------------------------------------------------------------------------------------


def claim(session: Session, task_id: str, user_id: str = "sw1", roles: frozenset[str] = frozenset({"SW"})) -> Any:
    return claim_task(session, task_id=task_id, user_id=user_id, roles=set(roles), visible=VISIBLE, now=NOW)


def test_claim_a_free_task_and_claim_it_again(tasks: sessionmaker[Session]) -> None:
    with tasks.begin() as s:
        s.get_one(TaskRecord, "t-free-late")  # loaded before the UPDATE: the answer must not be stale
        claimed = claim(s, "t-free-late")
        assert (claimed.assignee, claimed.municipality, claimed.case_state, claimed.overdue) == (
            "sw1",
            "city-a",
            "INTAKE",
            True,
        )
        assert claim(s, "t-free-late").assignee == "sw1"  # already theirs: no conflict
    with tasks() as s:
        assert s.get_one(TaskRecord, "t-free-late").assignee == "sw1"
        assert "t-free-late" in inbox_ids(s, "mine")
        assert "t-free-late" not in inbox_ids(s, "unassigned")


def test_the_second_claimer_is_told_who_holds_the_task(tasks: sessionmaker[Session]) -> None:
    with tasks.begin() as s:
        claim(s, "t-free-soon", "sw1")
    with tasks.begin() as s, pytest.raises(TaskConflictError, match="sw1") as lost:
        claim(s, "t-free-soon", "sw2")
    assert lost.value.holder == "sw1"
    assert lost.value.task_id == "t-free-soon"


def test_a_concurrent_claim_waits_for_the_first_and_loses(tasks: sessionmaker[Session]) -> None:
    outcome: list[BaseException | str] = []

    def second() -> None:
        try:
            with tasks.begin() as s2:
                outcome.append(claim(s2, "t-free-nodue", "sw2").assignee)
        except TaskConflictError as exc:
            outcome.append(exc)

    with tasks.begin() as s1:
        claim(s1, "t-free-nodue", "sw1")  # holds the row (PostgreSQL) or the write lock (SQLite)
        racer = threading.Thread(target=second)
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive(), "the second claim must wait for the first transaction"
    racer.join(timeout=10)
    assert len(outcome) == 1
    assert isinstance(outcome[0], TaskConflictError)
    assert outcome[0].holder == "sw1"
    with tasks() as s:
        assert s.get_one(TaskRecord, "t-free-nodue").assignee == "sw1"


def test_claims_that_are_refused(tasks: sessionmaker[Session]) -> None:
    with tasks() as s:
        with pytest.raises(TaskNotFoundError):
            claim(s, "t-hidden")  # city-b: not visible, not even to its assignee
        with pytest.raises(TaskNotFoundError):
            claim(s, "t-nonexistent")
        with pytest.raises(TaskRoleError) as role:
            claim(s, "t-esw")
        assert role.value.role == "ESW"
        with pytest.raises(TaskConflictError) as done:
            claim(s, "t-done")
        assert done.value.status == "done"
        with pytest.raises(TaskConflictError) as cancelled:
            claim(s, "t-cancelled")
        assert cancelled.value.status == "cancelled"
        with pytest.raises(TaskConflictError) as other:
            claim(s, "t-other")
        assert other.value.holder == "sw2"
        assert s.get_one(TaskRecord, "t-other").assignee == "sw2"


def test_release_returns_the_task_to_its_queue(tasks: sessionmaker[Session]) -> None:
    with tasks.begin() as s:
        released = release_task(s, task_id="t-mine", user_id="sw1", visible=VISIBLE)
        assert released.assignee is None
        assert released.overdue is False
    with tasks() as s:
        assert s.get_one(TaskRecord, "t-mine").assignee is None
        assert "t-mine" in inbox_ids(s, "unassigned")


def test_releases_that_are_refused(tasks: sessionmaker[Session]) -> None:
    with tasks() as s:
        with pytest.raises(TaskConflictError, match="sw2") as other:
            release_task(s, task_id="t-other", user_id="sw1", visible=VISIBLE)
        assert other.value.holder == "sw2"
        with pytest.raises(TaskConflictError) as free:
            release_task(s, task_id="t-free-soon", user_id="sw1", visible=VISIBLE)
        assert free.value.holder is None
        with pytest.raises(TaskConflictError) as done:
            release_task(s, task_id="t-done", user_id="sw1", visible=VISIBLE)
        assert done.value.status == "done"
        with pytest.raises(TaskNotFoundError):
            release_task(s, task_id="t-hidden", user_id="sw1", visible=VISIBLE)
        assert s.get_one(TaskRecord, "t-other").assignee == "sw2"
