"""A consent names the version of the 個人情報取扱規程 explained (process.md §5): one registered for the case's
municipality (or for every one, ``"*"``) and in force on the day it was signed. Anything else is a field error of the
payload (422), found before the command goes to Temporal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from statemachines.case.records import Consent
from statemachines.kernel.outcomes import PayloadInvalid
from statemachines.programs.payloads import PolicyConsent
from store.db import reading
from store.policies import PrivacyPolicyRepository, PrivacyPolicyRow

CASE_CONSENT_FIELDS = ("consent", "consent_c1", "consent_c2")
"""The case commands' payload fields that hold a :class:`statemachines.records.Consent` (T3, T4, T12, A3)."""


@dataclass(frozen=True)
class SignedConsent:
    """A consent of a payload: where it is (``loc`` of its ``policy_version``), the version it names, when signed."""

    loc: tuple[str, ...]
    version: str
    signed_on: date


def case_consents(payload: BaseModel) -> list[SignedConsent]:
    """The consents a parsed case command payload carries."""
    found = []
    for name in CASE_CONSENT_FIELDS:
        consent = getattr(payload, name, None)
        if isinstance(consent, Consent):
            found.append(SignedConsent((name, "policy_version"), consent.policy_version, consent.signed_on))
    return found


def program_consents(payload: BaseModel) -> list[SignedConsent]:
    """The consent a parsed program command payload carries (the ハローワーク支援要請's, HW1): a ``PolicyConsent``."""
    if isinstance(payload, PolicyConsent):
        return [SignedConsent(("policy_version",), payload.policy_version, payload.consented_on)]
    return []


def policy_errors(
    policies: PrivacyPolicyRepository, municipality: str, consents: list[SignedConsent]
) -> list[dict[str, Any]]:
    """Pydantic-style errors (``loc``, ``msg``, ``type``) for each consent naming no version in force when signed."""
    errors = []
    for consent in consents:
        if policies.in_force(municipality, consent.version, consent.signed_on) is None:
            errors.append(_error(consent, policies.list(municipality)))
    return errors


def require_policies_in_force(
    sessions: sessionmaker[Session], municipality: str, command: str, consents: list[SignedConsent]
) -> None:
    """Each consent names a 個人情報取扱規程 version of ``municipality`` (or "*") in force when signed, else 422."""
    if not consents:
        return
    with reading(sessions) as session:
        errors = policy_errors(PrivacyPolicyRepository(session), municipality, consents)
    if errors:
        raise PayloadInvalid(command, errors)


def _error(consent: SignedConsent, known: list[PrivacyPolicyRow]) -> dict[str, Any]:
    on = consent.signed_on.isoformat()
    in_force = list(dict.fromkeys(p.version for p in known if p.effective_from <= consent.signed_on))
    listed = f"{on} に有効な版: {'、'.join(in_force)}" if in_force else f"{on} に有効な版はありません"
    later = sorted(p.effective_from for p in known if p.version == consent.version)
    if later:
        message = (
            f"policy_version「{consent.version}」の個人情報取扱規程は {later[0].isoformat()} 施行のため、"
            f"{on} の同意には使えません（{listed}）"
        )
        kind = "policy_version_not_in_force"
    else:
        message = f"policy_version「{consent.version}」は登録された個人情報取扱規程の版ではありません（{listed}）"
        kind = "policy_version_unknown"
    return {"type": kind, "loc": list(consent.loc), "msg": message, "input": consent.version}
