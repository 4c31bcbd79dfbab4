"""Sign-in, rule sets and health."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text

from services import rulesets
from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from statemachines.kernel.rules import RuleSet
from store.dead_letters import DeadLetters
from store.heartbeats import Heartbeats
from store.rulesets import RulesetRepository
from store.sessions import SessionKind
from web.auth.passwords import password_problems
from web.auth.signin import change_own_password, sign_in, sign_out, start_session
from web.core.auth import Token
from web.core.deps import (
    SESSION_COOKIE,
    Services,
    ServicesDep,
    SignedInDep,
    bearer,
    request_token,
    set_session_cookie,
)
from web.core.errors import ForbiddenError
from web.core.permissions import Require

router = APIRouter(prefix="/api", tags=["admin"])


def _sign_in(form: OAuth2PasswordRequestForm, svc: Services, request: Request, kind: SessionKind) -> Token:
    client = request.client.host if request.client else None
    user = sign_in(svc, form.username, form.password, client)
    return start_session(svc, user, kind)


@router.post("/auth/token", response_model=Token)
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], svc: ServicesDep, request: Request) -> Token:
    """OAuth2 password flow: form fields ``username`` and ``password``. 429 (Retry-After) after repeated failures.

    The token is a session like the pages': it ends at logout, after the idle time without a request, at its
    expiry (``expires_in``), or when the password is changed in another session; a 401 then gives the ``reason``."""
    return _sign_in(form, svc, request, SessionKind.API)


@router.post("/auth/session", status_code=status.HTTP_204_NO_CONTENT)
def session(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], svc: ServicesDep, response: Response, request: Request
) -> None:
    """The same sign-in for pages: the token goes into an HttpOnly, SameSite=Strict session cookie."""
    set_session_cookie(response, _sign_in(form, svc, request, SessionKind.PAGE), secure=svc.secure_cookies)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)


@router.post("/auth/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(body: PasswordChange, signed_in: SignedInDep, svc: ServicesDep, request: Request) -> None:
    """Change one's own password: the current one again (throttled like a sign-in), and the policy for the new one
    (422 lists every problem). Every other session of the user ends; this one goes on."""
    actor = signed_in.actor
    client = request.client.host if request.client else None
    sign_in(svc, actor.user_id, body.current_password, client)
    problems = password_problems(actor.user_id, body.new_password, body.current_password)
    if problems:
        raise HTTPException(
            422, [{"loc": ["body", "new_password"], "msg": m, "type": "password_policy"} for m in problems]
        )
    change_own_password(svc, signed_in, body.new_password)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(
    svc: ServicesDep, request: Request, response: Response, token: Annotated[str | None, Depends(bearer)]
) -> None:
    """End the session of the bearer token or of the session cookie (204 even when there is none)."""
    sign_out(svc, request_token(request, token))
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/rulesets", response_model=list[RuleSet])
def list_rulesets(
    actor: Annotated[Actor, Require(Permission.RULESET_READ)], svc: ServicesDep, municipality: str | None = None
) -> list[RuleSet]:
    with svc.sessions.begin() as session:
        return RulesetRepository(session).list(municipality)


@router.post("/rulesets", response_model=RuleSet, status_code=status.HTTP_201_CREATED)
def add_ruleset(
    ruleset: RuleSet, actor: Annotated[Actor, Require(Permission.RULESET_ADD)], svc: ServicesDep
) -> RuleSet:
    """A new version of the durations for a municipality ("*" for all), in force from its effective date; its program
    values are checked by the programs' rules (422, each with a Japanese reason): the service the page uses too."""
    try:
        return rulesets.add_ruleset(svc.sessions, ruleset, actor, svc.clock())
    except rulesets.NotServed as exc:
        raise ForbiddenError(exc.message_ja) from exc


async def _temporal(svc: Services) -> dict[str, Any]:
    try:
        healthy = await asyncio.wait_for(svc.client.service_client.check_health(), timeout=3)
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": bool(healthy)}


def _worker(svc: Services) -> dict[str, Any]:
    """A worker is there when one wrote its heartbeat on the task queue within the last 15 s (store/heartbeats.py)."""
    now = datetime.now(UTC)  # the machine's time, whatever clock the API runs its cases by
    try:
        with svc.sessions.begin() as session:
            beats = Heartbeats(session)
            alive, last = beats.alive(svc.task_queue, now), beats.last_seen(svc.task_queue)
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    seen = None if last is None else round((now - last).total_seconds(), 1)
    return {"ok": bool(alive), "workers": len(alive), "last_seen_seconds_ago": seen, "task_queue": svc.task_queue}


def _database(svc: Services) -> dict[str, Any]:
    try:
        with svc.sessions.begin() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def _projections(svc: Services) -> dict[str, Any]:
    """The dead letters waiting for an operator (``python -m deploy.dead_letters``): reported, never a 503 (one held
    case must not take the API out of its load balancer)."""
    try:
        with svc.sessions.begin() as session:
            waiting = DeadLetters(session).waiting()
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": not waiting, "dead_letters": len(waiting), "cases_held": len({w.case_id for w in waiting})}


@router.get("/health")
async def health(svc: ServicesDep) -> JSONResponse:
    """Temporal, the database and the worker (503 when any of them is down), and the dead letters waiting
    (``degraded``: some case is held until an operator retries its projection)."""
    parts = {"temporal": await _temporal(svc), "database": _database(svc), "worker": _worker(svc)}
    ok = all(part["ok"] for part in parts.values())
    projections = _projections(svc)
    body = {"ok": ok, "degraded": not projections["ok"], **parts, "projections": projections}
    return JSONResponse(status_code=200 if ok else 503, content=body)
