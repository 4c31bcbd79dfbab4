"""What each operational indicator of the staff dashboard (``domain/process.md`` §4.3) counts: its id, its Japanese
label and definition, and its measure (a count, ages or durations in days), with the case states, task kinds and
program states it is read from. The 住居確保給付金 figures are the national rules (:class:`HousingBenefitRules`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from statemachines.case.record import STATES, CaseState
from statemachines.case.tasks import EVALUATION_DUE, MONITORING_DUE, STATE_TASKS, TaskKind
from statemachines.programs.housing_benefit.records import HousingBenefitRules
from statemachines.programs.housing_benefit.table import HOUSING_BENEFIT
from statemachines.programs.referral.table import REFERRAL
from statemachines.programs.work_readiness.records import WorkReadinessRules, WorkReadinessState

S = CaseState
MILESTONES = (S.APPLIED, S.PLAN_CONSENTED, S.SUPPORT_ACTIVE)
OPEN_STATES = tuple(s.value for s, info in STATES.items() if not info.terminal)
REFERRAL_AWAITING_ANSWER = "SENT"  # the referral's state whose timer waits for the institution's answer
HOUSING_PAYING = "PAYING"
HOUSING_RULES = HousingBenefitRules()  # the national figures: 9 months at most, the 14-day extension warning
assert REFERRAL_AWAITING_ANSWER in REFERRAL.states
assert HOUSING_PAYING in HOUSING_BENEFIT.states

WORK_READINESS_RULES = WorkReadinessRules()  # the national figures: one year at most (施行規則§5), warned at 10 months
WORK_READINESS_IN_PROGRAM = WorkReadinessState.IN_PROGRAM.value
REFERRAL_CONFIRMED = "OUTCOME_CONFIRMED"  # the つなぎ's result confirmed with the institution (RF6)
assert REFERRAL_CONFIRMED in REFERRAL.states
C1_STATES = tuple(
    s.value
    for s in (
        S.APPLIED,
        S.ASSESSMENT,
        S.PLAN_DRAFTING,
        S.PLAN_CHECK,
        S.PLAN_CONSENTED,
        S.MEETING_PENDING,
        S.MEETING_REVIEW,
        S.DECISION_PENDING,
        S.SUPPORT_ACTIVE,
        S.EVALUATION,
    )
)
"""The states in which the case continues on its 利用申込 (G-1: the C1 consent must be in force)."""
C2_STATES = tuple(
    s.value for s in (S.MEETING_PENDING, S.MEETING_REVIEW, S.DECISION_PENDING, S.SUPPORT_ACTIVE, S.EVALUATION)
)
"""The states in which the case works on its consented plan (G-4: the C2 consent must be in force too)."""

Measure = Literal["count", "age", "duration", "share"]


@dataclass(frozen=True)
class Definition:
    id: str
    label_ja: str
    definition_ja: str
    measure: Measure


_d = Definition


OPEN_CASES = _d(
    "open_cases",
    "担当中のケース数",
    "終了状態（情報提供のみで終了・他機関へのつなぎ・終結・中断）以外のケース数。担当者はケースの担当者。",
    "count",
)
MILESTONE_NAMES: dict[CaseState, tuple[str, str, str]] = {
    S.APPLIED: ("days_to_applied", "相談受付から利用申込までの日数", "利用申込（APPLIED）"),
    S.PLAN_CONSENTED: ("days_to_plan_consented", "相談受付からプラン同意までの日数", "本人同意（PLAN_CONSENTED）"),
    S.SUPPORT_ACTIVE: ("days_to_support_active", "相談受付から支援開始までの日数", "支援提供（SUPPORT_ACTIVE）"),
}
DAYS_TO_DEFINITION = (
    "as_of までの{window}日間に{milestone}に至ったケースについて、直近の相談受付（INTAKE への遷移：新規相談・"
    "把握からの相談・再相談）からその相談で初めて至るまでの日数の中央値と90パーセンタイル（線形補間）。"
    "担当者はケースの現在の担当者。"
)
AWAITING_MEETING = _d(
    "plans_awaiting_meeting",
    "支援調整会議待ちのプラン",
    "支援調整会議の付議待ち・協議中（MEETING_PENDING・MEETING_REVIEW）のケース数と、その状態に入ってからの日数"
    "（最長・中央値）。",
    "age",
)
AWAITING_DECISION = _d(
    "plans_awaiting_decision",
    "支援決定待ちのプラン",
    "自治体の支援決定待ち（DECISION_PENDING）のケース数と、その状態に入ってからの日数（最長・中央値）。",
    "age",
)
CONTACT_LOST = _d(
    "contact_lost",
    "連絡不通のケース",
    "連絡不通（CONTACT_LOST）のケース数と、連絡不通になってからの日数（最長・中央値）。",
    "age",
)
OVERDUE_MONITORING = _d(
    "overdue_monitoring",
    "期限を過ぎたモニタリング",
    "期限（due_at）が as_of より前の、未完了のモニタリングのタスク（monitoring_due）の数と、最も遅れている"
    "ものの超過日数。担当者はタスクの担当者（未設定は役割の共有キュー）。",
    "count",
)
OVERDUE_EVALUATIONS = _d(
    "overdue_evaluations",
    "期限を過ぎた評価",
    "期限が as_of より前の、未完了の評価のタスク（プラン期間満了の evaluation_due、評価中の evaluate）の数と、"
    "最も遅れているものの超過日数。担当者はタスクの担当者。",
    "count",
)
FOLLOW_UPS_DUE = _d(
    "follow_ups_due",
    "期限が来た終結後のフォローアップ",
    "期限が as_of 以前の、未完了のフォローアップのタスク（follow_up）の数と、最も遅れているものの超過日数。"
    "担当者はタスクの担当者。",
    "count",
)
TASK_KINDS: dict[str, tuple[tuple[TaskKind, ...], bool]] = {  # indicator: (task kinds, due at as_of counts)
    OVERDUE_MONITORING.id: ((MONITORING_DUE,), False),
    OVERDUE_EVALUATIONS.id: ((EVALUATION_DUE, STATE_TASKS[S.EVALUATION]), False),
    FOLLOW_UPS_DUE.id: ((STATE_TASKS[S.FOLLOW_UP],), True),
}
REFERRALS_UNANSWERED = _d(
    "referrals_unanswered",
    "回答待ちの関係機関へのつなぎ",
    "関係機関へのつなぎ（referral）のうち紹介済み・回答待ち（SENT）のものの数と、直近の送付からの日数"
    "（最長・中央値）。担当者はケースの担当者。",
    "age",
)
HOUSING_EXTENSION_DUE = _d(
    "housing_extension_due",
    "住居確保給付金：延長申請期限が14日以内",
    f"支給中（PAYING）で通算{HOUSING_RULES.max_months}か月に達していない受給者のうち、延長申請の期限（支給期間の"
    f"最終月の末日）が as_of の日（日本時間）から{HOUSING_RULES.extension_warning_days}日以内のものの数。"
    "担当者はケースの担当者。",
    "count",
)
HOUSING_FINAL_MONTH = _d(
    "housing_final_month",
    f"住居確保給付金：支給{HOUSING_RULES.max_months}か月目の受給者",
    f"支給中（PAYING）で通算{HOUSING_RULES.max_months}か月の支給が決まり、as_of の日（日本時間）が最後の支給期間の"
    "最終月にある受給者の数。担当者はケースの担当者。",
    "count",
)


def days_to(milestone: CaseState, window_days: int) -> Definition:
    id_, label, name = MILESTONE_NAMES[milestone]
    return _d(id_, label, DAYS_TO_DEFINITION.format(window=window_days, milestone=name), "duration")


# -- §4.3 items the dashboard lacked (issue 18, item 17) ------------------------------------------------------------

CONSENT_COVERAGE = _d(
    "consent_coverage",
    "同意の充足（G-1・G-4）",
    "利用申込後の継続支援中のケース（申込からプラン・支援・評価まで）のうち、関係機関との情報共有の同意（C1, G-1）が"
    "有効で、同意したプランで支援中のもの（付議待ち以降）はプラン兼事業等利用申込書の同意（C2, G-4）も有効なものの"
    "割合。件数は同意がそろっているケース数、分母は対象のケース数（撤回された同意は無効）。担当者はケースの担当者。",
    "share",
)
WORK_READINESS_NEAR_LIMIT = _d(
    "work_readiness_near_limit",
    "就労準備支援：利用が12か月に近い利用者",
    f"就労準備支援事業の利用中（IN_PROGRAM）で、利用開始から{WORK_READINESS_RULES.warning_after[1:-1]}か月以上"
    f"たった利用者の数と利用開始からの日数（最長・中央値）。上限は1年（施行規則第5条、超える場合は自治体の判断）。"
    "担当者はケースの担当者。",
    "age",
)
HOUSING_EVIDENCE_OVERDUE = _d(
    "housing_evidence_overdue",
    "住居確保給付金：求職活動の記録が遅れている受給者",
    "支給月の求職活動の状況（相談・職業相談・応募の回数）の記録が不足し、その確認のタスク（hb_evidence_missing）が"
    "未完了のものの数と、タスクが開かれてからの日数（最長・中央値）。担当者はタスクの担当者。",
    "age",
)
REFERRALS_CONFIRMED = _d(
    "referrals_confirmed",
    "他機関へのつなぎの確認済みの割合",
    "as_of までの{window}日間に他制度・他機関へのつなぎ（REFERRED_OUT）で終えた相談のうち、関係機関への紹介の結果が"
    "確認された（OUTCOME_CONFIRMED）ものの割合。件数は確認済みの数、分母はつなぎで終えた相談の数（名簿外の"
    "つなぎ先は確認の記録がないため未確認）。担当者はケースの担当者。",
    "share",
)


def referrals_confirmed(window_days: int) -> Definition:
    d = REFERRALS_CONFIRMED
    return _d(d.id, d.label_ja, d.definition_ja.format(window=window_days), d.measure)
