"""Actors and complete, valid payloads for every command: the data tests build for themselves."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

from statemachines.case.transitions import Trigger
from statemachines.kernel.roles import Actor, OrgKind, Role

CITY = "city-a"


def actor(user_id: str, *roles: Role, contractor: bool = True, serves: tuple[str, ...] = (CITY,)) -> Actor:
    return Actor(
        user_id=user_id,
        roles=frozenset(roles),
        organisation="contractor-a" if contractor else CITY,
        org_kind=OrgKind.CONTRACTOR if contractor else OrgKind.MUNICIPALITY,
        serves=frozenset(serves),
    )


SW1 = actor("sw1", Role.SW)
SW2 = actor("sw2", Role.SW, serves=("city-b",))
CSW1 = actor("csw1", Role.CSW)
ESW1 = actor("esw1", Role.ESW)
HHSW1 = actor("hhsw1", Role.HHSW)
MUN1 = actor("mun1", Role.MUN, contractor=False)
MUN_AT_CONTRACTOR = actor("fake-mun", Role.MUN, contractor=True)
OPS1 = actor("ops1", Role.OPS, contractor=False)
AUD1 = actor("aud1", Role.AUD, contractor=False)
ADMIN = actor("admin", Role.ADMIN, contractor=False)
SW_CSW = actor("swcsw", Role.SW, Role.CSW)  # one person holding both roles

ALL_ACTORS = (SW1, SW2, CSW1, ESW1, HHSW1, MUN1, MUN_AT_CONTRACTOR, OPS1, AUD1, ADMIN, SW_CSW)

ON = date(2026, 1, 5)
TARGET = date(2099, 3, 31)
"""A 達成時期 ahead of every test's clock: the pure engine's (2026), and the time-skipping server's, which can be years
ahead of the wall clock once it has skipped to a closed case's timers. G-PLAN-DATES refuses one that has passed."""


def meeting(result: str | None = None, *, quorum: bool = True) -> dict[str, Any]:
    attendees = [
        {"organisation": "A市 自立相談支援機関", "role_label": "相談支援員"},
        {"organisation": "A市 福祉課", "is_municipal_official": True},
        {"organisation": "社会福祉協議会"},
    ]
    body: dict[str, Any] = {"meeting_date": ON.isoformat(), "attendees": attendees if quorum else attendees[:1]}
    if result:
        body["result"] = result
    return body


def plan(*, programs: tuple[str, ...] = ("work_readiness",), period_end: date | None = None) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {"kind": "statutory_program", "program": p, "description": f"{p} の利用", "provider": "市"} for p in programs
    ]
    items.append({"kind": "non_statutory", "description": "民生委員による見守り", "frequency": "月1回"})
    body: dict[str, Any] = {
        "client_intentions": "仕事を見つけて家賃を払い続けたい",
        "issues": "失業による家賃滞納",
        "goals": [{"description": "就職する", "target_date": TARGET.isoformat()}],
        "support_items": items,
        "notes": "体調に配慮",
        "co_written_with_client": True,
    }
    if period_end is not None:
        body["period_end"] = period_end.isoformat()
    return body


def evaluation(direction: str) -> dict[str, Any]:
    return {
        "evaluated_on": ON.isoformat(),
        "goals_achieved": [direction == "close"],
        "direction": direction,
        "employed": direction == "close",
        "improvements": {"employment_income": True},
    }


def wish() -> dict[str, Any]:
    return {"confirmed_on": ON.isoformat(), "wish": "支援は十分に受けたので終結したい"}


def effort(day: int = 0) -> dict[str, Any]:
    """A documented attempt to re-establish contact, ``day`` days after ``ON``: G-EFFORT-DAYS counts distinct days."""
    return {"contact_effort": {"on": (ON + timedelta(days=day)).isoformat(), "method": "home_visit"}}


def contact_note() -> dict[str, Any]:
    return {"contact_on": ON.isoformat(), "method": "phone", "content": "近況を確認した"}


CONTACT_DAYS: dict[Trigger, tuple[str, str]] = {
    Trigger.RECORD_CONTACT: ("monitoring_note", "contact_on"),
    Trigger.RESTORE_CONTACT: ("monitoring_note", "contact_on"),
    Trigger.COMPLETE_FOLLOW_UP: ("follow_up", "done_on"),
    Trigger.RECORD_CONTACT_EFFORT: ("contact_effort", "on"),
}
"""The commands that record a contact with the 本人, and where their day is: G-DATES wants it between the day the case
opened and the event's day."""


