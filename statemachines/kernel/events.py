"""What a case emits: events with their hash chain, tasks, and the projection of one transition.

These models are the contract between the workflow (which decides) and the store (which records). They are pure
data: the workflow builds them deterministically, the projection activity writes them in one transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from statemachines.kernel.roles import Role

GENESIS_HASH = "0" * 64
T = TypeVar("T", bound=StrEnum)


class CaseEvent(BaseModel):
    """One accepted command (or timer) and the move it made: a row of ``case_events``."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    seq: int = Field(ge=1)
    at: datetime
    actor_id: str
    actor_roles: list[str]
    command: str
    command_id: str
    transition_id: str
    from_state: str | None
    to_state: str
    payload: dict[str, Any] = Field(default_factory=dict)
    payload_sha256: str = Field(default="", description="the digest the hash covers; filled from the payload")
    payload_erased: bool = False  # crypto-shredding erased the payload after its retention; the digest stays
    prev_hash: str
    hash: str

    @model_validator(mode="before")
    @classmethod
    def _digest_of_payload(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("payload_sha256"):
            return {**data, "payload_sha256": payload_digest(data.get("payload") or {})}
        return data

    def canonical_content(self) -> str:
        return canonical_event_content(
            case_id=self.case_id,
            seq=self.seq,
            at=self.at,
            actor_id=self.actor_id,
            actor_roles=self.actor_roles,
            command=self.command,
            command_id=self.command_id,
            transition_id=self.transition_id,
            from_state=self.from_state,
            to_state=self.to_state,
            payload_sha256=self.payload_sha256,
        )

    def hash_is_valid(self) -> bool:
        """The hash covers the row; the payload, unless erased, matches the digest the hash covers.

        Events recorded before the payload entered the hash by its digest (histories of the first releases) had the
        payload itself in the hashed content: they still verify that way while their payload is there.
        """
        if self.payload_erased:  # erased means empty: a payload written back after the erasure is a forgery
            return not self.payload and self.hash == chain_hash(self.prev_hash, self.canonical_content())
        if payload_digest(self.payload) != self.payload_sha256:
            return False
        # the old form only when the current one does not match: the nightly pass checks every event of the country
        return self.hash == chain_hash(self.prev_hash, self.canonical_content()) or self.hash == chain_hash(
            self.prev_hash, self._payload_inline_content()
        )

    def _payload_inline_content(self) -> str:
        body = json.loads(self.canonical_content())
        del body["payload_sha256"]
        body["payload"] = self.payload
        return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)

    def erased(self) -> CaseEvent:
        """The skeleton that stays after crypto-shredding: everything but the payload, still verifiable."""
        return self.model_copy(update={"payload": {}, "payload_erased": True})


