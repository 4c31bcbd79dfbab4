"""What operators watch of the read model (``GET /metrics``): counts only, each read with one query at scrape time.

The open and overdue tasks of each municipality, the dead letters waiting for an operator
(``deploy.dead_letters``), and the last nightly integrity check that finished. No id of a case, a person or a user
leaves here: a municipality is the finest grain.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from store.dead_letters import DeadLetterRecord
from store.integrity import IntegrityRunRecord, IntegrityRunRow
from store.models import CaseRecord, TaskRecord


class MunicipalityTasks(BaseModel):
    model_config = ConfigDict(frozen=True)

    municipality: str
    open: int
    overdue: int  # open with a due time before now


class DeadLetterCounts(BaseModel):
    model_config = ConfigDict(frozen=True)

    waiting: int
    cases_held: int


def tasks_by_municipality(session: Session, now: datetime) -> list[MunicipalityTasks]:
    """The open tasks of each municipality that has one, and how many of them are overdue (one grouped query)."""
    overdue = func.sum(case((TaskRecord.due_at < now, 1), else_=0))
    stmt = (
        select(CaseRecord.municipality, func.count(), overdue)
        .join(CaseRecord, CaseRecord.case_id == TaskRecord.case_id)
        .where(TaskRecord.status == "open")
        .group_by(CaseRecord.municipality)
        .order_by(CaseRecord.municipality)
    )
    return [
        MunicipalityTasks(municipality=municipality, open=count, overdue=int(late or 0))
        for municipality, count, late in session.execute(stmt)
    ]


def dead_letters_waiting(session: Session) -> DeadLetterCounts:
    """The dead letters not resolved yet, and the cases they hold."""
    stmt = select(func.count(), func.count(distinct(DeadLetterRecord.case_id))).where(
        DeadLetterRecord.resolved_at.is_(None)
    )
    waiting, held = session.execute(stmt).one()
    return DeadLetterCounts(waiting=waiting, cases_held=held)


def last_nightly_integrity_run(session: Session) -> IntegrityRunRow | None:
    """The nightly schedule's last run that finished (a run an auditor started is not the night's)."""
    stmt = (
        select(IntegrityRunRecord)
        .where(IntegrityRunRecord.started_by.is_(None), IntegrityRunRecord.finished_at.is_not(None))
        .order_by(IntegrityRunRecord.finished_at.desc())
        .limit(1)
    )
    run = session.scalars(stmt).first()
    return None if run is None else IntegrityRunRow.model_validate(run)
