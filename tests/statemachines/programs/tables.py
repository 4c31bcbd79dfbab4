"""The tables of the programs a 支援決定 starts (居住支援, 家計改善支援, 認定就労訓練) and of those staff
start (ハローワーク同行, 関係機関へのつなぎ), as their tests expect them: payloads, who fires what, how to reach each
state, and what each command does there."""

from __future__ import annotations

from datetime import datetime, timedelta

from statemachines.kernel.roles import SYSTEM_ACTOR
from statemachines.programs.certified_training.table import CERTIFIED_TRAINING
from statemachines.programs.hello_work.table import HELLO_WORK
from statemachines.programs.household_budget.table import HOUSEHOLD_BUDGET
from statemachines.programs.housing_support.table import HOUSING_SUPPORT
from statemachines.programs.referral.table import REFERRAL
from tests.factories import ESW1, HHSW1, MUN1, SW1
from tests.statemachines.programs.program_spec import Spec, Step

MEANS = {"household_income": 100_000, "base_amount": 78_000, "housing_assistance_standard": 53_700}
MEANS_OK = {**MEANS, "household_assets": 200_000}
COMMUNITY = {"kind": "community", "means": MEANS_OK}
HS = Spec(
    HOUSING_SUPPORT,
    payloads={
        "submit_request": {"kind": "shelter", "means": MEANS_OK},
        "decide": {"decided_on": "2026-04-03"},
        "reject": {"reason": "要件を満たさない"},
        "enter_shelter": {"facility": "一時生活支援施設A"},
        "start_community_support": {"services": ["move_in_support", "watching_over"]},
        "record_support": {"activity": {"kind": "agent_accompaniment", "on": "2026-04-10"}},
        "extend_shelter": {"months": 3, "reason": "転居先の入居日が未定"},
        "move_in": {"moved_in_on": "2026-05-01"},
        "end_watch": {"reason": "地域での生活が安定"},
        "transfer_public_assistance": {"protection_started_on": "2026-05-01"},
        "leave": {"reason": "自主退所"},
        "withdraw": {"reason": "本人の辞退"},
        "mark_limit_warning": {},
        "mark_limit_reached": {},
    },
    actors={
        "decide": MUN1,
        "reject": MUN1,
        "extend_shelter": MUN1,
        "transfer_public_assistance": MUN1,
        "mark_limit_warning": SYSTEM_ACTOR,
        "mark_limit_reached": SYSTEM_ACTOR,
    },
    default=SW1,
    paths={
        "REQUESTED": [],
        "ELIGIBILITY_CHECK": ["submit_request"],
        "REJECTED": ["submit_request", "reject"],
        "DECIDED": ["submit_request", "decide"],
        "IN_SHELTER": ["submit_request", "decide", "enter_shelter"],
        "IN_COMMUNITY_SUPPORT": [("submit_request", COMMUNITY), "decide", "start_community_support"],
        "HOUSED": ["submit_request", "decide", "enter_shelter", "move_in"],
        "TRANSFER_PUBLIC_ASSISTANCE": ["submit_request", "decide", "enter_shelter", "transfer_public_assistance"],
        "LEFT": ["submit_request", "decide", "enter_shelter", "leave"],
        "WITHDRAWN": ["withdraw"],
    },
    expected={
        "REQUESTED": {"submit_request": "ELIGIBILITY_CHECK", "withdraw": "WITHDRAWN"},
        "ELIGIBILITY_CHECK": {"decide": "DECIDED", "reject": "REJECTED", "withdraw": "WITHDRAWN"},
        "DECIDED": {
            "enter_shelter": "IN_SHELTER",
            "start_community_support": frozenset({"G-HS3"}),
            "withdraw": "WITHDRAWN",
        },
        "IN_SHELTER": {
            "record_support": "same",
            "extend_shelter": "same",
            "move_in": "HOUSED",
            "transfer_public_assistance": "TRANSFER_PUBLIC_ASSISTANCE",
            "leave": "LEFT",
            "mark_limit_warning": "same",
            "mark_limit_reached": "same",
        },
        "IN_COMMUNITY_SUPPORT": {
            "record_support": "same",
            "move_in": "same",
            "end_watch": frozenset({"G-HS5"}),
            "transfer_public_assistance": "TRANSFER_PUBLIC_ASSISTANCE",
            "leave": "LEFT",
        },
        "REJECTED": {},
        "HOUSED": {},
        "TRANSFER_PUBLIC_ASSISTANCE": {},
        "LEFT": {},
        "WITHDRAWN": {},
    },
)


