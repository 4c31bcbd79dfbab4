"""/api/cases: open a consultation, list and read cases, send commands (the audit routes: ``web/audit/api.py``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from statemachines.case.records import IntakeRecord
from statemachines.case.timers import Deadline
from statemachines.case.view import CaseView
from statemachines.kernel.events import CaseSnapshotRow, TaskRow
from statemachines.kernel.outcomes import CommandOption
from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from store import queries
from store.db import reading
from store.queries import Page
from store.repository import CaseRepository
from web.cases.visibility import shown_records, visible_row
from web.core.deps import ActorDep, Services, ServicesDep
from web.core.metrics import note_command
from web.core.params import Cursor, Moment, page_key
from web.core.permissions import Require

router = APIRouter(prefix="/api/cases", tags=["cases"])


class OpenCaseRequest(IntakeRecord):
    """T1. Only the municipality is required; the rest of the 相談受付・申込票 may come later."""

    municipality: str = Field(min_length=1, max_length=64)
    identified: bool = False  # 把握 (T0): outreach found a person before any consultation
    command_id: str | None = Field(default=None, min_length=1, max_length=100)
    person_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=32,
        description="A known 相談者 (GET /api/people): the case is theirs and starts from their recorded identity.",
    )


class OpenCaseResponse(BaseModel):
    case_id: str
    case_number: str | None = Field(description="受付番号 (A市-2026-000123)")
    state: str
    stage: str
    seq: int


class CommandBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    command: str = Field(min_length=1, max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict)
    command_id: str | None = Field(
        default=None, min_length=1, max_length=100, description="Sending the same id again returns the first result."
    )


class CaseDetail(BaseModel):
    case_id: str
    case_number: str | None
    person_id: str | None
    municipality: str
    state: str
    state_name_ja: str
    stage: str
    assignee: str | None
    emergency_active: bool
    ruleset_id: str
    seq: int
    next_deadlines: list[Deadline]
    open_tasks: list[TaskRow]
    allowed_commands: list[CommandOption]
    records: dict[str, Any]


async def _detail(svc: Services, actor: Actor, case_id: str, purpose: str = "read") -> CaseDetail:
    row = visible_row(svc, actor, case_id)
    view = await svc.cases.view(case_id, actor)
    with reading(svc.sessions) as session:
        tasks = CaseRepository(session).list_tasks(case_id, status="open")
    return _detail_of(svc, actor, row, view, tasks, purpose)


def _detail_of(
    svc: Services, actor: Actor, row: CaseSnapshotRow, view: CaseView, tasks: list[TaskRow], purpose: str
) -> CaseDetail:
    case_id = row.case_id
    record = view.record
    return CaseDetail(
        case_id=case_id,
        case_number=record.case_number or row.case_number,  # the row is read before a command, the record after
        person_id=record.person_id or row.person_id,
        municipality=row.municipality,
        state=view.state,
        state_name_ja=view.state_name_ja,
        stage=view.stage,
        assignee=view.assignee,
        emergency_active=view.emergency_active,
        ruleset_id=record.ruleset.ruleset_id,
        seq=view.seq,
        next_deadlines=view.deadlines,
        open_tasks=tasks,
        allowed_commands=view.allowed_commands,
        records=shown_records(
            svc, actor, case_id, record.model_dump(mode="json", exclude={"ruleset", "last_hash"}), purpose
        ),
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OpenCaseResponse)
async def open_case(body: OpenCaseRequest, actor: ActorDep, svc: ServicesDep, request: Request) -> OpenCaseResponse:
    note_command(request.scope, "open_consultation")
    intake = IntakeRecord.model_validate(
        body.model_dump(exclude={"municipality", "identified", "command_id", "person_id"})
    )
    record = intake.model_dump(mode="json", exclude_defaults=True)
    if body.person_id is not None:  # a known person: their recorded identity, under what was given now
        record["client"] = svc.people.identity_for_new_case(actor, body.person_id, record.get("client", {}))
    outcome = await svc.cases.open(
        municipality=body.municipality,
        actor=actor,
        payload={"intake": record},
        command_id=body.command_id or uuid.uuid4().hex,
        identified=body.identified,
        person_id=body.person_id,
        now=svc.clock(),
    )
    return OpenCaseResponse(
        case_id=outcome.case_id,
        case_number=outcome.case_number,
        state=outcome.state,
        stage=outcome.stage,
        seq=outcome.seq,
    )


@router.get("", response_model=Page[CaseSnapshotRow])
def list_cases(
    actor: Annotated[Actor, Require(Permission.CASE_READ)],
    svc: ServicesDep,
    stage: str | None = None,
    state: str | None = None,
    assignee: str | None = None,
    municipality: str | None = None,
    number: Annotated[str | None, Query(min_length=1, max_length=64, description="受付番号 (exact)")] = None,
    overdue: bool | None = None,
    opened_from: Moment | None = None,
    opened_to: Moment | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    cursor: Cursor | None = None,
) -> Page[CaseSnapshotRow]:
    """Visible cases, newest first. The next page: ``cursor=`` the ``next_cursor`` of this one."""
    after = page_key(cursor, offset)
    with reading(svc.sessions) as session:
        return queries.list_cases(
            session,
            visible=set(actor.serves),
            stage=stage,
            state=state,
            assignee=assignee,
            municipality=municipality,
            number=number,
            overdue=overdue,
            opened_from=opened_from,
            opened_to=opened_to,
            now=svc.clock(),
            limit=limit,
            offset=offset,
            after=after,
        )


@router.get("/{case_id}", response_model=CaseDetail)
async def get_case(
    case_id: str, actor: Annotated[Actor, Require(Permission.CASE_READ)], svc: ServicesDep
) -> CaseDetail:
    return await _detail(svc, actor, case_id)


@router.post("/{case_id}/commands", response_model=CaseDetail)
async def send_command(
    case_id: str, body: CommandBody, actor: ActorDep, svc: ServicesDep, request: Request
) -> CaseDetail:
    note_command(request.scope, body.command)
    row = visible_row(svc, actor, case_id)
    outcome = await svc.cases.send(case_id, body.command, actor, body.payload, body.command_id or uuid.uuid4().hex)
    if outcome.view is None or outcome.open_tasks is None:  # a repeated command id, or a run recorded before
        return await _detail(svc, actor, case_id, purpose="command")
    # The update answered with the view and the open tasks after the command (issue 16): nothing to query or read.
    return _detail_of(svc, actor, row, outcome.view, outcome.open_tasks, "command")