def on_the_day(trigger: Trigger, day: date, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """``payload`` (the valid one by default) with its contact's day set to ``day``, for the commands of CONTACT_DAYS
    (any other comes back as it is). Tests on a Temporal server date a contact by the day its case opened there: the
    shared time-skipping server's clock may be years ahead of the wall clock and of ON."""
    body = copy.deepcopy(VALID_PAYLOADS[trigger] if payload is None else payload)
    sheet, field = CONTACT_DAYS.get(trigger, ("", ""))
    if isinstance(body.get(sheet), dict):
        body[sheet][field] = day.isoformat()
    return body


VALID_PAYLOADS: dict[Trigger, dict[str, Any]] = {
    Trigger.OPEN_CONSULTATION: {"intake": {"route": "visit_office"}},
    Trigger.COMPLETE_INTAKE: {
        "intake": {
            "received_on": ON.isoformat(),
            "topics": ["housing", "job_search"],
            "main_topic": "housing",
            "route": "visit_office",
        }
    },
    Trigger.END_WITH_INFORMATION: {"note": "制度の案内のみ"},
    Trigger.REVOKE_CONSENT: {"revocation": {"kind": "C1", "revoked_on": ON.isoformat(), "note": "本人の申し出"}},
    Trigger.SIGN_CONSENT: {
        "consent": {"kind": "C1", "signed_on": ON.isoformat(), "signed_by_client": True, "policy_version": "v4"}
    },
    Trigger.REFER_OUT: {  # 窓口の案内: nothing identifying passed, so no C1 needed (G-REFERRAL-DATA)
        "referral": {
            "institution": "福祉事務所 生活保護窓口",
            "to_public_assistance": True,
            "no_identifying_data": True,
        }
    },
    Trigger.APPLY_FOR_SUPPORT: {
        "consent_c1": {"kind": "C1", "signed_on": ON.isoformat(), "signed_by_client": True, "policy_version": "v3"},
        "eligibility": {"is_needy": True, "resides_in_municipality": True},
    },
    Trigger.START_EMERGENCY_SUPPORT: {"emergency_support": {"kind": "food", "started_on": ON.isoformat()}},
    Trigger.END_EMERGENCY_SUPPORT: {},
    Trigger.START_ASSESSMENT: {},
    Trigger.COMPLETE_ASSESSMENT: {
        "assessment": {
            "household": "単身",
            "health": "腰痛",
            "housing": "民間賃貸・滞納2か月",
            "finances": "貯蓄なし",
            "employment": "求職中",
            "issues": "失業",
            "continuous_support_needed": True,
            "employment_support_target": True,
        }
    },
    Trigger.PROPOSE_CLOSURE: {
        "closure_proposal": {"reason": "EMPLOYED", "client_wish": wish()},
        "evaluation": evaluation("close"),
    },
    Trigger.SUBMIT_PLAN: {"plan": plan()},
    Trigger.RETURN_PLAN: {"note": "目標の達成時期を具体的に"},
    Trigger.CHECK_PLAN: {"note": "確認済み"},
    Trigger.RECORD_PLAN_CONSENT: {
        "consent_c2": {"kind": "C2", "signed_on": ON.isoformat(), "signed_by_client": True, "policy_version": "v3"}
    },
    Trigger.PUT_ON_AGENDA: {"planned_meeting_on": TARGET.isoformat()},  # a day still ahead (G-DATES)
    Trigger.OPEN_MEETING_ITEM: {"meeting": meeting()},
    Trigger.REQUEST_PLAN_REVISION: {"note": "役割分担を見直す"},
    Trigger.APPROVE_PLAN: {},
    Trigger.DECIDE_SUPPORT: {
        "decision": {"decided_on": ON.isoformat(), "programs": [{"program": "work_readiness", "approved": True}]}
    },
    Trigger.RECORD_CONTACT: {"monitoring_note": contact_note()},
    Trigger.START_EVALUATION: {"note": "プラン期間満了"},
    Trigger.REPLAN: {"evaluation": evaluation("replan")},
    Trigger.CONFIRM_CLOSURE: {  # with the follow-ups chosen (opt-in since issue 18 item 10)
        "closure": {"reason": "EMPLOYED", "meeting": meeting("closure_confirmed"), "follow_up": True}
    },
    Trigger.START_FOLLOW_UP: {},
    Trigger.COMPLETE_FOLLOW_UP: {"follow_up": {"done_on": ON.isoformat(), "method": "phone", "content": "就労継続"}},
    Trigger.LOSE_CONTACT: {},
    Trigger.RECORD_CONTACT_EFFORT: effort(),
    Trigger.RESTORE_CONTACT: {"monitoring_note": contact_note()},
    Trigger.CONFIRM_INTERRUPTION: {"meeting": meeting("interruption_confirmed")},
    Trigger.REOPEN: {"intake": {"route": "phone"}},
    Trigger.ASSIGN: {"assignee": "sw1"},
    Trigger.MARK_MONITORING_DUE: {},
    Trigger.MARK_EVALUATION_DUE: {},
    Trigger.SET_MONITORING_INTERVAL: {"enrolment_id": "program-c-housing_benefit-v1", "interval": "P7D"},
    Trigger.RECORD_PROGRAM_STATE: {
        "enrolment_id": "program-c-work_readiness-v1",
        "program": "work_readiness",
        "name_ja": "就労準備支援事業",
    },
    Trigger.ASSIGN_EMPLOYMENT_SUPPORTER: {"employment_supporter": "esw1"},
    Trigger.GIVE_ADVICE: {"advice_text": "次回面談で家計の状況を本人と一緒に確認してください"},
    Trigger.ACKNOWLEDGE_ADVICE: {"advice_no": 1, "response": "次回面談で確認します"},
    Trigger.FLAG_DIFFICULT_CASE: {"reason": "多重債務と家族関係の課題が重なり、支援方針の検討が必要"},
    Trigger.LIFT_DIFFICULT_CASE: {"note": "支援方針が定まった"},
    Trigger.CORRECT_RECORD: {
        "corrections": [{"path": "intake.client.phone", "value": "080-1111-2222"}],
        "reason": "相談受付時に電話番号を聞き間違えたため（本人に確認済み）",
    },
}

REFUSAL = {
    "decision": {
        "decided_on": ON.isoformat(),
        "programs": [{"program": "work_readiness", "approved": False, "reason": "要件を満たさない"}],
    }
}
