"""Signing in, for the API and the pages alike: the password check behind the login throttle."""

from __future__ import annotations

import math
from datetime import timedelta

from store.accounts import AccountRepository, UserRow
from store.throttle import LoginThrottle
from web.auth import DEMO_PASSWORD, AuthError
from web.deps import Services


class TooManyAttempts(Exception):
    """Too many failed sign-ins: this user (or this address) is locked for ``retry_after``."""

    def __init__(self, retry_after: timedelta) -> None:
        minutes = max(1, math.ceil(retry_after.total_seconds() / 60))
        super().__init__(
            f"ログインの失敗が続いたため、あと{minutes}分間はログインできません。時間をおいてお試しください。"
        )
        self.retry_after_seconds = max(1, math.ceil(retry_after.total_seconds()))


def sign_in(svc: Services, user_id: str, password: str, client: str | None) -> UserRow:
    """The user, or AuthError (wrong) / TooManyAttempts (locked). Failures are counted per user and per address."""
    if password == DEMO_PASSWORD and not svc.demo:
        raise AuthError("デモ用パスワードはデモモード以外では使用できません。")
    now = svc.clock()
    policy = svc.throttle
    user_key = f"user:{user_id[:100]}"
    keys = [user_key] + ([f"ip:{client}"] if client else [])
    with svc.sessions.begin() as session:  # the failure is committed before the refusal is raised
        throttle = LoginThrottle(session, policy)
        locked = throttle.locked_until(keys, now)
        user = None if locked is not None else AccountRepository(session).authenticate(user_id, password)
        if locked is None and user is None:
            throttle.failed(user_key, policy.max_failures, now)
            if client:
                throttle.failed(f"ip:{client}", policy.max_failures_per_address, now)
        elif user is not None:
            throttle.succeeded(user_key)
    if locked is not None:
        raise TooManyAttempts(locked - now)
    if user is None:
        raise AuthError("ユーザー名またはパスワードが違います。")
    return user
