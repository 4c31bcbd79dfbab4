"""Stage records of a case (process.md §2): what each form of the MHLW 標準様式 holds.

Fields that the statute or a guard demands may still be empty in a draft: the guards (not the models) say what is
missing, so a person sees 「支援の目標及びその達成時期がありません」 rather than a type error. Each field carries its
sensitivity (``statemachines.kernel.sensitivity``, process.md §5.1): the client's words, health, life and identity are
special care, money is financial, the rest basic.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from statemachines.kernel.sensitivity import BASIC, FINANCIAL, SPECIAL_CARE

Text = str


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Topic(StrEnum):
    """相談内容 of the 相談受付・申込票 A票 (S3)."""

    HEALTH_DISABILITY = "health_disability"  # 病気や健康、障害
    HOUSING = "housing"  # 住まい
    INCOME = "income"  # 収入・生活費
    RENT_LOAN = "rent_loan"  # 家賃やローンの支払い
    TAX_UTILITIES = "tax_utilities"  # 税金や公共料金等の支払い
    DEBT = "debt"  # 債務
    JOB_SEARCH = "job_search"  # 仕事探し、就職
    WORK_TROUBLE = "work_trouble"  # 仕事上の不安やトラブル
    COMMUNITY = "community"  # 地域との関係
    FAMILY = "family"  # 家族との関係
    CHILDCARE = "childcare"  # 子育て
    CARE = "care"  # 介護
    HIKIKOMORI = "hikikomori"  # ひきこもり・不登校
    DV_ABUSE = "dv_abuse"  # DV・虐待
    NO_FOOD = "no_food"  # 食べるものがない
    OTHER = "other"  # その他


class Route(StrEnum):
    """相談経路."""

    VISIT_OFFICE = "visit_office"  # 本人来所
    PHONE = "phone"  # 電話
    OUTREACH = "outreach"  # 訪問
    EMAIL = "email"  # メール
    REFERRAL = "referral"  # 関係機関からの紹介
    OTHER = "other"


class ClientIdentity(_Record):
    """本人の基本情報 (personal data: never in search attributes, logs or URLs)."""

    name: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=100)
    name_kana: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=100)
    birth_date: Annotated[date | None, SPECIAL_CARE] = None
    address: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=300)
    phone: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=40)
    # 性別 (optional, as 本人 states it) and 世帯 (who lives with 本人)
    gender: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=40)
    household: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=1000)

    def is_empty(self) -> bool:
        """Nothing of the person is recorded (an anonymous consultation, so far)."""
        return all(value is None for value in self.model_dump().values())


class Visitor(_Record):
    """来談者: 本人 or someone else, with the relationship."""

    is_client: Annotated[bool, BASIC] = True
    relationship: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=50)


class ConsentKind(StrEnum):
    C1 = "C1"  # 関係機関との情報共有 (相談受付・申込票)
    C2 = "C2"  # プラン兼事業等利用申込書


class Consent(_Record):
    """A dated, signed consent, linked to the version of the 個人情報に関する管理・取扱規程 explained.

    Revocable: a revoked consent keeps its dates (and stays in the case's consent history) but is no longer in force.
    """

    kind: Annotated[ConsentKind, BASIC]
    signed_on: Annotated[date, BASIC]
    signed_by_client: Annotated[bool, BASIC]
    policy_version: Annotated[Text, BASIC] = Field(min_length=1, max_length=40)
    revoked_on: Annotated[date | None, BASIC] = None
    revocation_note: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=2000)

    def in_force(self) -> bool:
        return self.signed_by_client and self.revoked_on is None


class ConsentRevocation(_Record):
    """本人 withdraws a consent (C1: no more sharing with 関係機関; C2: the plan application)."""

    kind: ConsentKind
    revoked_on: date
    note: Text | None = Field(default=None, max_length=2000)


class IntakeRecord(_Record):
    """相談受付・申込票: everything is optional at first contact (anonymous consultations are allowed)."""

    received_on: Annotated[date | None, BASIC] = None
    route: Annotated[Route | None, BASIC] = None
    route_detail: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=200)
    visitor: Annotated[Visitor, BASIC] = Visitor()
    topics: Annotated[list[Topic], BASIC] = Field(default_factory=list, max_length=len(Topic))
    main_topic: Annotated[Topic | None, BASIC] = None
    wishes: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=4000)
    urgent: Annotated[bool, BASIC] = False
    client: Annotated[ClientIdentity, BASIC] = ClientIdentity()


class Eligibility(_Record):
    """G2: 生活困窮者 (法3条1項) living in the municipality."""

    is_needy: Annotated[bool, BASIC]
    resides_in_municipality: Annotated[bool, BASIC]
    note: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=2000)


class Assessment(_Record):
    """インテーク・アセスメントシート 基本シート."""

    household: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=4000)
    life_history: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=4000)
    health: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=4000)
    housing: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=4000)
    finances: Annotated[Text | None, FINANCIAL] = Field(default=None, max_length=4000)
    employment: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=4000)
    social: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=4000)
    issues: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=4000)
    strengths: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=4000)
    continuous_support_needed: Annotated[bool | None, BASIC] = None
    employment_support_target: Annotated[bool, BASIC] = False  # 就労支援対象者


ASSESSMENT_BASIC_FIELDS: dict[str, str] = {
    "household": "世帯構成・家族状況",
    "health": "健康・障害・受診状況",
    "housing": "住まいの状況",
    "finances": "収入・資産・債務・滞納",
    "employment": "就労の状況と意向",
    "issues": "課題と背景要因",
}


class Program(StrEnum):
    """Statutory and associated programs a plan can contain (§3)."""

    HOUSING_BENEFIT = "housing_benefit"  # 住居確保給付金
    WORK_READINESS = "work_readiness"  # 就労準備支援事業
    HOUSING_SUPPORT = "housing_support"  # 一時生活支援／居住支援事業
    HOUSEHOLD_BUDGET = "household_budget"  # 家計改善支援事業
    CERTIFIED_TRAINING = "certified_training"  # 認定就労訓練事業
    CHILDREN_LEARNING = "children_learning"  # 子どもの学習・生活支援事業
    HELLO_WORK = "hello_work"  # 生活保護受給者等就労自立促進事業 (referral, no 支援決定)


PROGRAMS_NEEDING_DECISION: frozenset[Program] = frozenset(
    {
        Program.HOUSING_BENEFIT,
        Program.WORK_READINESS,
        Program.HOUSING_SUPPORT,
        Program.HOUSEHOLD_BUDGET,
        Program.CERTIFIED_TRAINING,
    }
)


class SupportKind(StrEnum):
    STATUTORY_PROGRAM = "statutory_program"
    OTHER_PUBLIC = "other_public"
    NON_STATUTORY = "non_statutory"  # e.g. 民生委員による見守り


class Goal(_Record):
    description: Annotated[Text, SPECIAL_CARE] = Field(min_length=1, max_length=1000)
    target_date: Annotated[date | None, BASIC] = None  # 達成時期 (施行規則§1 三)


class SupportItem(_Record):
    kind: Annotated[SupportKind, BASIC]
    program: Annotated[Program | None, BASIC] = None
    description: Annotated[Text, BASIC] = Field(min_length=1, max_length=1000)
    provider: Annotated[Text | None, BASIC] = Field(default=None, max_length=200)
    frequency: Annotated[Text | None, BASIC] = Field(default=None, max_length=100)
    responsible: Annotated[Text | None, BASIC] = Field(default=None, max_length=64)


class Plan(_Record):
    """プラン兼事業等利用申込書 (施行規則§1 の記載事項)."""

    period_start: Annotated[date | None, BASIC] = None
    period_end: Annotated[date | None, BASIC] = None
    # 一 生活に対する意向
    client_intentions: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=4000)
    # 二 解決すべき課題
    issues: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=4000)
    # 三 目標及びその達成時期
    goals: Annotated[list[Goal], BASIC] = Field(default_factory=list, max_length=50)
    # 四 支援の種類及び内容
    support_items: Annotated[list[SupportItem], BASIC] = Field(default_factory=list, max_length=50)
    # 五 留意事項
    notes: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=4000)
    co_written_with_client: Annotated[bool, BASIC] = False

    def programs(self) -> set[Program]:
        return {i.program for i in self.support_items if i.program is not None}

    def programs_needing_decision(self) -> set[Program]:
        return self.programs() & PROGRAMS_NEEDING_DECISION


class EnrolmentStatus(_Record):
    """A program enrolment the case's 支援決定 started, as the case knows it: recorded when the case starts it, ended
    when the enrolment reports its end (process.md §1.1: a program enrolment is a child state machine of the case)."""

    program: Annotated[Text, BASIC] = Field(min_length=1, max_length=64)  # the program registry's id
    name_ja: Annotated[Text, BASIC] = Field(min_length=1, max_length=200)  # its name in the registry
    ended: Annotated[bool, BASIC] = False


class Attendee(_Record):
    organisation: Annotated[Text, BASIC] = Field(min_length=1, max_length=200)
    role_label: Annotated[Text | None, BASIC] = Field(default=None, max_length=100)
    is_municipal_official: Annotated[bool, BASIC] = False


class MeetingResult(StrEnum):
    APPROVED = "approved"  # プラン適切
    REVISE = "revise"  # 修正
    CLOSURE_CONFIRMED = "closure_confirmed"  # 終結評価
    INTERRUPTION_CONFIRMED = "interruption_confirmed"  # 中断確認


class MeetingRecord(_Record):
    """支援調整会議 record, per meeting and per client (S23)."""

    meeting_date: Annotated[date, BASIC]
    attendees: Annotated[list[Attendee], BASIC] = Field(default_factory=list, max_length=100)
    result: Annotated[MeetingResult | None, BASIC] = None
    role_assignments: Annotated[Text | None, BASIC] = Field(default=None, max_length=4000)
    notes: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=4000)
    # the sitting (store/meetings.py) whose outcome this is, when recorded from its page; None in older histories
    sitting_id: Annotated[Text | None, BASIC] = Field(default=None, min_length=1, max_length=64)


SYSTEM_SET_FIELDS = frozenset({"sitting_id"})
"""Fields the system fills (the sitting a meeting record came from): no form asks for them, no sheet shows them."""
UNASKED_FIELDS = SYSTEM_SET_FIELDS | {"shares_personal_data"}
"""Fields no form asks for: the system's, and those kept only so that older payloads still parse (whether a つなぎ
passes personal data is derived since G-REFERRAL-DATA; a sheet of an older record still shows what it said)."""


class ProgramDecision(_Record):
    program: Annotated[Program, BASIC]
    approved: Annotated[bool, BASIC]
    reason: Annotated[Text | None, BASIC] = Field(default=None, max_length=2000)


class Decision(_Record):
    """支援決定 per program, issued by the municipality."""

    decided_on: Annotated[date, BASIC]
    programs: Annotated[list[ProgramDecision], BASIC] = Field(min_length=1, max_length=20)


class ContactMethod(StrEnum):
    VISIT_OFFICE = "visit_office"  # 来所
    PHONE = "phone"  # 電話
    HOME_VISIT = "home_visit"  # 訪問
    ACCOMPANY = "accompany"  # 同行
    EMAIL = "email"  # メール
    MEETING = "meeting"  # 会議


class Counterpart(StrEnum):
    CLIENT = "client"  # 本人
    FAMILY = "family"  # 家族
    AGENCY = "agency"  # 機関


class MonitoringNote(_Record):
    """支援経過記録: one contact."""

    contact_on: Annotated[date, BASIC]
    method: Annotated[ContactMethod, BASIC]
    counterpart: Annotated[Counterpart, BASIC] = Counterpart.CLIENT
    content: Annotated[Text, SPECIAL_CARE] = Field(min_length=1, max_length=4000)
    next_planned_on: Annotated[date | None, BASIC] = None


class Dimension(StrEnum):
    EMPLOYMENT_INCOME = "employment_income"  # 就労/増収
    HOUSEHOLD_BUDGET = "household_budget"  # 家計
    HOUSING = "housing"  # 住まい
    HEALTH = "health"  # 健康
    MOTIVATION = "motivation"  # 意欲
    SOCIAL = "social"  # 社会参加・関係性


class ClosureReason(StrEnum):
    """終結理由 (§1.5)."""

    GOAL_ACHIEVED = "GOAL_ACHIEVED"
    EMPLOYED = "EMPLOYED"
    INCOME_INCREASED = "INCOME_INCREASED"
    TRANSFER_PUBLIC_ASSISTANCE = "TRANSFER_PUBLIC_ASSISTANCE"
    TRANSFER_OTHER_SYSTEM = "TRANSFER_OTHER_SYSTEM"
    WITHDRAWN = "WITHDRAWN"
    MOVED_OUT = "MOVED_OUT"
    DECEASED = "DECEASED"
    OTHER = "OTHER"


class EvaluationDirection(StrEnum):
    REPLAN = "replan"
    CLOSE = "close"


class Evaluation(_Record):
    """評価シート."""

    evaluated_on: Annotated[date, BASIC]
    goals_achieved: Annotated[list[bool], BASIC] = Field(default_factory=list, max_length=50)
    improvements: Annotated[dict[Dimension, bool], BASIC] = Field(default_factory=dict)
    employed: Annotated[bool, BASIC] = False
    income_increased: Annotated[bool, BASIC] = False
    direction: Annotated[EvaluationDirection | None, BASIC] = None
    summary: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=4000)


class ClientWish(_Record):
    """本人の意向, confirmed before 終結 (S11)."""

    confirmed_on: Annotated[date, BASIC]
    wish: Annotated[Text, SPECIAL_CARE] = Field(min_length=1, max_length=2000)


class ClosureProposal(_Record):
    reason: Annotated[ClosureReason, BASIC]
    client_wish: Annotated[ClientWish | None, BASIC] = None


class EmergencyKind(StrEnum):
    SHELTER = "shelter"  # 一時生活支援／シェルター
    FOOD = "food"  # 食料支援
    LOAN = "loan"  # 生活福祉資金等
    OTHER = "other"


class EmergencySupport(_Record):
    kind: Annotated[EmergencyKind, BASIC]
    started_on: Annotated[date, BASIC]
    note: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=2000)


class EffortMethod(StrEnum):
    """連絡不通 effort log (S11)."""

    HOME_VISIT = "home_visit"  # 家庭訪問
    NOTE_LEFT = "note_left"  # 連絡票の差し置き
    FRIEND_CONTACTED = "friend_contacted"  # 親しい知人等への連絡
    PHONE = "phone"
    LETTER = "letter"


class ContactEffort(_Record):
    on: Annotated[date, BASIC]
    method: Annotated[EffortMethod, BASIC]
    note: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=2000)


class ReferralTarget(_Record):
    """つなぎ先: a name, or an institution of the 関係機関 directory (then its referral is followed up, RF)."""

    institution: Annotated[Text, BASIC] = Field(min_length=1, max_length=200)
    institution_id: Annotated[Text | None, BASIC] = Field(default=None, max_length=64)  # from the directory
    accepts_referrals: Annotated[bool | None, BASIC] = None  # the directory's answer, set by the service
    reason: Annotated[Text | None, SPECIAL_CARE] = Field(default=None, max_length=2000)  # 紹介の理由
    to_public_assistance: Annotated[bool, BASIC] = False  # 福祉事務所 生活保護窓口
    shares_personal_data: Annotated[bool, BASIC] = False  # set by hand before G-REFERRAL-DATA; now derived
    no_identifying_data: Annotated[bool, BASIC] = False  # 本人を特定できる情報は渡さない（匿名での照会）
    legal_basis: Annotated[Text | None, BASIC] = Field(default=None, max_length=200)


class FollowUpNote(_Record):
    done_on: Annotated[date, BASIC]
    method: Annotated[ContactMethod, BASIC]
    content: Annotated[Text, SPECIAL_CARE] = Field(min_length=1, max_length=4000)


class Stamp(_Record):
    """Who did something and when (set by the engine, never by a payload)."""

    user_id: Annotated[str, BASIC]
    at: Annotated[datetime, BASIC]


class Correction(_Record):
    """訂正: recorded fields changed or cleared after they were recorded, and why (``statemachines.case.corrections``).

    The values themselves are in the command's event (the history keeps what each field held before); the record
    keeps which fields were corrected, so that a sheet can mark them as corrected."""

    correction_no: Annotated[int, BASIC] = Field(ge=1)  # 1, 2, ... in the order made on the case
    paths: Annotated[list[str], BASIC] = Field(min_length=1, max_length=20)  # e.g. intake.client.phone
    reason: Annotated[Text, SPECIAL_CARE] = Field(max_length=2000)
    corrected: Annotated[Stamp, BASIC]
