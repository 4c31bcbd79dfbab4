"""/api/meetings: the 支援調整会議 as a sitting (``services.meetings``) for SW, CSW and MUN.

``POST /api/meetings`` makes a sitting of a municipality one serves (its day, kind, members present);
``GET /api/meetings/{id}/waiting`` lists the cases waiting for a meeting; ``POST .../agenda`` puts some on the agenda;
``POST .../outcomes`` records each case's outcome through the case's own commands (one per step, each with its own
command id), answering per case whether it was recorded or why not; ``GET .../packet.pdf`` is the agenda packet
(``web.meetings.packet``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.meetings import Decision, ItemResult, NewSitting
from statemachines.kernel.outcomes import Unmet
from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from store.meetings import AgendaRow, SittingRow, SittingSummary, WaitingCase
from web.core.deps import ServicesDep
from web.core.permissions import Require
from web.meetings.packet import PDF, packet_response

router = APIRouter(prefix="/api/meetings", tags=["meetings"])

Reader = Annotated[Actor, Require(Permission.MEETING_READ)]
Worker = Annotated[Actor, Require(Permission.MEETING_WORK)]
Printer = Annotated[Actor, Require(Permission.MEETING_PACKET)]


class SittingDetail(BaseModel):
    sitting: SittingRow
    agenda: list[AgendaRow]


class AddToAgenda(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_ids: list[str] = Field(min_length=1, max_length=200)


class Outcomes(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decisions: list[Decision] = Field(min_length=1, max_length=200)


class ItemAnswer(BaseModel):
    case_id: str
    case_number: str | None
    outcome: str
    recorded: bool
    state: str
    refused: list[Unmet] = []
    errors: list[dict[str, Any]] = []
    added: bool | None = None  # put on the agenda: whether it is on it (refused, it is not); None for an outcome


def _answers(results: list[ItemResult]) -> list[ItemAnswer]:
    return [
        ItemAnswer(
            case_id=r.case_id,
            case_number=r.case_number,
            outcome=r.outcome.value,
            recorded=r.recorded,
            state=r.state,
            refused=r.refused,
            errors=[dict(e) for e in r.errors],
            added=r.added,
        )
        for r in results
    ]


@router.get("", response_model=list[SittingSummary])
def list_sittings(actor: Reader, svc: ServicesDep) -> list[SittingSummary]:
    return svc.meetings.sittings(actor)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SittingDetail)
def create_sitting(body: NewSitting, actor: Worker, svc: ServicesDep) -> SittingDetail:
    return SittingDetail(sitting=svc.meetings.create(actor, body), agenda=[])


@router.get("/{meeting_id}", response_model=SittingDetail)
def get_sitting(meeting_id: str, actor: Reader, svc: ServicesDep) -> SittingDetail:
    sitting, agenda = svc.meetings.get(actor, meeting_id)
    return SittingDetail(sitting=sitting, agenda=agenda)


@router.get("/{meeting_id}/waiting", response_model=list[WaitingCase])
def waiting_cases(meeting_id: str, actor: Reader, svc: ServicesDep) -> list[WaitingCase]:
    return svc.meetings.waiting(actor, meeting_id)


@router.post("/{meeting_id}/agenda", response_model=list[ItemAnswer])
async def add_to_agenda(meeting_id: str, body: AddToAgenda, actor: Worker, svc: ServicesDep) -> list[ItemAnswer]:
    """Puts the cases on the agenda; answers for each consented plan put on the sitting's day (T13)."""
    return _answers(await svc.meetings.add(actor, meeting_id, body.case_ids))


@router.delete("/{meeting_id}/agenda/{case_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_from_agenda(meeting_id: str, case_id: str, actor: Worker, svc: ServicesDep) -> Response:
    svc.meetings.remove(actor, meeting_id, case_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{meeting_id}/outcomes", response_model=list[ItemAnswer])
async def record_outcomes(meeting_id: str, body: Outcomes, actor: Worker, svc: ServicesDep) -> list[ItemAnswer]:
    return _answers(await svc.meetings.record(actor, meeting_id, body.decisions))


@router.get("/{meeting_id}/packet.pdf", response_class=Response, responses=PDF)
async def packet_pdf(meeting_id: str, actor: Printer, svc: ServicesDep) -> Response:
    """One page per case: the plan summary (or the 終結・中断 to confirm), only what the meeting may see."""
    return await packet_response(svc, actor, meeting_id)
