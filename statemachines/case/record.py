"""The case: its 20 states in seven stages, and the record the workflow carries (process.md §1.3, §2).

The record's own fields are bookkeeping (basic); the sheets it holds are containers whose fields carry their own
sensitivity (``statemachines.case.records``); the rule set pinned on it is configuration.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from statemachines.case.records import (
    Assessment,
    ClosureProposal,
    ClosureReason,
    Consent,
    ConsentKind,
    ContactEffort,
    Correction,
    Decision,
    Eligibility,
    EmergencySupport,
    EnrolmentStatus,
    Evaluation,
    FollowUpNote,
    IntakeRecord,
    MeetingRecord,
    MonitoringNote,
    Plan,
    ReferralTarget,
    Stamp,
)
from statemachines.case.supervision import Advice, DifficultCaseFlag
from statemachines.kernel.events import GENESIS_HASH
from statemachines.kernel.rules import RuleSet
from statemachines.kernel.sensitivity import BASIC, CONFIGURATION


class Stage(StrEnum):
    CONSULTATION = "consultation"
    ASSESSMENT = "assessment"
    PLANNING = "planning"
    COORDINATION_MEETING = "coordination_meeting"
    MUNICIPAL_DECISION = "municipal_decision"
    MONITORING = "monitoring"
    TERMINATION = "termination"


STAGE_NAMES: dict[Stage, tuple[str, str]] = {
    Stage.CONSULTATION: ("相談受付", "Consultation"),
    Stage.ASSESSMENT: ("アセスメント", "Assessment"),
    Stage.PLANNING: ("プラン策定", "Planning"),
    Stage.COORDINATION_MEETING: ("支援調整会議", "Coordination meeting"),
    Stage.MUNICIPAL_DECISION: ("支援決定", "Municipal decision"),
    Stage.MONITORING: ("モニタリング", "Monitoring"),
    Stage.TERMINATION: ("評価・終結", "Evaluation and termination"),
}


class CaseState(StrEnum):
    IDENTIFIED = "IDENTIFIED"
    INTAKE = "INTAKE"
    SCREENING = "SCREENING"
    ENDED_INFO_ONLY = "ENDED_INFO_ONLY"
    REFERRED_OUT = "REFERRED_OUT"
    APPLIED = "APPLIED"
    ASSESSMENT = "ASSESSMENT"
    PLAN_DRAFTING = "PLAN_DRAFTING"
    PLAN_CHECK = "PLAN_CHECK"
    PLAN_CONSENTED = "PLAN_CONSENTED"
    MEETING_PENDING = "MEETING_PENDING"
    MEETING_REVIEW = "MEETING_REVIEW"
    DECISION_PENDING = "DECISION_PENDING"
    SUPPORT_ACTIVE = "SUPPORT_ACTIVE"
    CONTACT_LOST = "CONTACT_LOST"
    EVALUATION = "EVALUATION"
    CLOSURE_REVIEW = "CLOSURE_REVIEW"
    CLOSED = "CLOSED"
    FOLLOW_UP = "FOLLOW_UP"
    INTERRUPTED = "INTERRUPTED"


class StateInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    stage: Stage
    name_ja: str
    name_en: str
    terminal: bool = False  # no further work unless reopened (T29)


S = CaseState
STATES: dict[CaseState, StateInfo] = {
    S.IDENTIFIED: StateInfo(stage=Stage.CONSULTATION, name_ja="把握（アウトリーチ・つなぎ）", name_en="Identified"),
    S.INTAKE: StateInfo(stage=Stage.CONSULTATION, name_ja="相談受付", name_en="Intake"),
    S.SCREENING: StateInfo(stage=Stage.CONSULTATION, name_ja="スクリーニング", name_en="Screening"),
    S.ENDED_INFO_ONLY: StateInfo(
        stage=Stage.CONSULTATION,
        name_ja="相談・情報提供のみで終了",
        name_en="Ended with information only",
        terminal=True,
    ),
    S.REFERRED_OUT: StateInfo(
        stage=Stage.CONSULTATION,
        name_ja="他制度・他機関へのつなぎ",
        name_en="Referred to another agency",
        terminal=True,
    ),
    S.APPLIED: StateInfo(stage=Stage.CONSULTATION, name_ja="利用申込", name_en="Applied"),
    S.ASSESSMENT: StateInfo(stage=Stage.ASSESSMENT, name_ja="アセスメント", name_en="Assessment"),
    S.PLAN_DRAFTING: StateInfo(stage=Stage.PLANNING, name_ja="プラン（案）作成", name_en="Plan drafting"),
    S.PLAN_CHECK: StateInfo(stage=Stage.PLANNING, name_ja="主任相談支援員による確認", name_en="Plan check"),
    S.PLAN_CONSENTED: StateInfo(
        stage=Stage.PLANNING, name_ja="本人同意・プラン兼事業等利用申込書提出", name_en="Plan consented"
    ),
    S.MEETING_PENDING: StateInfo(
        stage=Stage.COORDINATION_MEETING, name_ja="支援調整会議 付議待ち", name_en="Awaiting meeting"
    ),
    S.MEETING_REVIEW: StateInfo(
        stage=Stage.COORDINATION_MEETING, name_ja="支援調整会議 協議", name_en="Meeting review"
    ),
    S.DECISION_PENDING: StateInfo(
        stage=Stage.MUNICIPAL_DECISION, name_ja="自治体の支援決定待ち", name_en="Awaiting municipal decision"
    ),
    S.SUPPORT_ACTIVE: StateInfo(stage=Stage.MONITORING, name_ja="支援提供（モニタリング）", name_en="Support active"),
    S.CONTACT_LOST: StateInfo(stage=Stage.MONITORING, name_ja="連絡不通（中断候補）", name_en="Contact lost"),
    S.EVALUATION: StateInfo(stage=Stage.TERMINATION, name_ja="評価", name_en="Evaluation"),
    S.CLOSURE_REVIEW: StateInfo(
        stage=Stage.TERMINATION, name_ja="終結（案）支援調整会議へ報告", name_en="Closure under review"
    ),
    S.CLOSED: StateInfo(stage=Stage.TERMINATION, name_ja="終結", name_en="Closed", terminal=True),
    S.FOLLOW_UP: StateInfo(stage=Stage.TERMINATION, name_ja="フォローアップ", name_en="Follow-up"),
    S.INTERRUPTED: StateInfo(stage=Stage.TERMINATION, name_ja="中断", name_en="Interrupted", terminal=True),
}

PRE_PLAN_STATES: frozenset[CaseState] = frozenset(
    {S.IDENTIFIED, S.INTAKE, S.SCREENING, S.APPLIED, S.ASSESSMENT, S.PLAN_DRAFTING, S.PLAN_CHECK}
)
"""Where 緊急支援 (T6) may start: before the plan is agreed."""

NO_CONTACT_STATES: frozenset[CaseState] = frozenset(
    {S.SUPPORT_ACTIVE, S.ASSESSMENT, S.PLAN_DRAFTING, S.PLAN_CHECK, S.PLAN_CONSENTED}
)
"""Where the no-contact timer runs (T26 sources)."""


class ClosureReport(BaseModel):
    """終結: the reason and the 支援調整会議 that confirmed the 終結評価 (G8)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: Annotated[ClosureReason, BASIC]
    meeting: Annotated[MeetingRecord | None, BASIC] = None
    follow_up: Annotated[bool, BASIC] = False  # opt-in: follow-ups are permitted, not required (S12; issue 18)


