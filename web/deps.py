"""What a request handler needs, as ``Annotated`` dependencies: the services and the signed-in actor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from statemachines.roles import Actor
from store.accounts import AccountRepository
from store.throttle import ThrottlePolicy
from web.auth import AuthError, Token, TokenService
from web.case_service import CaseService


@dataclass
class Services:
    """Made once in the app's lifespan; nothing here keeps state another process would need."""

    sessions: sessionmaker[Session]
    client: Client
    cases: CaseService
    tokens: TokenService
    task_queue: str
    demo: bool
    secure_cookies: bool = True
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def services(request: Request) -> Services:
    found = request.app.state.services
    assert isinstance(found, Services)
    return found


ServicesDep = Annotated[Services, Depends(services)]
bearer = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


SESSION_COOKIE = "yorisoi_session"


def set_session_cookie(response: Response, issued: Token, *, secure: bool) -> None:
    """The signed-in session of pages: HttpOnly, SameSite=Strict, Secure unless served over plain local HTTP."""
    response.set_cookie(
        SESSION_COOKIE,
        issued.access_token,
        max_age=issued.expires_in,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )


def current_actor(svc: ServicesDep, request: Request, token: Annotated[str | None, Depends(bearer)]) -> Actor:
    """The user of a bearer token (API clients) or of the session cookie (pages), whichever is present."""
    token = token or request.cookies.get(SESSION_COOKIE)
    if not token:
        raise AuthError("ログインが必要です。")
    user_id = svc.tokens.user_id(token)
    with svc.sessions.begin() as session:
        accounts = AccountRepository(session)
        user = accounts.get_user(user_id)
        if user is None or not user.active:
            raise AuthError("このユーザーは利用できません。")
        return accounts.actor(user)


ActorDep = Annotated[Actor, Depends(current_actor)]
