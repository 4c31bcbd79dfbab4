"""The §4.3 operational indicators of a municipality's staff dashboard, in total and per staff member.

Counts and ages only: no personal data, no names (a staff member is their ``user_id``, the ``assignee`` of a case or
a task). Read from the read model at ``as_of``: the states and open tasks are those of the read model now (it keeps
no past snapshots), their ages and due dates measured against ``as_of``; the days to a milestone come from the
events, so they are the same whenever asked.

The indicators are defined in :mod:`store.kpi_definitions` and read by the queries of :mod:`store.kpi_queries`; this
module puts their figures together into the report.

Medians and the 90th percentile are computed here over a bounded set (the municipality's cases in a state, or that
reached a milestone in the window), by linear interpolation, as PostgreSQL's ``percentile_cont`` would.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from statemachines.case.record import CaseState
from store.kpi_definitions import (
    AWAITING_DECISION,
    AWAITING_MEETING,
    CONSENT_COVERAGE,
    CONTACT_LOST,
    FOLLOW_UPS_DUE,
    HOUSING_EVIDENCE_OVERDUE,
    HOUSING_EXTENSION_DUE,
    HOUSING_FINAL_MONTH,
    MILESTONES,
    OPEN_CASES,
    OVERDUE_EVALUATIONS,
    OVERDUE_MONITORING,
    REFERRALS_UNANSWERED,
    TASK_KINDS,
    WORK_READINESS_NEAR_LIMIT,
    Definition,
    Measure,
    days_to,
    referrals_confirmed,
)
from store.kpi_gaps import GapQueries, Shares
from store.kpi_queries import Counted, KpiQueries, Sample, in_days, round_days, tasks_of

S = CaseState
DEFAULT_WINDOW_DAYS = 90


class Figure(BaseModel):
    """A count and, by the indicator's measure, ages (``age``) or durations (``duration``) in days (0.1), or the
    share (``share``) the count is of ``of``."""

    model_config = ConfigDict(frozen=True)

    count: int
    median_days: float | None = None
    p90_days: float | None = None
    oldest_days: float | None = None
    of: int | None = None
    share: float | None = None


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


def operational_kpis(
    session: Session, *, municipality: str, as_of: datetime, window_days: int = DEFAULT_WINDOW_DAYS
) -> KpiReport:
    """Every indicator of the municipality at ``as_of`` (timezone-aware); milestones over ``window_days`` days."""
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError("as_of must be timezone-aware")
    if window_days < 1:
        raise ValueError("window_days must be at least 1")
    q, gaps = KpiQueries(session, municipality, as_of), GapQueries(session, municipality, as_of)
    window_start = as_of - timedelta(days=window_days)
    durations = q.days_to_milestones(window_start)
    tasks = q.tasks_due_by([k for kinds, _ in TASK_KINDS.values() for k in kinds])
    indicators = [
        _counted(OPEN_CASES, q.open_cases(), as_of),
        *(_sampled(days_to(m, window_days), durations[m]) for m in MILESTONES),
        _sampled(AWAITING_MEETING, q.ages_in((S.MEETING_PENDING, S.MEETING_REVIEW))),
        _sampled(AWAITING_DECISION, q.ages_in((S.DECISION_PENDING,))),
        _counted(OVERDUE_MONITORING, tasks_of(OVERDUE_MONITORING, tasks), as_of),
        _counted(OVERDUE_EVALUATIONS, tasks_of(OVERDUE_EVALUATIONS, tasks), as_of),
        _sampled(CONTACT_LOST, q.ages_in((S.CONTACT_LOST,))),
        _sampled(REFERRALS_UNANSWERED, q.unanswered_referrals()),
        _counted(FOLLOW_UPS_DUE, tasks_of(FOLLOW_UPS_DUE, tasks), as_of),
        _counted(HOUSING_EXTENSION_DUE, q.housing_extension_due(), as_of),
        _counted(HOUSING_FINAL_MONTH, q.housing_final_month(), as_of),
        _shared(CONSENT_COVERAGE, gaps.consent_coverage()),
        _sampled(WORK_READINESS_NEAR_LIMIT, gaps.work_readiness_near_limit()),
        _sampled(HOUSING_EVIDENCE_OVERDUE, gaps.housing_evidence_overdue()),
        _shared(referrals_confirmed(window_days), gaps.referrals_confirmed(window_start)),
    ]
    return KpiReport(municipality=municipality, as_of=as_of, window_days=window_days, indicators=indicators)


# -- figures -------------------------------------------------------------------------------------------------------


def _counted(definition: Definition, rows: Counted, as_of: datetime) -> Indicator:
    by: dict[str | None, Figure] = {}
    for assignee, count, oldest in rows:
        by[assignee] = Figure(count=count, oldest_days=None if oldest is None else in_days(as_of - oldest))
    ages = [f.oldest_days for f in by.values() if f.oldest_days is not None]
    total = Figure(count=sum(f.count for f in by.values()), oldest_days=max(ages) if ages else None)
    return _indicator(definition, total, by)


def _shared(definition: Definition, shares: Shares) -> Indicator:
    by = {a: _share(n, of) for a, (n, of) in shares.items()}
    return _indicator(definition, _share(sum(n for n, _ in shares.values()), sum(of for _, of in shares.values())), by)


def _share(count: int, of: int) -> Figure:
    return Figure(count=count, of=of, share=round(count / of, 4) if of else None)


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
    median = round_days(percentile(ordered, 0.5))
    if measure == "duration":
        return Figure(count=len(ordered), median_days=median, p90_days=round_days(percentile(ordered, 0.9)))
    return Figure(count=len(ordered), median_days=median, oldest_days=round_days(ordered[-1]))


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
