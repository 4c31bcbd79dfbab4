"""居住支援事業／一時生活支援事業 (process.md §3.4): a shelter for a limited period, or 地域居住支援 (入居支援・見守り).

The kind is chosen at the request. The shelter period is a rule (3 months in 水戸市, at most 6 with extensions [BK]);
at the limit the engine opens a task for the staff, it never moves the person out by itself.
"""

from __future__ import annotations

from statemachines.kernel.events import NoticeKind, TaskKind
from statemachines.kernel.roles import CONSULTANTS, MUNICIPAL, SYSTEM, Role
from statemachines.kernel.table import Transition
from statemachines.kernel.timers import Timer
from statemachines.programs.definition import ProgramDef, ProgramState
from statemachines.programs.housing_support import effects as e
from statemachines.programs.housing_support import records as p
from statemachines.programs.housing_support.guards import GUARDS
from statemachines.programs.housing_support.labels import LABELS
from statemachines.programs.housing_support.records import (
    HousingSupportRecord,
    HousingSupportState,
    HousingSupportTrigger,
)
from statemachines.programs.payloads import DecidedOn, Empty, Reason, record_decision, record_end

S, T = HousingSupportState, HousingSupportTrigger
Row = Transition[HousingSupportState, HousingSupportTrigger]
TK = TaskKind[HousingSupportTrigger]
MUN, STAFF = MUNICIPAL, CONSULTANTS
IN_SUPPORT = (S.IN_SHELTER, S.IN_COMMUNITY_SUPPORT)
BEFORE = (S.REQUESTED, S.ELIGIBILITY_CHECK, S.DECIDED)

# fmt: off
TRANSITIONS: tuple[Row, ...] = (
    Row("HS1", T.SUBMIT_REQUEST, (S.REQUESTED,), S.ELIGIBILITY_CHECK, STAFF, p.Request, "利用申込（支援の種類）"),
    Row("HS2", T.DECIDE, (S.ELIGIBILITY_CHECK,), S.DECIDED, MUN, DecidedOn, "支援決定", ("G-HS1",)),
    Row("HS3", T.REJECT, (S.ELIGIBILITY_CHECK,), S.REJECTED, MUN, Reason, "不承認"),
    Row("HS4", T.ENTER_SHELTER, (S.DECIDED,), S.IN_SHELTER, STAFF, p.EnterShelter, "シェルターへの入所", ("G-HS2",)),
    Row("HS5", T.START_COMMUNITY_SUPPORT, (S.DECIDED,), S.IN_COMMUNITY_SUPPORT, STAFF, p.StartCommunity,
        "地域居住支援の開始", ("G-HS3",)),
    Row("HS6", T.RECORD_SUPPORT, IN_SUPPORT, None, STAFF, p.RecordSupport, "住まい探し・同行・見守り等の記録"),
    Row("HS7", T.EXTEND_SHELTER, (S.IN_SHELTER,), None, MUN, p.Extend, "入所期間の延長の決定", ("G-HS4",)),
    Row("HS8", T.MOVE_IN, (S.IN_SHELTER,), S.HOUSED, STAFF, p.MoveIn, "退所して住居へ入居"),
    Row("HS9", T.MOVE_IN, (S.IN_COMMUNITY_SUPPORT,), None, STAFF, p.MoveIn, "住居へ入居（見守りは継続）"),
    Row("HS10", T.END_WATCH, (S.IN_COMMUNITY_SUPPORT,), S.HOUSED, STAFF, Reason, "見守りの終了", ("G-HS5",)),
    Row("HS11", T.TRANSFER_PUBLIC_ASSISTANCE, IN_SUPPORT, S.TRANSFER_PUBLIC_ASSISTANCE, MUN, p.Transfer,
        "生活保護へ移行"),
    Row("HS12", T.LEAVE, IN_SUPPORT, S.LEFT, STAFF, Reason, "退所・支援中断（自主退所・連絡途絶等）"),
    Row("HS13", T.WITHDRAW, BEFORE, S.WITHDRAWN, STAFF, Reason, "利用中止（辞退）"),
    Row("HS14", T.MARK_LIMIT_WARNING, (S.IN_SHELTER,), None, SYSTEM, Empty, "上限の14日前",
        timer="shelter_limit_warning"),
    Row("HS15", T.MARK_LIMIT_REACHED, (S.IN_SHELTER,), None, SYSTEM, Empty, "入所期間の上限", timer="shelter_limit"),
)
# fmt: on

