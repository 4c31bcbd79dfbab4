"""The inbox: my tasks and my roles' unassigned ones, and 「担当する」."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.people import PURPOSE_NAMES
from statemachines.kernel.permissions import Permission, allowed
from store import task_queue
from store.task_queue import InboxScope
from web.core.deps import ServicesDep
from web.core.names import names_for
from web.core.pages import PageActor, checked_form, first_page_link, page_link, render
from web.core.params import Cursor, page_key

router = APIRouter(include_in_schema=False)


INBOX_PAGE = 200
LISTS: tuple[tuple[InboxScope, str], ...] = (("mine", "mine_cursor"), ("unassigned", "cursor"))
"""The inbox's two lists (the scope, and the query parameter its 「次へ」 pages by)."""


@router.get("/inbox", response_class=HTMLResponse)
def inbox(
    request: Request,
    actor: PageActor,
    svc: ServicesDep,
    message: str | None = None,
    cursor: Cursor | None = None,
    mine_cursor: Cursor | None = None,
) -> HTMLResponse:
    roles = {r.value for r in actor.roles}
    cursors: dict[InboxScope, str | None] = {"mine": mine_cursor, "unassigned": cursor}
    with svc.sessions.begin() as session:
        mine, open_for_role = (
            task_queue.inbox(
                session,
                user_id=actor.user_id,
                roles=roles,
                visible=set(actor.serves),
                scope=scope,
                now=svc.clock(),
                limit=INBOX_PAGE,
                after=page_key(cursors[scope], 0),
            )
            for scope, _ in LISTS
        )
    context = {
        "mine": mine.items,
        "unassigned": open_for_role.items,
        "totals": {"mine": mine.total, "unassigned": open_for_role.total},
        "links": {
            scope: (page_link(request, param, page.next_cursor), first_page_link(request, param))
            for (scope, param), page in zip(LISTS, (mine, open_for_role), strict=True)
        },
        "municipalities": sorted(actor.serves),
        "can_open": allowed(actor, Permission.INTAKE_FORM),
        "message": message,
        "names": names_for(svc, actor, {t.case_id: t.person_id for t in [*mine.items, *open_for_role.items]}),
        "can_search": allowed(actor, Permission.PERSON_SEARCH),
        "purposes": list(PURPOSE_NAMES.items()),
    }
    return render(request, svc, "inbox.html", context, actor=actor)


@router.post("/inbox/claim/{task_id}")
async def claim_task(task_id: str, request: Request, actor: PageActor, svc: ServicesDep) -> Response:
    await checked_form(request)
    with svc.sessions.begin() as session:
        task_queue.claim_task(
            session,
            task_id=task_id,
            user_id=actor.user_id,
            roles={r.value for r in actor.roles},
            visible=set(actor.serves),
            now=svc.clock(),
        )
    return RedirectResponse("/inbox?message=claimed", status_code=303)
