"""Stage records of a case (process.md §2): what each form of the MHLW 標準様式 holds.

Fields that the statute or a guard demands may still be empty in a draft: the guards (not the models) say what is
missing, so a person sees 「支援の目標及びその達成時期がありません」 rather than a type error.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

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

    name: Text | None = Field(default=None, max_length=100)
    name_kana: Text | None = Field(default=None, max_length=100)
    birth_date: date | None = None
    address: Text | None = Field(default=None, max_length=300)
    phone: Text | None = Field(default=None, max_length=40)


class Visitor(_Record):
    """来談者: 本人 or someone else, with the relationship."""

    is_client: bool = True
    relationship: Text | None = Field(default=None, max_length=50)


class ConsentKind(StrEnum):
    C1 = "C1"  # 関係機関との情報共有 (相談受付・申込票)
    C2 = "C2"  # プラン兼事業等利用申込書


class Consent(_Record):
    """A dated, signed consent, linked to the version of the 個人情報に関する管理・取扱規程 explained.

    Revocable: a revoked consent keeps its dates (and stays in the case's consent history) but is no longer in force.
    """

    kind: ConsentKind
    signed_on: date
    signed_by_client: bool
    policy_version: Text = Field(min_length=1, max_length=40)
    revoked_on: date | None = None
    revocation_note: Text | None = Field(default=None, max_length=2000)

    def in_force(self) -> bool:
        return self.signed_by_client and self.revoked_on is None


class ConsentRevocation(_Record):
    """本人 withdraws a consent (C1: no more sharing with 関係機関; C2: the plan application)."""

    kind: ConsentKind
    revoked_on: date
    note: Text | None = Field(default=None, max_length=2000)


class IntakeRecord(_Record):
    """相談受付・申込票: everything is optional at first contact (anonymous consultations are allowed)."""

    received_on: date | None = None
    route: Route | None = None
    route_detail: Text | None = Field(default=None, max_length=200)
    visitor: Visitor = Visitor()
    topics: list[Topic] = Field(default_factory=list, max_length=len(Topic))
    main_topic: Topic | None = None
    wishes: Text | None = Field(default=None, max_length=4000)
    urgent: bool = False
    client: ClientIdentity = ClientIdentity()


class Eligibility(_Record):
    """G2: 生活困窮者 (法3条1項) living in the municipality."""

    is_needy: bool
    resides_in_municipality: bool
    note: Text | None = Field(default=None, max_length=2000)


class Assessment(_Record):
    """インテーク・アセスメントシート 基本シート."""

    household: Text | None = Field(default=None, max_length=4000)
    life_history: Text | None = Field(default=None, max_length=4000)
    health: Text | None = Field(default=None, max_length=4000)
    housing: Text | None = Field(default=None, max_length=4000)
    finances: Text | None = Field(default=None, max_length=4000)
    employment: Text | None = Field(default=None, max_length=4000)
    social: Text | None = Field(default=None, max_length=4000)
    issues: Text | None = Field(default=None, max_length=4000)
    strengths: Text | None = Field(default=None, max_length=4000)
    continuous_support_needed: bool | None = None
    employment_support_target: bool = False  # 就労支援対象者


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
    description: Text = Field(min_length=1, max_length=1000)
    target_date: date | None = None  # 達成時期 (施行規則§1 三)


class SupportItem(_Record):
    kind: SupportKind
    program: Program | None = None
    description: Text = Field(min_length=1, max_length=1000)
    provider: Text | None = Field(default=None, max_length=200)
    frequency: Text | None = Field(default=None, max_length=100)
    responsible: Text | None = Field(default=None, max_length=64)


class Plan(_Record):
    """プラン兼事業等利用申込書 (施行規則§1 の記載事項)."""

    period_start: date | None = None
    period_end: date | None = None
    client_intentions: Text | None = Field(default=None, max_length=4000)  # 一 生活に対する意向
    issues: Text | None = Field(default=None, max_length=4000)  # 二 解決すべき課題
    goals: list[Goal] = Field(default_factory=list, max_length=50)  # 三 目標及びその達成時期
    support_items: list[SupportItem] = Field(default_factory=list, max_length=50)  # 四 支援の種類及び内容
    notes: Text | None = Field(default=None, max_length=4000)  # 五 留意事項
    co_written_with_client: bool = False

    def programs(self) -> set[Program]:
        return {i.program for i in self.support_items if i.program is not None}

    def programs_needing_decision(self) -> set[Program]:
        return self.programs() & PROGRAMS_NEEDING_DECISION


class Attendee(_Record):
    organisation: Text = Field(min_length=1, max_length=200)
    role_label: Text | None = Field(default=None, max_length=100)
    is_municipal_official: bool = False


class MeetingResult(StrEnum):
    APPROVED = "approved"  # プラン適切
    REVISE = "revise"  # 修正
    CLOSURE_CONFIRMED = "closure_confirmed"  # 終結評価
    INTERRUPTION_CONFIRMED = "interruption_confirmed"  # 中断確認


class MeetingRecord(_Record):
    """支援調整会議 record, per meeting and per client (S23)."""

    meeting_date: date
    attendees: list[Attendee] = Field(default_factory=list, max_length=100)
    result: MeetingResult | None = None
    role_assignments: Text | None = Field(default=None, max_length=4000)
    notes: Text | None = Field(default=None, max_length=4000)


class ProgramDecision(_Record):
    program: Program
    approved: bool
    reason: Text | None = Field(default=None, max_length=2000)


class Decision(_Record):
    """支援決定 per program, issued by the municipality."""

    decided_on: date
    programs: list[ProgramDecision] = Field(min_length=1, max_length=20)


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

    contact_on: date
    method: ContactMethod
    counterpart: Counterpart = Counterpart.CLIENT
    content: Text = Field(min_length=1, max_length=4000)
    next_planned_on: date | None = None


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

    evaluated_on: date
    goals_achieved: list[bool] = Field(default_factory=list, max_length=50)
    improvements: dict[Dimension, bool] = Field(default_factory=dict)
    employed: bool = False
    income_increased: bool = False
    direction: EvaluationDirection | None = None
    summary: Text | None = Field(default=None, max_length=4000)


class ClientWish(_Record):
    """本人の意向, confirmed before 終結 (S11)."""

    confirmed_on: date
    wish: Text = Field(min_length=1, max_length=2000)


class ClosureProposal(_Record):
    reason: ClosureReason
    client_wish: ClientWish | None = None


class EmergencyKind(StrEnum):
    SHELTER = "shelter"  # 一時生活支援／シェルター
    FOOD = "food"  # 食料支援
    LOAN = "loan"  # 生活福祉資金等
    OTHER = "other"


class EmergencySupport(_Record):
    kind: EmergencyKind
    started_on: date
    note: Text | None = Field(default=None, max_length=2000)


class EffortMethod(StrEnum):
    """連絡不通 effort log (S11)."""

    HOME_VISIT = "home_visit"  # 家庭訪問
    NOTE_LEFT = "note_left"  # 連絡票の差し置き
    FRIEND_CONTACTED = "friend_contacted"  # 親しい知人等への連絡
    PHONE = "phone"
    LETTER = "letter"


class ContactEffort(_Record):
    on: date
    method: EffortMethod
    note: Text | None = Field(default=None, max_length=2000)


class ReferralTarget(_Record):
    """つなぎ先: a name, or an institution of the 関係機関 directory (then its referral is followed up, RF)."""

    institution: Text = Field(min_length=1, max_length=200)
    institution_id: Text | None = Field(default=None, max_length=64)  # from the directory
    accepts_referrals: bool | None = None  # the directory's answer, filled in by the service, never by the client
    reason: Text | None = Field(default=None, max_length=2000)  # 紹介の理由 (the referral letter's)
    to_public_assistance: bool = False  # 福祉事務所 生活保護窓口
    shares_personal_data: bool = False
    legal_basis: Text | None = Field(default=None, max_length=200)


class FollowUpNote(_Record):
    done_on: date
    method: ContactMethod
    content: Text = Field(min_length=1, max_length=4000)


class Stamp(_Record):
    """Who did something and when (set by the engine, never by a payload)."""

    user_id: str
    at: datetime
