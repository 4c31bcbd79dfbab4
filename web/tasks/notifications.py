"""/api/notifications: the signed-in user's own inbox of notifications, and marking one read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from store.notifications import NotificationRepository, NotificationRow
from store.queries import Page
from web.core.deps import ActorDep, ServicesDep

router = APIRouter(prefix="/api", tags=["notifications"])
MAX_OFFSET = 1_000_000  # far beyond any inbox, and inside every backend's integer


@router.get("/notifications", response_model=Page[NotificationRow])
def list_notifications(
    actor: ActorDep,
    svc: ServicesDep,
    unread_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Page[NotificationRow]:
    """My notifications, newest first; ``unread_only`` leaves out those already read."""
    with svc.sessions.begin() as session:
        return NotificationRepository(session).list_for(
            actor.user_id, unread_only=unread_only, limit=limit, offset=offset
        )


@router.post("/notifications/{notification_id}/read", response_model=NotificationRow)
def mark_read(notification_id: str, actor: ActorDep, svc: ServicesDep) -> NotificationRow:
    """Mark one of my notifications read (404 for anyone else's: it is not shown to exist)."""
    with svc.sessions.begin() as session:
        return NotificationRepository(session).mark_read(notification_id, actor.user_id, now=svc.clock())
