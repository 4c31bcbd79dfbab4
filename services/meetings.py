"""The 支援調整会議 as a sitting (statemachines.case.meetings; store.meetings): make one, build its agenda from the
cases waiting, and record each case's outcome by sending the case's own commands, one per step, each with its own
command id (``mtg-<sitting>-<case>-<command>``: a retried recording returns the first result and sends nothing twice).

A sitting belongs to one municipality: only who serves it sees the sitting, and only that municipality's cases go on
its agenda. Adding a case whose plan was consented (PLAN_CONSENTED) puts it on the sitting's day (T13) at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session, sessionmaker

from services.cases import CaseService, MunicipalityNotServed
from statemachines.case.meetings import Outcome, Sitting, SittingKind, payload, steps
from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.records import Attendee
from statemachines.case.transitions import Trigger
from statemachines.kernel.outcomes import CommandRejected, PayloadInvalid, Unmet, UnmetKind
from statemachines.kernel.roles import Actor
from store import meetings as store
from store.meetings import AgendaRow, CaseSitting, SittingRow, SittingSummary, WaitingCase


class SittingNotFound(Exception):
    """No such sitting, or one of a municipality the user does not serve: the same 404 either way."""


class SittingRefused(Exception):
    """What was asked of the sitting cannot be done (the message says why, in Japanese)."""


class SittingInvalid(SittingRefused):
    """What was sent for a sitting is not enough to hold it (a 422)."""


class Member(Attendee):
    """A member present (G5 counts them and looks for the municipal official). At a 支援会議 (法第9条) each member
    acknowledges the duty of confidentiality (process.md §5.3)."""

    confidentiality_acknowledged: bool = False


class NewSitting(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    municipality: str = Field(min_length=1, max_length=64)
    held_on: date
    kind: SittingKind = SittingKind.SUPPORT_COORDINATION
    title: str | None = Field(default=None, max_length=200)
    members: list[Member] = Field(default_factory=list, max_length=100)


class Decision(BaseModel):
    """One case's outcome at the sitting and the minutes for that client (S23)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    case_id: str = Field(min_length=1, max_length=64)
    outcome: Outcome
    minutes: str | None = Field(default=None, max_length=4000)


@dataclass
class ItemResult:
    case_id: str
    case_number: str | None
    outcome: Outcome
    recorded: bool
    state: str
    refused: list[Unmet] = field(default_factory=list)
    errors: list[dict[str, object]] = field(default_factory=list)
    added: bool | None = None  # putting it on the agenda: whether it is on it now (None: an outcome's result)


ACT9_UNACKNOWLEDGED = "支援会議（法第9条）の構成員は全員、守秘義務の確認が必要です（法第9条第5項）。"
NOT_WAITING = "支援調整会議を待っていないケース、または他の会議で結果を記録していないケースは議題にできません。"
WRONG_OUTCOME = "この議題では選べない結果です（プランは承認・修正、終結・中断は確認）。"


def _unmet(message: str) -> Unmet:
    return Unmet(kind=UnmetKind.STATE, id="SITTING", message_ja=message, message_en=message)


def command_id(sitting_id: str, case_id: str, trigger: Trigger) -> str:
    return f"mtg-{sitting_id}-{case_id}-{trigger.value}"


