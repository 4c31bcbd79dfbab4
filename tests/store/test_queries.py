"""The read side (store/queries.py) against SQLite and PostgreSQL: lists, inboxes, claims, pipeline, history."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from statemachines.case.record import STAGE_NAMES, STATES, CaseState, Stage
from statemachines.kernel.events import (
    GENESIS_HASH,
    CaseEvent,
    CaseSnapshotRow,
    Projection,
    Rejection,
    canonical_event_content,
    chain_hash,
)
from store.errors import TaskConflictError, TaskNotFoundError, TaskRoleError
from store.models import CaseRecord, TaskRecord
from store.queries import case_row, claim_task, history, inbox, list_cases, pipeline, release_task
from store.repository import CaseRepository

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
VISIBLE = {"city-a", "city-c"}
DAY = timedelta(days=1)


def add_case(session: Session, case_id: str, **values: Any) -> CaseRecord:
    state = CaseState(values.pop("state", CaseState.INTAKE))
    record = CaseRecord(
        case_id=case_id,
        municipality=values.pop("municipality", "city-a"),
        stage=STATES[state].stage.value,
        state=state.value,
        emergency_active=False,
        assignee=values.pop("assignee", None),
        opened_at=values.pop("opened_at", NOW - 10 * DAY),
        updated_at=values.pop("updated_at", NOW - DAY),
        state_entered_at=values.pop("state_entered_at", NOW - DAY),
        closed_at=None,
        next_due_at=values.pop("next_due_at", None),
        next_due_kind=None,
        ruleset_id="national-2025-04",
        plan_version=0,
        last_seq=1,
    )
    assert not values, values
    session.add(record)
    session.flush()
    return record


def add_task(session: Session, task_id: str, case_id: str, **values: Any) -> TaskRecord:
    record = TaskRecord(
        task_id=task_id,
        case_id=case_id,
        kind=values.pop("kind", "screening"),
        title_ja="スクリーニング",
        title_en="Screening",
        role=values.pop("role", "SW"),
        assignee=values.pop("assignee", None),
        due_at=values.pop("due_at", None),
        command="screen",
        status=values.pop("status", "open"),
        opened_seq=1,
        closed_seq=None,
        opened_at=NOW - 5 * DAY,
        closed_at=None,
    )
    assert not values, values
    session.add(record)
    session.flush()
    return record


# -- list_cases ---------------------------------------------------------------------------------------------------


@pytest.fixture
def cases(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Five visible cases in city-a and city-c, and one of city-b that must never show."""
    with sessions.begin() as s:
        add_case(s, "a1", opened_at=NOW - 30 * DAY, assignee="sw1", next_due_at=NOW - DAY)
        add_case(s, "a2", opened_at=NOW - 20 * DAY, state=CaseState.ASSESSMENT, assignee="sw2", next_due_at=NOW)
        add_case(s, "a3", opened_at=NOW - 20 * DAY, state=CaseState.PLAN_CHECK, assignee="sw1")
        add_case(s, "c1", opened_at=NOW - 10 * DAY, municipality="city-c", next_due_at=NOW + DAY)
        add_case(s, "c2", opened_at=NOW - 5 * DAY, municipality="city-c", state=CaseState.PLAN_DRAFTING)
        add_case(s, "b1", opened_at=NOW - DAY, municipality="city-b", assignee="sw1", next_due_at=NOW - DAY)
    return sessions


def ids(session: Session, **filters: Any) -> list[str]:
    page = list_cases(session, visible=VISIBLE, now=NOW, **filters)
    return [c.case_id for c in page.items]


def test_list_cases_shows_visible_cases_newest_first(cases: sessionmaker[Session]) -> None:
    with cases() as s:
        page = list_cases(s, visible=VISIBLE, now=NOW)
        assert [c.case_id for c in page.items] == ["c2", "c1", "a2", "a3", "a1"]  # a2/a3 tie: by case_id
        assert page.total == 5
        assert (page.limit, page.offset) == (50, 0)
        assert page.items[-1].next_due_at == NOW - DAY
        assert ids(s, municipality="city-b") == []
        assert list_cases(s, visible={"city-b"}, now=NOW).total == 1
        assert list_cases(s, visible=set(), now=NOW).total == 0


def test_list_cases_filters(cases: sessionmaker[Session]) -> None:
    with cases() as s:
        assert ids(s, stage=Stage.PLANNING.value) == ["c2", "a3"]
        assert ids(s, state=CaseState.ASSESSMENT.value) == ["a2"]
        assert ids(s, assignee="sw1") == ["a3", "a1"]
        assert ids(s, municipality="city-c") == ["c2", "c1"]
        assert ids(s, overdue=True) == ["a1"]  # due exactly now is not overdue yet
        assert ids(s, overdue=False) == ["c2", "c1", "a2", "a3"]
        assert ids(s, opened_from=NOW - 20 * DAY) == ["c2", "c1", "a2", "a3"]  # inclusive
        assert ids(s, opened_to=NOW - 10 * DAY) == ["a2", "a3", "a1"]  # exclusive
        assert ids(s, opened_from=NOW - 20 * DAY, opened_to=NOW - 5 * DAY, assignee="sw1") == ["a3"]


