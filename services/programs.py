"""Program enrolments as an application service: start one from the case (ハローワーク支援要請, a referral), send its
commands to its own workflow, and read its record with the commands possible now.

What a program needs besides its own table is declared there: the store lookups that complete a payload
(``looks_up``), the consent C1 a start or a command that passes personal data on needs (``shares_personal_data``,
checked by ``statemachines.enrolments``), the 個人情報取扱規程 a consent names. Refusals are recorded on the case.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode

from services.consent import program_consents, require_policies_in_force
from services.lookups import StoreLookups
from services.refusals import RefusalLog, role_unmet, same_request
from services.waiting import ANSWER_WITHIN, answered, command_answered
from statemachines.case.payloads import ProgramState
from statemachines.case.record import CaseRecord
from statemachines.enrolments import sharing_unmet, staff_start_fields, start_unmet
from statemachines.kernel.outcomes import CommandRejected, PayloadInvalid, Unmet, UnmetKind
from statemachines.kernel.permissions import Permission, allowed
from statemachines.kernel.roles import Actor
from statemachines.kernel.table import Lookup
from statemachines.programs.registry import BY_ID as PROGRAMS
from workflows.case_workflow import workflow_id
from workflows.messages import CommandOutcome, CommandRequest
from workflows.program_workflow import (
    CASE_ASSIGNEES_SIGNAL,
    PROGRAM_STATE_SIGNAL,
    CaseAssignees,
    ProgramInput,
    ProgramWorkflow,
)

ENDED = Unmet(
    kind=UnmetKind.STATE,
    id="STATE",
    message_ja="この事業の利用は終了しています。新たに記録するには、改めて利用を開始してください。",
    message_en="This enrolment has ended: start a new one to record more.",
)
"""An enrolment that reached its end has completed its workflow: nothing more can be recorded on it."""


class ProgramService:
    def __init__(
        self,
        client: Client,
        task_queue: str,
        *,
        case_record: Callable[[str], Awaitable[CaseRecord]],
        sessions: sessionmaker[Session],
        lookups: StoreLookups,
        refusals: RefusalLog,
        answer_within: float = ANSWER_WITHIN,
    ) -> None:
        self._client = client
        self._within = answer_within
        self._task_queue = task_queue
        self._case_record = case_record
        self._sessions = sessions
        self._lookups = lookups
        self._refusals = refusals

    async def send(
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
            payload = self._lookups.directory_answer(payload, actor, command)
        parsed = defn.parse(command, payload)
        consents = program_consents(parsed)
        shares = defn.shares_on(command)  # C1 may have been revoked since the program started
        if consents or shares or Lookup.PERSON in lookups:
            record = await self._case_record(case_id)  # one query for every check that needs the case
            require_policies_in_force(self._sessions, record.municipality, command, consents)
            if Lookup.PERSON in lookups:
                payload = self._lookups.earlier_payment(record.intake.client, case_id, enrolment_id, command, payload)
            if shares:
                self._refusals.refuse(record, f"{program}.{command}", command_id, actor, sharing_unmet(record, actor))
        request = CommandRequest(command_id=command_id, actor=actor, payload=payload)
        try:
            handle = self._client.get_workflow_handle(enrolment_id)
            outcome = await command_answered(
                handle, command, request, within=self._within, sessions=self._sessions, case_id=case_id
            )
        except WorkflowUpdateFailedError as exc:
            raise await self._refusals.domain_error(
                case_id, f"{program}.{command}", request, exc, lambda: self._state(case_id)
            ) from exc
        except RPCError as exc:
            if exc.status is not RPCStatusCode.NOT_FOUND:
                raise
            state = await self._state(case_id)
            self._refusals.record(case_id, f"{program}.{command}", command_id, actor, state, [ENDED], datetime.now(UTC))
            raise CommandRejected(command, [ENDED]) from exc
        return same_request(outcome, request, command)

    async def tell_assignees(self, record: CaseRecord) -> int:
        """The case's running enrolments hear who carries it now (its assignee, its 就労支援員), so the tasks they open
        from now on go to them; an enrolment that ended meanwhile has nothing to hear. How many were told.

        The enrolments are the case's own list (every one reports its start and end to the case), not the read
        model's: the command already took effect, and its answer must not wait for, or fail with, the database."""
        running = [
            enrolment_id
            for enrolment_id, status in record.enrolments.items()
            if status.program in PROGRAMS and not status.ended
        ]
        assignees = CaseAssignees(assignee=record.assignee, employment_supporter=record.employment_supporter)
        told = 0
        for enrolment_id in running:
            try:
                await self._client.get_workflow_handle(enrolment_id).signal(CASE_ASSIGNEES_SIGNAL, assignees)
            except RPCError as exc:
                if exc.status is not RPCStatusCode.NOT_FOUND:
                    raise
                continue
            told += 1
        return told

    async def start(self, case_id: str, program: str, actor: Actor, command_id: str) -> str:
        """Start a program a consultant begins from the case (ハローワーク支援要請, a referral, the 住居確保給付金
        application taken with the 利用申込): its enrolment id.

        A program that passes personal data on needs the client's consent C1 first (G1), so without it the
        refusal comes before anything is started or sent. One taken with the 利用申込 needs that made (G-H0) and is
        recorded on the case like one its 支援決定 starts: the 終結 waits for it.
        """
        defn = PROGRAMS.get(program)
        if defn is None or not (defn.started_by_staff or defn.taken_with_application):
            raise PayloadInvalid("start_program", [{"type": "not_startable", "loc": ["program"], "msg": program}])
        if not allowed(actor, Permission.PROGRAM_START):
            raise CommandRejected("start_program", [role_unmet(Permission.PROGRAM_START)])
        record = await self._case_record(case_id)
        suffix = uuid.uuid5(uuid.NAMESPACE_URL, f"{case_id}:{program}:{command_id}").hex[:8]
        enrolment_id = f"program-{case_id}-{program}-{suffix}"
        if enrolment_id in record.enrolments:  # the same request again: the enrolment it started
            return enrolment_id
        self._refusals.refuse(record, f"{program}.start", command_id, actor, start_unmet(record, defn, actor))
        now = datetime.now(UTC)
        start = defn.start(
            enrolment_id=enrolment_id,
            case_id=case_id,
            municipality=record.municipality,
            now=now,
            rules=record.ruleset.programs.get(defn.id),
            **staff_start_fields(record, defn),
        )
        handle: WorkflowHandle[Any, Any] = await self._client.start_workflow(
            ProgramWorkflow.run,
            ProgramInput(
                program=program,
                record=start.model_dump(mode="json"),
                started_by=actor,
                assignee=record.assignee,
                employment_supporter=record.employment_supporter,
            ),
            id=enrolment_id,
            task_queue=self._task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        await answered(handle.execute_update(ProgramWorkflow.projected), self._within)
        if defn.taken_with_application:
            started = ProgramState(enrolment_id=enrolment_id, program=defn.id, name_ja=defn.name_ja)
            await self._client.get_workflow_handle(workflow_id(case_id)).signal(PROGRAM_STATE_SIGNAL, started)
        return enrolment_id

    async def read(self, enrolment_id: str, actor: Actor) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The enrolment's record and the commands possible now for ``actor``."""
        handle = self._client.get_workflow_handle_for(ProgramWorkflow.run, enrolment_id)
        record = await answered(handle.query(ProgramWorkflow.record_json), self._within)
        options = await answered(handle.query(ProgramWorkflow.allowed, actor), self._within)
        return record, options

    async def ended_record(self, enrolment_id: str) -> dict[str, Any] | None:
        """The record an ended enrolment finished with (a finished workflow still answers its query, from its
        history); None once that history is gone (retention)."""
        handle = self._client.get_workflow_handle_for(ProgramWorkflow.run, enrolment_id)
        try:
            return await answered(handle.query(ProgramWorkflow.record_json), self._within)
        except RPCError as exc:
            if exc.status is RPCStatusCode.NOT_FOUND:
                return None
            raise

    async def _state(self, case_id: str) -> str:
        return (await self._case_record(case_id)).state.value
