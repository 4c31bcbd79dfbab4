"""Monthly reports (支援状況調査) from the event log, their 目安値, and the reports once submitted (frozen).

A month's report is computed from ``case_events`` and ``program_events`` by event time
(``statemachines.policy.statistics``), so the same month gives the same figures, and the same hash, whenever it is
regenerated. Submitting it freezes it: the figures and their hash are stored, and a later regeneration that differs (a
correction recorded after the month was reported) shows as a difference against the frozen version, never as a silent
change. Submitting the month again records a new version (修正報告) beside the earlier ones.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, Float, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from statemachines.policy.statistics import (
    COUNTED,
    COUNTED_PROGRAM,
    DEFINITIONS,
    CountedEvent,
    Figure,
    MonthlyCounts,
    count_month,
    figures,
    fiscal_year,
    fiscal_year_start,
    month_bounds,
)
from statemachines.policy.targets import NATIONAL_TARGETS, Target
from store.errors import StoreError
from store.models import Base, CaseEventRecord, CaseRecord, OrganisationRecord
from store.programs import EnrolmentRecord, ProgramEventRecord
from store.rulesets import RulesetRepository


class TargetRecord(Base):
    """A 目安値 an administrator recorded (the §4.2 national ones are built in)."""

    __tablename__ = "report_targets"
    __table_args__ = (UniqueConstraint("municipality", "fiscal_year", "indicator"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality: Mapped[str] = mapped_column(String(64))
    fiscal_year: Mapped[int]
    indicator: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))


class SubmittedReportRecord(Base):
    """A month's report as submitted: its figures and hash, frozen."""

    __tablename__ = "submitted_reports"
    __table_args__ = (UniqueConstraint("municipality", "month", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))
    version: Mapped[int]
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    hash: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime]
    submitted_by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class MonthlyReport(BaseModel):
    """One municipality's month: the counts, the figures beside their 目安値, and the hash of both."""

    model_config = ConfigDict(frozen=True)

    municipality: str
    month: str
    fiscal_year: int
    population: int | None
    population_source: str | None
    counts: MonthlyCounts
    year_to_date: MonthlyCounts | None = None  # the fiscal year to the month's end (reports submitted before: none)
    definitions: str = "v1"  # statistics.DEFINITIONS when counted; "v1": before they were versioned
    figures: list[Figure]
    hash: str


class Submitted(BaseModel):
    version: int
    hash: str
    submitted_at: datetime
    submitted_by: str
    note: str | None
    report: MonthlyReport


class Difference(BaseModel):
    key: str
    label_ja: str
    submitted: float | None
    now: float | None


class DuplicateTargetError(StoreError):
    pass


