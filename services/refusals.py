"""Refusals: Temporal keeps no trace of a rejected update, so every refusal is recorded in the store
(``case_rejections``) with its unmet conditions, and a workflow's refusal becomes the domain error the API maps.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from services.waiting import ProjectionFailed
from statemachines.case.record import CaseRecord
from statemachines.kernel.events import Rejection
from statemachines.kernel.outcomes import CommandRejected, PayloadInvalid, Unmet, UnmetKind
from statemachines.kernel.permissions import PERMISSIONS, Permission
from statemachines.kernel.roles import Actor
from store.repository import CaseRepository
from workflows.messages import INVALID_PAYLOAD, PROJECTION_FAILED, REJECTED, CommandOutcome, CommandRequest


class RefusalLog:
    """Writes each refusal on the case it was asked of."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record(
        self,
        case_id: str,
        command: str,
        command_id: str,
        actor: Actor,
        state: str | None,
        unmet: list[Unmet],
        at: datetime,
    ) -> None:
        rejection = Rejection(
            case_id=case_id,
            at=at,
            actor_id=actor.user_id,
            actor_roles=sorted(r.value for r in actor.roles),
            command=command,
            command_id=command_id,
            state=state,
            reasons=[{"kind": u.kind.value, "id": u.id, "message_ja": u.message_ja} for u in unmet],
        )
        with self._sessions.begin() as session:
            CaseRepository(session).record_rejection(rejection)

    def refuse(self, record: CaseRecord, command: str, command_id: str, actor: Actor, unmet: list[Unmet]) -> None:
        """A refusal the engine found before anything was sent: recorded on the case, then raised."""
        if not unmet:
            return
        self.record(record.case_id, command, command_id, actor, record.state.value, unmet, datetime.now(UTC))
        raise CommandRejected(command, unmet)

    async def domain_error(
        self,
        case_id: str,
        command: str,
        request: CommandRequest,
        exc: WorkflowUpdateFailedError,
        state_now: Callable[[], Awaitable[str]],
    ) -> Exception:
        """The workflow's refusal as PayloadInvalid or CommandRejected (recorded, in the case's state now)."""
        cause = exc.cause
        if not isinstance(cause, ApplicationError):
            return exc
        if cause.type == PROJECTION_FAILED:
            return ProjectionFailed(case_id)
        if cause.type == INVALID_PAYLOAD:
            errors = [e for e in cause.details if isinstance(e, dict)]
            return PayloadInvalid(command, errors or [{"msg": cause.message}])
        if cause.type == REJECTED:
            unmet = [Unmet.model_validate(d) for d in cause.details if isinstance(d, dict)]
            unmet = unmet or [Unmet(kind="guard", id="REJECTED", message_ja=cause.message, message_en=cause.message)]
            self.record(
                case_id, command, request.command_id, request.actor, await state_now(), unmet, datetime.now(UTC)
            )
            return CommandRejected(command, unmet)
        return exc


def role_unmet(permission: Permission) -> Unmet:
    """The refusal of a command for the role, in the words the process tables use for theirs."""
    roles = sorted(r.value for r in PERMISSIONS[permission])
    return Unmet(
        kind=UnmetKind.ROLE,
        id="ROLE",
        message_ja=f"この操作には役割 {'・'.join(roles)} が必要です。",
        message_en=f"This command needs one of the roles {', '.join(roles)}.",
    )


class IdempotencyConflict(Exception):
    """A ``command_id`` already used for another request (another command, payload or sender): its first outcome
    stands, and this request did not run."""

    def __init__(self, command_id: str) -> None:
        super().__init__(command_id)
        self.command_id = command_id


def same_request(outcome: CommandOutcome, request: CommandRequest, command: str) -> CommandOutcome:
    """The outcome for ``request``, or ``IdempotencyConflict`` when its id had answered another request."""
    if outcome.conflicts_with(request.digest(command)):
        raise IdempotencyConflict(request.command_id)
    return outcome
