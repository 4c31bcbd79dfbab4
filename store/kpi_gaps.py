"""The queries of the §4.3 indicators the dashboard lacked (issue 18, item 17): consent coverage, 就労準備支援 near
its 12 months, overdue 住居確保給付金 job-search evidence, and the share of つなぎ confirmed.

Counts, shares and ages only: no personal data. Consents are read from the case's events (their coded consent
fields, which the read model keeps in the clear: kind, signature, revocation), the programs from their enrolments.
Each works on a bounded set: the municipality's cases in the states concerned, or its enrolments of one program.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from statemachines.case.record import CaseState
from statemachines.kernel.rules import add_duration
from statemachines.programs.referral.table import REFERRAL
from statemachines.programs.work_readiness.table import WORK_READINESS
from store.kpi_definitions import (
    C1_STATES,
    C2_STATES,
    REFERRAL_CONFIRMED,
    WORK_READINESS_IN_PROGRAM,
    WORK_READINESS_RULES,
)
from store.kpi_queries import Sample, in_days
from store.models import CaseEventRecord, CaseRecord, TaskRecord
from store.programs import EnrolmentRecord

CONSENT_COMMANDS = ("apply_for_support", "record_plan_consent", "sign_consent", "revoke_consent", "refer_out")
CONSENT_FIELDS = ("consent_c1", "consent_c2", "consent")  # services.consent.CASE_CONSENT_FIELDS
HOUSING_EVIDENCE_TASK = "hb_evidence_missing"

Shares = dict[str | None, tuple[int, int]]  # per assignee: (covered or confirmed, of)


def consents_in_force(payloads: Iterable[tuple[str, dict[str, Any]]]) -> set[str]:
    """The consent kinds (C1, C2) in force after a case's consent events, in order: a signature by 本人 gives its
    kind, a revocation takes it away."""
    held: set[str] = set()
    for command, payload in payloads:
        if command == "revoke_consent":
            held.discard(str((payload.get("revocation") or {}).get("kind")))
            continue
        for name in CONSENT_FIELDS:
            consent = payload.get(name)
            if isinstance(consent, dict) and consent.get("kind"):
                if consent.get("signed_by_client") and not consent.get("revoked_on"):
                    held.add(str(consent["kind"]))
                else:
                    held.discard(str(consent["kind"]))
    return held


class GapQueries:
    """One municipality's rows at ``as_of``, inside the caller's transaction."""

    def __init__(self, session: Session, municipality: str, as_of: datetime) -> None:
        self._session, self._municipality, self._as_of = session, municipality, as_of

    def consent_coverage(self) -> Shares:
        """Per case assignee: the cases whose needed consents are in force, of the cases that need them."""
        cases = {
            case_id: (assignee, state)
            for case_id, assignee, state in self._session.execute(
                select(CaseRecord.case_id, CaseRecord.assignee, CaseRecord.state).where(
                    CaseRecord.municipality == self._municipality, CaseRecord.state.in_(C1_STATES)
                )
            )
        }
        events: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        stmt = (
            select(CaseEventRecord.case_id, CaseEventRecord.command, CaseEventRecord.payload)
            .where(
                CaseEventRecord.case_id.in_(sorted(cases)),
                CaseEventRecord.command.in_(CONSENT_COMMANDS),
                CaseEventRecord.at <= self._as_of,
            )
            .order_by(CaseEventRecord.case_id, CaseEventRecord.seq)
        )
        for case_id, command, payload in self._session.execute(stmt):
            events[case_id].append((command, payload or {}))
        shares: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
        for case_id, (assignee, state) in cases.items():
            needed = {"C1", "C2"} if state in C2_STATES else {"C1"}
            shares[assignee][0] += int(needed <= consents_in_force(events[case_id]))
            shares[assignee][1] += 1
        return {a: (n, of) for a, (n, of) in shares.items()}

    def work_readiness_near_limit(self) -> list[Sample]:
        """(case assignee, days since the program began) of each 就労準備支援 participant past the warning."""
        stmt = (
            select(CaseRecord.assignee, EnrolmentRecord.summary)
            .select_from(EnrolmentRecord)
            .join(CaseRecord, CaseRecord.case_id == EnrolmentRecord.case_id)
            .where(
                EnrolmentRecord.program == WORK_READINESS.id,
                EnrolmentRecord.state == WORK_READINESS_IN_PROGRAM,
                EnrolmentRecord.municipality == self._municipality,
            )
        )
        found = []
        for assignee, summary in self._session.execute(stmt):
            started = (summary or {}).get("program_started_at")
            if not started:
                continue
            began = datetime.fromisoformat(str(started))
            if add_duration(began, WORK_READINESS_RULES.warning_after) <= self._as_of:
                found.append((assignee, in_days(self._as_of - began)))
        return found

    def housing_evidence_overdue(self) -> list[Sample]:
        """(task assignee, days since the task opened) of each open job-search evidence task."""
        stmt = (
            select(TaskRecord.assignee, TaskRecord.opened_at)
            .join(CaseRecord, CaseRecord.case_id == TaskRecord.case_id)
            .where(
                TaskRecord.kind == HOUSING_EVIDENCE_TASK,
                TaskRecord.status == "open",
                TaskRecord.opened_at <= self._as_of,
                CaseRecord.municipality == self._municipality,
            )
        )
        return [(a, in_days(self._as_of - opened)) for a, opened in self._session.execute(stmt)]

    def referrals_confirmed(self, start: datetime) -> Shares:
        """Per case assignee: the consultations ended by a つなぎ in the window whose referral's result was
        confirmed, of all of them."""
        ended = (
            select(CaseRecord.case_id, CaseRecord.assignee)
            .join(CaseEventRecord, CaseEventRecord.case_id == CaseRecord.case_id)
            .where(
                CaseRecord.municipality == self._municipality,
                CaseRecord.state == CaseState.REFERRED_OUT.value,
                CaseEventRecord.to_state == CaseState.REFERRED_OUT.value,
                CaseEventRecord.at >= start,
                CaseEventRecord.at <= self._as_of,
            )
            .distinct()
        )
        cases: dict[str, str | None] = dict(self._session.execute(ended).all())
        confirmed = set(
            self._session.scalars(
                select(func.distinct(EnrolmentRecord.case_id)).where(
                    EnrolmentRecord.program == REFERRAL.id,
                    EnrolmentRecord.state == REFERRAL_CONFIRMED,
                    EnrolmentRecord.case_id.in_(sorted(cases)),
                )
            )
        )
        shares: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
        for case_id, assignee in cases.items():
            shares[assignee][0] += int(case_id in confirmed)
            shares[assignee][1] += 1
        return {a: (n, of) for a, (n, of) in shares.items()}
