"""Reads and writes of the read model, inside the caller's transaction (the repository never commits)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session

from statemachines.kernel.events import (
    GENESIS_HASH,
    CaseEvent,
    CaseSnapshotRow,
    Projection,
    Rejection,
    TaskRow,
    TaskSpec,
    TaskStatus,
    first_broken_link,
)
from statemachines.policy.statistics import facts_of
from store import day_counts
from store.day_counts import keys_of
from store.errors import ChainConflictError
from store.models import CaseEventRecord, CaseRecord, RejectionRecord, TaskRecord


def supersedes(event: CaseEvent, prev_hash: str, at: datetime) -> bool:
    """Whether ``event``, from the workflow task Temporal records, replaces the one a lost task wrote at its seq (whose
    link and time are ``prev_hash`` and ``at``): the same predecessor, and dated no earlier, since the recorded task
    runs after the task it lost; a lost task's local activity that finishes late is refused. Cases and programs."""
    return prev_hash == event.prev_hash and event.at >= at


class CaseRepository:
    """The store of cases, their hash-chained events, tasks and rejections."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # -- writes ---------------------------------------------------------------------------------------------

    def apply_projection(self, p: Projection, *, supersede: bool = False) -> bool:
        """Record one event and what it changes. False if this very event is already recorded.

        Raises :class:`ChainConflictError` if another event holds the seq or the event does not link to the
        chain. Locks the predecessor row (PostgreSQL), so concurrent appends to a case serialise.

        ``supersede`` (the projection run as a local activity, inside the workflow task that decides the event):
        another event at this seq that links to the same predecessor was written by a workflow task that never
        completed (the worker died after the write, before Temporal recorded the task), so Temporal never holds it;
        it and whatever followed it are undone (``_undo_from``) and this event, the one history keeps, takes its seq.
        Only a later task supersedes: the task Temporal records runs after the one it lost, so its event is dated
        later (``workflow.now()``). A lost task's local activity still running when the retried one has written
        (seen after a server crash, two workers) is refused, never undoing the event history holds and those after.
        """
        event = p.event
        prev = self._event_record(event.case_id, event.seq - 1, lock=True) if event.seq > 1 else None
        existing = self._event_record(event.case_id, event.seq)
        forced = False
        if existing is not None:
            if existing.hash == event.hash:
                return False
            if not (supersede and supersedes(event, existing.prev_hash, existing.at)):
                raise ChainConflictError(event.case_id, event.seq, "another event is already recorded at this seq")
            _check_link(p, prev)
            self._undo_from(event.case_id, event.seq)
            forced = True
        _check_link(p, prev)
        self._upsert_case(p.case, force=forced)
        self._session.add(CaseEventRecord(**event.model_dump(), facts=facts_of(event.command, event.payload)))
        self._close_tasks(event, p.close_task_kinds)
        self._reassign_tasks(event.case_id, p.reassign_roles)
        self._open_tasks(event, p.open_tasks)
        self._session.flush()
        return True

    def apply_task_changes(self, event: CaseEvent, close_kinds: list[str], open_tasks: list[TaskSpec]) -> None:
        """Close open tasks of the event's case by kind and open new ones (also used by program events)."""
        self._close_tasks(event, close_kinds)
        self._open_tasks(event, open_tasks)

    def take_back_task_changes(
        self, case_id: str, opened: ColumnElement[bool], closed: ColumnElement[bool], *also: ColumnElement[bool]
    ) -> None:
        """Undo what events that are being taken back did to ``case_id``'s tasks (``apply_task_changes`` in reverse):
        the tasks ``opened`` selects go, the ones ``closed`` selects are open again; ``also`` narrows both."""
        self._session.execute(
            delete(TaskRecord)
            .where(TaskRecord.case_id == case_id, opened, *also)
            .execution_options(synchronize_session="fetch")
        )
        self._session.execute(
            update(TaskRecord)
            .where(TaskRecord.case_id == case_id, closed, *also)
            .values(status=TaskStatus.OPEN.value, closed_seq=None, closed_at=None)
            .execution_options(synchronize_session="fetch")
        )

    def record_rejection(self, r: Rejection) -> None:
        self._session.add(RejectionRecord(**r.model_dump()))
        self._session.flush()

    def _event_record(self, case_id: str, seq: int, *, lock: bool = False) -> CaseEventRecord | None:
        stmt = select(CaseEventRecord).where(CaseEventRecord.case_id == case_id, CaseEventRecord.seq == seq)
        if lock:
            stmt = stmt.with_for_update()
        return self._session.scalars(stmt).one_or_none()

    def _undo_from(self, case_id: str, seq: int) -> None:
        """Take back the events of ``case_id`` from ``seq`` on, written by a workflow task Temporal never recorded:
        the tasks they opened go, the ones they closed are open again, the events are deleted. No notification
        was sent for them: notifications are activities scheduled by the completed workflow task only."""
        self.take_back_task_changes(case_id, TaskRecord.opened_seq >= seq, TaskRecord.closed_seq >= seq)
        self._session.execute(
            delete(CaseEventRecord)
            .where(CaseEventRecord.case_id == case_id, CaseEventRecord.seq >= seq)
            .execution_options(synchronize_session="fetch")
        )

    def _upsert_case(self, case: CaseSnapshotRow, *, force: bool = False) -> None:
        record = self._session.get(CaseRecord, case.case_id)
        if record is None:
            self._session.add(CaseRecord(**case.model_dump()))
            day_counts.move(self._session, frozenset(), keys_of(case))
        elif force or case.last_seq >= record.last_seq:
            before = keys_of(record)
            for name, value in case.model_dump(exclude={"case_id"}).items():
                if value is None and name in _KEPT_WHEN_UNKNOWN:
                    continue  # a case opened before numbering keeps the number its migration gave it
                setattr(record, name, value)
            day_counts.move(self._session, before, keys_of(record))
        # The case row must exist before its events and tasks reference it.
        self._session.flush()

    def _close_tasks(self, event: CaseEvent, kinds: list[str]) -> None:
        if not kinds:
            return
        self._session.execute(
            update(TaskRecord)
            .where(
                TaskRecord.case_id == event.case_id,
                TaskRecord.status == TaskStatus.OPEN.value,
                TaskRecord.kind.in_(kinds),
            )
            .values(status=TaskStatus.DONE.value, closed_seq=event.seq, closed_at=event.at)
            .execution_options(synchronize_session="fetch")
        )

    def _reassign_tasks(self, case_id: str, by_role: dict[str, str | None]) -> None:
        """The case's open tasks of each role go to the assignee given (None: back to the role's queue)."""
        for role, assignee in by_role.items():
            self._session.execute(
                update(TaskRecord)
                .where(
                    TaskRecord.case_id == case_id,
                    TaskRecord.status == TaskStatus.OPEN.value,
                    TaskRecord.role == role,
                )
                .values(assignee=assignee)
                .execution_options(synchronize_session="fetch")
            )

    def _open_tasks(self, event: CaseEvent, tasks: list[TaskSpec]) -> None:
        for spec in tasks:
            self.open_task(event.case_id, spec, seq=event.seq, at=event.at)

    def open_task(self, case_id: str, spec: TaskSpec, *, seq: int, at: datetime) -> None:
        """Open ``spec`` on the case once: a task id already stored is left as it is. ``seq`` 0: no event opened it.

        The task carries its case's municipality (the inbox filters on it without a join); the case row must exist.
        """
        if self._session.get(TaskRecord, spec.task_id) is not None:
            return
        case = self._session.get(CaseRecord, case_id)  # in the session already when a projection opens it
        if case is None:
            raise ValueError(f"case {case_id} has no row: a task is opened on a projected case")
        self._session.add(
            TaskRecord(
                **spec.model_dump(exclude={"notice"}),
                case_id=case_id,
                municipality=case.municipality,
                status=TaskStatus.OPEN.value,
                opened_seq=seq,
                opened_at=at,
            )
        )

    # -- reads ----------------------------------------------------------------------------------------------

    def get_case(self, case_id: str) -> CaseSnapshotRow | None:
        record = self._session.get(CaseRecord, case_id)
        return None if record is None else CaseSnapshotRow.model_validate(record, from_attributes=True)

    def list_events(self, case_id: str) -> list[CaseEvent]:
        stmt = select(CaseEventRecord).where(CaseEventRecord.case_id == case_id).order_by(CaseEventRecord.seq)
        return [CaseEvent.model_validate(r, from_attributes=True) for r in self._session.scalars(stmt)]

    def list_tasks(self, case_id: str, status: str | None = None) -> list[TaskRow]:
        """The case's tasks in the order they were opened, optionally only those with ``status``."""
        stmt = select(TaskRecord).where(TaskRecord.case_id == case_id)
        if status is not None:
            stmt = stmt.where(TaskRecord.status == TaskStatus(status).value)
        stmt = stmt.order_by(TaskRecord.opened_seq, TaskRecord.task_id)
        return [TaskRow.model_validate(r) for r in self._session.scalars(stmt)]

    def list_rejections(self, case_id: str) -> list[Rejection]:
        stmt = (
            select(RejectionRecord)
            .where(RejectionRecord.case_id == case_id)
            .order_by(RejectionRecord.at, RejectionRecord.id)
        )
        return [Rejection.model_validate(r, from_attributes=True) for r in self._session.scalars(stmt)]

    def close_tasks_of_kind(self, case_id: str, kind: str, *, now: datetime) -> int:
        """Close the case's open tasks of ``kind`` that no event closes (e.g. the integrity check's): how many."""
        result = self._session.execute(
            update(TaskRecord)
            .where(TaskRecord.case_id == case_id, TaskRecord.kind == kind, TaskRecord.status == TaskStatus.OPEN.value)
            .values(status=TaskStatus.DONE.value, closed_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def first_wrong_facts(self, case_id: str) -> int | None:
        """The seq of the first event whose coded ``facts`` (what the monthly report counts) are not what its
        payload says, or None. ``facts`` sit beside the hash chain, so they are recomputed from the chained payload;
        an erased payload's facts can no longer be checked (the months it counted were reported and kept long
        before: ``monthly_reports``)."""
        stmt = (
            select(CaseEventRecord.seq, CaseEventRecord.command, CaseEventRecord.payload, CaseEventRecord.facts)
            .where(CaseEventRecord.case_id == case_id, CaseEventRecord.payload_erased.is_(False))
            .order_by(CaseEventRecord.seq)
        )
        for seq, command, payload, facts in self._session.execute(stmt):
            if (facts or {}) != facts_of(command, payload or {}):
                return int(seq)
        return None

    def verify_chain(self, case_id: str) -> int | None:
        """The seq of the first altered, missing or misnumbered event of the case (its payload, or the report facts
        recorded beside it), or None if intact.

        Events cut off the end of the chain are found through ``cases.last_seq``.
        """
        broken = first_broken_link(self.list_events(case_id))
        wrong = self.first_wrong_facts(case_id)
        if broken is not None or wrong is not None:
            return min(s for s in (broken, wrong) if s is not None)
        count = self._session.scalar(select(func.count()).where(CaseEventRecord.case_id == case_id)) or 0
        last_seq = self._session.scalar(select(CaseRecord.last_seq).where(CaseRecord.case_id == case_id))
        if last_seq is not None and count < last_seq:
            return count + 1
        return None


_KEPT_WHEN_UNKNOWN = frozenset({"case_number", "person_id"})


def _check_link(p: Projection, prev: CaseEventRecord | None) -> None:
    """Refuse an event that would not verify as the next link of its case's chain."""
    event = p.event
    if p.case.case_id != event.case_id:
        raise ChainConflictError(event.case_id, event.seq, f"projection carries the case row of {p.case.case_id}")
    if event.seq > 1 and prev is None:
        raise ChainConflictError(event.case_id, event.seq, f"seq {event.seq - 1} is not recorded")
    expected_prev = GENESIS_HASH if prev is None else prev.hash
    if event.prev_hash != expected_prev:
        raise ChainConflictError(event.case_id, event.seq, "prev_hash does not match the previous event")
    if event.at.utcoffset() != timedelta(0):
        # The hash covers at.isoformat(); it is stored in UTC, so only a UTC time re-verifies when read back.
        raise ChainConflictError(event.case_id, event.seq, "event time is not in UTC")
    if not event.hash_is_valid():
        raise ChainConflictError(event.case_id, event.seq, "hash does not match the event content")
