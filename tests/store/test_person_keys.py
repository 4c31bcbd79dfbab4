"""Person keys: one person is recognised however their kana is written, and nobody else is."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from store.person_keys import PersonRepository, normalised_kana, person_key
from store.programs import EnrolmentRecord

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
BORN = date(1980, 5, 1)


def test_kana_is_compared_without_spaces_width_or_hiragana() -> None:
    assert normalised_kana("やまだ\u3000たろう") == normalised_kana("ﾔﾏﾀﾞ ﾀﾛｳ") == "ヤマダタロウ"
    assert person_key("s", "やまだ たろう", BORN) == person_key("s", "ヤマダタロウ", BORN)


def test_a_key_differs_by_birth_date_name_and_secret_and_holds_no_name() -> None:
    key = person_key("s", "ヤマダタロウ", BORN)
    assert len(key) == 64
    assert "ヤマダ" not in key
    assert key != person_key("s", "ヤマダタロウ", date(1980, 5, 2))
    assert key != person_key("s", "ヤマダハナコ", BORN)
    assert key != person_key("other deployment", "ヤマダタロウ", BORN)


def _enrolment(session: Session, enrolment_id: str, program: str, summary: dict[str, Any]) -> None:
    session.add(
        EnrolmentRecord(
            enrolment_id=enrolment_id,
            case_id=enrolment_id.split(":")[0],
            municipality="city-a",
            program=program,
            state="X",
            started_at=NOW,
            updated_at=NOW,
            next_due_at=None,
            next_due_kind=None,
            last_seq=1,
            summary=summary,
        )
    )


def test_the_last_payment_end_comes_from_the_person_s_other_paid_enrolments(sessions: sessionmaker[Session]) -> None:
    me, someone_else = person_key("s", "ヤマダタロウ", BORN), person_key("s", "スズキハナコ", BORN)
    with sessions.begin() as session:
        _enrolment(session, "c1:hb", "housing_benefit", {"months_granted": 3, "ended_on": "2026-02-28"})
        _enrolment(session, "c2:hb", "housing_benefit", {"months_granted": 6, "period_end": "2026-09-30"})  # paying
        _enrolment(session, "c3:hb", "housing_benefit", {})  # applied, never paid
        _enrolment(session, "c4:wr", "work_readiness", {"months_granted": 12, "ended_on": "2026-11-30"})
        _enrolment(session, "c5:hb", "housing_benefit", {"months_granted": 3, "ended_on": "2026-11-30"})
        _enrolment(session, "c6:hb", "housing_benefit", {})  # the application being checked
        people = PersonRepository(session)
        for enrolment_id in ("c1:hb", "c2:hb", "c3:hb", "c4:wr", "c6:hb"):
            people.link(enrolment_id, enrolment_id.split(":")[0], me, now=NOW)
        people.link("c5:hb", "c5", someone_else, now=NOW)

    with sessions.begin() as session:
        people = PersonRepository(session)
        assert people.last_housing_payment_end(me, excluding="c6:hb") == date(2026, 9, 30)
        assert people.last_housing_payment_end(me, excluding="c2:hb") == date(2026, 2, 28)
        assert people.last_housing_payment_end(person_key("s", "サトウ", BORN), excluding="c6:hb") is None
