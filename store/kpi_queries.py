"""The SQL behind the operational indicators (:mod:`store.kpis`): one municipality's rows at ``as_of``, counted or
sampled per assignee. Counts and ages only: no personal data, no names.

Queries and the indexes they use:

* cases by state: ``ix_cases_municipality_stage_state`` (its leading ``municipality``), grouped in SQL;
* tasks, one pass for the three task indicators: ``ix_tasks_status_role_due_at`` (status 'open', the kinds' roles,
  ``due_at`` up to ``as_of``) or, for a small municipality, ``ix_cases_municipality_stage_state`` then
  ``ix_tasks_case_id_status``; counted in SQL per kind and assignee;
* days to a milestone: ``case_events`` entering a milestone in the window, through the municipality's cases
  (``ix_cases_municipality_stage_state``, ``ix_case_events_case_id``); on a national store this wants
  ``ix_case_events_to_state_at (to_state, at)``, which does not exist yet;
* program enrolments: ``ix_program_enrolments_program_state`` then ``municipality`` filtered (a national store
  wants ``(municipality, program, state)``), their events by ``ix_program_events_enrolment_id``, cases by key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON

from statemachines.case.record import CaseState
from statemachines.case.tasks import TaskKind
from statemachines.policy.scheduling import JST
from statemachines.programs.housing_benefit.records import last_day_after
from statemachines.programs.housing_benefit.table import HOUSING_BENEFIT
from statemachines.programs.referral.table import REFERRAL
from store.kpi_definitions import (
    HOUSING_PAYING,
    HOUSING_RULES,
    MILESTONES,
    OPEN_STATES,
    REFERRAL_AWAITING_ANSWER,
    TASK_KINDS,
    Definition,
)
from store.models import CaseEventRecord, CaseRecord, TaskRecord
from store.programs import EnrolmentRecord, ProgramEventRecord

S = CaseState
Counted = Iterable[tuple[str | None, int, datetime | None]]  # (assignee, count, the oldest moment or None)
Sample = tuple[str | None, float]  # (assignee, days)


class TaskGroup(NamedTuple):
    kind: str
    assignee: str | None
    due_by: int  # due at or before as_of
    due_at: int  # of which due exactly at as_of (not overdue yet)
    oldest: datetime


def tasks_of(definition: Definition, groups: list[TaskGroup]) -> Counted:
    """The indicator's tasks per assignee: (count, the oldest due date)."""
    kinds, due_at_counts = TASK_KINDS[definition.id]
    wanted = {k.kind for k in kinds}
    by: dict[str | None, tuple[int, datetime]] = {}
    for g in groups:
        count = g.due_by if due_at_counts else g.due_by - g.due_at
        if g.kind not in wanted or count == 0:
            continue
        known = by.get(g.assignee)
        by[g.assignee] = (count, g.oldest) if known is None else (known[0] + count, min(known[1], g.oldest))
    return [(a, n, oldest) for a, (n, oldest) in by.items()]