def report_hash(body: dict[str, Any]) -> str:
    """sha256 of the report's canonical JSON (without the hash itself)."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ReportRepository:
    """Inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def targets(self) -> list[Target]:
        stored = [
            Target(
                fiscal_year=r.fiscal_year,
                indicator=r.indicator,
                value=r.value,
                municipality=r.municipality,
                source=r.source,
            )
            for r in self._session.scalars(select(TargetRecord))
        ]
        keys = {(t.municipality, t.fiscal_year, t.indicator) for t in stored}
        return [*stored, *(t for t in NATIONAL_TARGETS if (t.municipality, t.fiscal_year, t.indicator) not in keys)]

    def add_target(self, target: Target, *, by: str, now: datetime) -> None:
        stmt = select(TargetRecord).where(
            TargetRecord.municipality == target.municipality,
            TargetRecord.fiscal_year == target.fiscal_year,
            TargetRecord.indicator == target.indicator,
        )
        if self._session.scalars(stmt).first() is not None:
            where = f"{target.fiscal_year}年度・{target.indicator}・{target.municipality}"
            raise DuplicateTargetError(f"この目安値（{where}）は既に登録されています。")
        self._session.add(TargetRecord(**target.model_dump(), created_at=now, created_by=by))
        self._session.flush()

    def population(self, municipality: str, month: str) -> tuple[int | None, str | None]:
        """The population of the fiscal year from the municipality's rule set, else its organisation record."""
        start, _ = month_bounds(month)
        try:
            ruleset = RulesetRepository(self._session).rulebook().in_force(municipality, start.date())
        except LookupError:  # a month before the first rule set: only the organisation's figure is there
            ruleset = None
        year = fiscal_year(month)
        years = [y for y in ruleset.population if y <= year] if ruleset else []
        if ruleset and years:
            return ruleset.population[max(years)], f"rule set {ruleset.ruleset_id} ({max(years)}年度)"
        org = self._session.scalars(
            select(OrganisationRecord).where(
                OrganisationRecord.org_id == municipality, OrganisationRecord.population.is_not(None)
            )
        ).first()
        if org is not None and org.population:
            return org.population, f"organisation {org.org_id}"
        return None, None

    def _events(self, municipality: str, end: datetime) -> tuple[list[CountedEvent], list[CountedEvent]]:
        case_stmt = (
            select(
                CaseEventRecord.case_id,
                CaseEventRecord.seq,
                CaseEventRecord.at,
                CaseEventRecord.command,
                CaseEventRecord.facts,
                CaseEventRecord.transition_id,
                CaseRecord.person_id,
            )
            .join(CaseRecord, CaseRecord.case_id == CaseEventRecord.case_id)
            .where(
                CaseRecord.municipality == municipality,
                CaseEventRecord.at < end,
                CaseEventRecord.command.in_(COUNTED),
            )
        )
        program_stmt = (
            select(
                ProgramEventRecord.case_id,
                ProgramEventRecord.seq,
                ProgramEventRecord.at,
                ProgramEventRecord.command,
            )
            .join(EnrolmentRecord, EnrolmentRecord.enrolment_id == ProgramEventRecord.enrolment_id)
            .where(
                EnrolmentRecord.municipality == municipality,
                ProgramEventRecord.at < end,
                ProgramEventRecord.command.in_(COUNTED_PROGRAM),
            )
        )
        case_events = [
            CountedEvent(
                case_id=r[0], seq=r[1], at=r[2], command=r[3], facts=r[4] or {}, transition_id=r[5], person=r[6] or ""
            )
            for r in self._session.execute(case_stmt)
        ]
        program_events = [
            CountedEvent(case_id=r[0], seq=r[1], at=r[2], command=r[3], facts={})
            for r in self._session.execute(program_stmt)
        ]
        return case_events, program_events

    def monthly(self, municipality: str, month: str) -> MonthlyReport:
        start, end = month_bounds(month)
        case_events, program_events = self._events(municipality, end)
        counts = count_month(case_events, program_events, start, end)
        year_to_date = count_month(case_events, program_events, fiscal_year_start(month), end)
        population, population_source = self.population(municipality, month)
        shown = figures(counts, population, self.targets(), municipality, month, year_to_date)
        body: dict[str, Any] = {
            "municipality": municipality,
            "month": month,
            "fiscal_year": fiscal_year(month),
            "population": population,
            "population_source": population_source,
            "counts": counts.model_dump(mode="json"),
            "year_to_date": year_to_date.model_dump(mode="json"),
            "definitions": DEFINITIONS,
            "figures": [f.model_dump(mode="json") for f in shown],
        }
        return MonthlyReport(**body, hash=report_hash(body))

    def submit(self, report: MonthlyReport, *, by: str, now: datetime, note: str | None) -> Submitted:
        versions = self.submitted(report.municipality, report.month)
        record = SubmittedReportRecord(
            municipality=report.municipality,
            month=report.month,
            version=len(versions) + 1,
            body=report.model_dump(mode="json"),
            hash=report.hash,
            submitted_at=now,
            submitted_by=by,
            note=note,
        )
        self._session.add(record)
        self._session.flush()
        return _submitted(record)

    def submitted(self, municipality: str, month: str) -> list[Submitted]:
        stmt = (
            select(SubmittedReportRecord)
            .where(SubmittedReportRecord.municipality == municipality, SubmittedReportRecord.month == month)
            .order_by(SubmittedReportRecord.version)
        )
        return [_submitted(r) for r in self._session.scalars(stmt)]


def _submitted(record: SubmittedReportRecord) -> Submitted:
    return Submitted(
        version=record.version,
        hash=record.hash,
        submitted_at=record.submitted_at,
        submitted_by=record.submitted_by,
        note=record.note,
        report=MonthlyReport.model_validate(record.body),
    )


def differences(frozen: MonthlyReport, now: MonthlyReport) -> list[Difference]:
    """The figures that changed since the report was submitted (corrections recorded later)."""
    before = {f.key: f for f in frozen.figures}
    return [
        Difference(key=f.key, label_ja=f.label_ja, submitted=before[f.key].value, now=f.value)
        for f in now.figures
        if f.key in before and before[f.key].value != f.value
    ]
