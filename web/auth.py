"""Users sign in with the OAuth2 password flow and get a short-lived signed token (JWT, HS256)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from pydantic import BaseModel

ALGORITHM = "HS256"
DEMO_PASSWORD = "yorisoi-demo"


class AuthError(Exception):
    """Not signed in, or the token is expired, forged or belongs to a user who can no longer sign in."""


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class TokenService:
    def __init__(self, key: str, ttl: timedelta) -> None:
        self._key = key
        self._ttl = ttl

    def issue(self, user_id: str, now: datetime | None = None) -> Token:
        moment = now or datetime.now(UTC)
        claims = {"sub": user_id, "iat": moment, "exp": moment + self._ttl, "typ": "access"}
        return Token(
            access_token=jwt.encode(claims, self._key, algorithm=ALGORITHM), expires_in=int(self._ttl.total_seconds())
        )

    def user_id(self, token: str) -> str:
        try:
            claims = jwt.decode(token, self._key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("トークンの有効期限が切れています。再度ログインしてください。") from exc
        except jwt.InvalidTokenError as exc:
            raise AuthError("トークンが無効です。") from exc
        if claims.get("typ") != "access" or not isinstance(claims.get("sub"), str):
            raise AuthError("トークンが無効です。")
        return str(claims["sub"])
