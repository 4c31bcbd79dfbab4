"""The pipeline: the seven stages as columns, counts per state, aging and overdue, for a wall screen."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from store import queries
from web.core.deps import Services, ServicesDep
from web.core.pages import render
from web.core.permissions import RequirePage

router = APIRouter(include_in_schema=False)


def _pipeline_context(actor: Actor, svc: Services, municipality: str | None, assignee: str | None) -> dict[str, Any]:
    municipality = municipality or None
    assignee = assignee or None
    with svc.sessions.begin() as session:
        board = queries.pipeline(
            session, visible=set(actor.serves), municipality=municipality, assignee=assignee, now=svc.clock()
        )
    buckets = list(board["stages"][0]["states"][0]["aging"]) if board["stages"] else []
    query = "&".join(f"{k}={quote(v)}" for k, v in (("municipality", municipality), ("assignee", assignee)) if v)
    return {
        "board": board,
        "buckets": buckets,
        "municipality": municipality or "",
        "assignee": assignee or "",
        "municipalities": sorted(actor.serves),
        "query": query,
        "generated_at": svc.clock(),
    }


@router.get("/pipeline", response_class=HTMLResponse)
def pipeline(
    request: Request,
    actor: Annotated[Actor, RequirePage(Permission.PIPELINE_READ)],
    svc: ServicesDep,
    municipality: str | None = None,
    assignee: str | None = None,
    refresh: Annotated[int, Query(ge=2, le=300, description="seconds between refreshes of the board")] = 15,
) -> HTMLResponse:
    context = {**_pipeline_context(actor, svc, municipality, assignee), "refresh": refresh}
    return render(request, svc, "pipeline.html", context, actor=actor)


@router.get("/pipeline/board", response_class=HTMLResponse)
def pipeline_board(
    request: Request,
    actor: Annotated[Actor, RequirePage(Permission.PIPELINE_READ)],
    svc: ServicesDep,
    municipality: str | None = None,
    assignee: str | None = None,
) -> HTMLResponse:
    """The board alone: the pipeline page fetches it every few seconds (a wall screen stays current)."""
    return render(
        request, svc, "pipeline_board.html", _pipeline_context(actor, svc, municipality, assignee), actor=actor
    )
