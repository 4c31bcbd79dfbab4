"""The §4.3 operational indicators of a municipality's staff dashboard, in total and per staff member.

Counts and ages only: no personal data, no names (a staff member is their ``user_id``, the ``assignee`` of a case or
a task). Read from the read model at ``as_of``: the states and open tasks are those of the read model now (it keeps
no past snapshots), their ages and due dates measured against ``as_of``; the days to a milestone come from the
events, so they are the same whenever asked.

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

Medians and the 90th percentile are computed here over a bounded set (the municipality's cases in a state, or that
reached a milestone in the window), by linear interpolation, as PostgreSQL's ``percentile_cont`` would.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON

from statemachines.case.record import STATES, CaseState
from statemachines.case.tasks import EVALUATION_DUE, MONITORING_DUE, STATE_TASKS, TaskKind
from statemachines.policy.scheduling import JST
from statemachines.programs.housing_benefit.process import HOUSING_BENEFIT, HousingBenefitRules, last_day_after
from statemachines.programs.referral.process import REFERRAL
from store.models import CaseEventRecord, CaseRecord, TaskRecord
from store.programs import EnrolmentRecord, ProgramEventRecord

S = CaseState
DEFAULT_WINDOW_DAYS = 90
MILESTONES = (S.APPLIED, S.PLAN_CONSENTED, S.SUPPORT_ACTIVE)
OPEN_STATES = tuple(s.value for s, info in STATES.items() if not info.terminal)
REFERRAL_AWAITING_ANSWER = "SENT"  # the referral's state whose timer waits for the institution's answer
HOUSING_PAYING = "PAYING"
HOUSING_RULES = HousingBenefitRules()  # the national figures: 9 months at most, the 14-day extension warning
assert REFERRAL_AWAITING_ANSWER in REFERRAL.states
assert HOUSING_PAYING in HOUSING_BENEFIT.states

Measure = Literal["count", "age", "duration"]


class Figure(BaseModel):
    """A count and, by the indicator's measure, ages (``age``) or durations (``duration``) in days (0.1)."""

    model_config = ConfigDict(frozen=True)

    count: int
    median_days: float | None = None
    p90_days: float | None = None
    oldest_days: float | None = None


class AssigneeFigure(Figure):
    assignee: str | None  # a staff member's user_id; None: no one is assigned (the role's queue)


