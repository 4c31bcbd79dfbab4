"""The auditor's finder, shared by ``GET /api/audit/cases`` and the ``/audit`` page: the filters, the days they name
(whole days in Japan time), and each case as the list shows it.

``case_label`` is the one place that says how a case is named in these lists (and the access log's): its 受付番号.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict

from statemachines.case.record import STATES, CaseState
from statemachines.kernel.roles import Actor
from store.audit_queries import AuditCaseRow, Period, audit_cases
from store.integrity import IntegrityStatus
from store.names import municipality_names
from store.queries import Page
from web.core import i18n
from web.core.deps import Services
from web.core.errors import ForbiddenError
from web.core.names import NO_NUMBER


def case_label(number: str | None) -> str:
    """How a person finds the case again: its 受付番号, as ``/cases`` shows it."""
    return number or NO_NUMBER


class CaseFilters(BaseModel):
    """The finder's filters; the days are whole days in Japan time, both ends included."""

    model_config = ConfigDict(frozen=True)

    municipality: str | None = None
    state: CaseState | None = None
    opened_from: date | None = None
    opened_to: date | None = None
    closed_from: date | None = None
    closed_to: date | None = None
    integrity: IntegrityStatus | None = None


class AuditCase(BaseModel):
    """A case in the finder: its label and names to show, no personal data."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    label: str
    municipality: str
    municipality_name: str
    state: str
    state_name: str
    opened_at: datetime
    closed_at: datetime | None
    integrity: IntegrityStatus
    integrity_checked_at: datetime | None
    broken_seq: int | None


def day_start(day: date) -> datetime | None:
    """00:00 of ``day`` in Japan time, in UTC; None where that moment is off the calendar (before 0001-01-01 UTC)."""
    try:
        return datetime.combine(day, time(), i18n.JST).astimezone(UTC)
    except OverflowError:
        return None


def days(first: date | None, last: date | None) -> Period:
    """From the start of ``first`` to the end of ``last`` (Japan time); an end off the calendar is left open."""
    after_last = None
    if last is not None and last < date.max:
        after_last = day_start(last + timedelta(days=1))
    return Period(start=None if first is None else day_start(first), end=after_last)


def check_served(actor: Actor, municipality: str | None) -> None:
    if municipality is not None and municipality not in actor.serves:
        raise ForbiddenError("担当していない自治体のケースは表示できません。担当する自治体を選んでください。")


def find_cases(svc: Services, actor: Actor, filters: CaseFilters, *, limit: int, offset: int) -> Page[AuditCase]:
    """The cases of the municipalities ``actor`` serves that pass ``filters``, newest first."""
    check_served(actor, filters.municipality)
    with svc.sessions.begin() as session:
        page = audit_cases(
            session,
            visible=set(actor.serves),
            municipality=filters.municipality,
            state=None if filters.state is None else filters.state.value,
            opened=days(filters.opened_from, filters.opened_to),
            closed=days(filters.closed_from, filters.closed_to),
            integrity=filters.integrity,
            limit=limit,
            offset=offset,
        )
        names = municipality_names(session, {row.municipality for row in page.items})
    items = [_item(row, names) for row in page.items]
    return Page[AuditCase](items=items, total=page.total, limit=page.limit, offset=page.offset)


def _item(row: AuditCaseRow, names: dict[str, str]) -> AuditCase:
    state = STATES[CaseState(row.state)].name_ja if row.state in CaseState.__members__ else row.state
    return AuditCase(
        **row.model_dump(),
        label=case_label(row.case_number),
        municipality_name=names.get(row.municipality, row.municipality),
        state_name=state,
    )
