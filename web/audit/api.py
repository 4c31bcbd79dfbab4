"""The auditors' API: a case's timeline and its state as of any moment, its raw Temporal history, verification
(replay + hash chain), the finder's list of cases with their integrity, the access log of 要配慮 reads, and the
integrity check started now.

The case's own audit routes stay under ``/api/cases/{case_id}/…`` (the ``cases`` tag of the OpenAPI document, where
they have always been); the rest is ``/api/audit``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from services.history_export import HistoryNotFound, case_history
from services.integrity_runs import IntegrityRunner, RunProgress, RunStatus
from statemachines.case.rebuild import rebuild
from statemachines.case.record import STATES, CaseState
from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from statemachines.policy.integrity import INTEGRITY_TASK
from store import queries
from store.access_log import AccessLog, AccessLogRow
from store.integrity import IntegrityStatus
from store.names import user_names
from store.queries import HistoryEntry, Page
from store.repository import CaseRepository
from web.audit.finder import AuditCase, CaseFilters, find_cases
from web.audit.timeline import VerifyResult, verify
from web.cases.visibility import shown_records, visible_row
from web.core.deps import Services, ServicesDep
from web.core.errors import NotVisibleError
from web.core.params import Moment
from web.core.permissions import Require
from workflows.export import CaseHistoryExport

cases_router = APIRouter(prefix="/api/cases", tags=["cases"])


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


@cases_router.get("/{case_id}/history", response_model=History)
async def history(
    case_id: str,
    actor: Annotated[Actor, Require(Permission.CASE_READ)],
    svc: ServicesDep,
    as_of: Moment | None = None,
) -> History:
    row = visible_row(svc, actor, case_id)
    with svc.sessions.begin() as session:
        entries = queries.history(session, case_id)
        events = CaseRepository(session).list_events(case_id) if as_of else []
    if as_of is None:
        return History(case_id=case_id, entries=entries)
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


@cases_router.get("/{case_id}/temporal-history", response_model=CaseHistoryExport)
async def temporal_history(
    case_id: str, actor: Annotated[Actor, Require(Permission.AUDIT_EXPORT)], svc: ServicesDep
) -> CaseHistoryExport:
    """The case's whole history (every run, or the archive, or the erased skeleton) in the one export format that
    ``python -m workflows replay`` reads: see ``workflows/export.py``."""
    visible_row(svc, actor, case_id)
    return await exported_history(svc, actor, case_id)


async def exported_history(svc: Services, actor: Actor, case_id: str) -> CaseHistoryExport:
    """The export, written to the access log first: the raw history holds every payload (a read of all of it)."""
    with svc.sessions.begin() as session:
        AccessLog(session).record(
            user_id=actor.user_id, case_id=case_id, fields=["*"], purpose="export_history", now=svc.clock()
        )
    try:
        return await case_history(svc.client, svc.sessions, case_id, now=svc.clock())
    except HistoryNotFound as exc:
        raise NotVisibleError("履歴が見つかりません。") from exc


@cases_router.post("/{case_id}/verify", response_model=VerifyResult)
async def verify_case(
    case_id: str, actor: Annotated[Actor, Require(Permission.CASE_VERIFY)], svc: ServicesDep
) -> VerifyResult:
    visible_row(svc, actor, case_id)
    with svc.sessions.begin() as session:
        rows = CaseRepository(session).list_events(case_id)
        wrong_facts = CaseRepository(session).first_wrong_facts(case_id)
    result = await verify(svc.client, case_id, rows, wrong_facts)
    settle_integrity_tasks(svc, case_id, result)
    return result


def settle_integrity_tasks(svc: Services, case_id: str, result: VerifyResult) -> None:
    """A verification that finds the chain intact again closes the integrity check's open tasks for the case."""
    if result.chain_intact and result.deterministic is not False:
        with svc.sessions.begin() as session:
            CaseRepository(session).close_tasks_of_kind(case_id, INTEGRITY_TASK, now=svc.clock())