class Indicator(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    label_ja: str
    definition_ja: str
    measure: Measure
    total: Figure
    by_assignee: list[AssigneeFigure]


class KpiReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    municipality: str
    as_of: datetime
    window_days: int
    indicators: list[Indicator]


@dataclass(frozen=True)
class Definition:
    id: str
    label_ja: str
    definition_ja: str
    measure: Measure


_d = Definition


OPEN_CASES = _d(
    "open_cases",
    "担当中のケース数",
    "終了状態（情報提供のみで終了・他機関へのつなぎ・終結・中断）以外のケース数。担当者はケースの担当者。",
    "count",
)
MILESTONE_NAMES: dict[CaseState, tuple[str, str, str]] = {
    S.APPLIED: ("days_to_applied", "相談受付から利用申込までの日数", "利用申込（APPLIED）"),
    S.PLAN_CONSENTED: ("days_to_plan_consented", "相談受付からプラン同意までの日数", "本人同意（PLAN_CONSENTED）"),
    S.SUPPORT_ACTIVE: ("days_to_support_active", "相談受付から支援開始までの日数", "支援提供（SUPPORT_ACTIVE）"),
}
DAYS_TO_DEFINITION = (
    "as_of までの{window}日間に{milestone}に至ったケースについて、直近の相談受付（INTAKE への遷移：新規相談・"
    "把握からの相談・再相談）からその相談で初めて至るまでの日数の中央値と90パーセンタイル（線形補間）。"
    "担当者はケースの現在の担当者。"
)
AWAITING_MEETING = _d(
    "plans_awaiting_meeting",
    "支援調整会議待ちのプラン",
    "支援調整会議の付議待ち・協議中（MEETING_PENDING・MEETING_REVIEW）のケース数と、その状態に入ってからの日数"
    "（最長・中央値）。",
    "age",
)
AWAITING_DECISION = _d(
    "plans_awaiting_decision",
    "支援決定待ちのプラン",
    "自治体の支援決定待ち（DECISION_PENDING）のケース数と、その状態に入ってからの日数（最長・中央値）。",
    "age",
)
CONTACT_LOST = _d(
    "contact_lost",
    "連絡不通のケース",
    "連絡不通（CONTACT_LOST）のケース数と、連絡不通になってからの日数（最長・中央値）。",
    "age",
)
OVERDUE_MONITORING = _d(
    "overdue_monitoring",
    "期限を過ぎたモニタリング",
    "期限（due_at）が as_of より前の、未完了のモニタリングのタスク（monitoring_due）の数と、最も遅れている"
    "ものの超過日数。担当者はタスクの担当者（未設定は役割の共有キュー）。",
    "count",
)
OVERDUE_EVALUATIONS = _d(
    "overdue_evaluations",
    "期限を過ぎた評価",
    "期限が as_of より前の、未完了の評価のタスク（プラン期間満了の evaluation_due、評価中の evaluate）の数と、"
    "最も遅れているものの超過日数。担当者はタスクの担当者。",
    "count",
)
FOLLOW_UPS_DUE = _d(
    "follow_ups_due",
    "期限が来た終結後のフォローアップ",
    "期限が as_of 以前の、未完了のフォローアップのタスク（follow_up）の数と、最も遅れているものの超過日数。"
    "担当者はタスクの担当者。",
    "count",
)
TASK_KINDS: dict[str, tuple[tuple[TaskKind, ...], bool]] = {  # indicator: (task kinds, due at as_of counts)
    OVERDUE_MONITORING.id: ((MONITORING_DUE,), False),
    OVERDUE_EVALUATIONS.id: ((EVALUATION_DUE, STATE_TASKS[S.EVALUATION]), False),
    FOLLOW_UPS_DUE.id: ((STATE_TASKS[S.FOLLOW_UP],), True),
}
REFERRALS_UNANSWERED = _d(
    "referrals_unanswered",
    "回答待ちの関係機関へのつなぎ",
    "関係機関へのつなぎ（referral）のうち紹介済み・回答待ち（SENT）のものの数と、直近の送付からの日数"
    "（最長・中央値）。担当者はケースの担当者。",
    "age",
)
HOUSING_EXTENSION_DUE = _d(
    "housing_extension_due",
    "住居確保給付金：延長申請期限が14日以内",
    f"支給中（PAYING）で通算{HOUSING_RULES.max_months}か月に達していない受給者のうち、延長申請の期限（支給期間の"
    f"最終月の末日）が as_of の日（日本時間）から{HOUSING_RULES.extension_warning_days}日以内のものの数。"
    "担当者はケースの担当者。",
    "count",
)
HOUSING_FINAL_MONTH = _d(
    "housing_final_month",
    f"住居確保給付金：支給{HOUSING_RULES.max_months}か月目の受給者",
    f"支給中（PAYING）で通算{HOUSING_RULES.max_months}か月の支給が決まり、as_of の日（日本時間）が最後の支給期間の"
    "最終月にある受給者の数。担当者はケースの担当者。",
    "count",
)


def operational_kpis(
    session: Session, *, municipality: str, as_of: datetime, window_days: int = DEFAULT_WINDOW_DAYS
) -> KpiReport:
    """Every indicator of the municipality at ``as_of`` (timezone-aware); milestones over ``window_days`` days."""
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError("as_of must be timezone-aware")
    if window_days < 1:
        raise ValueError("window_days must be at least 1")
    q = _Queries(session, municipality, as_of)
    durations = q.days_to_milestones(as_of - timedelta(days=window_days))
    tasks = q.tasks_due_by([k for kinds, _ in TASK_KINDS.values() for k in kinds])
    indicators = [
        _counted(OPEN_CASES, q.open_cases(), as_of),
        *(_sampled(days_to(m, window_days), durations[m]) for m in MILESTONES),
        _sampled(AWAITING_MEETING, q.ages_in((S.MEETING_PENDING, S.MEETING_REVIEW))),
        _sampled(AWAITING_DECISION, q.ages_in((S.DECISION_PENDING,))),
        _counted(OVERDUE_MONITORING, _tasks_of(OVERDUE_MONITORING, tasks), as_of),
        _counted(OVERDUE_EVALUATIONS, _tasks_of(OVERDUE_EVALUATIONS, tasks), as_of),
        _sampled(CONTACT_LOST, q.ages_in((S.CONTACT_LOST,))),
        _sampled(REFERRALS_UNANSWERED, q.unanswered_referrals()),
        _counted(FOLLOW_UPS_DUE, _tasks_of(FOLLOW_UPS_DUE, tasks), as_of),
        _counted(HOUSING_EXTENSION_DUE, q.housing_extension_due(), as_of),
        _counted(HOUSING_FINAL_MONTH, q.housing_final_month(), as_of),
    ]
    return KpiReport(municipality=municipality, as_of=as_of, window_days=window_days, indicators=indicators)


def days_to(milestone: CaseState, window_days: int) -> Definition:
    id_, label, name = MILESTONE_NAMES[milestone]
    return _d(id_, label, DAYS_TO_DEFINITION.format(window=window_days, milestone=name), "duration")


# -- the queries ---------------------------------------------------------------------------------------------------

Counted = Iterable[tuple[str | None, int, datetime | None]]  # (assignee, count, the oldest moment or None)
Sample = tuple[str | None, float]  # (assignee, days)


class TaskGroup(NamedTuple):
    kind: str
    assignee: str | None
    due_by: int  # due at or before as_of
    due_at: int  # of which due exactly at as_of (not overdue yet)
    oldest: datetime


def _tasks_of(definition: Definition, groups: list[TaskGroup]) -> Counted:
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


class _Queries:
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
        return _days(self._as_of - moment)


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
                found[CaseState(to_state)].append((assignee, _days(at - intake_at)))
    return found


# -- figures -------------------------------------------------------------------------------------------------------


def _counted(definition: Definition, rows: Counted, as_of: datetime) -> Indicator:
    by: dict[str | None, Figure] = {}
    for assignee, count, oldest in rows:
        by[assignee] = Figure(count=count, oldest_days=None if oldest is None else _days(as_of - oldest))
    ages = [f.oldest_days for f in by.values() if f.oldest_days is not None]
    total = Figure(count=sum(f.count for f in by.values()), oldest_days=max(ages) if ages else None)
    return _indicator(definition, total, by)


def _sampled(definition: Definition, samples: list[Sample]) -> Indicator:
    grouped: dict[str | None, list[float]] = defaultdict(list)
    for assignee, days in samples:
        grouped[assignee].append(days)
    by = {a: _figure(definition.measure, days) for a, days in grouped.items()}
    return _indicator(definition, _figure(definition.measure, [d for _, d in samples]), by)


def _figure(measure: Measure, days: list[float]) -> Figure:
    if not days:
        return Figure(count=0)
    ordered = sorted(days)
    median = _round(percentile(ordered, 0.5))
    if measure == "duration":
        return Figure(count=len(ordered), median_days=median, p90_days=_round(percentile(ordered, 0.9)))
    return Figure(count=len(ordered), median_days=median, oldest_days=_round(ordered[-1]))


def _indicator(definition: Definition, total: Figure, by: dict[str | None, Figure]) -> Indicator:
    ordered = sorted(by.items(), key=lambda pair: (pair[0] is None, pair[0] or ""))
    return Indicator(
        id=definition.id,
        label_ja=definition.label_ja,
        definition_ja=definition.definition_ja,
        measure=definition.measure,
        total=total,
        by_assignee=[AssigneeFigure(assignee=a, **f.model_dump()) for a, f in ordered],
    )


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile of sorted values by linear interpolation (PostgreSQL's ``percentile_cont``)."""
    if not ordered:
        raise ValueError("no values")
    position = fraction * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def _days(delta: timedelta) -> float:
    """Whole and tenth days, never below zero (a row newer than a past ``as_of``)."""
    return _round(max(delta.total_seconds(), 0.0) / 86_400)


def _round(days: float) -> float:
    return round(days, 1)
