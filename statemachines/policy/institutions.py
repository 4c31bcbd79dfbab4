"""The 関係機関 directory (process.md §6): categories of institutions, a directory entry, and who to suggest first.

Every category of §6 (groups A–I) has an English id, its Japanese name and the §6 text (with its source marker) it
comes from. An institution belongs to a municipality and to one 日常生活圏域, in practice a 中学校区 (§6.1), so that
routing can find providers in the person's area. A client aged 65 or over gets the 地域包括支援センター of their area
suggested first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class InstitutionCategory(StrEnum):
    """関係機関の種別 (process.md §6 A–I). :data:`CATEGORIES` holds the Japanese name and the source of each."""

    # A. 自らの制度・自治体
    WELFARE_OFFICE = "welfare_office"
    MUNICIPAL_COUNTER = "municipal_counter"
    WORK_READINESS_PROVIDER = "work_readiness_provider"
    HOUSEHOLD_BUDGET_SUPPORT = "household_budget_support"
    HOUSING_SUPPORT_PROGRAM = "housing_support_program"
    CHILD_LEARNING_SUPPORT = "child_learning_support"
    CERTIFIED_TRAINING_PROVIDER = "certified_training_provider"
    # B. 就労
    HELLO_WORK = "hello_work"
    YOUTH_SUPPORT_STATION = "youth_support_station"
    DISABILITY_EMPLOYMENT_CENTER = "disability_employment_center"
    VOCATIONAL_TRAINING = "vocational_training"
    # C. 住まい
    HOUSING_SUPPORT_CORPORATION = "housing_support_corporation"
    REAL_ESTATE_AGENT = "real_estate_agent"
    RENT_GUARANTEE_COMPANY = "rent_guarantee_company"
    PUBLIC_HOUSING = "public_housing"
    FREE_LOW_COST_LODGING = "free_low_cost_lodging"
    # D. お金・法律
    SOCIAL_WELFARE_COUNCIL = "social_welfare_council"
    HOUTERASU = "houterasu"
    LAWYER_JUDICIAL_SCRIVENER = "lawyer_judicial_scrivener"
    CONSUMER_AFFAIRS_CENTER = "consumer_affairs_center"
    # E. 介護・高齢者（地域包括ケアシステム）
    COMMUNITY_GENERAL_SUPPORT_CENTER = "community_general_support_center"
    CARE_MANAGER = "care_manager"
    HOME_CARE_SERVICE = "home_care_service"
    FACILITY_CARE_SERVICE = "facility_care_service"
    # F. 医療
    MEDICAL_INSTITUTION = "medical_institution"
    DENTAL_CLINIC = "dental_clinic"
    PHARMACY = "pharmacy"
    PUBLIC_HEALTH_CENTER = "public_health_center"
    MENTAL_HEALTH_WELFARE_CENTER = "mental_health_welfare_center"
    # G. 障害・子ども・家庭・DV
    DISABILITY_CONSULTATION = "disability_consultation"
    CHILD_GUIDANCE_CENTER = "child_guidance_center"
    FAMILY_CHILD_CENTER = "family_child_center"
    SCHOOL_EDUCATION = "school_education"
    DV_WOMEN_SUPPORT_CENTER = "dv_women_support_center"
    HIKIKOMORI_SUPPORT_CENTER = "hikikomori_support_center"
    # H. 地域
    WELFARE_COMMISSIONER = "welfare_commissioner"
    SENIOR_CLUB = "senior_club"
    NEIGHBOURHOOD_ASSOCIATION = "neighbourhood_association"
    VOLUNTEER = "volunteer"
    NPO = "npo"
    FOOD_BANK = "food_bank"
    CHILDRENS_CAFETERIA = "childrens_cafeteria"
    # I. 司法・出所
    COMMUNITY_SETTLEMENT_SUPPORT_CENTER = "community_settlement_support_center"
    PROBATION_OFFICE = "probation_office"


GROUP_NAMES: dict[str, str] = {
    "A": "自らの制度・自治体",
    "B": "就労",
    "C": "住まい",
    "D": "お金・法律",
    "E": "介護・高齢者（地域包括ケアシステム）",
    "F": "医療",
    "G": "障害・子ども・家庭・DV",
    "H": "地域",
    "I": "司法・出所",
}
"""The groups of process.md §6."""


class CategoryInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: InstitutionCategory
    name_ja: str
    group: str  # A–I of process.md §6
    group_name_ja: str
    source: str  # where process.md names it, with its source markers (S0, [BK], ...)


_C = InstitutionCategory
_TABLE: list[tuple[InstitutionCategory, str, str, str]] = [
    (_C.WELFARE_OFFICE, "福祉事務所（生活保護）", "A", "§6 A"),
    (_C.MUNICIPAL_COUNTER, "自治体の税務・国保・年金・水道・公営住宅窓口", "A", "§6 A; §1.3 state 0（利用勧奨）"),
    (_C.WORK_READINESS_PROVIDER, "就労準備支援事業所", "A", "§6 A; §3.2"),
    (_C.HOUSEHOLD_BUDGET_SUPPORT, "家計改善支援事業", "A", "§6 A; §3.5"),
    (_C.HOUSING_SUPPORT_PROGRAM, "居住支援事業（シェルター・地域居住支援）", "A", "§6 A; §3.4"),
    (_C.CHILD_LEARNING_SUPPORT, "子どもの学習・生活支援事業", "A", "§6 A; §3.6"),
    (_C.CERTIFIED_TRAINING_PROVIDER, "認定就労訓練事業所", "A", "§6 A; §3.7"),
    (_C.HELLO_WORK, "ハローワーク", "B", "§6 B（就職支援ナビゲーター、生活保護受給者等就労自立促進事業）; §3.3"),
    (_C.YOUTH_SUPPORT_STATION, "地域若者サポートステーション", "B", "§6 B [BK]"),
    (_C.DISABILITY_EMPLOYMENT_CENTER, "障害者就業・生活支援センター", "B", "§6 B"),
    (_C.VOCATIONAL_TRAINING, "職業訓練機関", "B", "§6 B"),
    (_C.HOUSING_SUPPORT_CORPORATION, "居住支援法人・居住支援協議会", "C", "§6 C [BK]"),
    (_C.REAL_ESTATE_AGENT, "不動産業者", "C", "§6 C"),
    (_C.RENT_GUARANTEE_COMPANY, "家賃債務保証業者", "C", "§6 C (S50)"),
    (_C.PUBLIC_HOUSING, "公営住宅", "C", "§6 C"),
    (_C.FREE_LOW_COST_LODGING, "無料低額宿泊所", "C", "§6 C (S7)"),
    (_C.SOCIAL_WELFARE_COUNCIL, "社会福祉協議会（生活福祉資金・日常生活自立支援事業）", "D", "§6 D"),
    (_C.HOUTERASU, "法テラス", "D", "§6 D"),
    (_C.LAWYER_JUDICIAL_SCRIVENER, "弁護士・司法書士", "D", "§6 D（債務）"),
    (_C.CONSUMER_AFFAIRS_CENTER, "消費生活センター", "D", "§6 D [BK]"),
    (_C.COMMUNITY_GENERAL_SUPPORT_CENTER, "地域包括支援センター", "E", "§6 E; §6.1 (S0, S32)"),
    (_C.CARE_MANAGER, "居宅介護支援事業所（ケアマネジャー）", "E", "§6 E; §6.1 (S0)"),
    (
        _C.HOME_CARE_SERVICE,
        "在宅サービス（訪問介護・訪問看護・通所介護・小規模多機能型居宅介護・短期入所生活介護・福祉用具・"
        "24時間対応の訪問サービス・複合型サービス）",
        "E",
        "§6 E (S0)",
    ),
    (
        _C.FACILITY_CARE_SERVICE,
        "施設サービス（介護老人福祉施設・介護老人保健施設・認知症共同生活介護・特定施設入所者生活介護）",
        "E",
        "§6 E (S0)",
    ),
    (
        _C.MEDICAL_INSTITUTION,
        "医療機関（かかりつけ医・有床診療所・地域の連携病院・急性期／回復期／慢性期の病院）",
        "F",
        "§6 F (S0)",
    ),
    (_C.DENTAL_CLINIC, "歯科医療", "F", "§6 F (S0)"),
    (_C.PHARMACY, "薬局", "F", "§6 F (S0)"),
    (_C.PUBLIC_HEALTH_CENTER, "保健所・保健センター", "F", "§6 F [BK]"),
    (_C.MENTAL_HEALTH_WELFARE_CENTER, "精神保健福祉センター", "F", "§6 F [BK]"),
    (_C.DISABILITY_CONSULTATION, "障害者相談支援事業所・基幹相談支援センター", "G", "§6 G"),
    (_C.CHILD_GUIDANCE_CENTER, "児童相談所", "G", "§6 G"),
    (_C.FAMILY_CHILD_CENTER, "こども家庭センター", "G", "§6 G"),
    (_C.SCHOOL_EDUCATION, "学校・教育委員会・スクールソーシャルワーカー", "G", "§6 G"),
    (_C.DV_WOMEN_SUPPORT_CENTER, "配偶者暴力相談支援センター・女性相談支援センター", "G", "§6 G [BK]"),
    (_C.HIKIKOMORI_SUPPORT_CENTER, "ひきこもり地域支援センター", "G", "§6 G (S44) [BK]"),
    (_C.WELFARE_COMMISSIONER, "民生委員・児童委員", "H", "§6 H（見守り）"),
    (_C.SENIOR_CLUB, "老人クラブ", "H", "§6 H (S0)"),
    (_C.NEIGHBOURHOOD_ASSOCIATION, "自治会", "H", "§6 H (S0)"),
    (_C.VOLUNTEER, "ボランティア", "H", "§6 H (S0)"),
    (_C.NPO, "NPO", "H", "§6 H (S0)"),
    (_C.FOOD_BANK, "フードバンク", "H", "§6 H [BK]"),
    (_C.CHILDRENS_CAFETERIA, "子ども食堂", "H", "§6 H [BK]"),
    (_C.COMMUNITY_SETTLEMENT_SUPPORT_CENTER, "地域生活定着支援センター", "I", "§6 I [BK]"),
    (_C.PROBATION_OFFICE, "保護観察所", "I", "§6 I [BK]"),
]
CATEGORIES: dict[InstitutionCategory, CategoryInfo] = {
    category: CategoryInfo(
        id=category, name_ja=name, group=group, group_name_ja=GROUP_NAMES[group], source=f"process.md {source}"
    )
    for category, name, group, source in _TABLE
}
"""Every category, in the order of process.md §6."""

_BY_NAME_JA = {info.name_ja: category for category, info in CATEGORIES.items()}

ELDERLY_AGE = 65
"""介護保険の第1号被保険者 (介護保険法9条1号): from this age the 地域包括支援センター is the first contact (§6.1)."""

PHONE_PATTERN = r"^[0-9+()\- ]{3,40}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Institution(BaseModel):
    """A 関係機関 of the directory.

    ``area_code`` is the 日常生活圏域 (in practice the 中学校区, §6.1) the institution is in or serves, as the
    municipality codes it (e.g. ``A-1``). ``category`` also accepts the Japanese name of a category.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    institution_id: str = Field(min_length=1, max_length=64, pattern=ID_PATTERN)
    name_ja: str = Field(min_length=1, max_length=200)
    name_kana: str | None = Field(default=None, max_length=200)
    category: InstitutionCategory
    municipality: str = Field(min_length=1, max_length=64)
    area_code: str = Field(min_length=1, max_length=64)
    address: str = Field(min_length=1, max_length=300)
    phone: str = Field(pattern=PHONE_PATTERN)
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)
    accepts_referrals: bool
    note: str = Field(default="", max_length=2000)

    @field_validator("*")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise ValueError("制御文字は使えません。")
        return value

    @field_validator("category", mode="before")
    @classmethod
    def _category_by_japanese_name(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _BY_NAME_JA.get(value.strip(), value.strip())
        return value


def age_on(birth_date: date, on: date) -> int:
    """満年齢 on ``on``: one year older on each birthday.

    Under 年齢計算ニ関スル法律 a year of age is reached at the end of the day before the birthday, so during that day
    the person is still the younger age; someone born on 29 February is a year older from 1 March in other years.
    ``ValueError`` if ``on`` is before ``birth_date``.
    """
    if on < birth_date:
        raise ValueError(f"{on.isoformat()} is before the birth date {birth_date.isoformat()}")
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)


def suggest_for(age: int | None, area_code: str | None, institutions: Iterable[Institution]) -> list[Institution]:
    """The institutions accepting referrals, in the order to suggest them for a client.

    For a client aged 65 or over (:data:`ELDERLY_AGE`), the 地域包括支援センター of their 日常生活圏域 come first
    (every centre of the list when the area is not known). Then, for anyone, the institutions of the client's area,
    then the rest; within each rank the order given is kept. An unknown age singles nothing out.
    """
    elderly = age is not None and age >= ELDERLY_AGE

    def rank(institution: Institution) -> int:
        in_area = area_code is not None and institution.area_code == area_code
        centre = institution.category is InstitutionCategory.COMMUNITY_GENERAL_SUPPORT_CENTER
        if elderly and centre and (in_area or area_code is None):
            return 0
        return 1 if in_area else 2

    return sorted((i for i in institutions if i.accepts_referrals), key=rank)