def test_list_cases_pages(cases: sessionmaker[Session]) -> None:
    with cases() as s:
        pages = [list_cases(s, visible=VISIBLE, now=NOW, limit=2, offset=o) for o in (0, 2, 4, 6)]
        assert [[c.case_id for c in p.items] for p in pages] == [["c2", "c1"], ["a2", "a3"], ["a1"], []]
        assert {p.total for p in pages} == {5}
        assert list_cases(s, visible=VISIBLE, now=NOW, state="INTAKE", limit=1).total == 2
        with pytest.raises(ValueError, match="limit"):
            list_cases(s, visible=VISIBLE, now=NOW, limit=0)
        with pytest.raises(ValueError, match="offset"):
            list_cases(s, visible=VISIBLE, now=NOW, offset=-1)


def test_case_row_is_none_when_not_visible(cases: sessionmaker[Session]) -> None:
    with cases() as s:
        row = case_row(s, "a2", VISIBLE)
        assert row is not None
        assert (row.state, row.assignee, row.stage) == ("ASSESSMENT", "sw2", "assessment")
        assert case_row(s, "b1", VISIBLE) is None
        assert case_row(s, "b1", {"city-b"}) is not None
        assert case_row(s, "nope", VISIBLE) is None


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


# -- pipeline -----------------------------------------------------------------------------------------------------