def payload_digest(payload: dict[str, Any]) -> str:
    """sha256 of the payload's canonical JSON (sorted keys, no whitespace)."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_event_content(
    *,
    case_id: str,
    seq: int,
    at: datetime,
    actor_id: str,
    actor_roles: list[str],
    command: str,
    command_id: str,
    transition_id: str,
    from_state: str | None,
    to_state: str,
    payload: dict[str, Any] | None = None,
    payload_sha256: str | None = None,
) -> str:
    """The bytes the hash covers: sorted-key JSON, UTC ISO time, no whitespace.

    The payload enters by its digest, so the chain still verifies once crypto-shredding has erased the payload.
    """
    if payload_sha256 is None:
        if payload is None:
            raise ValueError("an event's content needs its payload or the payload's digest")
        payload_sha256 = payload_digest(payload)
    body = {
        "case_id": case_id,
        "seq": seq,
        "at": (at.astimezone(UTC) if at.tzinfo is not None else at).isoformat(),
        "actor_id": actor_id,
        "actor_roles": sorted(actor_roles),
        "command": command,
        "command_id": command_id,
        "transition_id": transition_id,
        "from_state": from_state,
        "to_state": to_state,
        "payload_sha256": payload_sha256,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def chain_hash(prev_hash: str, canonical_content: str) -> str:
    """sha256 over the previous row's hash and this row's canonical content."""
    return hashlib.sha256((prev_hash + "\n" + canonical_content).encode("utf-8")).hexdigest()


def chained(body: dict[str, Any], prev_hash: str) -> CaseEvent:
    """The next link of a case's (or an enrolment's) chain: the event of ``body`` (every field of the content but
    the payload's digest, the payload itself instead) and its hash over the previous one."""
    return CaseEvent(**body, prev_hash=prev_hash, hash=chain_hash(prev_hash, canonical_event_content(**body)))


def first_broken_link(events: list[CaseEvent]) -> int | None:
    """The seq of the first event whose hash, predecessor link or numbering is wrong, or None."""
    prev = GENESIS_HASH
    for expected_seq, event in enumerate(sorted(events, key=lambda e: e.seq), start=1):
        if event.seq != expected_seq or event.prev_hash != prev or not event.hash_is_valid():
            return event.seq if event.seq == expected_seq else expected_seq
        prev = event.hash
    return None


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class NoticeKind(StrEnum):
    """How the opening of a task is told to its assignee (the inbox notification and its e-mail)."""

    TASK_ASSIGNED = "task_assigned"  # a person's command gave them (or kept them on) a task
    REMINDER = "reminder"  # a timer warns ahead: an appointment tomorrow, an extension deadline in 14 days
    DEADLINE = "deadline"  # a timer says something is due now: monitoring, an evaluation, missing evidence


TIMER_COMMAND_PREFIX = "timer:"


def notice_for(event: CaseEvent, declared: NoticeKind | None) -> NoticeKind:
    """The task kind's own notice, else DEADLINE for a task a timer opened and TASK_ASSIGNED for any other."""
    if declared is not None:
        return declared
    return NoticeKind.DEADLINE if event.command_id.startswith(TIMER_COMMAND_PREFIX) else NoticeKind.TASK_ASSIGNED


class TaskSpec(BaseModel):
    """A human task opened by a transition or a timer. ``command`` is what completes it."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    kind: str
    title_ja: str
    title_en: str
    role: str
    assignee: str | None
    due_at: datetime | None
    command: str
    notice: NoticeKind = NoticeKind.TASK_ASSIGNED


class TaskRow(TaskSpec):
    """A ``tasks`` row of the read model: the :class:`TaskSpec` that opened it, plus its case and lifecycle (what the
    projection answers a command with, ``activities.projection``, so it lives here rather than in ``store``)."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    case_id: str
    status: TaskStatus
    opened_seq: int
    closed_seq: int | None
    opened_at: datetime
    closed_at: datetime | None


class ProjectionAnswer(BaseModel):
    """What the projection run inside a command's workflow task answers (``PROJECT_ANSWERED``): the event it
    recorded, so that the history holds it in the activity's marker (a local activity's input is not recorded), and
    the case's open tasks after it, which the command's answer shows."""

    model_config = ConfigDict(frozen=True)

    event: CaseEvent
    open_tasks: list[TaskRow]


@dataclass(frozen=True)
class TaskKind(Generic[T]):
    """A kind of human task a process's state or timer opens, for a role; ``command`` is what completes it."""

    kind: str
    role: Role
    command: T
    title_ja: str
    title_en: str
    notice: NoticeKind | None = None  # None: DEADLINE when a timer opens it, else TASK_ASSIGNED

    def spec(self, task_id: str, event: CaseEvent, assignee: str | None, due_at: datetime | None) -> TaskSpec:
        """The task this kind opens with ``event``."""
        return TaskSpec(
            task_id=task_id,
            kind=self.kind,
            title_ja=self.title_ja,
            title_en=self.title_en,
            role=self.role.value,
            assignee=assignee,
            due_at=due_at,
            command=self.command.value,
            notice=notice_for(event, self.notice),
        )


class TaskNotice(BaseModel):
    """The assigned tasks one event opened on a case, and when (the event's time, so a retry stores the same rows)."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    tasks: list[TaskSpec]
    at: datetime


def task_notice(event: CaseEvent, opened: list[TaskSpec]) -> TaskNotice | None:
    """What to tell the assignees of the tasks ``event`` opened; None when no opened task has an assignee."""
    assigned = [task for task in opened if task.assignee is not None]
    if not assigned:
        return None
    return TaskNotice(case_id=event.case_id, tasks=assigned, at=event.at)


class CaseSnapshotRow(BaseModel):
    """The ``cases`` row as the workflow sees it after a transition (no personal data)."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    municipality: str
    stage: str
    state: str
    emergency_active: bool
    assignee: str | None
    opened_at: datetime
    updated_at: datetime
    state_entered_at: datetime | None = None  # aging in the pipeline
    closed_at: datetime | None
    next_due_at: datetime | None
    next_due_kind: str | None
    ruleset_id: str
    plan_version: int
    last_seq: int
    case_number: str | None = None  # 受付番号 (statemachines.case.numbers); None before 2026-12
    person_id: str | None = None  # the 相談者 (store.persons); None before 2026-12
    # supervision (the caseload views): the case's 就労支援員, its last contact with 本人, the 支援困難事例 flag
    employment_supporter: str | None = None
    last_contact_at: datetime | None = None
    difficult_case: bool = False


class Projection(BaseModel):
    """Everything one event changes in the read model, applied in one transaction, idempotent on (case, seq)."""

    model_config = ConfigDict(frozen=True)

    case: CaseSnapshotRow
    event: CaseEvent
    close_task_kinds: list[str] = Field(default_factory=list)
    open_tasks: list[TaskSpec] = Field(default_factory=list)
    # The 相談者's identity as the case now records it (a dump of the case's ``ClientIdentity``), when this event
    # changed it and the case names its person (``case.person_id``): written to ``people`` in the same transaction.
    person: dict[str, Any] | None = None
    # the case's open tasks of a role handed to another assignee (None: back to the role's queue)
    reassign_roles: dict[str, str | None] = Field(default_factory=dict)


class Rejection(BaseModel):
    """A command the case refused: Temporal keeps no trace of a rejected update, so the store does."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    at: datetime
    actor_id: str
    actor_roles: list[str]
    command: str
    command_id: str
    state: str | None
    reasons: list[dict[str, str]]
