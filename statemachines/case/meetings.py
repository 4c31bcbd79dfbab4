"""The 支援調整会議 as a sitting of many cases (process.md §1.4 T13–T17, T24, T28; §2.7; §5.3).

A sitting is one meeting on one day of one municipality: its kind (the 支援調整会議 of the 設置要綱, or the 支援会議 of
法第9条 with its duty of confidentiality), the members present (G5: the quorum and the municipal official) and its
agenda, the cases put on it. What a case is on the agenda for follows from its state (``WAITING``); what the sitting
may decide for it is ``OUTCOMES``; and recording an outcome is the case's own commands, in the order its state needs
them (``steps``), each with the payload the single-case command takes (``payload``). Nothing here is new process: the
sitting only sends, for each case, the commands a person would have sent one by one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.records import Attendee, ClosureReason, MeetingResult
from statemachines.case.transitions import Trigger

S = CaseState
T = Trigger


class SittingKind(StrEnum):
    SUPPORT_COORDINATION = "support_coordination"  # 支援調整会議 (設置要綱, S22, S23)
    SUPPORT_MEETING = "act9_support_meeting"  # 支援会議 (法第9条: 守秘義務, 非公開, S14)


KIND_NAMES: Mapping[SittingKind, str] = MappingProxyType(
    {SittingKind.SUPPORT_COORDINATION: "支援調整会議", SittingKind.SUPPORT_MEETING: "支援会議（法第9条）"}
)

CONFIDENTIALITY_ACT9 = (
    "支援会議の事務に従事する者又は従事していた者は、正当な理由がなく、支援会議の事務に関して知り得た秘密を"
    "漏らしてはならない（生活困窮者自立支援法第9条第5項）。本資料は会議の構成員限りとし、会議の終了後に回収する。"
    "複写・持ち出しを禁止する。"
)
"""Printed on every page of a 支援会議's packet (§5.3: its information is tagged with its basis, not exported)."""


class Purpose(StrEnum):
    PLAN = "plan"  # プラン（案）の協議: 承認 or 修正
    CLOSURE = "closure"  # 終結評価の確認 (G8)
    INTERRUPTION = "interruption"  # 中断の可否の確認 (G9)


PURPOSE_NAMES: Mapping[Purpose, str] = MappingProxyType(
    {Purpose.PLAN: "プランの協議", Purpose.CLOSURE: "終結評価の確認", Purpose.INTERRUPTION: "中断の確認"}
)

WAITING: Mapping[CaseState, Purpose] = MappingProxyType(
    {
        S.PLAN_CONSENTED: Purpose.PLAN,  # put on the sitting's agenda (T13) when it is added
        S.MEETING_PENDING: Purpose.PLAN,
        S.MEETING_REVIEW: Purpose.PLAN,  # opened already (T14), its outcome still to record
        S.CLOSURE_REVIEW: Purpose.CLOSURE,
        S.CONTACT_LOST: Purpose.INTERRUPTION,
    }
)
"""The states in which a case waits for a meeting, and what for."""


class Outcome(StrEnum):
    APPROVE = "approve"  # プラン承認 (T16 or T17, as the plan needs a 支援決定 or not)
    REVISE = "revise"  # プラン修正 (T15)
    CONFIRM_CLOSURE = "confirm_closure"  # 終結の確認 (T24)
    CONFIRM_INTERRUPTION = "confirm_interruption"  # 中断の確認 (T28)


OUTCOMES: Mapping[Purpose, tuple[Outcome, ...]] = MappingProxyType(
    {
        Purpose.PLAN: (Outcome.APPROVE, Outcome.REVISE),
        Purpose.CLOSURE: (Outcome.CONFIRM_CLOSURE,),
        Purpose.INTERRUPTION: (Outcome.CONFIRM_INTERRUPTION,),
    }
)

OUTCOME_NAMES: Mapping[Outcome, str] = MappingProxyType(
    {
        Outcome.APPROVE: "プラン承認",
        Outcome.REVISE: "プラン修正",
        Outcome.CONFIRM_CLOSURE: "終結を確認",
        Outcome.CONFIRM_INTERRUPTION: "中断を確認",
    }
)

_DECIDES: Mapping[Outcome, Trigger] = MappingProxyType(
    {
        Outcome.APPROVE: T.APPROVE_PLAN,
        Outcome.REVISE: T.REQUEST_PLAN_REVISION,
        Outcome.CONFIRM_CLOSURE: T.CONFIRM_CLOSURE,
        Outcome.CONFIRM_INTERRUPTION: T.CONFIRM_INTERRUPTION,
    }
)
_RESULTS: Mapping[Outcome, MeetingResult] = MappingProxyType(
    {
        Outcome.APPROVE: MeetingResult.APPROVED,
        Outcome.REVISE: MeetingResult.REVISE,
        Outcome.CONFIRM_CLOSURE: MeetingResult.CLOSURE_CONFIRMED,
        Outcome.CONFIRM_INTERRUPTION: MeetingResult.INTERRUPTION_CONFIRMED,
    }
)


class Sitting(BaseModel):
    """What a case's commands need to know of the sitting that decided them."""

    model_config = ConfigDict(frozen=True)

    sitting_id: str = Field(min_length=1, max_length=64)
    held_on: date
    kind: SittingKind
    members: tuple[Attendee, ...] = ()


def purpose_of(state: CaseState) -> Purpose | None:
    return WAITING.get(state)


def steps(state: CaseState, outcome: Outcome) -> tuple[Trigger, ...]:
    """The case's commands that record ``outcome`` from ``state``, in order; empty when ``outcome`` is not one the
    sitting can decide for a case in that state."""
    purpose = WAITING.get(state)
    if purpose is None or outcome not in OUTCOMES[purpose]:
        return ()
    before = {S.PLAN_CONSENTED: (T.PUT_ON_AGENDA, T.OPEN_MEETING_ITEM), S.MEETING_PENDING: (T.OPEN_MEETING_ITEM,)}
    return (*before.get(state, ()), _DECIDES[outcome])


def _meeting(sitting: Sitting, minutes: str | None, result: MeetingResult | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "meeting_date": sitting.held_on.isoformat(),
        "attendees": [a.model_dump(mode="json", exclude_none=True) for a in sitting.members],
        "sitting_id": sitting.sitting_id,
    }
    if minutes:
        body["notes"] = minutes
    if result is not None:
        body["result"] = result.value
    return body


def payload(
    trigger: Trigger, outcome: Outcome, sitting: Sitting, record: CaseRecord, minutes: str | None
) -> dict[str, Any]:
    """The payload the single-case command ``trigger`` takes for ``outcome`` at ``sitting``: the meeting record
    names the sitting (``sitting_id``), its day and members, and keeps the minutes for this client (S23)."""
    if trigger is T.PUT_ON_AGENDA:
        return {"planned_meeting_on": sitting.held_on.isoformat()}
    if trigger is T.OPEN_MEETING_ITEM:
        return {"meeting": _meeting(sitting, minutes, None)}
    if trigger is T.CONFIRM_INTERRUPTION:
        return {"meeting": _meeting(sitting, minutes, _RESULTS[outcome])}
    if trigger is T.CONFIRM_CLOSURE:
        proposed = record.closure_proposal.reason if record.closure_proposal else ClosureReason.OTHER
        return {"closure": {"reason": proposed.value, "meeting": _meeting(sitting, minutes, _RESULTS[outcome])}}
    on = sitting.held_on
    return {"note": f"{KIND_NAMES[sitting.kind]}（{on.year}年{on.month}月{on.day}日）の結果"}