HH = Spec(
    HOUSEHOLD_BUDGET,
    payloads={
        "decide": {"decided_on": "2026-04-03"},
        "reject": {"reason": "要件を満たさない"},
        "start_assessment": {},
        "record_budget": {
            "budget": {
                "monthly_income": 150_000,
                "monthly_expenses": 170_000,
                "debt_count": 3,
                "debt_total": 1_200_000,
                "arrears_count": 2,
                "cash_flow": [{"month": "2026-05", "income": 150_000, "expenses": 160_000}],
            }
        },
        "draft_plan": {"items": [{"kind": "arrears", "description": "家賃滞納の分納"}]},
        "agree_plan": {"agreed_on": "2026-04-20", "client_agreed": True},
        "record_action": {
            "action": {"kind": "debt_settlement_accompaniment", "on": "2026-05-10", "counterpart": "houterasu"}
        },
        "start_maintenance": {},
        "record_check": {"check": {"checked_on": "2026-07-01", "on_track": True}},
        "relapse": {"reason": "新たな滞納"},
        "close": {"reason": "家計が安定"},
        "withdraw": {"reason": "本人の辞退"},
        "mark_check_due": {},
    },
    actors={"decide": MUN1, "reject": MUN1, "mark_check_due": SYSTEM_ACTOR},
    default=HHSW1,
    paths={
        "REFERRED_IN_PLAN": [],
        "REJECTED": ["reject"],
        "DECIDED": ["decide"],
        "ASSESS_BUDGET": ["decide", "start_assessment", "record_budget"],
        "BUDGET_PLAN": ["decide", "start_assessment", "record_budget", "draft_plan"],
        "IN_SUPPORT": ["decide", "start_assessment", "record_budget", "draft_plan", "agree_plan"],
        "WITHDRAWN": ["withdraw"],
    },
    expected={
        "REFERRED_IN_PLAN": {"decide": "DECIDED", "reject": "REJECTED", "withdraw": "WITHDRAWN"},
        "DECIDED": {"start_assessment": "ASSESS_BUDGET", "withdraw": "WITHDRAWN"},
        "ASSESS_BUDGET": {"record_budget": "same", "draft_plan": "BUDGET_PLAN", "withdraw": "WITHDRAWN"},
        "BUDGET_PLAN": {
            "record_budget": "same",
            "draft_plan": "same",
            "agree_plan": "IN_SUPPORT",
            "withdraw": "WITHDRAWN",
        },
        "IN_SUPPORT": {"record_action": "same", "start_maintenance": frozenset({"G-HH3"}), "withdraw": "WITHDRAWN"},
        "MAINTENANCE_CHECKS": {
            "record_check": "same",
            "relapse": "IN_SUPPORT",
            "close": "CLOSED",
            "withdraw": "WITHDRAWN",
            "mark_check_due": "same",
        },
        "REJECTED": {},
        "CLOSED": {},
        "WITHDRAWN": {},
    },
)
HH.paths["MAINTENANCE_CHECKS"] = [*HH.paths["IN_SUPPORT"], "record_action", "start_maintenance", "record_check"]
HH.paths["CLOSED"] = [*HH.paths["MAINTENANCE_CHECKS"], "close"]


