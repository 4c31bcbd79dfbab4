"""What each command of 認定就労訓練 records, and its timer: the regular review, counted from the last one."""

from __future__ import annotations

from datetime import datetime

from statemachines.kernel.roles import Actor
from statemachines.kernel.table import effect
from statemachines.programs.certified_training.records import (
    CertifiedTrainingRecord,
    CertifiedTrainingState,
    CertifiedTrainingTrigger,
    Decide,
    End,
    MatchProvider,
    Review,
    StepUp,
)
from statemachines.programs.definition import ProgramDeadline, every
from statemachines.programs.payloads import Empty

TRAINING = (CertifiedTrainingState.IN_TRAINING, CertifiedTrainingState.STEP_UP)


@effect(MatchProvider)
def match(r: CertifiedTrainingRecord, p: MatchProvider, a: Actor, now: datetime) -> None:
    r.provider = p.provider


@effect(Decide)
def decide(r: CertifiedTrainingRecord, p: Decide, a: Actor, now: datetime) -> None:
    r.decided_on, r.training_type, r.steps = p.decided_on, p.training_type, [p.training_type]


@effect(Empty)
def start(r: CertifiedTrainingRecord, p: Empty, a: Actor, now: datetime) -> None:
    r.training_started_at = now


@effect(Review)
def review(r: CertifiedTrainingRecord, p: Review, a: Actor, now: datetime) -> None:
    r.last_review_at = now


@effect(StepUp)
def step_up(r: CertifiedTrainingRecord, p: StepUp, a: Actor, now: datetime) -> None:
    r.training_type = p.to_type
    r.steps.append(p.to_type)


@effect(End)
def end(r: CertifiedTrainingRecord, p: End, a: Actor, now: datetime) -> None:
    r.outcome = p.outcome


def review_due_at(record: CertifiedTrainingRecord) -> datetime | None:
    """``review_interval`` after the last review, or after the training started."""
    return every(record.rules.review_interval, record.last_review_at or record.training_started_at)


@effect(Empty)
def due_marked(r: CertifiedTrainingRecord, p: Empty, a: Actor, now: datetime) -> None:
    r.review_due_for = review_due_at(r)


def deadlines(r: CertifiedTrainingRecord) -> list[ProgramDeadline]:
    if r.state not in TRAINING:
        return []
    trigger = CertifiedTrainingTrigger.MARK_REVIEW_DUE
    return ProgramDeadline.once("training_review", review_due_at(r), trigger, fired_for=r.review_due_for)
