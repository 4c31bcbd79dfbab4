"""Sending commands to cases: the one place the HTTP layer (and tools) talk to CaseWorkflow.

It opens cases under the rule set in force, sends each command as an update whose id is the command id (so a retry
returns the first result), turns a refusal into a domain error carrying the unmet guards, and records every refusal
in the store (``services.refusals``), since Temporal keeps no trace of a rejected update. A case's program
enrolments are ``CaseService.programs`` (``services.programs``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy

from services.consent import case_consents, require_policies_in_force
from services.lookups import StoreLookups
from services.people import new_person_id
from services.programs import ProgramService
from services.refusals import RefusalLog, same_request
from services.waiting import ANSWER_WITHIN, answered, command_answered
from statemachines.case.engine import CASE
from statemachines.case.payloads import AssignEmploymentSupporter
from statemachines.case.record import CaseRecord
from statemachines.case.timers import JST
from statemachines.case.transitions import Trigger
from statemachines.case.view import CaseView
from statemachines.kernel.outcomes import CommandRejected
from statemachines.kernel.roles import Actor, Role
from statemachines.kernel.rules import RuleBook
from statemachines.kernel.table import Lookup
from store.case_numbers import allocate_in
from workflows.case_workflow import CaseWorkflow, workflow_id
from workflows.messages import (
    CaseWorkflowInput,
    CommandOutcome,
    CommandRequest,
    OpenCase,
    open_applied,
)

HANDS_OVER = frozenset({Trigger.ASSIGN.value, Trigger.ASSIGN_EMPLOYMENT_SUPPORTER.value})
"""The commands after which the case's running enrolments hear who carries it now."""


class MunicipalityNotServed(Exception):
    """A case opened in a municipality the user does not serve."""


class CaseService:
    def __init__(
        self,
        client: Client,
        sessions: sessionmaker[Session],
        task_queue: str,
        rulebook: Callable[[], RuleBook],
        *,
        person_secret: str,
        answer_within: float = ANSWER_WITHIN,
    ) -> None:
        """``person_secret`` keys the hash that recognises a client again (``store.person_keys``); ``answer_within`` is
        how long a command or a read waits for a worker (``services.waiting``)."""
        self._client = client
        self._within = answer_within
        self._sessions = sessions
        self._task_queue = task_queue
        self._rulebook = rulebook
        self._lookups = StoreLookups(sessions, person_secret=person_secret)
        self._refusals = RefusalLog(sessions)
        self.programs = ProgramService(
            client,
            task_queue,
            case_record=self.record,
            sessions=sessions,
            lookups=self._lookups,
            refusals=self._refusals,
            answer_within=answer_within,
        )

    async def open(
        self,
        *,
        municipality: str,
        actor: Actor,
        payload: dict[str, Any],
        command_id: str,
        identified: bool = False,
        person_id: str | None = None,
        now: datetime | None = None,
    ) -> CommandOutcome:
        """T1: start the case's workflow under the rule set in force today, once its first event is projected.

        The case is numbered (受付番号, ``store.case_numbers``) once its opening has passed the checks, and names
        its person: ``person_id`` (a known 相談者, ``services.people``) or a new one derived from the case id."""
        if municipality not in actor.serves:  # before anything: no case id is made up, no refusal row written for it
            raise MunicipalityNotServed(municipality)
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
            person_id=person_id or new_person_id(case_id),
        )
        try:  # the same rules run inside the workflow; checking here first means a refusal never starts one
            open_applied(request, moment)
        except CommandRejected as exc:
            self._refusals.record(case_id, "open_consultation", command_id, actor, None, exc.unmet, moment)
            raise
        number = allocate_in(
            self._sessions, case_id=case_id, municipality=municipality, day=moment.astimezone(JST).date(), now=moment
        )
        inp = CaseWorkflowInput(open=request.model_copy(update={"case_number": number}))
        start = WithStartWorkflowOperation(
            CaseWorkflow.run,
            inp,
            id=workflow_id(case_id),
            task_queue=self._task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,  # a retried open finds the first one
        )
        # Started and answered in one round trip (issue 16): the update waits in the workflow for the first event's
        # projection and answers where the case stands; no query follows.
        outcome = await answered(
            self._client.execute_update_with_start_workflow(
                CaseWorkflow.opened, command_id, start_workflow_operation=start, id=f"open-{command_id}"
            ),
            self._within,
        )
        assert isinstance(outcome, CommandOutcome)
        return outcome

    async def send(
        self, case_id: str, command: str, actor: Actor, payload: dict[str, Any], command_id: str
    ) -> CommandOutcome:
        """Fire a command. Raises CommandRejected (with every unmet guard) or PayloadInvalid (with field errors)."""
        if Lookup.REFERRAL_TARGET in CASE.lookups(command):
            payload = self._lookups.referral_target(payload, actor, command)
        parsed = CASE.parse(command, payload)  # field errors (and an unknown command) are a 422 before Temporal
        if isinstance(parsed, AssignEmploymentSupporter) and parsed.employment_supporter is not None:
            municipality = (await self.record(case_id)).municipality
            self._lookups.staff_member(
                command, "employment_supporter", parsed.employment_supporter, Role.ESW, municipality
            )
        consents = case_consents(parsed)
        if consents:
            municipality = (await self.record(case_id)).municipality
            require_policies_in_force(self._sessions, municipality, command, consents)
        handle = self._client.get_workflow_handle(workflow_id(case_id))
        request = CommandRequest(command_id=command_id, actor=actor, payload=payload)
        try:
            outcome = await command_answered(
                handle, command, request, within=self._within, sessions=self._sessions, case_id=case_id
            )
        except WorkflowUpdateFailedError as exc:
            raise await self._refusals.domain_error(
                case_id, command, request, exc, lambda: self._state(case_id)
            ) from exc
        outcome = same_request(outcome, request, command)
        if command in HANDS_OVER:
            await self.programs.tell_assignees(outcome.view.record if outcome.view else await self.record(case_id))
        return outcome

    async def view(self, case_id: str, actor: Actor) -> CaseView:
        handle = self._client.get_workflow_handle(workflow_id(case_id))
        view = await answered(handle.query(CaseWorkflow.view, actor), self._within)
        assert isinstance(view, CaseView)
        return view

    async def record(self, case_id: str) -> CaseRecord:
        handle = self._client.get_workflow_handle(workflow_id(case_id))
        record = await answered(handle.query(CaseWorkflow.record), self._within)
        assert isinstance(record, CaseRecord)
        return record

    async def _state(self, case_id: str) -> str:
        return (await self.record(case_id)).state.value
