"""ProgramWorkflow: one durable child workflow per program enrolment (住居確保給付金, 就労準備支援, ...).

Started by the case's 支援決定. Commands are updates named after the program's triggers with a validator running the
program's guards; its timers (extension deadlines, monthly checks, the one-year limit) are durable; each event is
projected into the read model in order. It completes when the enrolment reaches an end state.

Behind the patch ``program-project-in-update-task`` (issue 16, as the case's ``project-in-update-task``) an event is
projected by a local activity inside the workflow task that decided it, and a command's update answers with what the
API shows after it (``ProgramView``: the enrolment's row, its record, the commands possible now): the caller sends
no query and reads nothing back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from temporalio import workflow
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from statemachines.case.payloads import ProgramMonitoring, ProgramState
    from statemachines.enrolments import StartCommand
    from statemachines.kernel.engine import Applied
    from statemachines.kernel.outcomes import CommandRejected, PayloadInvalid
    from statemachines.kernel.roles import SYSTEM_ACTOR, Actor, Role
    from statemachines.programs.definition import AnyProgram, ProgramDeadline, ProgramRecord
    from statemachines.programs.registry import BY_ID
    from statemachines.programs.tasks import (
        ProgramProjection,
        ProgramProjectionAnswer,
        ProgramView,
        program_projection,
    )
    from workflows.activity_refs import PROJECT_PROGRAM_ANSWERED, PROJECT_PROGRAM_EVENT
    from workflows.messages import INVALID_PAYLOAD, REJECTED, CommandOutcome
    from workflows.outbox import Outbox
    from workflows.updates import decode_request, rejection, waived_guards

PROGRAM_MONITORING_SIGNAL = "program_monitoring"
PROGRAM_STATE_SIGNAL = "program_state"
CASE_ASSIGNEES_SIGNAL = "case_assignees"
ESW_ROUTING_PATCH = "esw-tasks-to-case-esw"  # after the histories of tests/histories/ were recorded
END_REPORT_PATCH = "enrolment-reports-its-end"  # likewise: the case hears its 支援決定's programs end (TM4)
LOCAL_PROJECTION_PATCH = "program-project-in-update-task"  # issue 16: a command is answered in its own workflow task


class CaseAssignees(BaseModel):
    """Who carries the case now: its assignee (the consultant's tasks) and its 就労支援員 (the ESW's tasks)."""

    model_config = ConfigDict(frozen=True)

    assignee: str | None = None
    employment_supporter: str | None = None


class ProgramInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    program: str
    record: dict[str, Any]  # the program's own record model, as JSON
    started_by: Actor | None = None  # None when continuing as new
    assignee: str | None = None  # who gets the program's consultant tasks (the case's assignee)
    employment_supporter: str | None = None  # who gets its ESW tasks (the case's 就労支援員; none: the ESW queue)
    outcomes: list[CommandOutcome] = Field(default_factory=list)
    continue_after_events: int = Field(default=2000, ge=50)
    monitoring_asked: str | None = None  # the interval this enrolment last asked of its case
    then: list[StartCommand] = Field(default_factory=list)  # sent by ``started_by`` after the opening


@workflow.defn(name="ProgramWorkflow")
class ProgramWorkflow:
    @workflow.init
    def __init__(self, inp: ProgramInput) -> None:
        self.defn: AnyProgram = BY_ID[inp.program]
        self.record: ProgramRecord = self.defn.record_type.model_validate(inp.record)
        self._outbox: Outbox[ProgramProjection, ProgramProjectionAnswer] = Outbox(
            PROJECT_PROGRAM_EVENT, PROJECT_PROGRAM_ANSWERED, local_patch=LOCAL_PROJECTION_PATCH
        )
        self._epoch = 0
        self._outcomes = {o.command_id: o for o in inp.outcomes}
        self._assignee = inp.assignee
        self._employment_supporter = inp.employment_supporter
        self._monitoring_asked = inp.monitoring_asked
        self._end_told = False
        if inp.started_by is not None and self.record.seq == 0:
            command_id = f"start-{self.record.enrolment_id}"
            opened = self.defn.open_enrolment(self.record, inp.started_by, now=workflow.now(), command_id=command_id)
            self._accept(None, opened)
            for index, follow_on in enumerate(inp.then):
                self._follow_on(inp.started_by, follow_on, f"{self.record.enrolment_id}:then:{index}")

    def _follow_on(self, actor: Actor, follow_on: StartCommand, command_id: str) -> None:
        """A refused follow-on is logged; the state's task stays open for a person to send it."""
        try:
            applied = self.defn.apply(
                self.record,
                follow_on.command,
                actor,
                follow_on.payload,
                now=workflow.now(),
                command_id=command_id,
            )
        except (CommandRejected, PayloadInvalid) as exc:
            workflow.logger.warning("%s: follow-on %s not applied: %s", command_id, follow_on.command, exc)
            return
        self._accept(self.record, applied)

    @workflow.run
    async def run(self, inp: ProgramInput) -> dict[str, Any]:
        while True:
            await self._flush()
            await self._tell_case()
            if workflow.info().get_current_history_length() >= inp.continue_after_events:
                await workflow.wait_condition(self._settled)
                workflow.continue_as_new(
                    inp.model_copy(
                        update={
                            "record": self.record.model_dump(mode="json"),
                            "started_by": None,
                            "outcomes": list(self._outcomes.values())[-500:],
                            "monitoring_asked": self._monitoring_asked,
                            "assignee": self._assignee,
                            "employment_supporter": self._employment_supporter,
                        }
                    )
                )
            deadlines = [d for d in self.defn.deadlines(self.record) if d.patch is None or workflow.patched(d.patch)]
            if not deadlines and self.defn.states[self.record.state].terminal:
                await workflow.wait_condition(self._settled)
                return self.record.model_dump(mode="json")
            await self._sleep_until(deadlines[0] if deadlines else None)

    def _settled(self) -> bool:
        """No handler running, every event projected and every notification done: safe to end this run."""
        return workflow.all_handlers_finished() and self._outbox.settled()

    async def _sleep_until(self, deadline: ProgramDeadline | None) -> None:
        epoch = self._epoch
        timeout = deadline.at - workflow.now() if deadline is not None else None
        if timeout is not None and timeout <= timedelta(0):
            self._fire(deadline)
            return
        try:
            await workflow.wait_condition(lambda: self._epoch != epoch, timeout=timeout)
        except TimeoutError:
            if self._epoch == epoch:
                self._fire(deadline)

    async def _tell_case(self) -> None:
        """住居確保給付金 paid → the case is monitored weekly; the case hears when that starts and stops. An enrolment
        its 支援決定 started tells the case when it ends (the 終結 waits for it)."""
        wanted = self.defn.monitoring(self.record)
        if wanted != self._monitoring_asked:
            case = workflow.get_external_workflow_handle(f"case-{self.record.case_id}")
            await case.signal(
                PROGRAM_MONITORING_SIGNAL, ProgramMonitoring(enrolment_id=self.record.enrolment_id, interval=wanted)
            )
            self._monitoring_asked = wanted
        await self._tell_end()

    async def _tell_end(self) -> None:
        """The end, told once; a case that has itself ended and completed its run cannot hear it (logged)."""
        ended = self.defn.states[self.record.state].terminal
        if self._end_told or not ended or self.defn.started_by_staff or not workflow.patched(END_REPORT_PATCH):
            return
        state = ProgramState(
            enrolment_id=self.record.enrolment_id, program=self.defn.id, name_ja=self.defn.name_ja, ended=True
        )
        self._end_told = True
        case = workflow.get_external_workflow_handle(f"case-{self.record.case_id}")
        try:
            await case.signal(PROGRAM_STATE_SIGNAL, state)
        except FailureError as exc:
            workflow.logger.warning("the case did not hear that %s ended: %s", self.record.enrolment_id, exc)

    def _fire(self, deadline: ProgramDeadline | None) -> None:
        assert deadline is not None
        command_id = f"timer:{deadline.kind}:{self.record.seq + 1}"
        try:
            applied = self.defn.apply(
                self.record,
                deadline.trigger,
                SYSTEM_ACTOR,
                deadline.payload,
                now=workflow.now(),
                command_id=command_id,
            )
        except (CommandRejected, PayloadInvalid) as exc:
            workflow.logger.warning("program timer %s not applied: %s", deadline.kind, exc)
            self._epoch += 1  # recompute; a timer that cannot apply must not spin
            return
        self._accept(self.record, applied)

    def _accept(self, before: ProgramRecord | None, applied: Applied[Any]) -> CommandOutcome:
        self.record = applied.record
        self._outbox.add(
            program_projection(
                self.defn,
                before,
                applied.record,
                applied.event,
                assignee=self._assignee,
                summary=self.defn.summarise(applied.record),
                routes=self._routes(),
            )
        )
        self._epoch += 1
        outcome = CommandOutcome(
            case_id=self.record.case_id,
            command_id=applied.event.command_id,
            command=applied.event.command,
            transition_id=applied.transition_id,
            seq=applied.event.seq,
            state=self.defn.state_of(self.record).value,
            stage=self.defn.id,
        )
        self._outcomes[outcome.command_id] = outcome
        return outcome

    def _routes(self) -> dict[str, str | None]:
        """The ESW's tasks go to the case's 就労支援員 (the ESW queue when it has none); runs that started before
        this went on giving them to the case's assignee."""
        if not workflow.patched(ESW_ROUTING_PATCH):
            return {}
        return {Role.ESW.value: self._employment_supporter}

    async def _flush(self) -> None:
        await self._outbox.flush()

    @workflow.signal(name=CASE_ASSIGNEES_SIGNAL)
    def case_assignees(self, assignees: CaseAssignees) -> None:
        """The case changed hands: the tasks this enrolment opens from now on go to its new people (the read model
        hands over the open ones with the case's own event)."""
        self._assignee = assignees.assignee
        self._employment_supporter = assignees.employment_supporter

    @workflow.update(dynamic=True)
    async def command(self, name: str, args: Sequence[RawValue]) -> CommandOutcome:
        request = decode_request(args)
        known = self._outcomes.get(request.command_id)
        if known is not None:
            return known
        # A guard added since runs were recorded (its ``patch``: the 申請日 checked against the day it is received) is
        # not asked when this run replays one recorded without it; live commands meet it in the validator anyway.
        waived = waived_guards(self.defn, name)
        try:
            applied = self.defn.apply(
                self.record,
                name,
                request.actor,
                request.payload,
                now=workflow.now(),
                command_id=request.command_id,
                waived=waived,
            )
        except CommandRejected as exc:
            raise rejection(exc) from exc
        except PayloadInvalid as exc:
            raise ApplicationError("invalid payload", *exc.errors, type=INVALID_PAYLOAD, non_retryable=True) from exc
        outcome = self._accept(self.record, applied).model_copy(update={"request_digest": request.digest(name)})
        self._outcomes[outcome.command_id] = outcome  # the same id with another request: the service answers 409
        await self._flush()
        return self._answer(outcome, request.actor)

    def _answer(self, outcome: CommandOutcome, actor: Actor) -> CommandOutcome:
        """The outcome with what the API shows after it (the enrolment's row the projection read back, the record,
        the commands possible now), when the projection ran in this task: the caller then needs no query and no
        read. Never kept for a repeated id, like the case's view."""
        answer = self._outbox.answer
        if answer is None:
            return outcome
        view = ProgramView(
            enrolment=answer.enrolment,
            record=self.record.model_dump(mode="json"),
            allowed_commands=self._allowed(actor),
        )
        return outcome.model_copy(update={"program": view})

    def _allowed(self, actor: Actor) -> list[dict[str, Any]]:
        return [o.model_dump(mode="json") for o in self.defn.explain(self.record, actor, workflow.now())]

    @command.validator
    def validate_command(self, name: str, args: Sequence[RawValue]) -> None:
        request = decode_request(args)
        if request.command_id in self._outcomes:
            return
        self._outbox.refuse_while_stuck()
        if Role.SYSTEM in request.actor.roles:
            raise ApplicationError("system commands come from timers only", type=REJECTED, non_retryable=True)
        try:
            self.defn.parse(name, request.payload)
        except PayloadInvalid as exc:
            raise ApplicationError("invalid payload", *exc.errors, type=INVALID_PAYLOAD, non_retryable=True) from exc
        unmet = self.defn.check(self.record, name, request.actor, request.payload, workflow.now())
        if unmet:
            raise rejection(CommandRejected(name, unmet))

    @workflow.update
    async def retry_projection(self) -> bool:
        """An operator's retry of the event the read model refused, once its cause is fixed (see CaseWorkflow's)."""
        return await self._outbox.retried()

    @workflow.update
    async def projected(self) -> int:
        await workflow.wait_condition(self._outbox.projected)
        return self.record.seq

    @workflow.query
    def record_json(self) -> dict[str, Any]:
        return self.record.model_dump(mode="json")

    @workflow.query
    def allowed(self, actor: Actor) -> list[dict[str, Any]]:
        return self._allowed(actor)
