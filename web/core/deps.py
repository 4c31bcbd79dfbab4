"""What a request handler needs, as ``Annotated`` dependencies: the services and the signed-in actor (and session)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from services.cases import CaseService
from services.meetings import MeetingService
from services.people import PeopleService
from statemachines.kernel.roles import Actor
from store.accounts import AccountRepository
from store.crypto import DataKeys
from store.db import reading
from store.sessions import RevokeReason, SessionEnd, SessionEndedError, SessionPolicy, UserSessionRepository
from store.throttle import ThrottlePolicy
from web.core.auth import EXPIRED, INVALID, AuthError, AuthReason, Token, TokenService


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
    session_policy: SessionPolicy = field(default_factory=SessionPolicy)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    keys: DataKeys | None = None  # the case data keys of the payload codec (the codec endpoint decodes with them)
    codec_origins: frozenset[str] = frozenset()  # origins (the Temporal UI) that may call the codec endpoint

    @property
    def people(self) -> PeopleService:
        """The 相談者: search, read, names for lists (``services.people``)."""
        return PeopleService(self.sessions, self.clock)

    @property
    def meetings(self) -> MeetingService:
        """The 支援調整会議 as sittings (``services.meetings``)."""
        return MeetingService(self.sessions, self.cases, self.clock)


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


@dataclass(frozen=True)
class SignedIn:
    """The actor of a request and the session it came with (by hash: the secret id stays in the token)."""

    actor: Actor
    session_hash: str


SESSION_ENDS = {
    SessionEnd.UNKNOWN: (INVALID, AuthReason.INVALID_TOKEN),
    SessionEnd.EXPIRED: (EXPIRED, AuthReason.SESSION_EXPIRED),
    SessionEnd.IDLE: (
        "一定時間操作がなかったため、ログアウトしました。再度ログインしてください。",
        AuthReason.SESSION_IDLE,
    ),
}
REVOCATIONS = {
    RevokeReason.LOGOUT: ("ログアウト済みのセッションです。再度ログインしてください。", AuthReason.LOGGED_OUT),
    RevokeReason.PASSWORD_CHANGED: (
        "パスワードが変更されたため、ログアウトしました。新しいパスワードでログインしてください。",
        AuthReason.PASSWORD_CHANGED,
    ),
    RevokeReason.USER_DEACTIVATED: ("このユーザーは利用できません。", AuthReason.USER_INACTIVE),
}


def _session_ended(exc: SessionEndedError) -> AuthError:
    message, reason = REVOCATIONS[exc.revoke_reason] if exc.revoke_reason else SESSION_ENDS[exc.end]
    return AuthError(message, reason)


def authenticate(svc: Services, token: str | None) -> SignedIn:
    """The signed-in user of ``token`` if its session can be used (its use is recorded), else AuthError."""
    if not token:
        raise AuthError("ログインが必要です。", AuthReason.LOGIN_REQUIRED)
    now = svc.clock()
    claims = svc.tokens.claims(token, now)
    with reading(svc.sessions) as session:  # a request takes no write lock to be signed in (issue 16)
        repo = UserSessionRepository(session, svc.session_policy)
        try:
            used = repo.use(claims.session_id, claims.user_id, now, touch=False)
        except SessionEndedError as exc:
            raise _session_ended(exc) from exc
        accounts = AccountRepository(session)
        user = accounts.get_user(claims.user_id)
        if user is None or not user.active:
            raise AuthError("このユーザーは利用できません。", AuthReason.USER_INACTIVE)
        signed_in = SignedIn(actor=accounts.actor(user), session_hash=used.session_hash)
    if repo.touch_due(used.last_seen_at, now):  # written at most once a minute per session
        with svc.sessions.begin() as session:
            UserSessionRepository(session, svc.session_policy).touch(used.session_hash, now)
    return signed_in


def request_token(request: Request, bearer_token: str | None) -> str | None:
    """A bearer token (API clients), else the session cookie (pages)."""
    return bearer_token or request.cookies.get(SESSION_COOKIE)


def current_sign_in(svc: ServicesDep, request: Request, token: Annotated[str | None, Depends(bearer)]) -> SignedIn:
    return authenticate(svc, request_token(request, token))


SignedInDep = Annotated[SignedIn, Depends(current_sign_in)]


def current_actor(signed_in: SignedInDep) -> Actor:
    """The user of a bearer token (API clients) or of the session cookie (pages), whichever is present."""
    return signed_in.actor


ActorDep = Annotated[Actor, Depends(current_actor)]
