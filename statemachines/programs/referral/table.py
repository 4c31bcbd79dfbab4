"""関係機関へのつなぎ (process.md §6, T4 他機関へつなぎ): a referral sent, answered, and its outcome confirmed.

Started by a consultant from the case after consent C1 (§5.2: sharing with the 関係機関 needs 本人's consent;
``shares_personal_data``, checked before starting and before each sending). The institution must be chosen from the
directory and accept referrals (the caller looks that up). When no answer comes within ``answer_within`` a follow-up
task opens (仕様書 「他機関への確認やフォロー」, S6), once per sending. A declined referral may go to another
institution.
"""

from __future__ import annotations

from statemachines.kernel.events import TaskKind
from statemachines.kernel.roles import SYSTEM, WORK_SUPPORT, Role
from statemachines.kernel.table import Lookup, Transition
from statemachines.kernel.timers import Timer
from statemachines.programs.definition import ProgramDef, ProgramState
from statemachines.programs.payloads import Empty, Reason
from statemachines.programs.referral import effects as e
from statemachines.programs.referral import records as p
from statemachines.programs.referral.guards import GUARDS
from statemachines.programs.referral.labels import LABELS
from statemachines.programs.referral.records import ReferralRecord, ReferralState, ReferralTrigger

S, T = ReferralState, ReferralTrigger
STAFF = WORK_SUPPORT
Row = Transition[ReferralState, ReferralTrigger]
TK = TaskKind[ReferralTrigger]

# fmt: off
TRANSITIONS: tuple[Row, ...] = (
    Row("RF1", T.SEND, (S.DRAFT,), S.SENT, STAFF, p.Send, "関係機関への紹介（つなぎ）", ("G-RF1",),
        shares_personal_data=True, looks_up=(Lookup.INSTITUTION,)),
    Row("RF2", T.ACCEPT, (S.SENT,), S.ACCEPTED, STAFF, p.Answer, "紹介先の受入れ回答"),
    Row("RF3", T.DECLINE, (S.SENT,), S.DECLINED, STAFF, p.Answer, "紹介先の受入れ不可の回答"),
    Row("RF4", T.SEND, (S.DECLINED,), S.SENT, STAFF, p.Send, "別の関係機関への再紹介", ("G-RF1", "G-RF2"),
        shares_personal_data=True, looks_up=(Lookup.INSTITUTION,)),
    Row("RF5", T.RECORD_FOLLOW_UP, (S.SENT,), None, STAFF, p.FollowUp, "紹介先への確認・フォローの記録"),
    Row("RF6", T.CONFIRM_OUTCOME, (S.ACCEPTED,), S.OUTCOME_CONFIRMED, STAFF, p.ConfirmOutcome, "つなぎの結果の確認"),
    Row("RF7", T.CLOSE, (S.DRAFT, S.DECLINED), S.CLOSED, STAFF, Reason, "紹介の終了（取りやめ）"),
    Row("RF8", T.NO_ANSWER, (S.SENT,), None, SYSTEM, Empty, "紹介先から回答なし", ("G-RF3",), timer="no_answer"),
)
# fmt: on

STATES = {
    S.DRAFT: ProgramState("紹介の準備", "Draft"),
    S.SENT: ProgramState("紹介済み（回答待ち）", "Sent"),
    S.ACCEPTED: ProgramState("受入れ", "Accepted"),
    S.DECLINED: ProgramState("受入れ不可", "Declined"),
    S.OUTCOME_CONFIRMED: ProgramState("結果確認済み", "Outcome confirmed", terminal=True),
    S.CLOSED: ProgramState("終了", "Closed", terminal=True),
}

REFERRAL = ProgramDef[ReferralState, ReferralTrigger, ReferralRecord](
    id="referral",
    position=7,
    labels=LABELS,
    name_ja="関係機関へのつなぎ",
    basis="生活困窮者自立支援法 第2条（関係機関との緊密な連携）; 自立相談支援事業 仕様書 (S6); process.md §6",
    states=STATES,
    triggers=ReferralTrigger,
    initial=S.DRAFT,
    transitions=TRANSITIONS,
    guards=GUARDS,
    record_type=ReferralRecord,
    effects={
        T.SEND: e.send,
        T.ACCEPT: e.answered("accepted"),
        T.DECLINE: e.answered("declined"),
        T.RECORD_FOLLOW_UP: e.follow_up,
        T.CONFIRM_OUTCOME: e.confirm,
        T.CLOSE: e.close,
        T.NO_ANSWER: e.flag_no_answer,
    },
    deadlines=e.deadlines,
    state_tasks={
        S.DRAFT: TK("rf_send", Role.SW, T.SEND, "関係機関への紹介（つなぎ）", "Send the referral"),
        S.ACCEPTED: TK(
            "rf_confirm_outcome",
            Role.SW,
            T.CONFIRM_OUTCOME,
            "つなぎ先での支援開始の確認",
            "Confirm the person was taken on",
        ),
        S.DECLINED: TK(
            "rf_resend", Role.SW, T.SEND, "紹介が断られました：別の機関への再紹介か終了", "Refer elsewhere or close"
        ),
    },
    event_tasks={
        T.NO_ANSWER: TK(
            "rf_no_answer",
            Role.SW,
            T.RECORD_FOLLOW_UP,
            "紹介先から回答がありません：確認・フォロー",
            "No answer from the institution: follow up",
        )
    },
    closes={T.RECORD_FOLLOW_UP: ("rf_no_answer",)},
    rules={"answer_within": ("P14D", "回答待ちの期限; 仕様書「他機関への確認やフォロー」(S6) [BK]")},
    timers=(
        Timer(
            "no_answer",
            "opens a follow-up task for the consultant, once per sending",
            rule="answer_within",
            start="each sending",
        ),
    ),
    started_by_staff=True,
    shares_personal_data=True,
)