STATES = {
    S.REQUESTED: ProgramState("利用申込前", "Requested"),
    S.ELIGIBILITY_CHECK: ProgramState("要件確認", "Eligibility check"),
    S.REJECTED: ProgramState("不承認", "Rejected", terminal=True),
    S.DECIDED: ProgramState("支援決定", "Decided"),
    S.IN_SHELTER: ProgramState("シェルター入所中", "In the shelter"),
    S.IN_COMMUNITY_SUPPORT: ProgramState("地域居住支援中", "Move-in support and watching over"),
    S.HOUSED: ProgramState("住居確保", "Housed", terminal=True),
    S.TRANSFER_PUBLIC_ASSISTANCE: ProgramState("生活保護へ移行", "Moved to public assistance", terminal=True),
    S.LEFT: ProgramState("退所・中断", "Left", terminal=True),
    S.WITHDRAWN: ProgramState("利用中止", "Withdrawn", terminal=True),
}

HOUSING_SUPPORT = ProgramDef[HousingSupportState, HousingSupportTrigger, HousingSupportRecord](
    id="housing_support",
    position=3,
    labels=LABELS,
    start_patch="start-program-housing_support",
    name_ja="居住支援事業／一時生活支援事業",
    basis="生活困窮者自立支援法 第3条（居住支援事業, 令和6年改正）; 一時生活支援・地域居住支援",
    states=STATES,
    triggers=HousingSupportTrigger,
    initial=S.REQUESTED,
    transitions=TRANSITIONS,
    guards=GUARDS,
    record_type=HousingSupportRecord,
    effects={
        T.SUBMIT_REQUEST: e.request,
        T.DECIDE: record_decision,
        T.ENTER_SHELTER: e.enter,
        T.START_COMMUNITY_SUPPORT: e.community,
        T.RECORD_SUPPORT: e.support,
        T.EXTEND_SHELTER: e.extend,
        T.MOVE_IN: e.move_in,
        T.END_WATCH: record_end,
        T.TRANSFER_PUBLIC_ASSISTANCE: e.transfer,
        T.LEAVE: record_end,
        T.MARK_LIMIT_WARNING: e.warned,
        T.MARK_LIMIT_REACHED: e.reached,
    },
    deadlines=e.deadlines,
    state_tasks={
        S.REQUESTED: TK("hs_request", Role.SW, T.SUBMIT_REQUEST, "居住支援事業の利用申込", "Take the request"),
        S.ELIGIBILITY_CHECK: TK("hs_decide", Role.MUN, T.DECIDE, "居住支援事業の支援決定", "Decide"),
        S.DECIDED: TK(
            "hs_start",
            Role.SW,
            T.ENTER_SHELTER,
            "シェルターへの入所または地域居住支援の開始",
            "Start the shelter stay or the community support",
        ),
    },
    event_tasks={
        T.MARK_LIMIT_WARNING: TK(
            "hs_extension_decision",
            Role.MUN,
            T.EXTEND_SHELTER,
            "入所期間の上限まで14日：延長の要否の判断",
            "The shelter limit is 14 days away: decide whether to extend",
            notice=NoticeKind.REMINDER,
        ),
        T.MARK_LIMIT_REACHED: TK(
            "hs_limit_reached",
            Role.SW,
            T.MOVE_IN,
            "入所期間の上限に達しました：退所先（住居・生活保護等）の調整",
            "The shelter limit is reached: arrange where the person goes next",
        ),
    },
    closes={T.EXTEND_SHELTER: ("hs_extension_decision", "hs_limit_reached")},
    rules={
        "shelter_max": ("P3M", "一時生活支援（シェルター）は3か月間に限り [LOCAL 水戸市 S40]"),
        "shelter_extended_max": ("P6M", "延長しても通算6か月まで（原則3か月・最長6か月）[BK]"),
        "limit_warning_before": ("P14D", "上限の14日前に延長の要否を判断 [BK]"),
        "asset_multiple": (6, "金融資産は基準額×6 (施行規則 第4条 と同じ倍率) [BK]"),
    },
    timers=(
        Timer(
            "shelter_limit_warning",
            "opens the extension decision task before the shelter limit",
            rule="limit_warning_before",
            start="the shelter limit (before it)",
        ),
        Timer(
            "shelter_limit",
            "opens a task at the limit; the person is not moved out automatically",
            rule="shelter_max",
            start="entering the shelter, plus each extension",
        ),
    ),
)
