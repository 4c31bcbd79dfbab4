"""Server-side sessions through the app: idle and absolute expiry, sliding, logout and password-change revocation,
for the pages (a redirect to the login page that says why) and the API (401 with a ``reason``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from pydantic import ValidationError
from temporalio.testing import WorkflowEnvironment

from settings import Settings
from store.accounts import DEMO_PASSWORD
from store.sessions import SessionKind, UserSessionRepository
from tests.web.apiharness import Api, running_api
from tests.web.pageclient import Browser, browser_for
from web.core.deps import SESSION_COOKIE

NEW_PASSWORD = "川沿いの桜並木を歩く2026"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@pytest_asyncio.fixture(loop_scope="session")
async def clocked(time_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[tuple[Api, Clock]]:
    clock = Clock()
    async with running_api(time_env, tmp_path, clock=clock, secure_cookies=False) as api:
        yield api, clock


async def _token(api: Api, user: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    response = await api.login(user, password)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _inbox(api: Api, headers: dict[str, str]) -> httpx.Response:
    return await api.http.get("/api/notifications", headers=headers)


async def _page_login(b: Browser, user: str) -> str:
    response = await b.login(user)
    assert response.status_code == 303, response.text
    cookie = b.http.cookies.get(SESSION_COOKIE)
    assert cookie
    return cookie


async def _with_cookie(api: Api, cookie: str, url: str) -> httpx.Response:
    async with browser_for(api) as other:
        other.http.cookies.set(SESSION_COOKIE, cookie)
        return await other.get(url)


def _reason(response: httpx.Response) -> str:
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "not_authenticated"
    reason: str = response.json()["reason"]
    return reason


async def test_an_api_token_idle_longer_than_the_setting_is_401_saying_so(clocked: tuple[Api, Clock]) -> None:
    api, clock = clocked
    headers = await _token(api, "sw1")
    clock.advance(30.5)  # SESSION_IDLE_MINUTES is 30
    idle = await _inbox(api, headers)

    assert _reason(idle) == "session_idle"
    assert "一定時間操作がなかったため" in idle.json()["detail"]
    assert idle.headers["WWW-Authenticate"] == "Bearer"


async def test_activity_within_the_idle_time_keeps_an_api_token_alive(clocked: tuple[Api, Clock]) -> None:
    api, clock = clocked
    headers = await _token(api, "sw1")
    statuses = []
    for _ in range(4):  # 58 minutes in all, never 30 without a request
        clock.advance(14.5)
        statuses.append((await _inbox(api, headers)).status_code)

    assert statuses == [200, 200, 200, 200]


async def test_an_idle_page_session_goes_to_the_login_page_which_says_why(clocked: tuple[Api, Clock]) -> None:
    api, clock = clocked
    async with browser_for(api) as busy_user, browser_for(api) as b:
        await _page_login(busy_user, "csw1")
        await _page_login(b, "sw1")
        clock.advance(20)
        busy = await busy_user.get("/inbox")
        clock.advance(25)
        kept = await busy_user.get("/cases")  # 45 minutes after sign-in, 25 after the last request
        idle = await b.get("/inbox")  # 45 minutes without a request
        login = await b.get(idle.headers["location"])
        b.http.cookies.set("yorisoi_lang", "en")
        login_en = await b.get(idle.headers["location"])

    assert (busy.status_code, kept.status_code) == (200, 200)
    assert idle.status_code == 303
    assert idle.headers["location"] == "/login?next=/inbox&reason=session_idle"
    assert f'{SESSION_COOKIE}=""' in idle.headers["set-cookie"]  # the dead session's cookie is removed
    assert "一定時間操作がなかったため、ログアウトしました。" in login.text
    assert 'name="next" value="/inbox"' in login.text
    assert "You were signed out after a period of inactivity." in login_en.text


async def test_the_absolute_expiry_ends_a_busy_session(clocked: tuple[Api, Clock]) -> None:
    api, clock = clocked
    headers = await _token(api, "esw1")
    async with browser_for(api) as b:
        await _page_login(b, "esw1")
        for _ in range(2):
            clock.advance(25)
            assert (await _inbox(api, headers)).status_code == 200
            assert (await b.get("/inbox")).status_code == 200
        clock.advance(10)  # 60 minutes (TOKEN_TTL_MINUTES) after sign-in, 10 after the last request
        expired = await _inbox(api, headers)
        page = await b.get("/inbox")

    assert _reason(expired) == "session_expired"
    assert "有効期限" in expired.json()["detail"]
    assert page.headers["location"] == "/login?next=/inbox&reason=session_expired"


async def test_page_logout_revokes_the_session_so_its_cookie_no_longer_works(clocked: tuple[Api, Clock]) -> None:
    api, _ = clocked
    async with browser_for(api) as b:
        cookie = await _page_login(b, "sw1")
        out = await b.submit("/inbox", "/logout", {})
        login = await b.get(out.headers["location"])
    replayed = await _with_cookie(api, cookie, "/inbox")
    over_api = await api.http.get("/api/notifications", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"})

    assert out.headers["location"] == "/login?reason=logged_out"
    assert "ログアウトしました。" in login.text
    assert replayed.headers["location"] == "/login?next=/inbox&reason=logged_out"
    assert _reason(over_api) == "logged_out"


async def test_api_logout_revokes_the_bearer_token(clocked: tuple[Api, Clock]) -> None:
    api, _ = clocked
    headers = await _token(api, "sw1")
    other = await _token(api, "sw1")
    out = await api.http.post("/api/auth/logout", headers=headers)
    again = await api.http.post("/api/auth/logout", headers=headers)
    after = await _inbox(api, headers)

    assert (out.status_code, again.status_code) == (204, 204)
    assert _reason(after) == "logged_out"
    assert (await _inbox(api, other)).status_code == 200  # only that session ends


async def test_an_api_password_change_revokes_the_other_sessions_and_keeps_this_one(
    clocked: tuple[Api, Clock],
) -> None:
    api, _ = clocked
    current, elsewhere = await _token(api, "hhsw1"), await _token(api, "hhsw1")
    async with browser_for(api) as b:
        cookie = await _page_login(b, "hhsw1")
    body = {"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD}
    changed = await api.http.post("/api/auth/password", json=body, headers=current)
    page = await _with_cookie(api, cookie, "/inbox")
    async with browser_for(api) as b:
        b.http.cookies.set(SESSION_COOKIE, cookie)
        login = await b.http.get("/inbox", follow_redirects=True)

    assert changed.status_code == 204, changed.text
    assert (await _inbox(api, current)).status_code == 200
    assert _reason(await _inbox(api, elsewhere)) == "password_changed"
    assert page.headers["location"] == "/login?next=/inbox&reason=password_changed"
    assert "パスワードが変更されたため、ログアウトしました。" in login.text
    assert (await _inbox(api, await _token(api, "hhsw1", NEW_PASSWORD))).status_code == 200


async def test_a_page_password_change_revokes_the_other_sessions_and_keeps_this_one(
    clocked: tuple[Api, Clock],
) -> None:
    api, _ = clocked
    elsewhere = await _token(api, "esw1")
    async with browser_for(api) as b:
        await _page_login(b, "esw1")
        done = await b.submit(
            "/password", "/password", {"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD}
        )
        still = await b.get("/inbox")

    assert done.status_code == 200
    assert still.status_code == 200
    assert _reason(await _inbox(api, elsewhere)) == "password_changed"


async def test_api_tokens_and_page_sign_ins_are_sessions_of_their_kind(clocked: tuple[Api, Clock]) -> None:
    api, _ = clocked
    await _token(api, "mun1")
    async with browser_for(api) as b:
        await _page_login(b, "mun1")
    await api.http.post("/api/auth/session", data={"username": "mun1", "password": DEMO_PASSWORD})
    with api.worker.sessions.begin() as session:
        kinds = sorted(s.kind for s in UserSessionRepository(session).of_user("mun1"))

    assert kinds == [SessionKind.API, SessionKind.PAGE, SessionKind.PAGE]


async def test_the_idle_time_is_the_setting_s(
    time_env: WorkflowEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YORISOI_SESSION_IDLE_MINUTES", "10")
    clock = Clock()
    async with running_api(time_env, tmp_path, clock=clock) as api:
        headers = await _token(api, "sw1")
        clock.advance(9)
        kept = await _inbox(api, headers)
        clock.advance(10.5)
        idle = await _inbox(api, headers)

    assert kept.status_code == 200
    assert _reason(idle) == "session_idle"


@pytest.mark.parametrize("minutes", [0, 4, 24 * 60 + 1])
def test_the_idle_setting_has_a_bounded_range(minutes: int) -> None:
    with pytest.raises(ValidationError):
        Settings(session_idle_minutes=minutes)