PROVIDER = {"name": "社会福祉法人みどり会", "provider_certified": True, "certification_number": "岡山県就訓第0123号"}
CT = Spec(
    CERTIFIED_TRAINING,
    payloads={
        "match_provider": {"provider": PROVIDER},
        "decide": {"decided_on": "2026-04-03", "training_type": "non_employment"},
        "reject": {"reason": "要件を満たさない"},
        "start_training": {},
        "review": {"note": "作業に慣れてきた"},
        "step_up": {"to_type": "employment"},
        "end": {"outcome": "general_employment"},
        "mark_review_due": {},
    },
    actors={"decide": MUN1, "reject": MUN1, "mark_review_due": SYSTEM_ACTOR},
    default=ESW1,
    paths={
        "MATCHING": ["match_provider"],
        "REJECTED": ["reject"],
        "DECIDED": ["match_provider", "decide"],
        "IN_TRAINING": ["match_provider", "decide", "start_training"],
        "STEP_UP": ["match_provider", "decide", "start_training", "step_up"],
        "ENDED": ["match_provider", "decide", "start_training", "end"],
    },
    expected={
        "MATCHING": {"match_provider": "same", "decide": "DECIDED", "reject": "REJECTED", "end": "ENDED"},
        "DECIDED": {"start_training": "IN_TRAINING", "end": "ENDED"},
        "IN_TRAINING": {"review": "same", "step_up": "STEP_UP", "end": "ENDED", "mark_review_due": "same"},
        "STEP_UP": {"review": "same", "end": "ENDED", "mark_review_due": "same"},
        "REJECTED": {},
        "ENDED": {},
    },
)


JOINT_AT = "2026-04-10T10:00:00+09:00"
ATTENDED_AT = datetime.fromisoformat(JOINT_AT) + timedelta(hours=1)  # attendance is recorded once it has begun (G-HW9)
SYSTEM_TRIGGERS = {"remind_appointment", "mark_no_show", "follow_up_due", "no_answer"}
TO_SUPPORT: list[Step] = ["consent", "send_request", "schedule_joint_interview", "record_attendance", "start_support"]
TO_RETENTION: list[Step] = [*TO_SUPPORT, "report_employment", "start_retention"]
FOLLOWED_UP: list[Step] = []
for _n in (1, 2, 3):
    FOLLOWED_UP += [("follow_up_due", {"number": _n}), "record_follow_up"]


