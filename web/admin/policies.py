"""/api/privacy-policies: the versions of the 個人情報取扱規程 a consent's ``policy_version`` must name."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status

from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from store.policies import EVERY_MUNICIPALITY, PrivacyPolicy, PrivacyPolicyRepository, PrivacyPolicyRow
from web.core.deps import ServicesDep
from web.core.errors import ForbiddenError
from web.core.permissions import Require

router = APIRouter(prefix="/api", tags=["admin"])


@router.get("/privacy-policies", response_model=list[PrivacyPolicyRow])
def list_privacy_policies(
    actor: Annotated[Actor, Require(Permission.POLICY_READ)], svc: ServicesDep, municipality: str | None = None
) -> list[PrivacyPolicyRow]:
    """The adopted versions, newest first; ``municipality``: its own and the ones for every municipality ("*").

    Every signed-in user: staff see here which version to explain and to write into a consent."""
    with svc.sessions.begin() as session:
        return PrivacyPolicyRepository(session).list(municipality)


@router.post("/privacy-policies", response_model=PrivacyPolicyRow, status_code=status.HTTP_201_CREATED)
def add_privacy_policy(
    policy: PrivacyPolicy, actor: Annotated[Actor, Require(Permission.POLICY_ADD)], svc: ServicesDep
) -> PrivacyPolicyRow:
    """A new version for a municipality the administrator serves ("*" for all), in force from its effective date.

    409 if that municipality already has a version of this name: a version is never replaced, consents name it."""
    if policy.municipality != EVERY_MUNICIPALITY and policy.municipality not in actor.serves:
        raise ForbiddenError("担当していない自治体の個人情報取扱規程は登録できません。")
    with svc.sessions.begin() as session:
        return PrivacyPolicyRepository(session).add(policy, created_by=actor.user_id, now=svc.clock())
