"""How sensitive each field of a case record is (process.md §5), and what each role may see of it.

Every field of every record a case holds is tagged (a test walks the models and fails on a field left out):

- ``basic``: what running the case needs — dates, states, kinds, who was met, program choices.
- ``special_care``: 要配慮個人情報 (個人情報保護法2条3項) and what points to it — health and disability, life history,
  the client's own words about their situation, DV, family relations, free-text notes that may hold any of them —
  and the client's identity (name, address, phone, birth date), whose link to the rest makes it as sensitive.
- ``financial``: income, assets, debts, the household budget.

Roles see what their work needs: consultants, the municipality and auditors see everything (and every read of a
``special_care`` field is written to ``access_log``); operations staff see states and counts, not records; the
administrator sees the basic fields only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from statemachines.roles import Role


class Sensitivity(StrEnum):
    BASIC = "basic"
    SPECIAL_CARE = "special_care"
    FINANCIAL = "financial"


B, S, F = Sensitivity.BASIC, Sensitivity.SPECIAL_CARE, Sensitivity.FINANCIAL

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
}

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
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
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
