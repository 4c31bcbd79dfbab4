"""What every program process is (process.md §3): a kernel ``Process`` with its record, timers, tasks and rules.

A program (住居確保給付金, 就労準備支援, ...) is a ``ProgramDef``: states and triggers as enums, a table of transitions,
guards with their legal basis, the record it keeps, the typed effects of each trigger, the durable timers it runs
and the tasks its states and timers open. The kernel's engine runs it like the case; its events are named
``<program>.<trigger>`` and live on the enrolment's own chain, which starts with ``<program>.start``.

A program is one folder, ``statemachines/programs/<id>/``, whose ``table`` module holds its ``ProgramDef``: the
registry finds it there. Everything the rest of the system needs to know about it is declared on the definition or
beside it in the folder: its place in the list (``position``), the patch a case starts it behind (``start_patch``),
the kind of record it keeps for retention (``document``), the Japanese words of its forms (``labels``), and the
sensitivity of every field of its record (``statemachines.kernel.sensitivity``: a program that narrows ``state`` or
adds a field tags it there; its rules are ``CONFIGURATION``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from statemachines.kernel.engine import Applied, Process
from statemachines.kernel.events import GENESIS_HASH, TaskKind
from statemachines.kernel.guards import Guard, GuardContext, Verdict
from statemachines.kernel.roles import MUNICIPAL, SYSTEM, Actor, Role
from statemachines.kernel.rules import DocumentType, add_duration
from statemachines.kernel.sensitivity import BASIC
from statemachines.kernel.table import Transition
from statemachines.kernel.timers import Timer, describe_timers


class ProgramRecord(BaseModel):
    """What every enrolment keeps; each program extends it with its own fields and narrows ``state`` to its enum."""

    model_config = ConfigDict(extra="forbid")

    enrolment_id: Annotated[str, BASIC]
    case_id: Annotated[str, BASIC]
    municipality: Annotated[str, BASIC]
    state: Annotated[str, BASIC]
    state_entered_at: Annotated[datetime, BASIC]
    started_at: Annotated[datetime, BASIC]
    seq: Annotated[int, BASIC] = 0
    last_hash: Annotated[str, BASIC] = GENESIS_HASH


S = TypeVar("S", bound=StrEnum)
T = TypeVar("T", bound=StrEnum)
R = TypeVar("R", bound=ProgramRecord)


@dataclass(frozen=True)
class ProgramState:
    name_ja: str
    name_en: str
    terminal: bool = False


class ProgramDeadline(BaseModel):
    """A durable timer of a program: at ``at`` the engine fires ``trigger`` (a SYSTEM transition). One added after
    runs were recorded carries its ``patch``: a run recorded without it replays without the timer."""

    model_config = ConfigDict(frozen=True)

    kind: str
    at: datetime
    trigger: str
    payload: dict[str, Any] = {}
    patch: str | None = None  # a timer that came later runs only behind this ``workflow.patched`` id

    @classmethod
    def once(cls, kind: str, at: datetime | None, trigger: str, *, fired_for: datetime | None) -> list[ProgramDeadline]:
        """A timer that fires once for each time it falls due: none when there is no time yet, or when the record
        says it already fired for ``at`` (a later ``at``, after a review or an extension, fires again)."""
        return [] if at is None or fired_for == at else [cls(kind=kind, at=at, trigger=trigger)]


def every(interval: str, since: datetime | None) -> datetime | None:
    """The next time of a regular check: ``interval`` (ISO 8601) after ``since`` (the last one, or the start)."""
    return add_duration(since, interval) if since else None


@dataclass(frozen=True)
class Labels:
    """The Japanese words of a program's forms and of its record's sheet on the case page, by name: each field of its
    payloads and of its record, and each option of its choices (an enum's or a ``Literal``'s values). They come before
    the generic ones of ``web/core/i18n.py`` (note, reason, decided_on, ...), so a program names what it means by its
    own ``route`` or ``name``. ``bookkeeping`` names the fields of its record that its sheet leaves out: the engine's
    own (which warning was given for which date), never what a person recorded."""

    fields: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, str] = field(default_factory=dict)
    bookkeeping: frozenset[str] = frozenset()

    def __or__(self, other: Labels) -> Labels:
        """These labels and ``other``'s, ``other``'s first (a program's own over those of a shared model)."""
        return Labels(
            {**self.fields, **other.fields}, {**self.options, **other.options}, self.bookkeeping | other.bookkeeping
        )


PROGRAM_G7_PATCH = "g7-in-programs"  # added after the histories of tests/histories/ were recorded


def g7_municipal_step(ctx: GuardContext[Any]) -> Verdict:
    """The municipality's own staff (the engine's timers too): a contractor's user holding the MUN role is not."""
    return Role.SYSTEM in ctx.actor.roles or ctx.actor.decides_for(ctx.record.municipality)


PROGRAM_G7: Guard[Any] = Guard(
    "G7",
    "この決定は自治体職員のみが行えます（委託先の職員は行えません）。",
    "Only municipal staff may take this decision; a contractor's staff never can.",
    "市が直接行うこととされている事務（支援決定・支給決定等）は委託できない (自治体要綱 S21, S43); "
    "住居確保給付金の支給決定は自治体 (施行規則 第10条〜第16条, process.md §3.1)",
    g7_municipal_step,
    patch=PROGRAM_G7_PATCH,
)
"""G7 on every municipal step of every program (process.md §1.4 T18, §3): the role alone lets a contractor's user
who was given the MUN role through; the case's T18 has always asked G7, and each program's municipal rows ask it too
(``ProgramDef`` adds it to every row only the municipality, or its timers, fire)."""


def is_municipal_step(t: Transition[Any, Any]) -> bool:
    """A row only the municipality fires (its timers aside): a 支援決定, 支給決定, 延長決定, 中止, ..."""
    return bool(t.roles & MUNICIPAL) and not (t.roles - MUNICIPAL - SYSTEM)


def _with_g7(t: Transition[Any, Any]) -> Transition[Any, Any]:
    if not is_municipal_step(t) or PROGRAM_G7.id in t.guards:
        return t
    return replace(t, guards=(PROGRAM_G7.id, *t.guards))


def _no_deadlines(record: Any) -> list[ProgramDeadline]:
    return []


def _no_monitoring(record: Any) -> str | None:
    return None


def _nothing_more(summary: Mapping[str, Any]) -> dict[str, Any]:
    return {}


@dataclass(frozen=True, kw_only=True)
class ProgramDef(Process[S, T, R]):
    """A program process: the kernel's table and engine, and what a program has beyond it.

    ``start_patch``: a program whose process came after cases were already deciding on it (the plan could name it
    before) is started by a 支援決定 only behind this patch, so a history recorded before (a 支援決定 that started no
    such child) still replays: ``start-program-<id>`` for each program added since the first ones.
    """

    explains_timer_commands: ClassVar[bool] = True  # an enrolment's commands list its timers' too
    names_requirements: ClassVar[bool] = False

    states: Mapping[S, ProgramState]
    position: int  # its place among the programs (the registry, ``describe``): unique, a new program takes the next
    name_ja: str
    basis: str
    initial: S
    record_type: type[R]
    rules: Mapping[str, tuple[Any, str]] = field(default_factory=dict)  # rule -> (default, source)
    timers: tuple[Timer, ...] = ()  # what each row's timer does, in words (``describe``)
    deadlines: Callable[[R], list[ProgramDeadline]] = _no_deadlines
    state_tasks: Mapping[S, TaskKind[T]] = field(default_factory=dict)  # the task a state puts in a queue
    event_tasks: Mapping[T, TaskKind[T]] = field(default_factory=dict)  # the task a (timer) trigger opens
    closes: Mapping[T, tuple[str, ...]] = field(default_factory=dict)  # trigger -> task kinds it completes
    monitoring: Callable[[R], str | None] = _no_monitoring  # the case's monitoring interval while this runs
    started_by_staff: bool = False  # started from the case by a consultant (a referral), not by the 支援決定
    # Its application is taken at the 自立相談支援機関 with the 利用申込 (住居確保給付金, process.md §3.1 H0/H1): staff
    # start it from the case once the 利用申込 is made, before any plan; its own decision stays the municipality's,
    # and the 支援決定 starts it only when the case has none yet. The case records it like a decided one (終結 waits).
    taken_with_application: bool = False
    shares_personal_data: bool = False  # starting it passes personal data on: consent C1 first (process.md §5.2)
    summary: tuple[str, ...] = ()  # the record's counts and dates the read model keeps (no amounts, no personal data)
    panel: Callable[[Mapping[str, Any]], dict[str, Any]] = _nothing_more  # what a case page adds from the summary
    labels: Labels = field(default_factory=Labels)
    document: DocumentType = DocumentType.PROGRAM  # the kind of record it keeps, for retention (process.md §5.5)
    start_patch: str | None = None  # the 支援決定 starts it only behind this ``workflow.patched`` id (see above)

    def __post_init__(self) -> None:
        """Every municipal step asks G7 (``PROGRAM_G7``): written once here, not on each program's rows."""
        if PROGRAM_G7.id in self.guards and self.guards[PROGRAM_G7.id] is not PROGRAM_G7:
            raise ValueError(f"{self.id}: G7 is the programs' shared guard, not a program's own")
        object.__setattr__(self, "transitions", tuple(_with_g7(t) for t in self.transitions))
        object.__setattr__(self, "guards", {**self.guards, PROGRAM_G7.id: PROGRAM_G7})
        super().__post_init__()

    def event_command(self, trigger: T) -> str:
        return f"{self.id}.{trigger.value}"

    def start(
        self,
        *,
        enrolment_id: str,
        case_id: str,
        municipality: str,
        now: datetime,
        rules: Mapping[str, Any] | BaseModel | None = None,
        **fields: Any,
    ) -> R:
        """A new enrolment in the program's initial state (started by the 支援決定 or from the case). ``rules``: the
        program's rules, or the values of them the case's rule set sets (``RuleSet.programs``) over its defaults."""
        if isinstance(rules, BaseModel):
            fields["rules"], rules = rules, None
        record = self.record_type(
            enrolment_id=enrolment_id,
            case_id=case_id,
            municipality=municipality,
            state=self.initial,
            state_entered_at=now,
            started_at=now,
            **fields,
        )
        if rules:
            record.rules = self.rules_with(rules)  # type: ignore[attr-defined]
        return record

    def rules_with(self, values: Mapping[str, Any]) -> Any:
        """The program's rules with ``values`` over their defaults; a ``ValidationError`` names what does not fit."""
        model = self.record_type.model_fields["rules"].annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise TypeError(f"{self.id} keeps no rules")
        return model.model_validate({**model().model_dump(), **values})

    def open_enrolment(self, record: R, actor: Actor, *, now: datetime, command_id: str) -> Applied[R]:
        """The first event of an enrolment: (none) → the initial state, by whoever started it."""
        start = f"{self.id}.start"
        body = {"enrolment_id": record.enrolment_id}
        return self.open(
            record, actor, transition_id=start, command=start, payload=body, now=now, command_id=command_id
        )

    def shares_on(self, command: str) -> bool:
        """Whether ``command`` passes the client's personal data to another organisation (consent C1 first)."""
        return any(t.shares_personal_data for t in self.transitions if t.trigger == command)

    def summarise(self, record: R) -> dict[str, Any]:
        """The enrolment row's ``summary``: the fields named by ``summary``, as JSON."""
        dumped = record.model_dump(mode="json")
        return {k: dumped[k] for k in self.summary}

    def describe(self) -> dict[str, Any]:
        return {
            "name_ja": self.name_ja,
            "basis": self.basis,
            "initial": self.initial.value,
            "states": [
                {"id": s.value, "name_ja": st.name_ja, "name_en": st.name_en, "terminal": st.terminal}
                for s, st in self.states.items()
            ],
            "transitions": [
                {
                    "id": t.id,
                    "trigger": t.trigger.value,
                    "name_ja": t.name_ja,
                    "source": [s.value for s in t.source],
                    "dest": t.dest.value if t.dest else "(same)",
                    "guards": list(t.guards),
                    "roles": sorted(r.value for r in t.roles),
                    "timer": t.timer,
                }
                for t in self.transitions
            ],
            "guards": [g.describe() for g in self.guards.values()],
            "rules": {name: {"default": value, "source": source} for name, (value, source) in self.rules.items()},
            "timers": describe_timers(self.transitions, self.timers, self.rules),
        }


AnyProgram = ProgramDef[Any, Any, Any]
"""Any program, as the registry, the workflow and the pages hold them."""
