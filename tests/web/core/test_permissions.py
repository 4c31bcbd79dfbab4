"""The permissions table (``statemachines.kernel.permissions``) and the dependencies routes declare it with
(``web.core.permissions``): every permission has its roles, every refusal names them, and ``Require`` answers 403
with the table's reason and adds nothing to the OpenAPI document."""

from __future__ import annotations

import re
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI

from statemachines.kernel.permissions import PERMISSIONS, REFUSALS_JA, Permission, allowed
from statemachines.kernel.roles import ROLE_NAMES_JA, Actor, OrgKind, Role
from web.core import errors
from web.core.deps import ActorDep, current_actor
from web.core.pages import CaseNotVisible
from web.core.permissions import PagePermitted, Require

PEOPLE = frozenset(Role) - {Role.SYSTEM}  # the roles a user may hold (store.accounts refuses SYSTEM)


def _actor(*roles: Role) -> Actor:
    return Actor(
        user_id="u1",
        roles=frozenset(roles),
        organisation="city-a",
        org_kind=OrgKind.MUNICIPALITY,
        serves=frozenset({"city-a"}),
    )


def test_every_permission_has_an_entry_held_by_people_only() -> None:
    assert set(PERMISSIONS) == set(Permission)
    assert {p: roles for p, roles in PERMISSIONS.items() if not roles or not roles <= PEOPLE} == {}


def _named_roles(message: str) -> frozenset[Role]:
    """The roles a refusal names (相談支援員 is never read inside 主任相談支援員)."""
    return frozenset(r for r in PEOPLE if re.search(rf"(?:^|[は・]){ROLE_NAMES_JA[r]}(?=[・がの])", message))


def test_each_refusal_names_exactly_the_roles_that_hold_the_permission() -> None:
    restricted = {p: m for p, m in REFUSALS_JA.items() if PERMISSIONS[p] != PEOPLE}
    assert restricted, "the table has refusals that name roles"
    assert {p: _named_roles(m) for p, m in restricted.items()} == {p: PERMISSIONS[p] for p in restricted}


def test_allowed_is_holding_one_of_the_permission_s_roles() -> None:
    assert allowed(_actor(Role.AUD), Permission.CODEC_DECODE)
    assert allowed(_actor(Role.SW, Role.AUD), Permission.CODEC_DECODE)
    assert not allowed(_actor(Role.ADMIN), Permission.CODEC_DECODE)


def _app(actor: Actor | None = None) -> FastAPI:
    """A route that needs RULESET_ADD (spelt out: the annotation is read in this module's namespace)."""
    app = FastAPI()
    errors.install(app)

    @app.post("/ruleset")
    def add(actor: Annotated[Actor, Require(Permission.RULESET_ADD)]) -> dict[str, str]:
        return {"by": actor.user_id}

    if actor is not None:
        app.dependency_overrides[current_actor] = lambda: actor
    return app


async def _post(app: FastAPI) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test") as http:
        return await http.post("/ruleset")


async def test_require_answers_403_with_the_table_s_reason_and_the_actor_to_who_holds_it() -> None:
    refused = await _post(_app(_actor(Role.MUN)))
    done = await _post(_app(_actor(Role.ADMIN)))

    assert refused.status_code == 403
    assert (refused.json()["code"], refused.json()["detail"]) == (
        "forbidden",
        "ルールセットの登録は管理者のみが行えます。",
    )
    assert (done.status_code, done.json()) == (200, {"by": "u1"})


def test_require_adds_nothing_to_the_openapi_document() -> None:
    plain = FastAPI()

    @plain.post("/ruleset")
    def add(actor: ActorDep) -> dict[str, str]:
        return {"by": actor.user_id}

    def operation(app: FastAPI) -> Any:
        return app.openapi()["paths"]["/ruleset"]["post"]

    assert operation(_app()) == operation(plain)


def test_an_api_route_s_permission_needs_a_refusal_in_the_table() -> None:
    page_only = next(p for p in Permission if p not in REFUSALS_JA)
    with pytest.raises(LookupError, match=page_only.value):
        Require(page_only)


def test_a_page_for_someone_else_does_not_exist() -> None:
    audit_page = PagePermitted(Permission.AUDIT_READ)
    auditor = _actor(Role.AUD)

    assert audit_page(auditor) is auditor
    with pytest.raises(CaseNotVisible):
        audit_page(_actor(Role.SW))