router = APIRouter(prefix="/api/audit", tags=["audit"])
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.get("/cases", response_model=Page[AuditCase])
def audit_case_list(
    actor: Annotated[Actor, Require(Permission.AUDIT_READ)],
    svc: ServicesDep,
    municipality: str | None = None,
    state: CaseState | None = None,
    opened_from: Annotated[date | None, Query(description="開始日（この日から、日本時間）")] = None,
    opened_to: Annotated[date | None, Query(description="開始日（この日まで、日本時間）")] = None,
    closed_from: Annotated[date | None, Query(description="終結日（この日から、日本時間）")] = None,
    closed_to: Annotated[date | None, Query(description="終結日（この日まで、日本時間）")] = None,
    integrity: IntegrityStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AuditCase]:
    """The cases of the municipalities one serves, newest first, each with its last integrity check (``ok``,
    ``broken`` with the seq and when, ``unchecked``); another municipality is 403."""
    filters = CaseFilters(
        municipality=municipality,
        state=state,
        opened_from=opened_from,
        opened_to=opened_to,
        closed_from=closed_from,
        closed_to=closed_to,
        integrity=integrity,
    )
    return find_cases(svc, actor, filters, limit=limit, offset=offset)


@router.get("/access-log", response_model=Page[AccessLogRow])
def access_log(
    actor: Annotated[Actor, Require(Permission.ACCESS_LOG_READ)],
    svc: ServicesDep,
    case_id: str | None = None,
    user: str | None = None,
    from_: Annotated[Moment | None, Query(alias="from")] = None,
    to: Moment | None = None,
    purpose: Annotated[str | None, Query(max_length=32)] = None,
    field: Annotated[str | None, Query(max_length=200, description="a field, or a record holding fields")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[AccessLogRow]:
    """Who read which 要配慮 fields of which case, when and why: for auditors, of the municipalities they serve."""
    with svc.sessions.begin() as session:
        return AccessLog(session).query(
            case_id=case_id,
            user_id=user,
            from_=from_,
            to=to,
            purpose=purpose,
            field=field,
            visible=set(actor.serves),
            limit=limit,
            offset=offset,
        )


class IntegrityRunProgress(BaseModel):
    """A run of the integrity check: who started it (None: the nightly schedule), how far it got."""

    run_id: str
    status: RunStatus
    started_by: str | None
    started_by_name: str | None
    started_at: datetime
    finished_at: datetime | None
    total: int
    checked: int
    broken: int


def runner(svc: Services) -> IntegrityRunner:
    return IntegrityRunner(svc.client, svc.sessions, svc.task_queue)


def progress_of(svc: Services, progress: RunProgress) -> IntegrityRunProgress:
    run = progress.run
    with svc.sessions.begin() as session:
        names = user_names(session, [run.started_by] if run.started_by else [])
    return IntegrityRunProgress(
        **run.model_dump(exclude={"workflow_id"}),
        status=progress.status,
        started_by_name=names.get(run.started_by or ""),
    )


@router.post("/integrity-runs", response_model=IntegrityRunProgress, status_code=202)
async def start_integrity_run(
    actor: Annotated[Actor, Require(Permission.INTEGRITY_RUN)], svc: ServicesDep
) -> IntegrityRunProgress:
    """Start the nightly integrity check now (every case's hash chain); 409 while a run is going on."""
    run = await runner(svc).start(started_by=actor.user_id, now=svc.clock())
    return progress_of(svc, RunProgress(run, RunStatus.RUNNING if run.finished_at is None else RunStatus.FINISHED))


@router.get("/integrity-runs/{run_id}", response_model=IntegrityRunProgress)
async def integrity_run(
    run_id: str, actor: Annotated[Actor, Require(Permission.INTEGRITY_RUN)], svc: ServicesDep
) -> IntegrityRunProgress:
    """How far the run got: cases checked of the total, broken chains found, started and finished."""
    return progress_of(svc, await runner(svc).progress(run_id))
