"""Sending commands to cases: the one place the HTTP layer (and tools) talk to CaseWorkflow.

It opens cases under the rule set in force, sends each command as an update whose id is the command id (so a retry
returns the first result), turns a refusal into a domain error carrying the unmet guards, and records every refusal
in the store, since Temporal keeps no trace of a rejected update.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from services.consent import SignedConsent, case_consents, policy_errors, program_consents
from statemachines.case.engine import CASE
from statemachines.case.record import CaseRecord
from statemachines.case.timers import JST
from statemachines.case.view import CaseView
from statemachines.enrolments import sharing_unmet, start_unmet
from statemachines.kernel.events import Rejection
from statemachines.kernel.outcomes import CommandRejected, PayloadInvalid, Unmet, UnmetKind
from statemachines.kernel.permissions import PERMISSIONS, Permission, allowed
from statemachines.kernel.roles import Actor
from statemachines.kernel.rules import RuleBook
from statemachines.kernel.table import Lookup
from statemachines.policy.institutions import Institution
from statemachines.programs.registry import BY_ID as PROGRAMS
from store.institutions import InstitutionRepository
from store.people import PersonRepository, person_key
from store.policies import PrivacyPolicyRepository
from store.repository import CaseRepository
from workflows.case_workflow import CaseWorkflow, workflow_id
from workflows.messages import (
    INVALID_PAYLOAD,
    REJECTED,
    CaseWorkflowInput,
    CommandOutcome,
    CommandRequest,
    OpenCase,
    open_applied,
)
from workflows.program_workflow import ProgramInput


class CaseService:
    def __init__(
        self,
        client: Client,
        sessions: sessionmaker[Session],
        task_queue: str,
        rulebook: Callable[[], RuleBook],
        *,
        person_secret: str,
    ) -> None:
        """``person_secret`` keys the hash that recognises a client again (``store.people``)."""
        self._client = client
        self._sessions = sessions
        self._task_queue = task_queue
        self._rulebook = rulebook
        self._person_secret = person_secret

    async def open(
        self,
        *,
        municipality: str,
        actor: Actor,
        payload: dict[str, Any],
        command_id: str,
        identified: bool = False,
        now: datetime | None = None,
    ) -> CommandOutcome:
        """T1: start the case's workflow under the rule set in force today, once its first event is projected."""
        moment = now or datetime.now(UTC)
        ruleset = self._rulebook().in_force(municipality, moment.astimezone(JST).date())
        case_id = uuid.uuid5(uuid.NAMESPACE_URL, f"yorisoi:{municipality}:{actor.user_id}:{command_id}").hex[:16]
        request = OpenCase(
            case_id=case_id,
            municipality=municipality,
            ruleset=ruleset,
            actor=actor,
            command_id=command_id,
            payload=payload,
            identified=identified,
        )
        try:  # the same rules run inside the workflow; checking here first means a refusal never starts one
            open_applied(request, moment)
        except CommandRejected as exc:
            self._record(case_id, "open_consultation", command_id, actor, None, exc.unmet, moment)
            raise
        inp = CaseWorkflowInput(open=request)
        handle: WorkflowHandle[Any, Any] = await self._client.start_workflow(
            CaseWorkflow.run,
            inp,
            id=workflow_id(case_id),
            task_queue=self._task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,  # a retried open finds the first one
        )
        seq = await handle.execute_update(CaseWorkflow.projected)
        record = await handle.query(CaseWorkflow.record)
        return CommandOutcome(
            case_id=case_id,
            command_id=command_id,
            command="open_consultation",
            transition_id="T1",
            seq=seq,
            state=record.state.value,
            stage=record.stage.value,
        )

    async def send(
        self, case_id: str, command: str, actor: Actor, payload: dict[str, Any], command_id: str
    ) -> CommandOutcome:
        """Fire a command. Raises CommandRejected (with every unmet guard) or PayloadInvalid (with field errors)."""
        if Lookup.REFERRAL_TARGET in CASE.lookups(command):
            payload = self._with_referral_target(payload, actor, command)
        parsed = CASE.parse(command, payload)  # field errors (and an unknown command) are a 422 before Temporal
        await self._require_policies_in_force(case_id, command, case_consents(parsed))
        handle = self._client.get_workflow_handle(workflow_id(case_id))
        request = CommandRequest(command_id=command_id, actor=actor, payload=payload)
        try:
            outcome = await handle.execute_update(command, request, id=command_id, result_type=CommandOutcome)
        except WorkflowUpdateFailedError as exc:
            raise await self._domain_error(case_id, command, request, exc) from exc
        assert isinstance(outcome, CommandOutcome)
        return outcome

    async def send_program(
        self,
        case_id: str,
        enrolment_id: str,
        program: str,
        command: str,
        actor: Actor,
        payload: dict[str, Any],
        command_id: str,
    ) -> CommandOutcome:
        """Fire a command of a program enrolment (its child workflow); refusals are recorded on the case."""
        defn = PROGRAMS[program]
        lookups = defn.lookups(command)
        if Lookup.INSTITUTION in lookups:
            payload = self._with_directory_answer(payload, actor, command)
        parsed = defn.parse(command, payload)
        await self._require_policies_in_force(case_id, command, program_consents(parsed))
        if Lookup.PERSON in lookups:
            payload = await self._with_earlier_payment(case_id, enrolment_id, command, payload)
        if defn.shares_on(command):  # C1 may have been revoked since the program started
            record = await self.record(case_id)
            self._refuse(record, f"{program}.{command}", command_id, actor, sharing_unmet(record, actor))
        handle = self._client.get_workflow_handle(enrolment_id)
        request = CommandRequest(command_id=command_id, actor=actor, payload=payload)
        try:
            outcome = await handle.execute_update(command, request, id=command_id, result_type=CommandOutcome)
        except WorkflowUpdateFailedError as exc:
            raise await self._domain_error(case_id, f"{program}.{command}", request, exc) from exc
        except RPCError as exc:
            if exc.status is not RPCStatusCode.NOT_FOUND:
                raise
            # An enrolment that reached its end has completed its workflow: nothing more can be recorded on it.
            unmet = [
                Unmet(
                    kind=UnmetKind.STATE,
                    id="STATE",
                    message_ja="この事業の利用は終了しています。新たに記録するには、改めて利用を開始してください。",
                    message_en="This enrolment has ended: start a new one to record more.",
                )
            ]
            state = (await self.record(case_id)).state.value
            self._record(case_id, f"{program}.{command}", command_id, actor, state, unmet, datetime.now(UTC))
            raise CommandRejected(command, unmet) from exc
        assert isinstance(outcome, CommandOutcome)
        return outcome

    async def start_program(self, case_id: str, program: str, actor: Actor, command_id: str) -> str:
        """Start a program a consultant begins from the case (ハローワーク支援要請, a referral): its enrolment id.

        A program that passes personal data on needs the client's consent C1 first (G1), so without it the
        refusal comes before anything is started or sent.
        """
        defn = PROGRAMS.get(program)
        if defn is None or not defn.started_by_staff:
            raise PayloadInvalid("start_program", [{"type": "not_startable", "loc": ["program"], "msg": program}])
        if not allowed(actor, Permission.PROGRAM_START):
            raise CommandRejected("start_program", [_role_unmet(Permission.PROGRAM_START)])
        record = await self.record(case_id)
        self._refuse(record, f"{program}.start", command_id, actor, start_unmet(record, defn, actor))
        suffix = uuid.uuid5(uuid.NAMESPACE_URL, f"{case_id}:{program}:{command_id}").hex[:8]
        enrolment_id = f"program-{case_id}-{program}-{suffix}"
        now = datetime.now(UTC)
        start = defn.start(enrolment_id=enrolment_id, case_id=case_id, municipality=record.municipality, now=now)
        handle: WorkflowHandle[Any, Any] = await self._client.start_workflow(
            "ProgramWorkflow",
            ProgramInput(
                program=program, record=start.model_dump(mode="json"), started_by=actor, assignee=record.assignee
            ),
            id=enrolment_id,
            task_queue=self._task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        await handle.execute_update("projected", result_type=int)
        return enrolment_id

    def _refuse(self, record: CaseRecord, command: str, command_id: str, actor: Actor, unmet: list[Unmet]) -> None:
        """A refusal the engine found before anything was sent: recorded on the case, then raised."""
        if not unmet:
            return
        self._record(record.case_id, command, command_id, actor, record.state.value, unmet, datetime.now(UTC))
        raise CommandRejected(command, unmet)

    async def _require_policies_in_force(self, case_id: str, command: str, consents: list[SignedConsent]) -> None:
        """Each consent names a 個人情報取扱規程 version of the case's municipality (or "*") in force when signed."""
        if not consents:
            return
        municipality = (await self.record(case_id)).municipality
        with self._sessions.begin() as session:
            errors = policy_errors(PrivacyPolicyRepository(session), municipality, consents)
        if errors:
            raise PayloadInvalid(command, errors)

    async def _with_earlier_payment(
        self, case_id: str, enrolment_id: str, command: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """The 再支給制限 (施行規則§16) looks at the same person's earlier 住居確保給付金, found by their person key.

        The application's own declaration of an earlier payment still counts: the later of both ends is used.
        """
        if not payload.get("application"):
            return payload
        client = (await self.record(case_id)).intake.client
        if not client.name_kana or client.birth_date is None:
            raise PayloadInvalid(
                command,
                [
                    {
                        "type": "client_not_identified",
                        "loc": ["intake", "client"],
                        "msg": "再支給の制限（施行規則§16）を確認するため、"
                        "相談受付票に本人の氏名（カナ）と生年月日を記録してください。",
                    }
                ],
            )
        key = person_key(self._person_secret, client.name_kana, client.birth_date)
        with self._sessions.begin() as session:
            people = PersonRepository(session)
            people.link(enrolment_id, case_id, key, now=datetime.now(UTC))
            recorded = people.last_housing_payment_end(key, excluding=enrolment_id)
        application = dict(payload["application"])
        declared = application.get("previous_payment_ended_on")
        ends = [d for d in (recorded, date.fromisoformat(declared) if declared else None) if d is not None]
        application["previous_payment_ended_on"] = max(ends).isoformat() if ends else None
        return {**payload, "application": application}

    def _with_directory_answer(self, payload: dict[str, Any], actor: Actor, command: str) -> dict[str, Any]:
        """Whether the institution accepts referrals comes from the 関係機関 directory, never from the client."""
        found = self._institution(payload.get("institution_id"), actor, command, ["institution_id"])
        return {**payload, "accepts_referrals": found.accepts_referrals}

    def _with_referral_target(self, payload: dict[str, Any], actor: Actor, command: str) -> dict[str, Any]:
        """T4 to an institution of the directory: its name and whether it accepts referrals come from the directory."""
        target = payload.get("referral")
        if not isinstance(target, dict) or target.get("institution_id") is None:
            return payload
        loc = ["referral", "institution_id"]
        found = self._institution(target["institution_id"], actor, command, loc)
        filled = {**target, "institution": found.name_ja, "accepts_referrals": found.accepts_referrals}
        return {**payload, "referral": filled}

    def _institution(self, institution_id: object, actor: Actor, command: str, loc: list[str]) -> Institution:
        with self._sessions.begin() as session:
            found = (
                InstitutionRepository(session).get(institution_id, visible=set(actor.serves))
                if isinstance(institution_id, str)
                else None
            )
        if found is None:
            raise PayloadInvalid(
                command, [{"type": "unknown_institution", "loc": loc, "msg": "関係機関名簿にない機関です。"}]
            )
        return found

    async def program(self, enrolment_id: str, actor: Actor) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The enrolment's record and the commands possible now for ``actor``."""
        handle = self._client.get_workflow_handle(enrolment_id)
        record = await handle.query("record_json", result_type=dict)
        allowed = await handle.query("allowed", actor, result_type=list)
        return record, allowed

    async def view(self, case_id: str, actor: Actor) -> CaseView:
        view = await self._client.get_workflow_handle(workflow_id(case_id)).query(CaseWorkflow.view, actor)
        assert isinstance(view, CaseView)
        return view

    async def record(self, case_id: str) -> CaseRecord:
        record = await self._client.get_workflow_handle(workflow_id(case_id)).query(CaseWorkflow.record)
        assert isinstance(record, CaseRecord)
        return record

    async def _domain_error(
        self, case_id: str, command: str, request: CommandRequest, exc: WorkflowUpdateFailedError
    ) -> Exception:
        cause = exc.cause
        if not isinstance(cause, ApplicationError):
            return exc
        if cause.type == INVALID_PAYLOAD:
            errors = [e for e in cause.details if isinstance(e, dict)]
            return PayloadInvalid(command, errors or [{"msg": cause.message}])
        if cause.type == REJECTED:
            unmet = [Unmet.model_validate(d) for d in cause.details if isinstance(d, dict)]
            unmet = unmet or [Unmet(kind="guard", id="REJECTED", message_ja=cause.message, message_en=cause.message)]
            state = (await self.record(case_id)).state.value
            self._record(case_id, command, request.command_id, request.actor, state, unmet, datetime.now(UTC))
            return CommandRejected(command, unmet)
        return exc

    def _record(
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


def _role_unmet(permission: Permission) -> Unmet:
    """The refusal of a command for the role, in the words the process tables use for theirs."""
    roles = sorted(r.value for r in PERMISSIONS[permission])
    return Unmet(
        kind=UnmetKind.ROLE,
        id="ROLE",
        message_ja=f"この操作には役割 {'・'.join(roles)} が必要です。",
        message_en=f"This command needs one of the roles {', '.join(roles)}.",
    )
