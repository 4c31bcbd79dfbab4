"""The command payloads: what a person sends with each trigger. Field names are the case record's field names."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from statemachines.case.corrections import CorrectRecord as CorrectRecord
from statemachines.case.record import ClosureReport
from statemachines.case.records import (
    Assessment,
    ClosureProposal,
    Consent,
    ConsentRevocation,
    ContactEffort,
    Decision,
    Eligibility,
    EmergencySupport,
    Evaluation,
    FollowUpNote,
    IntakeRecord,
    MeetingRecord,
    MonitoringNote,
    Plan,
    ReferralTarget,
)
from statemachines.kernel.rules import Duration


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoteOnly(Payload):
    note: str | None = Field(default=None, max_length=2000)


class IntakePayload(Payload):
    intake: IntakeRecord | None = None


class Opened(IntakePayload):
    """The first event's payload: what the opener sent, and what the system gave the case when it opened."""

    case_number: str | None = Field(default=None, max_length=64)  # 受付番号
    person_id: str | None = Field(default=None, max_length=32)  # the 相談者 the case is for


class ReferOut(Payload):
    referral: ReferralTarget | None = None
    consent_c1: Consent | None = None  # the 相談受付・申込票's consent to share, when signed at screening


class ApplyForSupport(Payload):
    consent_c1: Consent | None = None
    eligibility: Eligibility | None = None


class StartEmergency(Payload):
    emergency_support: EmergencySupport


class CompleteAssessment(Payload):
    assessment: Assessment | None = None


class ProposeClosure(Payload):
    closure_proposal: ClosureProposal | None = None
    evaluation: Evaluation | None = None


class SubmitPlan(Payload):
    plan: Plan | None = None


class RecordPlanConsent(Payload):
    consent_c2: Consent | None = None


class PutOnAgenda(Payload):
    planned_meeting_on: date | None = None


class MeetingPayload(Payload):
    meeting: MeetingRecord | None = None


class DecisionPayload(Payload):
    decision: Decision | None = None


class RecordContact(Payload):
    monitoring_note: MonitoringNote


class Replan(Payload):
    evaluation: Evaluation | None = None


class ConfirmClosure(Payload):
    closure: ClosureReport | None = None


class CompleteFollowUp(Payload):
    follow_up: FollowUpNote


class RecordEffort(Payload):
    contact_effort: ContactEffort


class ProgramMonitoring(Payload):
    """A program asks for a monitoring interval while it runs (住居確保給付金 paid: weekly); None withdraws it."""

    enrolment_id: str = Field(min_length=1, max_length=200)
    interval: Duration | None = None


class ProgramState(Payload):
    """A program enrolment the case started (by its 支援決定), or its end as the enrolment reports it."""

    enrolment_id: str = Field(min_length=1, max_length=200)
    program: str = Field(min_length=1, max_length=64)  # the program registry's id
    name_ja: str = Field(min_length=1, max_length=200)  # its name there
    ended: bool = False


class RevokeConsent(Payload):
    revocation: ConsentRevocation


class SignConsent(Payload):
    """A new signature of C1 or C2 (after a revocation, or a new version of the 取扱規程 explained)."""

    consent: Consent


class Assign(Payload):
    assignee: str = Field(min_length=1, max_length=64)


# -- supervision (主任相談支援員, statemachines.case.supervision) ----------------------------------------------------


class AssignEmploymentSupporter(Payload):
    """The case's 就労支援員: tasks of the ESW role go to them; none (empty) puts them in the ESW queue."""

    employment_supporter: str | None = Field(default=None, min_length=1, max_length=64)


class GiveAdvice(Payload):
    advice_text: str = Field(min_length=1, max_length=4000)


class AcknowledgeAdvice(Payload):
    advice_no: int = Field(ge=1)
    response: str | None = Field(default=None, max_length=2000)


class FlagDifficultCase(Payload):
    reason: str = Field(min_length=1, max_length=2000)
