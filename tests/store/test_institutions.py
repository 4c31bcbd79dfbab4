"""The 関係機関 directory against SQLite and PostgreSQL: storing, searching, visibility, and the CSV loader."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from deploy.demo import seed_demo_institutions
from statemachines.policy.institutions import Institution, InstitutionCategory
from store.errors import CsvRowError, DirectoryCsvError, DuplicateInstitutionError
from store.institutions import CSV_COLUMNS, InstitutionRepository, UpsertCounts, load_csv

C = InstitutionCategory
HEADER = ",".join(CSV_COLUMNS)


def institution(institution_id: str, **values: Any) -> Institution:
    base: dict[str, Any] = {
        "institution_id": institution_id,
        "name_ja": f"機関 {institution_id}",
        "category": C.NPO,
        "municipality": "city-a",
        "area_code": "A-1",
        "address": "A市本町1-1-1",
        "phone": "03-0000-0000",
        "accepts_referrals": True,
    }
    return Institution.model_validate({**base, **values})


DIRECTORY = [
    institution(
        "a1-centre",
        name_ja="A市 第一地域包括支援センター",
        name_kana="エーシ ダイイチチイキホウカツシエンセンター",
        category=C.COMMUNITY_GENERAL_SUPPORT_CENTER,
    ),
    institution("a2-centre", name_ja="A市 第二地域包括支援センター", category="地域包括支援センター", area_code="A-2"),
    institution("a1-care", name_ja="ケアプラン第一", category=C.CARE_MANAGER, note="Care Manager 在籍"),
    institution("a2-food", name_ja="フードバンクA市", category=C.FOOD_BANK, area_code="A-2", note="100%寄付で運営"),
    institution("a2-club", name_ja="第二老人クラブ", category=C.SENIOR_CLUB, area_code="A-2", accepts_referrals=False),
    institution("a1-under", name_ja="NPO法人 under_score", address="A市本町2-2-2"),
    institution(
        "b1-centre",
        name_ja="B町 地域包括支援センター",
        municipality="city-b",
        area_code="B-1",
        category=C.COMMUNITY_GENERAL_SUPPORT_CENTER,
    ),
]


@pytest.fixture
def stored(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions.begin() as session:
        InstitutionRepository(session).upsert_many(DIRECTORY)
    return sessions


def search(sessions: sessionmaker[Session], visible: set[str] | None = None, **filters: Any) -> list[str]:
    with sessions.begin() as session:
        page = InstitutionRepository(session).search({"city-a"} if visible is None else visible, **filters)
    return [i.institution_id for i in page.items]


# --- storing ---------------------------------------------------------------------------------------------------


def test_an_institution_round_trips(sessions: sessionmaker[Session]) -> None:
    entry = institution("x", name_kana="エックス", email="x@city-a.example", note="備考")
    with sessions.begin() as session:
        InstitutionRepository(session).add(entry)
    with sessions.begin() as session:
        assert InstitutionRepository(session).get("x") == entry


def test_adding_an_id_twice_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        repository = InstitutionRepository(session)
        repository.add(institution("x"))
        with pytest.raises(DuplicateInstitutionError):
            repository.add(institution("x", name_ja="別の機関"))
        assert repository.get("x") == institution("x")


def test_upserting_counts_what_it_added_changed_and_left_alone(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first = InstitutionRepository(session).upsert_many([institution("x"), institution("y")])
    with sessions.begin() as session:
        again = InstitutionRepository(session).upsert_many([institution("x"), institution("y", phone="03-0000-9999")])
    with sessions.begin() as session:
        repository = InstitutionRepository(session)
        assert repository.get("y") == institution("y", phone="03-0000-9999")
        assert repository.upsert_many([institution("x")]) == UpsertCounts(added=0, updated=0, unchanged=1)
    assert first == UpsertCounts(added=2, updated=0, unchanged=0)
    assert again == UpsertCounts(added=0, updated=1, unchanged=1)


def test_an_upsert_may_not_take_over_an_institution_of_an_invisible_municipality(
    stored: sessionmaker[Session],
) -> None:
    with stored.begin() as session, pytest.raises(DuplicateInstitutionError):
        InstitutionRepository(session).upsert_many(
            [institution("new"), institution("b1-centre", municipality="city-a")], visible={"city-a"}
        )
    with stored.begin() as session:
        repository = InstitutionRepository(session)
        assert repository.get("new") is None
        b1 = repository.get("b1-centre")
        assert b1 is not None
        assert b1.municipality == "city-b"


# --- searching -------------------------------------------------------------------------------------------------


def test_search_shows_only_visible_municipalities_in_directory_order(stored: sessionmaker[Session]) -> None:
    assert search(stored) == ["a1-centre", "a1-care", "a1-under", "a2-centre", "a2-club", "a2-food"]
    assert search(stored, {"city-b"}) == ["b1-centre"]
    assert search(stored, set()) == []


def test_search_filters_by_category_area_and_referrals(stored: sessionmaker[Session]) -> None:
    assert search(stored, category=C.COMMUNITY_GENERAL_SUPPORT_CENTER) == ["a1-centre", "a2-centre"]
    assert search(stored, area_code="A-2") == ["a2-centre", "a2-club", "a2-food"]
    assert search(stored, area_code="A-2", accepts_referrals=False) == ["a2-club"]
    assert search(stored, {"city-a", "city-b"}, category=C.COMMUNITY_GENERAL_SUPPORT_CENTER, area_code="B-1") == [
        "b1-centre"
    ]


def test_text_search_finds_japanese_in_name_kana_address_and_note(stored: sessionmaker[Session]) -> None:
    assert search(stored, text="地域包括") == ["a1-centre", "a2-centre"]
    assert search(stored, text="ダイイチ") == ["a1-centre"]
    assert search(stored, text="本町2") == ["a1-under"]
    assert search(stored, text="寄付") == ["a2-food"]


def test_text_search_ignores_case_and_needs_every_word(stored: sessionmaker[Session]) -> None:
    assert search(stored, text="care MANAGER") == ["a1-care"]
    assert search(stored, text="地域包括\u3000第二") == ["a2-centre"]
    assert search(stored, text="地域包括 存在しない") == []


def test_wildcards_in_the_text_match_themselves(stored: sessionmaker[Session]) -> None:
    assert search(stored, text="100%") == ["a2-food"]
    assert search(stored, text="%") == ["a2-food"]
    assert search(stored, text="_") == ["a1-under"]
    assert search(stored, text="\\") == []


def test_a_nul_character_finds_nothing_on_either_backend(stored: sessionmaker[Session]) -> None:
    assert search(stored, text="地域\x00") == []
    assert search(stored, area_code="A-1\x00") == []
    with stored.begin() as session:
        assert InstitutionRepository(session).get("a1-centre\x00") is None


def test_search_pages_with_the_total(stored: sessionmaker[Session]) -> None:
    with stored.begin() as session:
        page = InstitutionRepository(session).search({"city-a"}, limit=2, offset=2)
    assert (page.total, page.limit, page.offset) == (6, 2, 2)
    assert [i.institution_id for i in page.items] == ["a1-under", "a2-centre"]


def test_an_invisible_institution_is_not_found(stored: sessionmaker[Session]) -> None:
    with stored.begin() as session:
        repository = InstitutionRepository(session)
        assert repository.get("b1-centre", visible={"city-a"}) is None
        assert repository.get("b1-centre", visible={"city-b"}) is not None
        assert repository.get("nothing") is None


def test_areas_are_the_distinct_area_codes_of_a_municipality(stored: sessionmaker[Session]) -> None:
    with stored.begin() as session:
        repository = InstitutionRepository(session)
        assert repository.areas("city-a") == ["A-1", "A-2"]
        assert repository.areas("city-c") == []


# --- the CSV loader --------------------------------------------------------------------------------------------

GOOD_ROW = "a1-centre,A市 第一地域包括支援センター,,地域包括支援センター,city-a,A-1,A市本町1-1-1,03-0000-1001,,true,"


def test_a_csv_with_a_bom_loads_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "directory.csv"
    path.write_text(f"{HEADER}\n{GOOD_ROW}\n", encoding="utf-8-sig")
    [loaded] = load_csv(path)
    assert loaded.category is C.COMMUNITY_GENERAL_SUPPORT_CENTER
    assert (loaded.name_kana, loaded.email, loaded.note, loaded.accepts_referrals) == (None, None, "", True)


def test_a_csv_loads_from_a_text_stream_with_or_without_a_bom_and_from_bytes() -> None:
    for text in (f"{HEADER}\n{GOOD_ROW}\n", f"\ufeff{HEADER}\r\n{GOOD_ROW}\r\n"):
        assert [i.institution_id for i in load_csv(io.StringIO(text, newline=""))] == ["a1-centre"]
    assert len(load_csv(f"\ufeff{HEADER}\n{GOOD_ROW}\n".encode())) == 1


def test_every_bad_row_is_reported_with_its_line_and_column() -> None:
    text = "\n".join(
        [
            HEADER,
            GOOD_ROW,
            "",  # a blank line is skipped, but counted
            "x1,,,town_hall,city-a,A-1,住所,03-0000-1002,,maybe,",
            '"x2","複数行の\n名称",,npo,city-a,A-1,住所,03-0000-1003,,true,',
            "x3,名称,,npo,city-a,A-1,住所,phone?,,true,",
            "x4,too,few,columns",
            GOOD_ROW,
        ]
    )
    with pytest.raises(DirectoryCsvError) as raised:
        load_csv(io.StringIO(text))
    assert [(e.line, e.column) for e in raised.value.errors] == [
        (4, "name_ja"),
        (4, "category"),
        (4, "accepts_referrals"),
        (7, "phone"),
        (8, None),
        (9, "institution_id"),
    ]
    messages = {(e.line, e.column): e.message for e in raised.value.errors}
    assert messages[4, "name_ja"] == "必須の項目です。"
    assert "town_hall" in messages[4, "category"]
    assert messages[9, "institution_id"] == "2 行目と同じIDです。"


def test_a_wrong_header_is_reported_once_on_line_1() -> None:
    with pytest.raises(DirectoryCsvError) as raised:
        load_csv(io.StringIO("institution_id,name,category\nx,y,npo\n"))
    errors = raised.value.errors
    assert {e.line for e in errors} == {1}
    assert CsvRowError(1, "name", "見出しの列名が正しくありません。") in errors
    assert CsvRowError(1, "name_ja", "見出しに列がありません。") in errors


def test_an_empty_file_or_one_not_in_utf8_is_refused() -> None:
    with pytest.raises(DirectoryCsvError, match="1 件"):
        load_csv(io.StringIO(""))
    with pytest.raises(DirectoryCsvError) as raised:
        load_csv(f"{HEADER}\n{GOOD_ROW}\n".encode("cp932"))
    assert raised.value.errors == [CsvRowError(0, None, "文字コードを UTF-8 にして保存してください。")]


def test_rows_of_a_municipality_not_served_are_errors() -> None:
    text = f"{HEADER}\n{GOOD_ROW}\n{GOOD_ROW.replace('a1-centre', 'b1').replace('city-a', 'city-b')}\n"
    assert len(load_csv(io.StringIO(text))) == 2
    with pytest.raises(DirectoryCsvError) as raised:
        load_csv(io.StringIO(text), municipalities={"city-a"})
    assert [(e.line, e.column) for e in raised.value.errors] == [(3, "municipality")]


def test_the_demo_directory_loads_with_every_category_for_both_municipalities(
    sessions: sessionmaker[Session],
) -> None:
    first = seed_demo_institutions(sessions)
    assert seed_demo_institutions(sessions) == UpsertCounts(added=0, updated=0, unchanged=first.added)
    with sessions.begin() as session:
        repository = InstitutionRepository(session)
        for municipality in ("city-a", "city-b"):
            items = repository.search({municipality}, limit=500).items
            assert {i.category for i in items} == set(InstitutionCategory), municipality
        assert len(repository.areas("city-a")) >= 2
        centres = repository.search({"city-a"}, category=C.COMMUNITY_GENERAL_SUPPORT_CENTER).items
        assert {i.area_code for i in centres} == set(repository.areas("city-a"))
