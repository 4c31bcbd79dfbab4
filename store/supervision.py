"""The caseload views of the 主任相談支援員 (process.md §0 CSW: 支援の内容及び進捗状況の確認, スーパービジョン): each
consultant's open cases by stage, their overdue tasks, the cases without contact with 本人 for N days, the plans past
their period (an open ``evaluation_due`` task), the cases in 連絡不通 and the 支援困難事例; and one consultant's cases.

Counted in SQL from the read model (``cases`` by its municipality and assignee, ``tasks`` by status, assignee and due
time: their indexes), over the municipalities the caller serves. No client's name is read: the ``cases`` row has none.
Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import cast

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, case, exists, func, select
from sqlalchemy.orm import Session

from statemachines.case.record import STATES, CaseState, Stage
from statemachines.case.tasks import EVALUATION_DUE
from statemachines.kernel.events import TaskStatus
from statemachines.kernel.roles import CONSULTANTS
from store.models import CaseRecord, OrganisationRecord, TaskRecord, UserRecord
from store.names import municipality_names as store_municipality_names
from store.names import user_names

OPEN_STATES: tuple[str, ...] = tuple(s.value for s in CaseState if not STATES[s].terminal)
DEFAULT_NO_CONTACT_DAYS = 30


class Caseload(BaseModel):
    """One consultant's open cases and what needs a look (``user_id`` None: the cases no one carries)."""

    model_config = ConfigDict(frozen=True)

    user_id: str | None
    display_name: str | None
    by_stage: dict[str, int] = Field(default_factory=dict)
    open_cases: int = 0
    overdue_tasks: int = 0
    no_contact: int = 0
    plans_past_period: int = 0
    contact_lost: int = 0
    difficult: int = 0


class SupervisedCase(BaseModel):
    """One open case of a consultant's caseload, as the drill-down lists it (no personal data: the page names the
    client from ``person_id`` for the readers who may see it; the API does not carry the person id)."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    case_number: str | None = None  # 受付番号; None for a case opened before numbering and not yet backfilled
    person_id: str | None = Field(default=None, exclude=True)
    municipality: str
    stage: str
    state: str
    opened_at: datetime
    state_entered_at: datetime | None
    last_contact_at: datetime | None
    next_due_at: datetime | None
    overdue_tasks: int
    no_contact: bool
    plan_past_period: bool
    contact_lost: bool
    difficult: bool


def _open_cases(visible: set[str], municipality: str | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [CaseRecord.municipality.in_(visible), CaseRecord.state.in_(OPEN_STATES)]
    if municipality is not None:
        conditions.append(CaseRecord.municipality == municipality)
    return conditions


def _plan_past_period() -> ColumnElement[bool]:
    return exists().where(
        TaskRecord.case_id == CaseRecord.case_id,
        TaskRecord.status == TaskStatus.OPEN.value,
        TaskRecord.kind == EVALUATION_DUE.kind,
    )


def _flags(since: datetime) -> list[ColumnElement[int]]:
    """1/0 per case: no contact since ``since``, plan past its period, 連絡不通, 支援困難事例."""
    return [
        case((CaseRecord.last_contact_at < since, 1), else_=0).label("no_contact"),
        case((_plan_past_period(), 1), else_=0).label("past_period"),
        case((CaseRecord.state == CaseState.CONTACT_LOST.value, 1), else_=0).label("contact_lost"),
        case((CaseRecord.difficult_case.is_(True), 1), else_=0).label("difficult"),
    ]


def caseloads(
    session: Session,
    *,
    visible: set[str],
    now: datetime,
    no_contact_days: int = DEFAULT_NO_CONTACT_DAYS,
    municipality: str | None = None,
) -> list[Caseload]:
    """Every consultant (SW or CSW) serving a visible municipality, with their open cases' counts, by display name;
    then the open cases no one carries, when there are any."""
    since = now - timedelta(days=no_contact_days)
    flags = select(CaseRecord.assignee, CaseRecord.stage, *_flags(since)).where(*_open_cases(visible, municipality))
    rows = flags.subquery()
    counted = select(
        rows.c.assignee,
        rows.c.stage,
        func.count(),
        func.sum(rows.c.no_contact),
        func.sum(rows.c.past_period),
        func.sum(rows.c.contact_lost),
        func.sum(rows.c.difficult),
    ).group_by(rows.c.assignee, rows.c.stage)
    loads: dict[str | None, dict[str, int]] = {}
    stages: dict[str | None, dict[str, int]] = {}
    for assignee, stage, count, no_contact, past, lost, difficult in session.execute(counted):
        totals = loads.setdefault(assignee, dict.fromkeys(("open", "no_contact", "past", "lost", "difficult"), 0))
        for key, value in (("open", count), ("no_contact", no_contact), ("past", past), ("lost", lost)):
            totals[key] += int(value or 0)
        totals["difficult"] += int(difficult or 0)
        stages.setdefault(assignee, {})[stage] = int(count)
    overdue = _overdue_by_assignee(session, visible, municipality, now)
    people = consultants(session, visible if municipality is None else {municipality})
    names = {**people, **display_names(session, [a for a in loads if a is not None and a not in people])}
    ordered = sorted(names, key=lambda user_id: (names[user_id], user_id))
    result = [_caseload(u, names[u], loads.get(u, {}), stages.get(u, {}), overdue.get(u, 0)) for u in ordered]
    if None in loads:
        result.append(_caseload(None, None, loads[None], stages.get(None, {}), 0))
    return result


def _caseload(
    user_id: str | None, name: str | None, totals: dict[str, int], stages: dict[str, int], overdue: int
) -> Caseload:
    return Caseload(
        user_id=user_id,
        display_name=name,
        by_stage={stage.value: stages.get(stage.value, 0) for stage in Stage},
        open_cases=totals.get("open", 0),
        overdue_tasks=overdue,
        no_contact=totals.get("no_contact", 0),
        plans_past_period=totals.get("past", 0),
        contact_lost=totals.get("lost", 0),
        difficult=totals.get("difficult", 0),
    )


def _overdue_by_assignee(
    session: Session, visible: set[str], municipality: str | None, now: datetime
) -> dict[str | None, int]:
    """Open tasks past their due time, by whom they are assigned to, on the visible cases."""
    stmt = (
        select(TaskRecord.assignee, func.count())
        .join(CaseRecord, TaskRecord.case_id == CaseRecord.case_id)
        .where(
            TaskRecord.status == TaskStatus.OPEN.value,
            TaskRecord.assignee.is_not(None),
            TaskRecord.due_at < now,
            CaseRecord.municipality.in_(visible if municipality is None else visible & {municipality}),
        )
        .group_by(TaskRecord.assignee)
    )
    return {assignee: int(count) for assignee, count in session.execute(stmt)}


def consultants(session: Session, municipalities: set[str]) -> dict[str, str]:
    """The active users holding SW or CSW whose organisation serves one of ``municipalities``: id → display name."""
    stmt = (
        select(UserRecord.user_id, UserRecord.display_name, UserRecord.roles, OrganisationRecord.serves)
        .join(OrganisationRecord, UserRecord.org_id == OrganisationRecord.org_id)
        .where(UserRecord.active.is_(True))
    )
    wanted = {r.value for r in CONSULTANTS}
    return {
        user_id: name
        for user_id, name, roles, serves in session.execute(stmt)
        if wanted & set(roles) and municipalities & set(serves)
    }


def display_names(session: Session, user_ids: Iterable[str]) -> dict[str, str]:
    """Each user's display name (a user no longer known keeps their id)."""
    found = user_names(session, user_ids)
    return {user_id: found.get(user_id, user_id) for user_id in sorted(set(user_ids))}


