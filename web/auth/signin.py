"""Signing in and out, for the API and the pages alike: the password check behind the login throttle, the session
each sign-in starts, its revocation at logout, and a password change that ends the user's other sessions."""

from __future__ import annotations

from store.accounts import DEMO_PASSWORD, AccountRepository, UserRow
from store.sessions import RevokeReason, SessionKind, UserSessionRepository
from store.throttle import LoginThrottle
from web.core.auth import AuthError, Token, TooManyAttempts
from web.core.deps import Services, SignedIn


def sign_in(svc: Services, user_id: str, password: str, client: str | None) -> UserRow:
    """The user, or AuthError (wrong) / TooManyAttempts (locked). Failures are counted per user and per address."""
    if password == DEMO_PASSWORD and not svc.demo:
        raise AuthError("デモ用パスワードはデモモード以外では使用できません。")
    now = svc.clock()
    policy = svc.throttle
    user_key = f"user:{user_id[:100]}"
    with svc.sessions.begin() as session:  # the failure is committed before the refusal is raised
        throttle = LoginThrottle(session, policy)
        own_office = client is not None and throttle.known(user_id, client, now)  # passes the address's lock
        keys = [user_key] + ([f"ip:{client}"] if client and not own_office else [])
        locked = throttle.locked_until(keys, now)
        user = None if locked is not None else AccountRepository(session).authenticate(user_id, password)
        if locked is None and user is None:
            throttle.failed(user_key, policy.max_failures, now)
            if client:
                throttle.failed(f"ip:{client}", policy.max_failures_per_address, now)
        elif user is not None:
            throttle.succeeded(user_key)
            if client:
                throttle.remember(user.user_id, client, now)
    if locked is not None:
        raise TooManyAttempts(locked - now)
    if user is None:
        raise AuthError("ユーザー名またはパスワードが違います。")
    return user


def start_session(svc: Services, user: UserRow, kind: SessionKind) -> Token:
    """A new session of ``user`` and the signed token that carries it."""
    now = svc.clock()
    with svc.sessions.begin() as session:
        session_id, started = UserSessionRepository(session, svc.session_policy).start(user.user_id, kind, now)
    return svc.tokens.issue(user.user_id, session_id, issued_at=now, expires_at=started.expires_at)


def sign_out(svc: Services, token: str | None) -> None:
    """Revoke the session of ``token``; nothing to do for a missing, forged or expired one."""
    if not token:
        return
    now = svc.clock()
    try:
        claims = svc.tokens.claims(token, now)
    except AuthError:
        return
    with svc.sessions.begin() as session:
        UserSessionRepository(session, svc.session_policy).revoke(claims.session_id, RevokeReason.LOGOUT, now)


def change_own_password(svc: Services, signed_in: SignedIn, new_password: str) -> None:
    """Set the signed-in user's password (already checked) and revoke every other session of theirs."""
    now = svc.clock()
    user_id = signed_in.actor.user_id
    with svc.sessions.begin() as session:
        AccountRepository(session).set_password(user_id, new_password, now=now)
        UserSessionRepository(session, svc.session_policy).revoke_all(
            user_id, RevokeReason.PASSWORD_CHANGED, now, keep=signed_in.session_hash
        )
