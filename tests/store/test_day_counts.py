"""The pipeline's counts per day (store/day_counts.py): kept exact by the projection, and the pipeline counted from them
equal to the pipeline counted case by case, at every moment, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import random
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session, sessionmaker

from statemachines.case.record import CaseState
from statemachines.kernel.events import GENESIS_HASH
from store import day_counts
from store.day_counts import CaseDayCountRecord, DayKey, Measure
from store.models import CaseRecord
from store.queries import AGING_BUCKETS, _counted_by_day, _counted_case_by_case, pipeline
from store.repository import CaseRepository
from tests.store.case_rows import DAY, NOW, add_case
from tests.store.projections import apply, apply_all, make_case, make_event, make_projection, three_projections


def stored(sessions: sessionmaker[Session]) -> dict[DayKey, int]:
    with sessions() as s:
        rows = s.scalars(select(CaseDayCountRecord))
        return {DayKey(r.municipality, r.measure, r.day, r.state): r.cases for r in rows}


def entered(day: date, state: str, municipality: str = "131016") -> DayKey:
    return DayKey(municipality, Measure.ENTERED, day, state)


def due(day: date, state: str, municipality: str = "131016") -> DayKey:
    return DayKey(municipality, Measure.DUE, day, state)


def rows(*counted: tuple[DayKey, int]) -> dict[DayKey, int]:
    """The rows ``counted`` (a day's key, its count) make: each day's row and its month's, counts of a month summed."""
    made: dict[DayKey, int] = {}
    for key, n in counted:
        month = MONTH_OF[Measure(key.measure)]
        for k in (key, key._replace(measure=month, day=key.day.replace(day=1))):
            made[k] = made.get(k, 0) + n
    return made


MONTH_OF = {Measure.ENTERED: Measure.ENTERED_MONTH, Measure.DUE: Measure.DUE_MONTH}


def agree(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        assert day_counts.mismatches(s) == []


# -- kept by the projection -------------------------------------------------------------------------------------


def test_a_case_is_counted_where_it_stands_and_moves_with_its_events(sessions: sessionmaker[Session]) -> None:
    p1, p2, p3 = three_projections()  # intake → assessment → planning, an hour apart on 1 April 2025 (UTC)
    day, week_on = p1.event.at.date(), (p1.event.at + timedelta(days=7)).date()  # each due a week after its event

    apply(sessions, p1)
    assert stored(sessions) == rows((entered(day, "intake"), 1), (due(week_on, "intake"), 1))
    apply_all(sessions, [p2, p3])
    # no time of entering the state in these rows: counted by the last update, as the pipeline ages them
    assert stored(sessions) == rows((entered(day, "planning"), 1), (due(week_on, "planning"), 1)), "rows left go"
    apply_all(sessions, three_projections("case-0002")[:2])
    assert stored(sessions) == rows(
        (entered(day, "planning"), 1),
        (due(week_on, "planning"), 1),
        (entered(day, "assessment"), 1),
        (due(week_on, "assessment"), 1),
    )
    agree(sessions)


def test_reapplying_or_an_older_row_changes_no_count(sessions: sessionmaker[Session]) -> None:
    p1, p2, _ = three_projections()
    apply_all(sessions, [p1, p2])
    before = stored(sessions)

    assert apply(sessions, p2) is False
    with sessions.begin() as session:
        CaseRepository(session)._upsert_case(p1.case)  # older than the stored row: not written

    assert stored(sessions) == before
    agree(sessions)


def test_a_superseding_event_moves_the_count_from_what_it_undid(sessions: sessionmaker[Session]) -> None:
    p1, p2, p3 = three_projections()
    apply_all(sessions, [p1, p2, p3])
    again = make_event(2, p1.event.hash, from_state="intake", to_state="closed", at=p1.event.at + timedelta(days=3))

    with sessions.begin() as session:
        assert CaseRepository(session).apply_projection(make_projection(again), supersede=True) is True

    assert stored(sessions) == rows(
        (entered(again.at.date(), "closed"), 1), (due((again.at + timedelta(days=7)).date(), "closed"), 1)
    )
    agree(sessions)


def test_a_day_is_the_utc_day(sessions: sessionmaker[Session]) -> None:
    """23:30 UTC on 31 March is 1 April in Japan: the day is UTC's, as the pipeline's edges are."""
    evening = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    event = make_event(1, GENESIS_HASH, at=evening)
    row = make_case(event).model_copy(update={"state_entered_at": evening, "next_due_at": evening + timedelta(days=1)})
    with sessions.begin() as session:
        CaseRepository(session).apply_projection(make_projection(event).model_copy(update={"case": row}))
    expected = rows((entered(evening.date(), "intake"), 1), (due(date(2026, 4, 1), "intake"), 1))
    assert DayKey("131016", Measure.ENTERED_MONTH, date(2026, 3, 1), "intake") in expected  # March, not April
    assert stored(sessions) == expected
    with sessions.begin() as session:
        day_counts.recount(session)  # the SQL of a recount finds the same days
    assert stored(sessions) == expected


def test_a_count_the_cases_do_not_hold_is_logged_and_left_not_made_negative(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    """Counts written around the projection may miss a case: its next move still goes through (a pipeline count off
    by one, said in the log, rather than a case whose commands fail) and no count goes below zero."""
    with caplog.at_level(logging.ERROR, logger="store.day_counts"), sessions.begin() as session:
        day_counts.move(
            session, frozenset({entered(NOW.date(), "intake")}), frozenset({entered(NOW.date(), "screening")})
        )

    assert stored(sessions) == {entered(NOW.date(), "screening"): 1}
    assert "recount" in caplog.text


def test_recount_counts_cases_written_around_the_projection(sessions: sessionmaker[Session]) -> None:
    """A bulk load writes ``cases`` straight; a recount makes the counts theirs again."""
    rows = [
        {**make_case(make_event(1, GENESIS_HASH, case_id=f"bulk-{k}")).model_dump(), "state_entered_at": NOW - k * DAY}
        for k in range(5)
    ]
    with sessions.begin() as session:
        session.execute(insert(CaseRecord), rows)
        assert day_counts.mismatches(session) != []
        day_counts.recount(session)
    agree(sessions)
    assert sum(n for key, n in stored(sessions).items() if key.measure == Measure.ENTERED) == 5


def test_crosswise_moves_in_one_municipality_neither_deadlock_nor_lose_a_count(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """PostgreSQL: projections of many cases of one municipality at once, half moving intake → screening and half
    screening → intake on the same day, lock the same two rows in opposite directions; in key order, none waits for
    another crosswise, and every count stays."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: there is no concurrency to try")
    at = NOW
    firsts = []
    for k in range(16):
        state = "intake" if k % 2 else "screening"
        event = make_event(1, GENESIS_HASH, case_id=f"cw-{k}", to_state=state, at=at)
        firsts.append(make_projection(event))
    apply_all(sessions, firsts)
    barrier = threading.Barrier(16)
    errors: list[BaseException] = []

    def move(first_event_hash: str, case_id: str, to_state: str, from_state: str) -> None:
        event = make_event(2, first_event_hash, case_id=case_id, from_state=from_state, to_state=to_state, at=at)
        try:
            with sessions.begin() as session:
                barrier.wait(timeout=30)
                CaseRepository(session).apply_projection(make_projection(event))
        except BaseException as err:  # reported below
            errors.append(err)

    threads = []
    for p in firsts:
        other = "screening" if p.event.to_state == "intake" else "intake"
        threads.append(threading.Thread(target=move, args=(p.event.hash, p.event.case_id, other, p.event.to_state)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    week_on = (at + timedelta(days=7)).date()
    assert stored(sessions) == rows(
        (entered(at.date(), "intake"), 8),
        (entered(at.date(), "screening"), 8),
        (due(week_on, "intake"), 8),
        (due(week_on, "screening"), 8),
    )
    agree(sessions)


# -- the pipeline counted from them -----------------------------------------------------------------------------

BUCKET_DAYS = [days for _, days in AGING_BUCKETS if days is not None]


def test_the_pipeline_from_the_days_equals_the_pipeline_case_by_case_at_every_moment(
    sessions: sessionmaker[Session],
) -> None:
    """Cases entering their states over 200 days (a few with no time of entering, aged by their last update), half of
    them due within 40 days either side, read at moments whose bucket edges fall on days that hold cases and at
    moments a case falls due, to the second either side."""
    rng = random.Random(16)
    states = list(CaseState)
    times: list[datetime] = []
    dues: list[datetime] = []
    with sessions.begin() as s:
        for k in range(400):
            at = NOW - timedelta(seconds=rng.randrange(200 * 86_400))
            legacy = k % 25 == 0
            times.append(at)
            due_at = rng.choice([None, NOW + timedelta(seconds=rng.randrange(-40 * 86_400, 40 * 86_400))])
            dues += [] if due_at is None else [due_at]
            add_case(
                s,
                f"c{k:04d}",
                municipality=rng.choice(["city-a", "city-a", "city-c", "city-b"]),
                state=rng.choice(states),
                assignee=rng.choice(["sw1", "sw2", None]),
                state_entered_at=None if legacy else at,
                updated_at=at,
                next_due_at=due_at,
            )
    moments = [NOW, NOW + timedelta(hours=13), NOW - timedelta(days=40, hours=5)]
    for at in rng.sample(times, 12):
        days = rng.choice(BUCKET_DAYS)
        moments += [at + timedelta(days=days, seconds=offset) for offset in (-1, 0, 1)]
    for at in rng.sample(dues, 6):  # a case falls due today, a second either side of now
        moments += [at + timedelta(seconds=offset) for offset in (-1, 0, 1)]
    with sessions() as s:
        for now in moments:
            for scope in ({"city-a"}, {"city-a", "city-c"}, set()):
                assert _counted_by_day(s, scope, now) == _counted_case_by_case(s, scope, None, now), (now, scope)


def test_the_pipeline_of_a_municipality_is_read_from_the_days(sessions: sessionmaker[Session]) -> None:
    """The rows say what the pipeline shows: a count written there (and nowhere in ``cases``) shows: a day of
    entering 60 days ago, and the month before this one falling due."""
    with sessions.begin() as s:
        add_case(s, "a1", state=CaseState.SUPPORT_ACTIVE, state_entered_at=NOW - 40 * DAY)
        support = CaseState.SUPPORT_ACTIVE.value
        s.add(CaseDayCountRecord(**entered((NOW - 60 * DAY).date(), support, "city-a")._asdict(), cases=2))
        last_month = due((NOW - 5 * DAY).date(), support, "city-a")._replace(measure=Measure.DUE_MONTH)
        s.add(CaseDayCountRecord(**last_month._replace(day=last_month.day.replace(day=1))._asdict(), cases=1))
    with sessions() as s:
        whole = pipeline(s, visible={"city-a"}, now=NOW)
        of_sw = pipeline(s, visible={"city-a"}, assignee="nobody", now=NOW)
    active = next(
        st for stage in whole["stages"] for st in stage["states"] if st["id"] == CaseState.SUPPORT_ACTIVE.value
    )
    assert (active["count"], active["aging"]["31-90"], active["overdue"]) == (3, 3, 1)
    assert all(st["count"] == 0 for stage in of_sw["stages"] for st in stage["states"]), (
        "one consultant's: case by case"
    )
