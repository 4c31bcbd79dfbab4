"""ハローワーク同行 (process.md §3.3): its states, its commands, its rules and what it records."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from statemachines.kernel.rules import Duration
from statemachines.kernel.sensitivity import BASIC, CONFIGURATION, SPECIAL_CARE
from statemachines.policy.scheduling import AppointmentKind, AppointmentStatus
from statemachines.programs.definition import ProgramRecord
from statemachines.programs.payloads import PolicyConsent, Value

FOLLOW_UP_OFFSETS = ["P1M", "P3M", "P6M"]


class HelloWorkState(StrEnum):
    CANDIDATE = "CANDIDATE"
    CONSENTED = "CONSENTED"
    REQUEST_SENT = "REQUEST_SENT"
    JOINT_INTERVIEW = "JOINT_INTERVIEW"
    IN_SUPPORT = "IN_SUPPORT"
    EMPLOYED = "EMPLOYED"
    RETENTION_FOLLOWUP = "RETENTION_FOLLOWUP"
    ENDED = "ENDED"
    WITHDRAWN = "WITHDRAWN"


class HelloWorkTrigger(StrEnum):
    CONSENT = "consent"
    SEND_REQUEST = "send_request"
    SCHEDULE_JOINT_INTERVIEW = "schedule_joint_interview"
    START_SUPPORT = "start_support"
    RECORD_APPOINTMENT = "record_appointment"
    RECORD_ATTENDANCE = "record_attendance"
    RECORD_OUTCOME = "record_outcome"
    CANCEL_APPOINTMENT = "cancel_appointment"
    REPORT_EMPLOYMENT = "report_employment"
    START_RETENTION = "start_retention"
    RECORD_FOLLOW_UP = "record_follow_up"
    END = "end"
    WITHDRAW = "withdraw"
    REMIND_APPOINTMENT = "remind_appointment"
    MARK_NO_SHOW = "mark_no_show"
    FOLLOW_UP_DUE = "follow_up_due"


class HelloWorkRules(Value):
    retention_follow_ups: list[Duration] = Field(default_factory=lambda: list(FOLLOW_UP_OFFSETS), min_length=1)


class HwConsent(Value):
    """本人同意 to the 支援要請 (個人票A passed to the ハローワーク), linked to the 取扱規程 version explained."""

    consented_on: Annotated[date, BASIC]
    policy_version: Annotated[str, BASIC]


class Appointment(BaseModel):
    """An appointment of the 就労支援員 and the person (合同面接, HW同行, 面談)."""

    model_config = ConfigDict(extra="forbid")

    appointment_id: Annotated[str, BASIC]
    kind: Annotated[AppointmentKind, BASIC]
    starts_at: Annotated[AwareDatetime, BASIC]
    status: Annotated[AppointmentStatus, BASIC] = AppointmentStatus.BOOKED
    reminded: Annotated[bool, BASIC] = False
    attendance_recorded_at: Annotated[datetime | None, BASIC] = None
    no_show_followed: Annotated[bool, BASIC] = False  # the follow-up task of a no-show was opened


class OutcomeCounts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    applications: Annotated[int, BASIC] = 0  # 応募
    interviews: Annotated[int, BASIC] = 0  # 面接
    offers: Annotated[int, BASIC] = 0  # 内定
    employments: Annotated[int, BASIC] = 0  # 就職


EmployerKind = Literal["private_company", "public_body", "non_profit", "social_welfare_corporation", "other"]


class Employment(Value):
    employer_kind: Annotated[EmployerKind, BASIC]
    started_on: Annotated[date, BASIC]


class FollowUp(Value):
    contacted_on: Annotated[date, BASIC]
    still_employed: Annotated[bool, BASIC]
    note: Annotated[str | None, SPECIAL_CARE] = Field(default=None, max_length=2000)


class HelloWorkRecord(ProgramRecord):
    state: Annotated[HelloWorkState, BASIC]
    rules: Annotated[HelloWorkRules, CONFIGURATION] = HelloWorkRules()
    consent: Annotated[HwConsent | None, BASIC] = None
    office_id: Annotated[str | None, BASIC] = None
    request_sent_on: Annotated[date | None, BASIC] = None
    navigator: Annotated[str | None, BASIC] = None
    hw_plan: Annotated[list[str], BASIC] = Field(default_factory=list)
    appointments: Annotated[list[Appointment], BASIC] = Field(default_factory=list)
    outcomes: Annotated[OutcomeCounts, BASIC] = OutcomeCounts()
    employment: Annotated[Employment | None, BASIC] = None
    follow_ups_opened: Annotated[int, BASIC] = 0
    follow_ups: Annotated[list[FollowUp], BASIC] = Field(default_factory=list)
    end_note: Annotated[str | None, SPECIAL_CARE] = None

    def appointment(self, appointment_id: str) -> Appointment | None:
        return next((a for a in self.appointments if a.appointment_id == appointment_id), None)


# --- payloads --------------------------------------------------------------------------------------------------------


class Consent(PolicyConsent):
    signed_by_client: bool  # signed by 本人 (not by a relative or the worker on their behalf)


class SendRequest(Value):
    office_id: str = Field(min_length=1, max_length=64)
    sent_on: date


class JointInterview(Value):
    appointment_id: str = Field(min_length=1, max_length=64)
    starts_at: AwareDatetime
    navigator: str | None = Field(default=None, max_length=200)  # 就職支援ナビゲーター


class HwPlan(Value):
    menu: list[
        Literal[
            "job_counselling",  # 職業相談・紹介
            "application_coaching",  # 応募書類の作成指導
            "interview_coaching",  # 面接指導
            "vocational_training",  # 公共職業訓練
            "trial_employment",  # トライアル雇用
            "job_development",  # 個別求人開拓
        ]
    ] = Field(min_length=1, max_length=6)


class RecordAppointment(Value):
    appointment_id: str = Field(min_length=1, max_length=64)
    starts_at: AwareDatetime
    kind: AppointmentKind = AppointmentKind.ACCOMPANIMENT


class Attendance(Value):
    appointment_id: str = Field(min_length=1, max_length=64)
    attendance: Literal["attended", "no_show"]


class AppointmentRef(Value):
    appointment_id: str = Field(min_length=1, max_length=64)


class Outcome(Value):
    applications: int = Field(default=0, ge=0, le=100)
    interviews: int = Field(default=0, ge=0, le=100)
    offers: int = Field(default=0, ge=0, le=100)

    @model_validator(mode="after")
    def _something(self) -> Outcome:
        if not (self.applications or self.interviews or self.offers):
            raise ValueError("record at least one 応募, 面接 or 内定")
        return self


class ReportEmployment(Value):
    employment: Employment


class FollowUpDue(Value):
    number: int = Field(ge=1, le=12)


class RecordFollowUp(Value):
    follow_up: FollowUp
