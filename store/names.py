"""The names lists show instead of ids: a municipality's (A市 福祉事務所), a colleague's display name and a case's
受付番号."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import CaseRecord, OrganisationRecord, UserRecord


def municipality_names(session: Session, municipalities: Iterable[str]) -> dict[str, str]:
    """Each municipality's name from its organisation record; one without a record is absent."""
    wanted = set(municipalities)
    if not wanted:
        return {}
    stmt = select(OrganisationRecord.org_id, OrganisationRecord.name_ja).where(OrganisationRecord.org_id.in_(wanted))
    return {row[0]: row[1] for row in session.execute(stmt)}


def user_names(session: Session, user_ids: Iterable[str]) -> dict[str, str]:
    """Each user's display name; an unknown user is absent."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    stmt = select(UserRecord.user_id, UserRecord.display_name).where(UserRecord.user_id.in_(wanted))
    return {row[0]: row[1] for row in session.execute(stmt)}


def case_numbers(session: Session, case_ids: set[str]) -> dict[str, str | None]:
    """The 受付番号 of each of ``case_ids`` (None for a case opened before numbering)."""
    if not case_ids:
        return {}
    rows = session.execute(select(CaseRecord.case_id, CaseRecord.case_number).where(CaseRecord.case_id.in_(case_ids)))
    return {case_id: number for case_id, number in rows}  # noqa: C416 - rows, not pairs, to mypy