def municipality_names(session: Session, municipalities: Iterable[str]) -> dict[str, str]:
    """Each municipality's name from its organisation record (one without a record keeps its id)."""
    found = store_municipality_names(session, municipalities)
    return {org_id: found.get(org_id, org_id) for org_id in sorted(set(municipalities))}


def caseload_cases(
    session: Session,
    *,
    assignee: str,
    visible: set[str],
    now: datetime,
    no_contact_days: int = DEFAULT_NO_CONTACT_DAYS,
    limit: int = 500,
) -> list[SupervisedCase]:
    """The consultant's open cases: the difficult ones first, then the longest without contact."""
    since = now - timedelta(days=no_contact_days)
    overdue = (
        select(func.count())
        .where(
            TaskRecord.case_id == CaseRecord.case_id,
            TaskRecord.status == TaskStatus.OPEN.value,
            TaskRecord.due_at < now,
        )
        .scalar_subquery()
    )
    stmt = (
        select(CaseRecord, overdue, *_flags(since))
        .where(*_open_cases(visible, None), CaseRecord.assignee == assignee)
        .order_by(CaseRecord.difficult_case.desc(), CaseRecord.last_contact_at, CaseRecord.case_id)
        .limit(limit)
    )
    return [
        SupervisedCase(
            case_id=record.case_id,
            case_number=record.case_number,
            person_id=record.person_id,
            municipality=record.municipality,
            stage=record.stage,
            state=record.state,
            opened_at=record.opened_at,
            state_entered_at=record.state_entered_at,
            last_contact_at=record.last_contact_at,
            next_due_at=record.next_due_at,
            overdue_tasks=int(count or 0),
            no_contact=bool(no_contact),
            plan_past_period=bool(past),
            contact_lost=bool(lost),
            difficult=bool(difficult),
        )
        for record, count, no_contact, past, lost, difficult in cast(
            "list[tuple[CaseRecord, int, int, int, int, int]]", session.execute(stmt).all()
        )
    ]


class ConsultantCaseload(BaseModel):
    """One consultant's open cases, by their display name, with the consultants the cases could be given to."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    display_name: str
    cases: list[SupervisedCase]
    consultants: dict[str, str]  # id -> display name: who serves the caller's municipalities


def consultant_caseload(
    session: Session, *, user_id: str, visible: set[str], now: datetime, no_contact_days: int = DEFAULT_NO_CONTACT_DAYS
) -> ConsultantCaseload | None:
    """``user_id``'s open cases in ``visible`` municipalities; None when they neither serve one of them as a
    consultant nor carry a case there (the API's 404, the page's)."""
    cases = caseload_cases(session, assignee=user_id, visible=visible, now=now, no_contact_days=no_contact_days)
    known = consultants(session, visible)
    if not cases and user_id not in known:
        return None
    name = known.get(user_id) or display_names(session, [user_id])[user_id]  # a former consultant's cases
    return ConsultantCaseload(user_id=user_id, display_name=name, cases=cases, consultants=known)


def totals(loads: list[Caseload]) -> Caseload:
    """The sum over every row (every consultant and the unassigned cases)."""
    by_stage = {stage.value: sum(load.by_stage.get(stage.value, 0) for load in loads) for stage in Stage}
    return Caseload(
        user_id=None,
        display_name=None,
        by_stage=by_stage,
        open_cases=sum(load.open_cases for load in loads),
        overdue_tasks=sum(load.overdue_tasks for load in loads),
        no_contact=sum(load.no_contact for load in loads),
        plans_past_period=sum(load.plans_past_period for load in loads),
        contact_lost=sum(load.contact_lost for load in loads),
        difficult=sum(load.difficult for load in loads),
    )