class CaseRecord(BaseModel):
    """Everything the workflow knows about one case. Carried across continue-as-new as a whole."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    case_id: Annotated[str, BASIC]
    case_number: Annotated[str | None, BASIC] = None  # 受付番号 (statemachines.case.numbers); None before 2026-12
    person_id: Annotated[str | None, BASIC] = None  # the 相談者 (store.persons); None before 2026-12
    municipality: Annotated[str, BASIC]
    ruleset: Annotated[RuleSet, CONFIGURATION]
    state: Annotated[CaseState, BASIC] = CaseState.INTAKE
    state_entered_at: Annotated[datetime, BASIC]
    state_before_contact_lost: Annotated[CaseState | None, BASIC] = None
    opened_at: Annotated[datetime, BASIC]
    opened_by: Annotated[str, BASIC]
    assignee: Annotated[str | None, BASIC] = None
    previous_case_id: Annotated[str | None, BASIC] = None
    intake: Annotated[IntakeRecord, BASIC] = IntakeRecord()
    consent_c1: Annotated[Consent | None, BASIC] = None
    consent_c2: Annotated[Consent | None, BASIC] = None
    # every earlier version, revoked ones included
    consent_history: Annotated[list[Consent], BASIC] = Field(default_factory=list)
    eligibility: Annotated[Eligibility | None, BASIC] = None
    referral: Annotated[ReferralTarget | None, BASIC] = None
    assessment: Annotated[Assessment | None, BASIC] = None
    plan: Annotated[Plan | None, BASIC] = None
    plan_version: Annotated[int, BASIC] = 0
    plan_drafted: Annotated[Stamp | None, BASIC] = None
    plan_checked: Annotated[Stamp | None, BASIC] = None
    plan_history: Annotated[list[Plan], BASIC] = Field(default_factory=list)
    meetings: Annotated[list[MeetingRecord], BASIC] = Field(default_factory=list)
    decision: Annotated[Decision | None, BASIC] = None
    support_started_at: Annotated[datetime | None, BASIC] = None
    monitoring: Annotated[list[MonitoringNote], BASIC] = Field(default_factory=list)
    last_contact_at: Annotated[datetime, BASIC]
    monitoring_due_marked_at: Annotated[datetime | None, BASIC] = None
    # enrolment -> interval it asks for
    program_monitoring: Annotated[dict[str, str], BASIC] = Field(default_factory=dict)
    # enrolment -> the program and whether it has ended (the 終結 waits for them: G-PROGRAMS-ENDED)
    enrolments: Annotated[dict[str, EnrolmentStatus], BASIC] = Field(default_factory=dict)
    evaluation_due_marked: Annotated[bool, BASIC] = False
    evaluations: Annotated[list[Evaluation], BASIC] = Field(default_factory=list)
    closure_proposal: Annotated[ClosureProposal | None, BASIC] = None
    closure: Annotated[ClosureReport | None, BASIC] = None
    closed_at: Annotated[datetime | None, BASIC] = None
    follow_ups_started: Annotated[int, BASIC] = 0
    follow_ups: Annotated[list[FollowUpNote], BASIC] = Field(default_factory=list)
    contact_efforts: Annotated[list[ContactEffort], BASIC] = Field(default_factory=list)
    emergency_active: Annotated[bool, BASIC] = False
    emergency: Annotated[list[EmergencySupport], BASIC] = Field(default_factory=list)
    # supervision (statemachines.case.supervision): the case's 就労支援員, the CSW's advices, the 支援困難事例 flag
    employment_supporter: Annotated[str | None, BASIC] = None
    advices: Annotated[list[Advice], BASIC] = Field(default_factory=list)
    difficult_case: Annotated[DifficultCaseFlag | None, BASIC] = None
    # 訂正 (statemachines.case.corrections): which recorded fields were changed or cleared after they were recorded
    corrections: Annotated[list[Correction], BASIC] = Field(default_factory=list)
    seq: Annotated[int, BASIC] = 0
    last_hash: Annotated[str, BASIC] = GENESIS_HASH

    def consent_of(self, kind: ConsentKind) -> Consent | None:
        """The current C1 or C2 (revoked or not)."""
        return self.consent_c1 if kind is ConsentKind.C1 else self.consent_c2

    def replace_consent(self, consent: Consent) -> None:
        """Make ``consent`` the current one of its kind; the one it replaces is kept in ``consent_history``."""
        current = self.consent_of(consent.kind)
        if current is not None:
            self.consent_history.append(current)
        if consent.kind is ConsentKind.C1:
            self.consent_c1 = consent
        else:
            self.consent_c2 = consent

    @property
    def stage(self) -> Stage:
        return STATES[self.state].stage

    @property
    def evaluation(self) -> Evaluation | None:
        return self.evaluations[-1] if self.evaluations else None
