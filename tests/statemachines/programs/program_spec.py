"""The table of a program, shared by the program tests: payloads, who fires what, how to reach each state; and one
command applied from a table kept in dicts (住居確保給付金, 就労準備支援)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from statemachines.kernel.roles import Actor
from statemachines.programs.definition import AnyProgram
from statemachines.programs.tasks import program_projection
from tests.factories import SW1

NOW = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)  # 10:00 JST
Step = str | tuple[str, dict[str, Any]]
Expected = dict[str, dict[str, str | frozenset[str]]]


class Spec:
    """One program's table: payloads, who fires what, how to reach each state, and what each command does there."""

    def __init__(
        self,
        defn: AnyProgram,
        payloads: dict[str, dict[str, Any]],
        actors: dict[str, Actor],
        default: Actor,
        paths: dict[str, list[Step]],
        expected: Expected,
        times: dict[str, datetime] | None = None,
    ) -> None:
        self.defn, self.payloads, self.actors, self.default = defn, payloads, actors, default
        self.paths, self.expected = paths, expected
        self.times = times or {}  # a command done at another moment than NOW unless told (attendance: after the start)

    def actor(self, trigger: str) -> Actor:
        return self.actors.get(trigger, self.default)

    def when(self, trigger: str, now: datetime | None) -> datetime:
        return now if now is not None else self.times.get(trigger, NOW)

    def step(
        self, record: Any, trigger: str, payload: dict[str, Any] | None = None, now: datetime | None = None
    ) -> Any:
        return self.applied(record, trigger, payload, now).record

    def applied(
        self, record: Any, trigger: str, payload: dict[str, Any] | None = None, now: datetime | None = None
    ) -> Any:
        body = self.payloads[trigger] if payload is None else payload
        at = self.when(trigger, now)
        return self.defn.apply(record, trigger, self.actor(trigger), body, now=at, command_id=f"c{record.seq + 1}")

    def reach(self, state: str, now: datetime | None = None) -> Any:
        record = self.defn.start(enrolment_id="e1", case_id="c1", municipality="city-a", now=now or NOW)
        for item in self.paths[state]:
            trigger, payload = (item, None) if isinstance(item, str) else item
            record = self.step(record, trigger, payload, now)
        assert record.state == state
        return record

    def unmet(
        self, record: Any, trigger: str, payload: dict[str, Any] | None = None, now: datetime | None = None
    ) -> set[str]:
        body = self.payloads[trigger] if payload is None else payload
        return {u.id for u in self.defn.check(record, trigger, self.actor(trigger), body, self.when(trigger, now))}

    def project(
        self, before: Any, trigger: str, payload: dict[str, Any] | None = None, now: datetime | None = None
    ) -> Any:
        applied = self.applied(before, trigger, payload, now)
        projection = program_projection(self.defn, before, applied.record, applied.event, assignee="esw1", summary={})
        return applied.record, projection


def step(
    defn: AnyProgram,
    record: Any,
    trigger: str,
    payload: dict[str, Any] | None,
    actors: dict[str, Actor],
    payloads: dict[str, dict[str, Any]],
    now: datetime = NOW,
) -> Any:
    body = payloads[trigger] if payload is None else payload
    return defn.apply(record, trigger, actors.get(trigger, SW1), body, now=now, command_id=f"c{record.seq + 1}").record
