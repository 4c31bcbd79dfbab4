"""Users sign in with the OAuth2 password flow and get a signed token (JWT, HS256) naming a server-side session.

The token carries the user (``sub``) and the secret id of their session (``sid``, see ``store.sessions``); its
expiry is the session's absolute expiry. A valid signature is not enough: every request also checks the session
(not revoked, not expired, not idle), so a token stops working at logout, not only when it expires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import jwt
from pydantic import BaseModel

ALGORITHM = "HS256"


class AuthReason(StrEnum):
    """Why a request is not signed in: the ``reason`` of a 401, and the notice of the login page."""

    BAD_CREDENTIALS = "bad_credentials"
    LOGIN_REQUIRED = "login_required"
    INVALID_TOKEN = "invalid_token"
    SESSION_EXPIRED = "session_expired"
    SESSION_IDLE = "session_idle"
    LOGGED_OUT = "logged_out"
    PASSWORD_CHANGED = "password_changed"
    USER_INACTIVE = "user_inactive"


class AuthError(Exception):
    """Not signed in, or the token is expired, forged or belongs to a session or user that can no longer be used."""

    def __init__(self, message: str, reason: AuthReason = AuthReason.BAD_CREDENTIALS) -> None:
        super().__init__(message)
        self.reason = reason


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    session_id: str  # the secret id of the session: only its hash is stored


EXPIRED = "ログインの有効期限が切れました。再度ログインしてください。"
INVALID = "トークンが無効です。再度ログインしてください。"


class TokenService:
    """Signs and reads tokens; the time is the caller's (the services' clock), not the library's."""

    def __init__(self, key: str) -> None:
        self._key = key

    def issue(self, user_id: str, session_id: str, *, issued_at: datetime, expires_at: datetime) -> Token:
        claims = {"sub": user_id, "sid": session_id, "iat": issued_at, "exp": expires_at, "typ": "access"}
        return Token(
            access_token=jwt.encode(claims, self._key, algorithm=ALGORITHM),
            expires_in=int((expires_at - issued_at).total_seconds()),
        )

    def claims(self, token: str, now: datetime) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                options={"require": ["exp", "sub", "sid"], "verify_exp": False, "verify_iat": False},
            )
        except jwt.InvalidTokenError as exc:
            raise AuthError(INVALID, AuthReason.INVALID_TOKEN) from exc
        user_id, session_id, expires = claims.get("sub"), claims.get("sid"), claims.get("exp")
        if claims.get("typ") != "access" or not isinstance(user_id, str) or not isinstance(session_id, str):
            raise AuthError(INVALID, AuthReason.INVALID_TOKEN)
        if not isinstance(expires, int | float) or now.timestamp() >= expires:
            raise AuthError(EXPIRED, AuthReason.SESSION_EXPIRED)
        return TokenClaims(user_id=user_id, session_id=session_id)

    def csrf_for(self, session_token: str) -> str:
        """The CSRF token of the forms of the session whose cookie holds ``session_token``: derived from it, so a
        token planted in a browser (or read from another session's page) is worth nothing to this session."""
        digest = hmac.new(self._key.encode(), b"csrf\x00" + session_token.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class TooManyAttempts(Exception):
    """Too many failed sign-ins: this user (or this address) is locked for ``retry_after``."""

    def __init__(self, retry_after: timedelta) -> None:
        minutes = max(1, math.ceil(retry_after.total_seconds() / 60))
        super().__init__(
            f"ログインの失敗が続いたため、あと{minutes}分間はログインできません。時間をおいてお試しください。"
        )
        self.retry_after_seconds = max(1, math.ceil(retry_after.total_seconds()))
