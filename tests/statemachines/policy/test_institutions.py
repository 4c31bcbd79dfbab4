"""The 関係機関 directory's pure parts: every §6 category, the directory entry, the 満年齢 and the suggestions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from statemachines.policy.institutions import (
    CATEGORIES,
    GROUP_NAMES,
    Institution,
    InstitutionCategory,
    age_on,
    suggest_for,
)

C = InstitutionCategory
CENTRE = C.COMMUNITY_GENERAL_SUPPORT_CENTER


def institution(institution_id: str, category: InstitutionCategory, area_code: str, **values: Any) -> Institution:
    return Institution.model_validate(
        {
            "institution_id": institution_id,
            "name_ja": f"架空の{CATEGORIES[category].name_ja}",
            "category": category,
            "municipality": "city-a",
            "area_code": area_code,
            "address": "A市本町1-1-1",
            "phone": "03-0000-0000",
            "accepts_referrals": True,
            **values,
        }
    )


DIRECTORY = [
    institution("a2-centre", CENTRE, "A-2"),
    institution("a1-clinic", C.MEDICAL_INSTITUTION, "A-1"),
    institution("a1-hello-work", C.HELLO_WORK, "A-1"),
    institution("a1-centre", CENTRE, "A-1"),
    institution("a2-npo", C.NPO, "A-2"),
]


def ids(institutions: list[Institution]) -> list[str]:
    return [i.institution_id for i in institutions]


# --- categories ------------------------------------------------------------------------------------------------


def test_every_category_has_a_japanese_name_a_group_of_section_6_and_a_source() -> None:
    assert list(CATEGORIES) == list(InstitutionCategory)
    for category, info in CATEGORIES.items():
        assert info.id is category
        assert info.name_ja
        assert info.group in GROUP_NAMES
        assert info.source.startswith(f"process.md §6 {info.group}")


def test_the_categories_cover_the_community_based_integrated_care_system() -> None:
    names = {info.name_ja for info in CATEGORIES.values()}
    assert {"地域包括支援センター", "居宅介護支援事業所（ケアマネジャー）", "福祉事務所（生活保護）"} <= names
    assert any(name.startswith("在宅サービス（訪問介護") for name in names)
    assert any(name.startswith("施設サービス（介護老人福祉施設") for name in names)
    assert any(name.startswith("医療機関") for name in names)
    assert {info.group for info in CATEGORIES.values()} == set(GROUP_NAMES)


# --- the directory entry ---------------------------------------------------------------------------------------


def test_a_category_may_be_given_by_its_japanese_name() -> None:
    assert institution("x", CENTRE, "A-1").category is CENTRE
    by_name = {**DIRECTORY[1].model_dump(), "category": "地域包括支援センター"}
    assert Institution.model_validate(by_name).category is CENTRE


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("category", "town_hall"),
        ("phone", "call us"),
        ("email", "not-an-address"),
        ("institution_id", "with space"),
        ("name_ja", ""),
        ("area_code", ""),
        ("note", "NUL\x00"),
    ],
)
def test_an_entry_with_a_bad_value_is_refused(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Institution.model_validate({**DIRECTORY[0].model_dump(), field: value})
    assert [e["loc"] for e in raised.value.errors()] == [(field,)]


def test_kana_email_and_note_are_optional() -> None:
    entry = DIRECTORY[0]
    assert (entry.name_kana, entry.email, entry.note) == (None, None, "")


# --- 満年齢 ----------------------------------------------------------------------------------------------------


def test_a_client_is_64_the_day_before_the_65th_birthday_and_65_on_it() -> None:
    born = date(1961, 4, 2)
    assert age_on(born, date(2026, 4, 1)) == 64
    assert age_on(born, date(2026, 4, 2)) == 65


def test_someone_born_on_29_february_is_a_year_older_from_1_march_in_other_years() -> None:
    born = date(1960, 2, 29)
    assert age_on(born, date(2025, 2, 28)) == 64
    assert age_on(born, date(2025, 3, 1)) == 65
    assert age_on(born, date(2024, 2, 29)) == 64


def test_a_newborn_is_0_and_a_date_before_birth_is_refused() -> None:
    assert age_on(date(2026, 1, 1), date(2026, 1, 1)) == 0
    with pytest.raises(ValueError, match="before the birth date"):
        age_on(date(2026, 1, 2), date(2026, 1, 1))


# --- suggestions -----------------------------------------------------------------------------------------------


def test_a_client_of_65_gets_the_centre_of_their_area_first_then_their_area_then_the_rest() -> None:
    assert ids(suggest_for(65, "A-1", DIRECTORY)) == ["a1-centre", "a1-clinic", "a1-hello-work", "a2-centre", "a2-npo"]


def test_a_client_of_64_gets_no_centre_first_only_their_area_before_the_rest() -> None:
    assert ids(suggest_for(64, "A-1", DIRECTORY)) == ["a1-clinic", "a1-hello-work", "a1-centre", "a2-centre", "a2-npo"]


def test_an_elderly_client_of_unknown_area_gets_every_centre_first() -> None:
    assert ids(suggest_for(80, None, DIRECTORY)) == ["a2-centre", "a1-centre", "a1-clinic", "a1-hello-work", "a2-npo"]


def test_an_unknown_age_singles_nothing_out() -> None:
    assert ids(suggest_for(None, None, DIRECTORY)) == ids(DIRECTORY)
    in_a2_first = ["a2-centre", "a2-npo", "a1-clinic", "a1-hello-work", "a1-centre"]
    assert ids(suggest_for(None, "A-2", DIRECTORY)) == in_a2_first


def test_institutions_not_accepting_referrals_are_never_suggested() -> None:
    closed = institution("a1-closed-centre", CENTRE, "A-1", accepts_referrals=False)
    assert ids(suggest_for(70, "A-1", [closed, *DIRECTORY]))[0] == "a1-centre"
    assert "a1-closed-centre" not in ids(suggest_for(70, "A-1", [closed]))
