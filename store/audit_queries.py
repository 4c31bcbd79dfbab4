"""The auditor's finder: the cases with the last integrity check of each, and the names its lists show.

Like :mod:`store.queries`, every query takes ``visible`` (the municipalities the caller serves) and commits nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from store.integrity import CaseIntegrityRecord, IntegrityStatus
from store.models import CaseRecord, OrganisationRecord, UserRecord
from store.queries import Page, check_page, count_rows


class AuditCaseRow(BaseModel):
    """A case as the finder lists it: no personal data."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    case_number: str | None = None  # 受付番号
    municipality: str
    stage: str
    state: str
    opened_at: datetime
    closed_at: datetime | None
    integrity: IntegrityStatus
    integrity_checked_at: datetime | None  # when the last check ran (None: never)
    broken_seq: int | None  # where it found the chain broken


class Period(BaseModel):
    """From (inclusive) to (exclusive); either end may be open."""

    model_config = ConfigDict(frozen=True)

    start: datetime | None = None
    end: datetime | None = None

    def conditions(self, column: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.start is not None:
            out.append(column >= self.start)
        if self.end is not None:
            out.append(column < self.end)
        return out


def audit_cases(
    session: Session,
    *,
    visible: set[str],
    municipality: str | None = None,
    state: str | None = None,
    opened: Period | None = None,
    closed: Period | None = None,
    integrity: IntegrityStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[AuditCaseRow]:
    """Visible cases, newest first, each with its last integrity check."""
    check_page(limit, offset)
    conditions: list[ColumnElement[bool]] = [CaseRecord.municipality.in_(visible)]
    if municipality is not None:
        conditions.append(CaseRecord.municipality == municipality)
    if state is not None:
        conditions.append(CaseRecord.state == state)
    conditions += (opened or Period()).conditions(CaseRecord.opened_at)
    if closed is not None and (closed.start is not None or closed.end is not None):
        conditions += [CaseRecord.closed_at.is_not(None), *closed.conditions(CaseRecord.closed_at)]
    conditions += _integrity_conditions(integrity)
    stmt = (
        select(CaseRecord, CaseIntegrityRecord)
        .outerjoin(CaseIntegrityRecord, CaseIntegrityRecord.case_id == CaseRecord.case_id)
        .where(and_(*conditions))
    )
    total = count_rows(session, stmt)
    stmt = stmt.order_by(CaseRecord.opened_at.desc(), CaseRecord.case_id).limit(limit).offset(offset)
    items = [_row(case, check) for case, check in session.execute(stmt)]
    return Page[AuditCaseRow](items=items, total=total, limit=limit, offset=offset)


def _integrity_conditions(integrity: IntegrityStatus | None) -> list[ColumnElement[bool]]:
    if integrity is IntegrityStatus.UNCHECKED:
        return [CaseIntegrityRecord.case_id.is_(None)]
    if integrity is IntegrityStatus.OK:
        return [CaseIntegrityRecord.case_id.is_not(None), CaseIntegrityRecord.broken_seq.is_(None)]
    if integrity is IntegrityStatus.BROKEN:
        return [CaseIntegrityRecord.broken_seq.is_not(None)]
    return []


def _row(case: CaseRecord, check: CaseIntegrityRecord | None) -> AuditCaseRow:
    if check is None:
        status = IntegrityStatus.UNCHECKED
    else:
        status = IntegrityStatus.OK if check.broken_seq is None else IntegrityStatus.BROKEN
    return AuditCaseRow(
        case_id=case.case_id,
        case_number=case.case_number,
        municipality=case.municipality,
        stage=case.stage,
        state=case.state,
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        integrity=status,
        integrity_checked_at=None if check is None else check.checked_at,
        broken_seq=None if check is None else check.broken_seq,
    )


# -- the names the lists show instead of ids -------------------------------------------------------------------


def users_serving(session: Session, municipalities: set[str]) -> list[tuple[str, str]]:
    """(user id, display name) of everyone whose organisation serves one of ``municipalities``, by name."""
    stmt = select(UserRecord.user_id, UserRecord.display_name, OrganisationRecord.serves).join(
        OrganisationRecord, OrganisationRecord.org_id == UserRecord.org_id
    )
    rows = [(uid, name) for uid, name, serves in session.execute(stmt) if municipalities & set(serves)]
    return sorted(rows, key=lambda r: (r[1], r[0]))
