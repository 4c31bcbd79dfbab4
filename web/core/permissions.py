"""Routes say which permission they need, as an ``Annotated`` dependency that answers with the signed-in actor:

``actor: Annotated[Actor, Require(Permission.AUDIT_EXPORT)]`` for the API (403 ``forbidden``, the table's reason who
may), ``Annotated[Actor, RequirePage(Permission.AUDIT_READ)]`` for pages (404, as if the page were not there). The
table itself is ``statemachines.kernel.permissions``; a check that depends on the data (someone else's calendar, a
program started from the case) asks ``allowed`` there. Neither dependency takes a parameter of its own, so the
OpenAPI document is the one ``ActorDep`` gives.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import params

from statemachines.kernel.permissions import REFUSALS_JA, Permission, allowed
from statemachines.kernel.roles import Actor
from web.core.deps import ActorDep
from web.core.errors import ForbiddenError
from web.core.pages import CaseNotVisible, PageActor


def require(actor: Actor, permission: Permission) -> Actor:
    """``actor`` if one of its roles holds ``permission``; else ForbiddenError with who may (the API's 403)."""
    if not allowed(actor, permission):
        raise ForbiddenError(REFUSALS_JA[permission])
    return actor


@dataclass(frozen=True)
class Permitted:
    """The dependency of an API route that needs ``permission``."""

    permission: Permission

    def __post_init__(self) -> None:
        if self.permission not in REFUSALS_JA:
            raise LookupError(f"{self.permission}: an API route's permission needs its refusal in REFUSALS_JA")

    def __call__(self, actor: ActorDep) -> Actor:
        return require(actor, self.permission)


@dataclass(frozen=True)
class PagePermitted:
    """The dependency of a page that needs ``permission``: for anyone else the page does not exist (404)."""

    permission: Permission

    def __call__(self, actor: PageActor) -> Actor:
        if not allowed(actor, self.permission):
            raise CaseNotVisible()
        return actor


def Require(permission: Permission) -> params.Depends:
    """``Depends`` on the signed-in actor holding ``permission``: named like the ``Depends`` it is, in ``Annotated``."""
    return params.Depends(Permitted(permission))


def RequirePage(permission: Permission) -> params.Depends:
    """The same for a page: its session's actor, holding ``permission``."""
    return params.Depends(PagePermitted(permission))