def test_the_pipeline_lists_every_stage_and_state_in_order_with_zeros(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        result = pipeline(s, visible=VISIBLE, now=NOW)
    assert list(result) == ["stages"]
    assert [st["id"] for st in result["stages"]] == [stage.value for stage in Stage]
    assert [st["name_ja"] for st in result["stages"]] == [STAGE_NAMES[stage][0] for stage in Stage]
    states = [state["id"] for st in result["stages"] for state in st["states"]]
    assert states == [state.value for state in CaseState]
    for st in result["stages"]:
        assert set(st) == {"id", "name_ja", "count", "overdue", "states"}
        assert (st["count"], st["overdue"]) == (0, 0)
        for state in st["states"]:
            assert STATES[CaseState(state["id"])].stage.value == st["id"]
            assert state["name_ja"] == STATES[CaseState(state["id"])].name_ja
            assert (state["count"], state["overdue"]) == (0, 0)
            assert state["aging"] == {"0-7": 0, "8-30": 0, "31-90": 0, "90+": 0}


def find_state(result: dict[str, Any], state: CaseState) -> dict[str, Any]:
    found: list[dict[str, Any]] = [s for st in result["stages"] for s in st["states"] if s["id"] == state.value]
    assert len(found) == 1
    return found[0]


def find_stage(result: dict[str, Any], stage: Stage) -> dict[str, Any]:
    found: dict[str, Any] = next(st for st in result["stages"] if st["id"] == stage.value)
    return found


def test_pipeline_aging_buckets_at_their_edges(sessions: sessionmaker[Session]) -> None:
    entered = {
        "fresh": NOW,
        "d7": NOW - 7 * DAY,
        "d7-almost-8": NOW - 8 * DAY + timedelta(seconds=1),
        "d8": NOW - 8 * DAY,
        "d30": NOW - 30 * DAY,
        "d31": NOW - 31 * DAY,
        "d90": NOW - 90 * DAY,
        "d91": NOW - 91 * DAY,
    }
    with sessions.begin() as s:
        for case_id, at in entered.items():
            add_case(s, case_id, state=CaseState.SUPPORT_ACTIVE, state_entered_at=at)
        # No state_entered_at: aged from the last update.
        add_case(s, "legacy", state=CaseState.SUPPORT_ACTIVE, state_entered_at=None, updated_at=NOW - 40 * DAY)
    with sessions() as s:
        active = find_state(pipeline(s, visible=VISIBLE, now=NOW), CaseState.SUPPORT_ACTIVE)
    assert active["aging"] == {"0-7": 3, "8-30": 2, "31-90": 3, "90+": 1}
    assert active["count"] == 9


def test_pipeline_counts_and_overdue_per_state_and_stage(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        add_case(s, "i1", next_due_at=NOW - DAY, assignee="sw1")
        add_case(s, "i2", next_due_at=NOW, assignee="sw2")
        add_case(s, "s1", state=CaseState.SCREENING, next_due_at=NOW - timedelta(seconds=1), assignee="sw1")
        add_case(s, "p1", state=CaseState.PLAN_CHECK, municipality="city-c", state_entered_at=NOW - 50 * DAY)
        add_case(s, "b1", municipality="city-b", next_due_at=NOW - DAY, assignee="sw1")
    with sessions() as s:
        result = pipeline(s, visible=VISIBLE, now=NOW)
        by_city_c = pipeline(s, visible=VISIBLE, municipality="city-c", now=NOW)
        by_sw1 = pipeline(s, visible=VISIBLE, assignee="sw1", now=NOW)
        hidden = pipeline(s, visible=VISIBLE, municipality="city-b", now=NOW)
    intake = find_state(result, CaseState.INTAKE)
    assert (intake["count"], intake["overdue"]) == (2, 1)  # b1 (city-b) is not counted
    consultation = find_stage(result, Stage.CONSULTATION)
    assert (consultation["count"], consultation["overdue"]) == (3, 2)
    planning = find_stage(result, Stage.PLANNING)
    assert (planning["count"], planning["overdue"]) == (1, 0)
    assert find_state(result, CaseState.PLAN_CHECK)["aging"]["31-90"] == 1
    assert sum(st["count"] for st in result["stages"]) == 4
    assert sum(st["count"] for st in by_city_c["stages"]) == 1
    assert find_state(by_city_c, CaseState.PLAN_CHECK)["count"] == 1
    assert (find_stage(by_sw1, Stage.CONSULTATION)["count"], find_stage(by_sw1, Stage.CONSULTATION)["overdue"]) == (
        2,
        2,
    )
    assert sum(st["count"] for st in hidden["stages"]) == 0


# -- history ------------------------------------------------------------------------------------------------------


def chain(*specs: tuple[datetime, str | None, str, dict[str, Any]]) -> list[CaseEvent]:
    events: list[CaseEvent] = []
    prev = GENESIS_HASH
    for seq, (at, from_state, to_state, payload) in enumerate(specs, start=1):
        content: dict[str, Any] = {
            "case_id": "h1",
            "seq": seq,
            "at": at,
            "actor_id": "sw1",
            "actor_roles": ["SW"],
            "command": f"cmd{seq}",
            "command_id": f"c-{seq}",
            "transition_id": f"T{seq}",
            "from_state": from_state,
            "to_state": to_state,
            "payload": payload,
        }
        event = CaseEvent(**content, prev_hash=prev, hash=chain_hash(prev, canonical_event_content(**content)))
        events.append(event)
        prev = event.hash
    return events


def rejection(at: datetime, command: str) -> Rejection:
    return Rejection(
        case_id="h1",
        at=at,
        actor_id="esw1",
        actor_roles=["ESW"],
        command=command,
        command_id=f"r-{command}",
        state="SCREENING",
        reasons=[{"id": "G1", "message_ja": "同意がありません"}],
    )


def test_history_merges_events_and_refusals_in_time_order(sessions: sessionmaker[Session]) -> None:
    t1, t2, t3 = NOW - 3 * DAY, NOW - 2 * DAY, NOW - DAY
    events = chain(
        (t1, None, "INTAKE", {"channel": "窓口", "consent": {"given": True}}),
        (t3, "INTAKE", "SCREENING", {}),
    )
    with sessions.begin() as s:
        add_case(s, "h1", state=CaseState.INTAKE)
        repo = CaseRepository(s)
        repo.record_rejection(rejection(t3, "same-instant"))
        repo.record_rejection(rejection(t2, "between"))
        for event in events:
            snapshot = CaseSnapshotRow.model_validate(s.get_one(CaseRecord, "h1"), from_attributes=True)
            repo.apply_projection(Projection(case=snapshot.model_copy(update={"last_seq": event.seq}), event=event))
    with sessions() as s:
        entries = history(s, "h1")
        assert history(s, "nope") == []
    assert [(e.kind, e.command) for e in entries] == [
        ("event", "cmd1"),
        ("rejected", "between"),
        ("event", "cmd2"),
        ("rejected", "same-instant"),
    ]
    first, between = entries[0], entries[1]
    assert first.seq == 1
    assert first.at == t1
    assert (first.actor_id, first.actor_roles, first.transition_id) == ("sw1", ["SW"], "T1")
    assert (first.from_state, first.to_state) == (None, "INTAKE")
    assert first.payload_summary == ["channel", "consent"]
    assert (first.hash, first.prev_hash) == (events[0].hash, GENESIS_HASH)
    assert first.reasons == []
    assert entries[2].prev_hash == events[0].hash
    assert entries[2].payload_summary == []
    assert between.seq is None
    assert (between.actor_id, between.actor_roles, between.from_state) == ("esw1", ["ESW"], "SCREENING")
    assert between.reasons == [{"id": "G1", "message_ja": "同意がありません"}]
    assert between.hash is None
