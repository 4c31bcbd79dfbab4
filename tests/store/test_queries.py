"""The read side (store/queries.py) against SQLite and PostgreSQL: case lists, the pipeline and a case's history."""

from __future__ import annotations

from datetime import datetime, timedelta
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
from store.models import CaseRecord
from store.queries import PageKey, case_row, history, list_cases, pipeline
from store.repository import CaseRepository
from tests.store.case_rows import DAY, NOW, VISIBLE, add_case

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


def test_list_cases_cursor_pages_follow_the_offset_pages(cases: sessionmaker[Session]) -> None:
    with cases() as s:
        pages, after = [], None
        while True:
            page = list_cases(s, visible=VISIBLE, now=NOW, limit=3, after=after)
            pages.append([c.case_id for c in page.items])
            if page.next_cursor is None:
                break
            after = PageKey.decode(page.next_cursor)
    assert pages == [["c2", "c1", "a2"], ["a3", "a1"]]  # a2/a3 share their opening: split by id, nothing lost


def test_case_row_is_none_when_not_visible(cases: sessionmaker[Session]) -> None:
    with cases() as s:
        row = case_row(s, "a2", VISIBLE)
        assert row is not None
        assert (row.state, row.assignee, row.stage) == ("ASSESSMENT", "sw2", "assessment")
        assert case_row(s, "b1", VISIBLE) is None
        assert case_row(s, "b1", {"city-b"}) is not None
        assert case_row(s, "nope", VISIBLE) is None


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
