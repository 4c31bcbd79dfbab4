"""/api/tasks and /api/pipeline: consultants' queues and the operations view, from the read model."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from store import queries, task_queue
from store.db import reading
from store.queries import Page
from store.task_queue import InboxTask
from web.core.deps import ActorDep, ServicesDep
from web.core.params import Cursor, Moment, page_key
from web.core.permissions import Require

router = APIRouter(prefix="/api", tags=["tasks"])


@router.get("/tasks", response_model=Page[InboxTask])
def list_tasks(
    actor: ActorDep,
    svc: ServicesDep,
    scope: Literal["mine", "role", "unassigned"] = "mine",
    overdue: bool | None = None,
    due_before: Moment | None = None,
    municipality: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    cursor: Cursor | None = None,
) -> Page[InboxTask]:
    """Open tasks by due date (overdue first, none last). ``role``: my roles' tasks; ``unassigned``: nobody took
    them. The next page: ``cursor=`` the ``next_cursor`` of this one."""
    after = page_key(cursor, offset)
    with reading(svc.sessions) as session:
        return task_queue.inbox(
            session,
            user_id=actor.user_id,
            roles={r.value for r in actor.roles},
            visible=set(actor.serves),
            scope=scope,
            overdue=overdue,
            due_before=due_before,
            municipality=municipality,
            now=svc.clock(),
            limit=limit,
            offset=offset,
            after=after,
        )


@router.post("/tasks/{task_id}/claim", response_model=InboxTask)
def claim(task_id: str, actor: ActorDep, svc: ServicesDep) -> InboxTask:
    """「担当する」: take an open task of one's role; 409 names who holds it already."""
    with svc.sessions.begin() as session:
        return task_queue.claim_task(
            session,
            task_id=task_id,
            user_id=actor.user_id,
            roles={r.value for r in actor.roles},
            visible=set(actor.serves),
            now=svc.clock(),
        )


@router.post("/tasks/{task_id}/release", response_model=InboxTask)
def release(task_id: str, actor: ActorDep, svc: ServicesDep) -> InboxTask:
    with svc.sessions.begin() as session:
        return task_queue.release_task(
            session, task_id=task_id, user_id=actor.user_id, visible=set(actor.serves), now=svc.clock()
        )


@router.get("/pipeline")
def pipeline(
    actor: Annotated[Actor, Require(Permission.PIPELINE_READ)],
    svc: ServicesDep,
    municipality: str | None = None,
    assignee: str | None = None,
) -> dict[str, Any]:
    """Counts per stage and state, overdue and aging, from the read model (Temporal cannot group by attribute)."""
    with reading(svc.sessions) as session:
        return queries.pipeline(
            session, visible=set(actor.serves), municipality=municipality, assignee=assignee, now=svc.clock()
        )
