"""The names lists show instead of ids: a municipality's (A市 福祉事務所), a colleague's display name, a case's
受付番号, an office's and a 関係機関's name.

Given ids, the names of those; given none (``None``), every one's, for a page that cannot know beforehand whom it
will name (``web.core.names``)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from store.appointment_records import OfficeRecord
from store.institutions import InstitutionRecord
from store.models import CaseRecord, OrganisationRecord, UserRecord


def municipality_names(session: Session, municipalities: Iterable[str] | None = None) -> dict[str, str]:
    """Each municipality's name from its organisation record; one without a record is absent."""
    return _names(session, OrganisationRecord.org_id, OrganisationRecord.name_ja, municipalities)


def user_names(session: Session, user_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Each user's display name; an unknown user is absent."""
    return _names(session, UserRecord.user_id, UserRecord.display_name, user_ids)


def office_names(session: Session, office_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Each office's name (ハローワークA（A公共職業安定所）); an unknown office is absent."""
    return _names(session, OfficeRecord.office_id, OfficeRecord.name_ja, office_ids)


def institution_names(session: Session, institution_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Each 関係機関's name in the directory; an unknown institution is absent."""
    return _names(session, InstitutionRecord.institution_id, InstitutionRecord.name_ja, institution_ids)


def _names(
    session: Session, key: InstrumentedAttribute[str], name: InstrumentedAttribute[str], ids: Iterable[str] | None
) -> dict[str, str]:
    stmt = select(key, name)
    if ids is not None:
        wanted = set(ids)
        if not wanted:
            return {}
        stmt = stmt.where(key.in_(wanted))
    return {row[0]: row[1] for row in session.execute(stmt)}


def case_numbers(session: Session, case_ids: set[str]) -> dict[str, str | None]:
    """The 受付番号 of each of ``case_ids`` (None for a case opened before numbering)."""
    if not case_ids:
        return {}
    rows = session.execute(select(CaseRecord.case_id, CaseRecord.case_number).where(CaseRecord.case_id.in_(case_ids)))
    return {case_id: number for case_id, number in rows}  # noqa: C416 - rows, not pairs, to mypy
