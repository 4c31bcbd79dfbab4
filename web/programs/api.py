"""/api/cases/{case_id}/programs: the program enrolments of a case (住居確保給付金, ...) and their commands.

An enrolment's record is shown as the reader's roles may see it, like a case's (``statemachines.policy.sensitivity``):
a read that shows its 要配慮 fields is written to ``access_log`` (``read_program``, after a command
``program_command``). The list carries no records: states, dates and counts only.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from statemachines.programs.registry import BY_ID
from statemachines.programs.tasks import EnrolmentRow
from store import queries
from store.programs import ProgramRepository
from web.cases.api import CommandBody
from web.cases.visibility import shown_records
from web.core.deps import ActorDep, Services, ServicesDep
from web.core.errors import NotVisibleError
from web.core.metrics import note_command
from web.core.permissions import Require

router = APIRouter(prefix="/api/cases/{case_id}/programs", tags=["programs"])


class ProgramDetail(BaseModel):
    enrolment: EnrolmentRow
    record: dict[str, Any]
    allowed_commands: list[dict[str, Any]]


def _enrolments(svc: Services, case_id: str, visible: set[str]) -> list[EnrolmentRow]:
    with svc.sessions.begin() as session:
        if queries.case_row(session, case_id, visible) is None:
            raise NotVisibleError("ケースが見つかりません。")
        return ProgramRepository(session).enrolments(case_id)


def _enrolment(svc: Services, case_id: str, enrolment_id: str, visible: set[str]) -> EnrolmentRow:
    found = [e for e in _enrolments(svc, case_id, visible) if e.enrolment_id == enrolment_id]
    if not found:
        raise NotVisibleError("事業の利用が見つかりません。")
    return found[0]


class StartProgram(BaseModel):
    program: str = Field(min_length=1, max_length=64, description="e.g. hello_work, referral")
    command_id: str | None = Field(default=None, min_length=1, max_length=100)


def shown_program_record(
    svc: Services, actor: Actor, enrolment: EnrolmentRow, record: dict[str, Any], purpose: str
) -> dict[str, Any]:
    """The enrolment's record as ``actor``'s roles may see it; a read showing its 要配慮 fields is logged, each path
    named ``programs.<program>.<field>``. A program this code does not know has no tags: nothing of it is shown."""
    defn = BY_ID.get(enrolment.program)
    if defn is None:
        return {}
    return shown_records(
        svc, actor, enrolment.case_id, record, purpose, model=defn.record_type, prefix=f"programs.{defn.id}."
    )


async def _detail(svc: Services, actor: Actor, case_id: str, enrolment_id: str, purpose: str) -> ProgramDetail:
    enrolment = _enrolment(svc, case_id, enrolment_id, set(actor.serves))
    record, allowed = await svc.cases.programs.read(enrolment_id, actor)
    shown = shown_program_record(svc, actor, enrolment, record, purpose)
    return ProgramDetail(enrolment=enrolment, record=shown, allowed_commands=allowed)


@router.post("", response_model=ProgramDetail, status_code=status.HTTP_201_CREATED)
async def start_program(
    case_id: str, body: StartProgram, actor: ActorDep, svc: ServicesDep, request: Request
) -> ProgramDetail:
    """Start a program from the case (ハローワーク支援要請, 関係機関へのつなぎ); 409 with G1 without consent C1."""
    note_command(request.scope, "start_program")
    _enrolments(svc, case_id, set(actor.serves))
    enrolment_id = await svc.cases.programs.start(case_id, body.program, actor, body.command_id or uuid.uuid4().hex)
    return await _detail(svc, actor, case_id, enrolment_id, "program_command")


@router.get("", response_model=list[EnrolmentRow])
def list_programs(
    case_id: str, actor: Annotated[Actor, Require(Permission.CASE_READ)], svc: ServicesDep
) -> list[EnrolmentRow]:
    return _enrolments(svc, case_id, set(actor.serves))


@router.get("/{enrolment_id}", response_model=ProgramDetail)
async def get_program(
    case_id: str, enrolment_id: str, actor: Annotated[Actor, Require(Permission.CASE_READ)], svc: ServicesDep
) -> ProgramDetail:
    """The record as the reader's roles may see it (OPS none, ADMIN the basic fields) and the commands possible now."""
    return await _detail(svc, actor, case_id, enrolment_id, "read_program")


@router.post("/{enrolment_id}/commands", response_model=ProgramDetail)
async def send_program_command(
    case_id: str, enrolment_id: str, body: CommandBody, actor: ActorDep, svc: ServicesDep, request: Request
) -> ProgramDetail:
    """409 with the unmet guards (e.g. G-H-CAP past 9 months), 403 for a role, 422 for the form."""
    note_command(request.scope, body.command)
    enrolment = _enrolment(svc, case_id, enrolment_id, set(actor.serves))
    outcome = await svc.cases.programs.send(
        case_id, enrolment_id, enrolment.program, body.command, actor, body.payload, body.command_id or uuid.uuid4().hex
    )
    view = outcome.program
    if view is None:  # a repeated command id, or a run recorded before the program's answer
        return await _detail(svc, actor, case_id, enrolment_id, "program_command")
    # The update answered with the enrolment after the command (issue 16): nothing to query or read back.
    shown = shown_program_record(svc, actor, view.enrolment, view.record, "program_command")
    return ProgramDetail(enrolment=view.enrolment, record=shown, allowed_commands=view.allowed_commands)