class MeetingService:
    def __init__(self, sessions: sessionmaker[Session], cases: CaseService, clock: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._cases = cases
        self._clock = clock

    # -- sittings ---------------------------------------------------------------------------------------------------

    def create(self, actor: Actor, new: NewSitting) -> SittingRow:
        if new.municipality not in actor.serves:
            raise MunicipalityNotServed(new.municipality)
        if new.kind is SittingKind.SUPPORT_MEETING and not all(m.confidentiality_acknowledged for m in new.members):
            raise SittingInvalid(ACT9_UNACKNOWLEDGED)
        row = SittingRow(
            meeting_id=uuid.uuid4().hex,
            municipality=new.municipality,
            kind=new.kind,
            held_on=new.held_on,
            title=new.title or None,
            members=[m.model_dump(mode="json", exclude_none=True) for m in new.members],
            created_by=actor.user_id,
            created_at=self._clock(),
        )
        with self._sessions.begin() as session:
            store.add_sitting(session, row)
        return row

    def sittings(self, actor: Actor) -> list[SittingSummary]:
        with self._sessions.begin() as session:
            return store.sittings(session, actor.serves)

    def get(self, actor: Actor, sitting_id: str) -> tuple[SittingRow, list[AgendaRow]]:
        with self._sessions.begin() as session:
            row = store.sitting(session, sitting_id, actor.serves)
            if row is None:
                raise SittingNotFound("支援調整会議が見つかりません。")
            return row, store.agenda(session, sitting_id)

    def waiting(self, actor: Actor, sitting_id: str) -> list[WaitingCase]:
        """The cases of the sitting's municipality that wait for a meeting and are on no undecided agenda."""
        row, _ = self.get(actor, sitting_id)
        with self._sessions.begin() as session:
            return store.waiting_cases(session, row.municipality)

    def of_case(self, case_id: str) -> list[CaseSitting]:
        """The sittings that discussed ``case_id`` (the caller has checked that the case is visible)."""
        with self._sessions.begin() as session:
            return store.case_sittings(session, case_id)

    # -- the agenda -------------------------------------------------------------------------------------------------

    async def add(self, actor: Actor, sitting_id: str, case_ids: Sequence[str]) -> list[ItemResult]:
        """Put waiting cases on the agenda; a consented plan (PLAN_CONSENTED) is put on the sitting's day (T13)."""
        row, _ = self.get(actor, sitting_id)
        waiting = {c.case_id: c for c in self.waiting(actor, sitting_id)}
        chosen = list(dict.fromkeys(case_ids))
        if not chosen or any(c not in waiting for c in chosen):
            raise SittingRefused(NOT_WAITING)
        with self._sessions.begin() as session:
            store.add_items(session, sitting_id, [waiting[c] for c in chosen])
        results = []
        for case_id in chosen:
            if waiting[case_id].state == CaseState.PLAN_CONSENTED.value:
                results.append(await self._put_on_agenda(actor, _sitting(row), waiting[case_id]))
        return results

    async def _put_on_agenda(self, actor: Actor, sitting: Sitting, case: WaitingCase) -> ItemResult:
        """T13 for a consented plan; refused (or failed), the case comes off the agenda again and waits as before,
        the refusal saying why it was not added."""
        trigger = Trigger.PUT_ON_AGENDA
        body = {"planned_meeting_on": sitting.held_on.isoformat()}
        result = ItemResult(case.case_id, case.case_number, Outcome.APPROVE, recorded=False, state=case.state)
        try:
            result.added = await self._send(actor, sitting, case.case_id, trigger, body, result)
        except BaseException:
            self._take_off(sitting.sitting_id, case.case_id)
            raise
        if not result.added:
            self._take_off(sitting.sitting_id, case.case_id)
        return result

    def _take_off(self, sitting_id: str, case_id: str) -> None:
        with self._sessions.begin() as session:
            store.remove_item(session, sitting_id, case_id)

    def remove(self, actor: Actor, sitting_id: str, case_id: str) -> None:
        self.get(actor, sitting_id)
        with self._sessions.begin() as session:
            if not store.remove_item(session, sitting_id, case_id):
                raise SittingRefused("結果を記録した議題、または議題にないケースは外せません。")

    # -- outcomes ---------------------------------------------------------------------------------------------------

    async def record(self, actor: Actor, sitting_id: str, decisions: Sequence[Decision]) -> list[ItemResult]:
        """Each case's outcome, as the single-case commands record it (T13/T14 first where the case still needs
        them). A refusal stops that case only: the others are recorded; nothing is recorded twice."""
        row, items = self.get(actor, sitting_id)
        open_items = {i.case_id: i for i in items if i.outcome is None}
        if any(d.case_id not in open_items for d in decisions):
            raise SittingRefused("議題にないケース、または結果を記録済みのケースが含まれています。")
        sitting = _sitting(row)
        return [await self._decide(actor, sitting, open_items[d.case_id], d) for d in decisions]

    async def _decide(self, actor: Actor, sitting: Sitting, item: AgendaRow, decision: Decision) -> ItemResult:
        record = await self._cases.record(item.case_id)
        result = ItemResult(item.case_id, item.case_number, decision.outcome, recorded=False, state=record.state)
        triggers = steps(record.state, decision.outcome)
        if not triggers:
            result.refused = [_unmet(WRONG_OUTCOME)]
            return result
        for trigger in triggers:
            body = payload(trigger, decision.outcome, sitting, record, decision.minutes)
            if not await self._send(actor, sitting, item.case_id, trigger, body, result):
                return result
        with self._sessions.begin() as session:
            store.record_outcome(
                session,
                sitting.sitting_id,
                item.case_id,
                outcome=decision.outcome,
                minutes=decision.minutes,
                user_id=actor.user_id,
                now=self._clock(),
            )
        result.recorded = True
        return result

    async def _send(
        self,
        actor: Actor,
        sitting: Sitting,
        case_id: str,
        trigger: Trigger,
        body: Mapping[str, object],
        out: ItemResult,
    ) -> bool:
        sent = command_id(sitting.sitting_id, case_id, trigger)
        try:
            outcome = await self._cases.send(case_id, trigger.value, actor, dict(body), sent)
        except CommandRejected as exc:
            out.refused = exc.unmet
            return False
        except PayloadInvalid as exc:
            out.errors = exc.errors
            return False
        out.state = outcome.state
        with self._sessions.begin() as session:
            store.note_commands(session, sitting.sitting_id, case_id, [sent])
        return True

    async def records(self, items: Sequence[AgendaRow]) -> list[tuple[AgendaRow, CaseRecord]]:
        """Each agenda item with its case's record now (for the packet)."""
        return [(item, await self._cases.record(item.case_id)) for item in items]


def _sitting(row: SittingRow) -> Sitting:
    fields = Attendee.model_fields
    members = tuple(Attendee.model_validate({k: v for k, v in m.items() if k in fields}) for m in row.members)
    return Sitting(sitting_id=row.meeting_id, held_on=row.held_on, kind=row.kind, members=members)
