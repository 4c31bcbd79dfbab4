"""The names lists show (store/names.py), on SQLite and PostgreSQL: of the ids asked, or of everyone when none are
named; an unknown id is absent, an empty ask reads nothing."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from store.models import OrganisationRecord, UserRecord
from store.names import municipality_names, user_names
from tests.store.case_rows import NOW


def _named(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        for org_id, name in (("city-a", "A市 福祉事務所"), ("city-b", "B町 福祉事務所")):
            session.add(OrganisationRecord(org_id=org_id, kind="municipality", name_ja=name, serves=[org_id]))
        session.flush()
        for user_id, name in (("sw1", "相談支援員 佐藤"), ("csw1", "主任相談支援員 鈴木")):
            session.add(
                UserRecord(
                    user_id=user_id,
                    display_name=name,
                    password_hash="x",
                    roles=["SW"],
                    org_id="city-a",
                    active=True,
                    created_at=NOW,
                    password_changed_at=NOW,
                )
            )


def test_the_names_of_the_ids_asked_or_of_everyone(sessions: sessionmaker[Session]) -> None:
    _named(sessions)
    with sessions() as s:
        assert municipality_names(s, ["city-a", "city-x"]) == {"city-a": "A市 福祉事務所"}
        assert municipality_names(s) == {"city-a": "A市 福祉事務所", "city-b": "B町 福祉事務所"}
        assert municipality_names(s, []) == {}
        assert user_names(s, {"csw1", "nobody"}) == {"csw1": "主任相談支援員 鈴木"}
        assert user_names(s) == {"sw1": "相談支援員 佐藤", "csw1": "主任相談支援員 鈴木"}
        assert user_names(s, iter(())) == {}