class KpiQueries:
    """One municipality's rows at ``as_of``, inside the caller's transaction."""

    def __init__(self, session: Session, municipality: str, as_of: datetime) -> None:
        self._session, self._municipality, self._as_of = session, municipality, as_of
        self._day = as_of.astimezone(JST).date()

    def open_cases(self) -> Counted:
        stmt = (
            select(CaseRecord.assignee, func.count())
            .where(CaseRecord.municipality == self._municipality, CaseRecord.state.in_(OPEN_STATES))
            .group_by(CaseRecord.assignee)
        )
        return [(a, int(n), None) for a, n in self._session.execute(stmt)]

    def ages_in(self, states: Sequence[CaseState]) -> list[Sample]:
        """(assignee, days in the state) of each case in ``states``; before state_entered_at, the last update."""
        entered = func.coalesce(CaseRecord.state_entered_at, CaseRecord.updated_at)
        stmt = select(CaseRecord.assignee, entered).where(
            CaseRecord.municipality == self._municipality, CaseRecord.state.in_([s.value for s in states])
        )
        return [(a, self._days_since(at)) for a, at in self._session.execute(stmt)]

    def tasks_due_by(self, kinds: Sequence[TaskKind]) -> list[TaskGroup]:
        """Open tasks of ``kinds`` due by ``as_of``, per kind and task assignee, in one pass over the tasks."""
        stmt = (
            select(
                TaskRecord.kind,
                TaskRecord.assignee,
                func.count(),
                func.sum(case((TaskRecord.due_at == self._as_of, 1), else_=0)),
                func.min(TaskRecord.due_at),
            )
            .join(CaseRecord, CaseRecord.case_id == TaskRecord.case_id)
            .where(
                TaskRecord.status == "open",
                TaskRecord.role.in_(sorted({k.role.value for k in kinds})),
                TaskRecord.kind.in_(sorted({k.kind for k in kinds})),
                TaskRecord.due_at <= self._as_of,
                CaseRecord.municipality == self._municipality,
            )
            .group_by(TaskRecord.kind, TaskRecord.assignee)
        )
        return [TaskGroup(k, a, int(n), int(now or 0), oldest) for k, a, n, now, oldest in self._session.execute(stmt)]

    def days_to_milestones(self, start: datetime) -> dict[CaseState, list[Sample]]:
        """Per milestone, (assignee, days) of each case that first reached it in its consultation in the window."""
        reached = (
            select(CaseEventRecord.case_id, CaseRecord.assignee)
            .join(CaseRecord, CaseRecord.case_id == CaseEventRecord.case_id)
            .where(
                CaseRecord.municipality == self._municipality,
                CaseEventRecord.to_state.in_([m.value for m in MILESTONES]),
                CaseEventRecord.at >= start,
                CaseEventRecord.at <= self._as_of,
            )
            .distinct()
            .subquery()
        )
        stmt = (
            select(CaseEventRecord.case_id, CaseEventRecord.at, CaseEventRecord.to_state, reached.c.assignee)
            .join(reached, reached.c.case_id == CaseEventRecord.case_id)
            .where(
                CaseEventRecord.to_state.in_([S.INTAKE.value, *(m.value for m in MILESTONES)]),
                _entering(CaseEventRecord.from_state, CaseEventRecord.to_state),
                CaseEventRecord.at <= self._as_of,
            )
            .order_by(CaseEventRecord.case_id, CaseEventRecord.seq)
        )
        return _episodes(self._session.execute(stmt), start)

    def unanswered_referrals(self) -> list[Sample]:
        """(case assignee, days since the latest sending) of each referral awaiting its answer."""
        stmt = (
            select(CaseRecord.assignee, func.max(ProgramEventRecord.at))
            .select_from(EnrolmentRecord)
            .join(ProgramEventRecord, ProgramEventRecord.enrolment_id == EnrolmentRecord.enrolment_id)
            .join(CaseRecord, CaseRecord.case_id == EnrolmentRecord.case_id)
            .where(
                EnrolmentRecord.program == REFERRAL.id,
                EnrolmentRecord.state == REFERRAL_AWAITING_ANSWER,
                EnrolmentRecord.municipality == self._municipality,
                ProgramEventRecord.to_state == REFERRAL_AWAITING_ANSWER,
                _entering(ProgramEventRecord.from_state, ProgramEventRecord.to_state),
            )
            .group_by(EnrolmentRecord.enrolment_id, CaseRecord.assignee)
        )
        return [(a, self._days_since(at)) for a, at in self._session.execute(stmt)]

    def housing_extension_due(self) -> Counted:
        """Recipients who may still extend, whose period (the extension's deadline) ends within 14 days."""
        last = self._day + timedelta(days=HOUSING_RULES.extension_warning_days)
        return self._paying(_months_granted() < HOUSING_RULES.max_months, self._day, last)

    def housing_final_month(self) -> Counted:
        """Recipients granted the maximum whose last period ends this month: they are in its final month."""
        month_end = last_day_after(self._day.replace(day=1), 1)
        return self._paying(_months_granted() >= HOUSING_RULES.max_months, self._day, month_end)

    def _paying(self, granted: ColumnElement[bool], first: date, last: date) -> Counted:
        period_end = _summary("period_end").as_string()
        stmt = (
            select(CaseRecord.assignee, func.count())
            .select_from(EnrolmentRecord)
            .join(CaseRecord, CaseRecord.case_id == EnrolmentRecord.case_id)
            .where(
                EnrolmentRecord.program == HOUSING_BENEFIT.id,
                EnrolmentRecord.state == HOUSING_PAYING,
                EnrolmentRecord.municipality == self._municipality,
                granted,
                period_end >= first.isoformat(),
                period_end <= last.isoformat(),
            )
            .group_by(CaseRecord.assignee)
        )
        return [(a, int(n), None) for a, n in self._session.execute(stmt)]

    def _days_since(self, moment: datetime) -> float:
        return in_days(self._as_of - moment)


def _entering(from_state: Any, to_state: Any) -> ColumnElement[bool]:
    """An event that entered its state (not one that stayed in it)."""
    return or_(from_state.is_(None), from_state != to_state)


def _summary(key: str) -> Any:
    """A key of an enrolment's ``summary`` (JSON): ``->>`` on PostgreSQL, ``json_extract`` on SQLite."""
    return type_coerce(EnrolmentRecord.summary, JSON)[key]


def _months_granted() -> ColumnElement[int]:
    months: ColumnElement[int] = _summary("months_granted").as_integer()
    return months


def _episodes(rows: Iterable[tuple[str, datetime, str, str | None]], start: datetime) -> dict[CaseState, list[Sample]]:
    """Walk each case's entries into INTAKE and the milestones, in order: a consultation begins at an INTAKE entry
    and a milestone counts the first time it is reached in it, when that is inside the window."""
    found: dict[CaseState, list[Sample]] = {m: [] for m in MILESTONES}
    case_id: str | None = None
    intake_at: datetime | None = None
    reached: set[str] = set()
    for row_case, at, to_state, assignee in rows:
        if row_case != case_id:
            case_id, intake_at, reached = row_case, None, set()
        if to_state == S.INTAKE.value:
            intake_at, reached = at, set()
        elif intake_at is not None and to_state not in reached:
            reached.add(to_state)
            if at >= start:
                found[CaseState(to_state)].append((assignee, in_days(at - intake_at)))
    return found


def in_days(delta: timedelta) -> float:
    """Whole and tenth days, never below zero (a row newer than a past ``as_of``)."""
    return round_days(max(delta.total_seconds(), 0.0) / 86_400)


def round_days(days: float) -> float:
    return round(days, 1)
