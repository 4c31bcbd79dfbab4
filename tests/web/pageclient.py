"""Pages over HTTP as a browser would use them: a cookie jar, the CSRF field of each form, redirects followed."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from store.accounts import DEMO_PASSWORD
from tests.web.apiharness import Api, running_api

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Browser:
    """One user's session against the in-process app."""

    http: httpx.AsyncClient
    api: Api

    async def get(self, url: str, **params: Any) -> httpx.Response:
        return await self.http.get(url, params=params or None)  # an empty dict would drop the url's own query

    async def submit(
        self, page_url: str, action: str, fields: dict[str, Any] | list[tuple[str, str]]
    ) -> httpx.Response:
        """Load ``page_url`` for its CSRF token, then post ``fields`` to ``action`` (redirects are not followed)."""
        page = await self.http.get(page_url)
        match = CSRF.search(page.text)
        assert match is not None, f"no form on {page_url}: {page.status_code}"
        items = list(fields.items()) if isinstance(fields, dict) else list(fields)
        data: dict[str, list[str]] = {"csrf_token": [match.group(1)]}
        for name, value in items:
            data.setdefault(name, []).append(str(value))
        return await self.http.post(action, data=data)

    async def login(self, user: str, password: str = DEMO_PASSWORD) -> httpx.Response:
        return await self.submit("/login", "/login", {"username": user, "password": password})


@contextlib.asynccontextmanager
async def browser_for(api: Api) -> AsyncIterator[Browser]:
    app = api.http._transport  # the same in-process app, with a cookie jar of its own
    async with httpx.AsyncClient(transport=app, base_url="http://yorisoi.test") as http:
        yield Browser(http=http, api=api)


@pytest_asyncio.fixture(loop_scope="session")
async def pages_api(time_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Api]:
    """The app with plain-HTTP cookies (as ``make run`` serves it), for page tests."""
    async with running_api(time_env, tmp_path, secure_cookies=False) as api:
        yield api


__all__ = ["Browser", "browser_for", "pages_api"]


def form_fields(payload: Any, prefix: str = "") -> list[tuple[str, str]]:
    """A payload as the inputs of its generated form would submit it (``web.core.forms`` names)."""
    fields: list[tuple[str, str]] = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            fields += form_fields(value, f"{prefix}{key}.")
        return fields
    name = prefix.rstrip(".")
    if isinstance(payload, list):
        for index, item in enumerate(payload):
            if isinstance(item, bool):  # one yes/no box per item
                fields += [(f"{name}.{index}", "on")] if item else []
            elif isinstance(item, dict):
                fields += form_fields(item, f"{name}.{index}.")
            else:
                fields.append((name, str(item)))
        return fields
    if payload is True:
        return [(name, "on")]
    if payload is None or payload is False:
        return []
    return [(name, str(payload))]