HW = Spec(
    HELLO_WORK,
    payloads={
        "consent": {"consented_on": "2026-04-01", "policy_version": "取扱規程 2025-04", "signed_by_client": True},
        "send_request": {"office_id": "hw-okayama", "sent_on": "2026-04-02"},
        "schedule_joint_interview": {"appointment_id": "ji1", "starts_at": JOINT_AT, "navigator": "ナビゲーターA"},
        "start_support": {"menu": ["job_counselling", "interview_coaching"]},
        "record_appointment": {"appointment_id": "a1", "starts_at": "2026-04-20T14:00:00+09:00"},
        "record_attendance": {"appointment_id": "ji1", "attendance": "attended"},
        "cancel_appointment": {"appointment_id": "ji1"},
        "record_outcome": {"applications": 2, "interviews": 1},
        "report_employment": {"employment": {"employer_kind": "private_company", "started_on": "2026-05-01"}},
        "start_retention": {},
        "record_follow_up": {"follow_up": {"contacted_on": "2026-06-01", "still_employed": True}},
        "end": {"note": "定着"},
        "withdraw": {"reason": "本人の辞退"},
        "remind_appointment": {"appointment_id": "ji1"},
        "mark_no_show": {"appointment_id": "ji1"},
        "follow_up_due": {"number": 1},
    },
    actors=dict.fromkeys(SYSTEM_TRIGGERS, SYSTEM_ACTOR),
    default=ESW1,
    times={"record_attendance": ATTENDED_AT},
    paths={
        "CANDIDATE": [],
        "CONSENTED": ["consent"],
        "REQUEST_SENT": ["consent", "send_request"],
        "JOINT_INTERVIEW": ["consent", "send_request", "schedule_joint_interview"],
        "IN_SUPPORT": TO_SUPPORT,
        "EMPLOYED": [*TO_SUPPORT, "report_employment"],
        "RETENTION_FOLLOWUP": TO_RETENTION,
        "ENDED": [*TO_RETENTION, *FOLLOWED_UP, "end"],
        "WITHDRAWN": ["withdraw"],
    },
    expected={
        "CANDIDATE": {"consent": "CONSENTED", "withdraw": "WITHDRAWN"},
        "CONSENTED": {"send_request": "REQUEST_SENT", "withdraw": "WITHDRAWN"},
        "REQUEST_SENT": {"schedule_joint_interview": "JOINT_INTERVIEW", "withdraw": "WITHDRAWN"},
        "JOINT_INTERVIEW": {
            "start_support": frozenset({"G-HW2"}),  # the joint interview is booked, not yet attended
            "record_appointment": "same",
            "record_attendance": "same",
            "cancel_appointment": "same",
            "record_outcome": "same",
            "withdraw": "WITHDRAWN",
            "remind_appointment": "same",
            "mark_no_show": frozenset({"G-HW4"}),  # no no-show recorded
        },
        "IN_SUPPORT": {
            "record_appointment": "same",
            "record_attendance": "same",  # the same attendance again is a no-op
            "cancel_appointment": frozenset({"G-HW4"}),  # attended: no longer cancellable
            "record_outcome": "same",
            "report_employment": "EMPLOYED",
            "withdraw": "WITHDRAWN",
            "remind_appointment": frozenset({"G-HW4"}),  # attended: nothing to remind
            "mark_no_show": frozenset({"G-HW4"}),
        },
        "EMPLOYED": {"start_retention": "RETENTION_FOLLOWUP", "withdraw": "WITHDRAWN"},
        "RETENTION_FOLLOWUP": {
            "record_follow_up": frozenset({"G-HW7"}),  # no follow-up due yet
            "end": frozenset({"G-HW3"}),
            "withdraw": "WITHDRAWN",
            "follow_up_due": "same",
        },
        "ENDED": {},
        "WITHDRAWN": {},
    },
)


INSTITUTION = {"institution_id": "inst-houkatsu-kita", "reason": "介護保険の相談", "accepts_referrals": True}
RF = Spec(
    REFERRAL,
    payloads={
        "send": INSTITUTION,
        "accept": {"answered_on": "2026-04-05"},
        "decline": {"answered_on": "2026-04-05", "note": "定員超過"},
        "record_follow_up": {"note": "電話で確認、来週回答予定"},
        "confirm_outcome": {"confirmed_on": "2026-04-20", "connected": True},
        "close": {"reason": "本人が希望しない"},
        "no_answer": {},
    },
    actors={"no_answer": SYSTEM_ACTOR},
    default=SW1,
    paths={
        "DRAFT": [],
        "SENT": ["send"],
        "ACCEPTED": ["send", "accept"],
        "DECLINED": ["send", "decline"],
        "OUTCOME_CONFIRMED": ["send", "accept", "confirm_outcome"],
        "CLOSED": ["close"],
    },
    expected={
        "DRAFT": {"send": "SENT", "close": "CLOSED"},
        "SENT": {"accept": "ACCEPTED", "decline": "DECLINED", "record_follow_up": "same", "no_answer": "same"},
        "ACCEPTED": {"confirm_outcome": "OUTCOME_CONFIRMED"},
        "DECLINED": {"send": frozenset({"G-RF2"}), "close": "CLOSED"},  # the same institution declined already
        "OUTCOME_CONFIRMED": {},
        "CLOSED": {},
    },
)


STARTED_BY_DECISION: dict[str, Spec] = {"housing_support": HS, "household_budget": HH, "certified_training": CT}
"""The programs a 支援決定 starts (住居確保給付金 and 就労準備支援 keep their tables in their own tests)."""
STARTED_BY_STAFF: dict[str, Spec] = {"hello_work": HW, "referral": RF}
"""The programs staff start, without a municipal decision."""
