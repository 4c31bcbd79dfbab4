"""When a case's records may be erased: the retention of each kind of record it holds, from the day it ended.

A case holds the kinds of record its events show (``documents_of``): every case a consultation record; a plan once
one was submitted; the records of each program it enrolled in, of the kind the program declares
(``ProgramDef.document``, passed in by id: the policies do not know the programs). Its data key is erased
(crypto-shredding, ``store.retention``) when the longest of their retention periods has passed since the case ended
(終結 or another end), and never while a legal hold (審査請求・訴訟) is in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from statemachines.case.transitions import Trigger
from statemachines.kernel.rules import DocumentType, RuleSet, add_duration
from statemachines.policy.scheduling import JST

PLAN_COMMANDS = frozenset(
    t.value
    for t in (
        Trigger.SUBMIT_PLAN,
        Trigger.RETURN_PLAN,
        Trigger.CHECK_PLAN,
        Trigger.RECORD_PLAN_CONSENT,
        Trigger.PUT_ON_AGENDA,
        Trigger.OPEN_MEETING_ITEM,
        Trigger.REQUEST_PLAN_REVISION,
        Trigger.APPROVE_PLAN,
        Trigger.DECIDE_SUPPORT,
        Trigger.START_EVALUATION,
        Trigger.REPLAN,
    )
)


def documents_of(commands: Iterable[str], programs: Mapping[str, DocumentType]) -> set[DocumentType]:
    """The kinds of record behind a case's commands (``"<program>.<command>"`` for its programs' events), each
    program's the kind ``programs`` names for it (a program record by default)."""
    documents = {DocumentType.CONSULTATION}
    for command in commands:
        program, dot, _ = command.partition(".")
        if dot:
            documents.add(programs.get(program, DocumentType.PROGRAM))
        elif command in PLAN_COMMANDS:
            documents.add(DocumentType.PLAN)
    return documents


def erasure_due(ended_at: datetime, documents: set[DocumentType], ruleset: RuleSet) -> date:
    """The first day (in Japan) the case's data may be erased: the end plus the longest retention of its records."""
    ended_on = ended_at.astimezone(JST)
    return max(add_duration(ended_on, ruleset.retention[d]) for d in documents).date()


class ErasureBatch(BaseModel):
    """One step of the nightly erasure run (workflow → activity): the next ended cases after ``after_case_id``."""

    model_config = ConfigDict(frozen=True)

    after_case_id: str = ""
    limit: int = Field(default=200, ge=1, le=5_000)
    today: date  # the night's date in Japan: a case is erased from its due day on


class ErasureReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    examined: int
    erased: list[str] = Field(default_factory=list)
    held: list[str] = Field(default_factory=list)  # due, but a legal hold keeps them
    running: list[str] = Field(default_factory=list)  # due, but a workflow of theirs still runs: next night
    last_case_id: str | None = None  # None: no ended case after ``after_case_id``
