"""The statutory process drawn from its tables (``/process``), with every transition and its guards."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from statemachines.case.record import STATES
from statemachines.case.transitions import TRANSITIONS
from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from web.core.deps import ServicesDep
from web.core.pages import lang_of, render
from web.core.permissions import RequirePage
from web.process.diagram import process_svg

router = APIRouter(include_in_schema=False)


@router.get("/process", response_class=HTMLResponse)
def process(
    request: Request, actor: Annotated[Actor, RequirePage(Permission.PROCESS_READ)], svc: ServicesDep
) -> HTMLResponse:
    lang = lang_of(request)
    transitions = [
        {
            "id": t.id,
            "name_ja": t.name_ja,
            "from": "、".join(STATES[s].name_ja for s in t.source),
            "to": "（直前の状態）" if t.dest_previous else (STATES[t.dest].name_ja if t.dest else "（変わらない）"),
            "guards": t.guards,
        }
        for t in TRANSITIONS
    ]
    # Inline in the page, the SVG's own <style> would break the CSP (no inline style): yorisoi.css has its rules.
    svg = re.sub(r"<style>.*?</style>", "", process_svg(lang), flags=re.S)
    return render(request, svc, "process.html", {"svg": svg, "transitions": transitions}, actor=actor)
