"""/api/cases: open a consultation, list and read cases, send commands, audit history and verify."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field
from temporalio.service import RPCError, RPCStatusCode

from statemachines.case.rebuild import rebuild
from statemachines.case.record import STATES
from statemachines.case.record import CaseRecord as CaseRecordModel
from statemachines.case.records import IntakeRecord
from statemachines.case.timers import Deadline
from statemachines.kernel.events import CaseSnapshotRow
from statemachines.kernel.outcomes import CommandOption
from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from statemachines.policy.integrity import INTEGRITY_TASK
from statemachines.policy.sensitivity import redact, special_care_paths, visible_to
from store import queries
from store.access_log import AccessLog, AccessLogRow
from store.archive import HistoryArchive
from store.queries import HistoryEntry, Page
from store.repository import CaseRepository, TaskRow
from web.audit.timeline import VerifyResult, verify
from web.core.deps import ActorDep, Services, ServicesDep
from web.core.errors import NotVisibleError
from web.core.permissions import Require
from workflows.history import fetch_histories

router = APIRouter(prefix="/api/cases", tags=["cases"])


class OpenCaseRequest(IntakeRecord):
    """T1. Only the municipality is required; the rest of the 相談受付・申込票 may come later."""

    municipality: str = Field(min_length=1, max_length=64)
    identified: bool = False  # 把握 (T0): outreach found a person before any consultation
    command_id: str | None = Field(default=None, min_length=1, max_length=100)


class OpenCaseResponse(BaseModel):
    case_id: str
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


class AsOf(BaseModel):
    at: datetime
    exists: bool
    state: str | None = None
    stage: str | None = None
    seq: int | None = None
    ruleset: dict[str, Any] | None = None
    records: dict[str, Any] | None = None


class History(BaseModel):
    case_id: str
    entries: list[HistoryEntry]
    as_of: AsOf | None = None


def visible_row(svc: Services, actor: Actor, case_id: str) -> CaseSnapshotRow:
    with svc.sessions.begin() as session:
        row = queries.case_row(session, case_id, set(actor.serves))
    if row is None:
        raise NotVisibleError("ケースが見つかりません。")
    return row


def shown_records(
    svc: Services,
    actor: Actor,
    case_id: str,
    data: dict[str, Any],
    purpose: str,
    *,
    model: type[BaseModel] = CaseRecordModel,
    prefix: str = "",
) -> dict[str, Any]:
    """The records (a dump of ``model``: the case's, or a program enrolment's) as ``actor``'s roles may see them
    (``statemachines.policy.sensitivity``); a read that shows special care fields is written to ``access_log`` in the
    same breath, their paths after ``prefix``."""
    records = redact(model, data, visible_to(actor.roles))
    paths = special_care_paths(model, records, prefix)
    if paths:
        with svc.sessions.begin() as session:
            AccessLog(session).record(
                user_id=actor.user_id, case_id=case_id, fields=paths, purpose=purpose, now=svc.clock()
            )
    return records


async def _detail(svc: Services, actor: Actor, case_id: str, purpose: str = "read") -> CaseDetail:
    row = visible_row(svc, actor, case_id)
    view = await svc.cases.view(case_id, actor)
    with svc.sessions.begin() as session:
        tasks = CaseRepository(session).list_tasks(case_id, status="open")
    record = view.record
    return CaseDetail(
        case_id=case_id,
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
async def open_case(body: OpenCaseRequest, actor: ActorDep, svc: ServicesDep) -> OpenCaseResponse:
    intake = IntakeRecord.model_validate(body.model_dump(exclude={"municipality", "identified", "command_id"}))
    outcome = await svc.cases.open(
        municipality=body.municipality,
        actor=actor,
        payload={"intake": intake.model_dump(mode="json", exclude_defaults=True)},
        command_id=body.command_id or uuid.uuid4().hex,
        identified=body.identified,
        now=svc.clock(),
    )
    return OpenCaseResponse(case_id=outcome.case_id, state=outcome.state, stage=outcome.stage, seq=outcome.seq)


@router.get("", response_model=Page[CaseSnapshotRow])
def list_cases(
    actor: Annotated[Actor, Require(Permission.CASE_READ)],
    svc: ServicesDep,
    stage: str | None = None,
    state: str | None = None,
    assignee: str | None = None,
    municipality: str | None = None,
    overdue: bool | None = None,
    opened_from: datetime | None = None,
    opened_to: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[CaseSnapshotRow]:
    with svc.sessions.begin() as session:
        return queries.list_cases(
            session,
            visible=set(actor.serves),
            stage=stage,
            state=state,
            assignee=assignee,
            municipality=municipality,
            overdue=overdue,
            opened_from=opened_from,
            opened_to=opened_to,
            now=svc.clock(),
            limit=limit,
            offset=offset,
        )


@router.get("/{case_id}", response_model=CaseDetail)
async def get_case(
    case_id: str, actor: Annotated[Actor, Require(Permission.CASE_READ)], svc: ServicesDep
) -> CaseDetail:
    return await _detail(svc, actor, case_id)


@router.post("/{case_id}/commands", response_model=CaseDetail)
async def send_command(case_id: str, body: CommandBody, actor: ActorDep, svc: ServicesDep) -> CaseDetail:
    visible_row(svc, actor, case_id)
    await svc.cases.send(case_id, body.command, actor, body.payload, body.command_id or uuid.uuid4().hex)
    return await _detail(svc, actor, case_id, purpose="command")


@router.get("/{case_id}/history", response_model=History)
async def history(
    case_id: str,
    actor: Annotated[Actor, Require(Permission.CASE_READ)],
    svc: ServicesDep,
    as_of: datetime | None = None,
) -> History:
    row = visible_row(svc, actor, case_id)
    with svc.sessions.begin() as session:
        entries = queries.history(session, case_id)
        events = CaseRepository(session).list_events(case_id) if as_of else []
    if as_of is None:
        return History(case_id=case_id, entries=entries)
    if as_of.tzinfo is None:
        raise HTTPException(422, "as_of にはタイムゾーンが必要です（例: 2026-04-01T09:00:00+09:00）。")
    ruleset = (await svc.cases.record(case_id)).ruleset
    then = rebuild(events, municipality=row.municipality, ruleset=ruleset, as_of=as_of)
    snapshot = AsOf(at=as_of, exists=then is not None)
    if then is not None:
        snapshot = AsOf(
            at=as_of,
            exists=True,
            state=then.state.value,
            stage=STATES[then.state].stage.value,
            seq=then.seq,
            ruleset=ruleset.model_dump(mode="json"),
            records=shown_records(
                svc, actor, case_id, then.model_dump(mode="json", exclude={"ruleset", "last_hash"}), "history_as_of"
            ),
        )
    return History(case_id=case_id, entries=[e for e in entries if e.at <= as_of], as_of=snapshot)


class TemporalHistory(BaseModel):
    case_id: str
    source: str  # "temporal" while Temporal keeps it, "archive" after its retention
    runs: list[dict[str, Any]]


@router.get("/{case_id}/temporal-history", response_model=TemporalHistory)
async def temporal_history(
    case_id: str, actor: Annotated[Actor, Require(Permission.AUDIT_EXPORT)], svc: ServicesDep
) -> TemporalHistory:
    """The raw Temporal history of every run, for export and for ``python -m workflows replay``."""
    visible_row(svc, actor, case_id)
    with svc.sessions.begin() as session:  # the raw history holds every payload: logged as a read of all of it
        AccessLog(session).record(
            user_id=actor.user_id, case_id=case_id, fields=["*"], purpose="export_history", now=svc.clock()
        )
    try:
        histories = await fetch_histories(svc.client, case_id)
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        with svc.sessions.begin() as session:
            archived = HistoryArchive(session).load(case_id)
        if not archived:
            raise NotVisibleError("履歴が見つかりません。") from exc
        return TemporalHistory(case_id=case_id, source="archive", runs=[json.loads(h) for _, h in archived])
    return TemporalHistory(case_id=case_id, source="temporal", runs=[h.to_json_dict() for h in histories])


@router.post("/{case_id}/verify", response_model=VerifyResult)
async def verify_case(
    case_id: str, actor: Annotated[Actor, Require(Permission.CASE_VERIFY)], svc: ServicesDep
) -> VerifyResult:
    visible_row(svc, actor, case_id)
    with svc.sessions.begin() as session:
        rows = CaseRepository(session).list_events(case_id)
    result = await verify(svc.client, case_id, rows)
    settle_integrity_tasks(svc, case_id, result)
    return result


def settle_integrity_tasks(svc: Services, case_id: str, result: VerifyResult) -> None:
    """A verification that finds the chain intact again closes the integrity check's open tasks for the case."""
    if result.chain_intact and result.deterministic is not False:
        with svc.sessions.begin() as session:
            CaseRepository(session).close_tasks_of_kind(case_id, INTEGRITY_TASK, now=svc.clock())


audit_router = APIRouter(prefix="/api/audit", tags=["audit"])


@audit_router.get("/access-log", response_model=Page[AccessLogRow])
def access_log(
    actor: Annotated[Actor, Require(Permission.ACCESS_LOG_READ)],
    svc: ServicesDep,
    case_id: str | None = None,
    user: str | None = None,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[AccessLogRow]:
    """Who read which 要配慮 fields of which case, when and why: for auditors, of the municipalities they serve."""
    for moment in (from_, to):
        if moment is not None and moment.tzinfo is None:
            raise HTTPException(422, "from / to にはタイムゾーンが必要です（例: 2026-04-01T00:00:00+09:00）。")
    with svc.sessions.begin() as session:
        return AccessLog(session).query(
            case_id=case_id, user_id=user, from_=from_, to=to, visible=set(actor.serves), limit=limit, offset=offset
        )
