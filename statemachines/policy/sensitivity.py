"""How sensitive each field of a case record is (process.md §5), and what each role may see of it.

Every field of every record a case holds, its program enrolments' records (住居確保給付金, 家計改善, ...) included, is
tagged (a test walks the models and fails on a field left out):

- ``basic``: what running the case needs — dates, states, kinds, who was met, program choices.
- ``special_care``: 要配慮個人情報 (個人情報保護法2条3項) and what points to it — health and disability, life history,
  the client's own words about their situation, DV, family relations, free-text notes that may hold any of them —
  and the client's identity (name, address, phone, birth date), whose link to the rest makes it as sensitive.
- ``financial``: income, assets, debts, rent, the household budget, the figures of a means test.

The rules pinned on a record (``CONFIGURATION``: the rule set, a program's durations and caps) are the same for every
client: basic as a whole.

Roles see what their work needs: consultants, the municipality and auditors see everything (and every read of a
``special_care`` field is written to ``access_log``); operations staff see states and counts, not records; the
administrator sees the basic fields only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from statemachines.kernel.roles import Role


class Sensitivity(StrEnum):
    BASIC = "basic"
    SPECIAL_CARE = "special_care"
    FINANCIAL = "financial"


B, S, F = Sensitivity.BASIC, Sensitivity.SPECIAL_CARE, Sensitivity.FINANCIAL

PROGRAM_RECORDS = (
    "HousingBenefitRecord",
    "WorkReadinessRecord",
    "HelloWorkRecord",
    "ReferralRecord",
    "HousingSupportRecord",
    "HouseholdBudgetRecord",
    "CertifiedTrainingRecord",
)
"""The record model of each program (``ProgramDef.record_type``): one left out has its enrolment fields untagged."""

# (model name, field) -> tag. A field holding records is a container, tagged basic: its records' fields decide.
TAGS: dict[tuple[str, str], Sensitivity] = {
    # CaseRecord: the case's own bookkeeping, and the records it holds (containers: their own fields decide).
    **{
        ("CaseRecord", f): B
        for f in [
            "case_id",
            "municipality",
            "ruleset",
            "state",
            "state_entered_at",
            "state_before_contact_lost",
            "opened_at",
            "opened_by",
            "assignee",
            "previous_case_id",
            "consent_c1",
            "consent_c2",
            "consent_history",
            "eligibility",
            "referral",
            "plan_version",
            "plan_drafted",
            "plan_checked",
            "meetings",
            "decision",
            "support_started_at",
            "last_contact_at",
            "monitoring_due_marked_at",
            "program_monitoring",
            "evaluation_due_marked",
            "closure_proposal",
            "closure",
            "closed_at",
            "follow_ups_started",
            "emergency_active",
            "seq",
            "last_hash",
            "intake",
            "assessment",
            "plan",
            "plan_history",
            "monitoring",
            "evaluations",
            "follow_ups",
            "contact_efforts",
            "emergency",
        ]
    },
    # 相談受付・申込票
    **{("IntakeRecord", f): B for f in ["received_on", "route", "topics", "main_topic", "urgent", "visitor", "client"]},
    **{("IntakeRecord", f): S for f in ["route_detail", "wishes"]},
    **{("ClientIdentity", f): S for f in ["name", "name_kana", "birth_date", "address", "phone"]},
    ("Visitor", "is_client"): B,
    ("Visitor", "relationship"): S,
    **{("Consent", f): B for f in ["kind", "signed_on", "signed_by_client", "policy_version", "revoked_on"]},
    ("Consent", "revocation_note"): S,
    **{("Eligibility", f): B for f in ["is_needy", "resides_in_municipality"]},
    ("Eligibility", "note"): S,
    # アセスメント
    **{
        ("Assessment", f): S
        for f in ["household", "life_history", "health", "housing", "employment", "social", "issues", "strengths"]
    },
    ("Assessment", "finances"): F,
    **{("Assessment", f): B for f in ["continuous_support_needed", "employment_support_target"]},
    # プラン
    **{("Plan", f): B for f in ["period_start", "period_end", "goals", "support_items", "co_written_with_client"]},
    **{("Plan", f): S for f in ["client_intentions", "issues", "notes"]},
    ("Goal", "description"): S,
    ("Goal", "target_date"): B,
    **{("SupportItem", f): B for f in ["kind", "program", "description", "provider", "frequency", "responsible"]},
    ("Stamp", "user_id"): B,
    ("Stamp", "at"): B,
    # 支援調整会議と支援決定
    **{("MeetingRecord", f): B for f in ["meeting_date", "attendees", "result", "role_assignments"]},
    ("MeetingRecord", "notes"): S,
    **{("Attendee", f): B for f in ["organisation", "role_label", "is_municipal_official"]},
    **{("Decision", f): B for f in ["decided_on", "programs"]},
    **{("ProgramDecision", f): B for f in ["program", "approved", "reason"]},
    # モニタリング、評価、終結
    **{("MonitoringNote", f): B for f in ["contact_on", "method", "counterpart", "next_planned_on"]},
    ("MonitoringNote", "content"): S,
    **{
        ("Evaluation", f): B
        for f in ["evaluated_on", "goals_achieved", "improvements", "employed", "income_increased", "direction"]
    },
    ("Evaluation", "summary"): S,
    ("ClientWish", "confirmed_on"): B,
    ("ClientWish", "wish"): S,
    ("ClosureProposal", "reason"): B,
    ("ClosureProposal", "client_wish"): B,
    **{("ClosureReport", f): B for f in ["reason", "meeting", "follow_up"]},
    **{("FollowUpNote", f): B for f in ["done_on", "method"]},
    ("FollowUpNote", "content"): S,
    **{("ContactEffort", f): B for f in ["on", "method"]},
    ("ContactEffort", "note"): S,
    **{("EmergencySupport", f): B for f in ["kind", "started_on"]},
    ("EmergencySupport", "note"): S,
    **{
        ("ReferralTarget", f): B
        for f in [
            "institution",
            "institution_id",
            "accepts_referrals",
            "to_public_assistance",
            "shares_personal_data",
            "legal_basis",
        ]
    },
    ("ReferralTarget", "reason"): S,
    # -- the records of the program enrolments (statemachines.programs) ------------------------------------------------
    # What every enrolment keeps (ProgramRecord), in each program's record; ``rules`` is configuration.
    **{
        (record, f): B
        for record in PROGRAM_RECORDS
        for f in {"enrolment_id", "case_id", "municipality", "state", "state_entered_at", "started_at", "seq"}
        | {"last_hash", "rules"}
    },
    # 住居確保給付金: the application's figures are money; days too ill to seek work and a lost home point to health
    # and life circumstances. ``stop_reason`` is a kind (income_over_limit, ...), not a note.
    **{
        ("HousingBenefitRecord", f): B
        for f in {"application", "moved_in_on", "decided_on", "months_granted", "period_start", "period_end"}
        | {"evidence", "employed_on", "stop_reason", "ended_on", "extension_warned_for", "checked_months"}
    },
    **{
        ("HousingApplication", f): B
        for f in {"applied_on", "route", "job_loss_on", "hw_job_application", "previous_payment_ended_on"}
        | {"repayment_exception"}
    },
    **{
        ("HousingApplication", f): F
        for f in ["main_earner", "household_income", "base_amount", "rent", "rent_cap", "household_assets"]
    },
    **{("HousingApplication", f): S for f in ["days_unable_to_seek", "housing_lost"]},
    **{("MonthlyEvidence", f): B for f in ["month", "agency_consultations", "hw_consultations", "applications"]},
    # The means test of 施行規則§4 (就労準備支援; 居住支援's adds 被保護者): figures are money, a reason free text.
    **{
        ("Means", f): F
        for f in {"household_income", "base_amount", "housing_assistance_standard", "household_assets"}
        | {"public_assistance_recipient"}
    },
    ("Means", "discretion"): B,
    ("Means", "discretion_reason"): S,
    # 就労準備支援: an extension's reason is 心身の状況 and the like.
    **{
        ("WorkReadinessRecord", f): B
        for f in ["means", "decided_on", "program_started_at", "stages", "outcome", "limit_warned"]
    },
    ("WorkReadinessRecord", "extension_reason"): S,
    # ハローワーク支援要請
    **{
        ("HelloWorkRecord", f): B
        for f in {"consent", "office_id", "request_sent_on", "navigator", "hw_plan", "appointments", "outcomes"}
        | {"employment", "follow_ups_opened", "follow_ups"}
    },
    ("HelloWorkRecord", "end_note"): S,
    **{("HwConsent", f): B for f in ["consented_on", "policy_version"]},
    **{
        ("Appointment", f): B
        for f in {"appointment_id", "kind", "starts_at", "status", "reminded", "attendance_recorded_at"}
        | {"no_show_followed"}
    },
    **{("OutcomeCounts", f): B for f in ["applications", "interviews", "offers", "employments"]},
    **{("Employment", f): B for f in ["employer_kind", "started_on"]},
    **{("FollowUp", f): B for f in ["contacted_on", "still_employed"]},
    ("FollowUp", "note"): S,
    # 関係機関へのつなぎ: why the client is referred, and what is said back, are about the client's situation.
    **{("ReferralRecord", f): B for f in ["sendings", "outcome_connected", "outcome_confirmed_on"]},
    **{("ReferralRecord", f): S for f in ["follow_ups", "outcome_note", "close_reason"]},
    **{("Sending", f): B for f in ["institution_id", "sent_at", "answer", "answered_on", "no_answer_flagged"]},
    **{("Sending", f): S for f in ["reason", "answer_note"]},
    # 一時生活支援・地域居住支援: the shelter is where the client stays, as telling as an address.
    **{
        ("HousingSupportRecord", f): B
        for f in {"kind", "means", "decided_on", "services", "shelter_started_at", "shelter_until", "activities"}
        | {"moved_in_on", "public_assistance_from", "warned_for", "limit_reached_for"}
    },
    **{("HousingSupportRecord", f): S for f in ["facility", "extension_reasons", "end_reason"]},
    **{("Activity", f): B for f in ["kind", "on"]},
    ("Activity", "note"): S,
    # 家計改善支援: the 家計表 and キャッシュフロー表 are money; plan items and notes are free text.
    **{
        ("HouseholdBudgetRecord", f): B
        for f in {"decided_on", "budget", "plan_items", "plan_agreed_on", "actions", "maintenance_started_at"}
        | {"last_check_at", "checks", "check_due_for"}
    },
    ("HouseholdBudgetRecord", "end_reason"): S,
    **{
        ("BudgetSheet", f): F
        for f in ["monthly_income", "monthly_expenses", "debt_count", "debt_total", "arrears_count"]
    },
    ("BudgetSheet", "cash_flow"): B,
    ("CashFlowMonth", "month"): B,
    **{("CashFlowMonth", f): F for f in ["income", "expenses"]},
    ("PlanItem", "kind"): B,
    ("PlanItem", "description"): S,
    **{("Action", f): B for f in ["kind", "on", "counterpart"]},
    ("Action", "note"): S,
    **{("Check", f): B for f in ["checked_on", "on_track"]},
    ("Check", "note"): S,
    # 認定就労訓練: the provider is an organisation, like a referral's institution.
    **{
        ("CertifiedTrainingRecord", f): B
        for f in {"provider", "decided_on", "training_type", "training_started_at", "steps", "last_review_at"}
        | {"review_due_for", "outcome"}
    },
    **{("Provider", f): B for f in ["name", "provider_certified", "certification_number"]},
}

CONFIGURATION: frozenset[str] = frozenset(
    {"RuleSet", "HousingBenefitRules", "WorkReadinessRules", "HelloWorkRules", "ReferralRules"}
    | {"HousingSupportRules", "HouseholdBudgetRules", "CertifiedTrainingRules"}
)
"""Models a record holds that are configuration, the same for every client: the field holding one decides alone."""

VISIBLE: dict[Role, frozenset[Sensitivity]] = {
    Role.SW: frozenset(Sensitivity),
    Role.CSW: frozenset(Sensitivity),
    Role.ESW: frozenset(Sensitivity),
    Role.HHSW: frozenset(Sensitivity),
    Role.MUN: frozenset(Sensitivity),
    Role.AUD: frozenset(Sensitivity),
    Role.ADMIN: frozenset({Sensitivity.BASIC}),
    Role.OPS: frozenset(),  # states and counts only: no records
    Role.SYSTEM: frozenset(Sensitivity),
}


def visible_to(roles: frozenset[Role]) -> frozenset[Sensitivity]:
    """What a person holding ``roles`` may see: the union over their roles."""
    seen: set[Sensitivity] = set()
    for role in roles:
        seen |= VISIBLE.get(role, frozenset())
    return frozenset(seen)


def tag_of(model: type[BaseModel], field: str) -> Sensitivity:
    """The field's tag; an untagged field is treated as special care (the safe side), and the tests fail on it."""
    return TAGS.get((model.__name__, field), Sensitivity.SPECIAL_CARE)


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    """The record models ``annotation`` holds (configuration is not a record: its field is a leaf)."""
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation.__name__ not in CONFIGURATION:
            yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def redact(model: type[BaseModel], data: Mapping[str, Any], allowed: frozenset[Sensitivity]) -> dict[str, Any]:
    """``data`` (a dump of ``model``) without the fields whose tag is not ``allowed``, recursively.

    With nothing allowed (operations staff) nothing is kept. Otherwise what was left out is not marked.
    """
    if not allowed:
        return {}
    kept: dict[str, Any] = {}
    for name, value in data.items():
        info = model.model_fields.get(name)
        if info is None:
            continue
        if tag_of(model, name) not in allowed:
            continue
        nested = next(_models_in(info.annotation), None)
        if nested is not None and isinstance(value, dict) and not _is_mapping_field(info.annotation):
            kept[name] = redact(nested, value, allowed)
        elif nested is not None and isinstance(value, list):
            kept[name] = [redact(nested, v, allowed) if isinstance(v, dict) else v for v in value]
        else:
            kept[name] = value
    return kept


def _is_mapping_field(annotation: Any) -> bool:
    import typing

    return typing.get_origin(annotation) is dict


def special_care_paths(model: type[BaseModel], data: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The paths of the ``special_care`` fields in ``data`` that hold something (what an access log names).

    A field that holds records is a container: the fields of its records decide.
    """
    found: list[str] = []
    for name, value in data.items():
        info = model.model_fields.get(name)
        if info is None or value in (None, "", [], {}):
            continue
        path = f"{prefix}{name}"
        nested = next(_models_in(info.annotation), None)
        if nested is not None and isinstance(value, dict) and not _is_mapping_field(info.annotation):
            found += special_care_paths(nested, value, f"{path}.")
        elif nested is not None and isinstance(value, list):
            inner = {p for v in value if isinstance(v, dict) for p in special_care_paths(nested, v, f"{path}[].")}
            found += sorted(inner)
        elif tag_of(model, name) is Sensitivity.SPECIAL_CARE:
            found.append(path)
    return found
