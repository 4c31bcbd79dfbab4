"""Every route of the app (``web/routers.py``) is accounted for: each route under /api and each page that changes
something has a row in the role matrix; each that needs a signed-in user declares the permission it needs
(``web.core.permissions``) or is listed below as any signed-in user's, with why; and each row of the matrix expects
of its route what the permissions table says (the roles holding its permission pass, the others are refused).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import Match

from api import create_app
from settings import Settings
from statemachines.kernel.permissions import Permission
from tests.web.matrix import ROLES, Row, may
from tests.web.test_role_matrix import ANY_NAMES, MATRIX
from web.core.deps import current_sign_in
from web.core.pages import page_sign_in
from web.core.permissions import PagePermitted, Permitted

OWN_ACCOUNT_PAGES = {"/login", "/logout", "/password"}  # one's own session and password: no role, no town
ANY_SIGNED_IN: dict[str, set[tuple[str, str]]] = {
    "one's own home, password and notifications": {
        ("GET", "/"),
        ("GET", "/password"),
        ("POST", "/password"),
        ("POST", "/api/auth/password"),
        ("GET", "/api/notifications"),
        ("POST", "/api/notifications/{notification_id}/read"),
    },
    "the tasks of one's roles: each task's role decides (store.task_queue)": {
        ("GET", "/inbox"),
        ("POST", "/inbox/claim/{task_id}"),
        ("GET", "/api/tasks"),
        ("POST", "/api/tasks/{task_id}/claim"),
        ("POST", "/api/tasks/{task_id}/release"),
    },
    "one's own calendar; someone else's with CALENDAR_READ and a municipality in common (allowed)": {
        ("GET", "/api/staff/{user_id}/calendar.ics"),
    },
    "the process tables: the transition's roles, after the case's municipality": {
        ("POST", "/api/cases"),
        ("POST", "/cases/new"),
        ("POST", "/api/cases/{case_id}/commands"),
        ("POST", "/cases/{case_id}/commands/{command}"),
        ("POST", "/api/cases/{case_id}/programs/{enrolment_id}/commands"),
        ("POST", "/cases/{case_id}/programs/{enrolment_id}/commands/{command}"),
    },
    "the fields a 帳票 prints, by the sensitivity table, after the case's municipality (web.forms.access)": {
        ("GET", "/api/cases/{case_id}/forms/{form}.pdf"),
        ("GET", "/cases/{case_id}/forms/{form}.pdf"),
    },
    "PROGRAM_START, after the case's municipality (services.cases, allowed)": {
        ("POST", "/api/cases/{case_id}/programs"),
    },
}


def _app(tmp_path: Path) -> FastAPI:
    return create_app(Settings(data_dir=tmp_path, demo=True))


def _routes(routes: list[Any]) -> list[APIRoute]:
    """Every route, those of included routers too (FastAPI keeps an included router as one entry of its own)."""
    found: list[APIRoute] = []
    for r in routes:
        if isinstance(r, APIRoute):
            found.append(r)
        elif (included := getattr(r, "original_router", None)) is not None:
            found += _routes(list(included.routes))
    return found


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _permission_of(route: APIRoute) -> Permission | None:
    declared = {c.permission for c in _calls(route.dependant) if isinstance(c, Permitted | PagePermitted)}
    assert len(declared) <= 1, f"{route.path} declares {declared}"
    return next(iter(declared), None)


def _signs_in(route: APIRoute) -> bool:
    return any(c in (current_sign_in, page_sign_in) for c in _calls(route.dependant))


def _routes_of(row: Row, routes: list[APIRoute]) -> list[APIRoute]:
    path = row.path.format(**ANY_NAMES).split("?")[0]
    scope = {"type": "http", "method": row.method, "path": path, "root_path": ""}
    return [r for r in routes if r.matches(scope)[0] is Match.FULL]


def test_every_route_has_a_row(tmp_path: Path) -> None:
    routes = _routes(_app(tmp_path).routes)
    assert len(routes) > 60, "the routes of the included routers are found"
    must = {
        (method, r.path)
        for r in routes
        for method in r.methods or ()
        # A CORS preflight (OPTIONS) carries no credentials by definition: tests/web/audit/test_codec.py checks it.
        if method not in ("HEAD", "OPTIONS")
        and (r.path.startswith("/api/") or (method == "POST" and r.path not in OWN_ACCOUNT_PAGES))
    }
    covered = {(row.method, r.path) for row in MATRIX for r in _routes_of(row, routes)}
    assert sorted(must - covered) == []


def test_every_route_for_a_signed_in_user_declares_its_permission_or_is_listed(tmp_path: Path) -> None:
    routes = _routes(_app(tmp_path).routes)
    undeclared = {
        (method, r.path) for r in routes if _signs_in(r) and _permission_of(r) is None for method in r.methods or ()
    }
    listed = set().union(*ANY_SIGNED_IN.values())
    assert sorted(undeclared - listed) == [], "declare Require(Permission.X), or list the route with why"
    assert sorted(listed - undeclared) == [], "a listed route now declares a permission (or is gone): unlist it"


def test_each_row_expects_what_the_table_says_of_its_route_s_permission(tmp_path: Path) -> None:
    routes = _routes(_app(tmp_path).routes)
    differing = {}
    for row in MATRIX:
        route = _routes_of(row, routes)[0]  # the first that matches answers
        permission = _permission_of(route)
        if permission is None:
            continue
        refusal = 403 if route.path.startswith("/api/") else 404  # a page that is not someone's is not there
        passing = {role for role in ROLES if row.own[role] != refusal}
        if passing != may(permission):
            differing[f"{row.method} {row.path}"] = (permission, sorted(passing), sorted(may(permission)))
    assert differing == {}
