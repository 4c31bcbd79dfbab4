"""Where the case and its programs meet: the enrolments a case transition starts, and the consent they need.

The case table says what follows a transition (its ``follow_ons`` column): the 支援決定 (T18) starts every approved
program that has a process, a plan approved without one (T17) the referral of each program it names that runs
elsewhere (子どもの学習・生活支援事業), a つなぎ to an institution of the directory (T4) starts its referral, sent
at once (process.md §3, §6). A program that passes the client's personal data to another organisation
(``shares_personal_data`` on the program, to start it, and on each of its rows that does) needs the case's consent C1
in force first (G1, process.md §5.2), checked here before anything is started or sent. Only this module knows both the
case and the programs (tests/test_layering.py: the case never imports a program, a program never imports the case).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from statemachines.case.guards import GUARDS
from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.records import Program
from statemachines.case.transitions import Starts
from statemachines.kernel.guards import GuardContext
from statemachines.kernel.outcomes import Unmet, UnmetKind
from statemachines.kernel.roles import Actor
from statemachines.kernel.table import FollowOn
from statemachines.programs.definition import AnyProgram, ProgramRecord
from statemachines.programs.registry import BY_ID as PROGRAMS

WITHOUT_PROCESS: dict[str, str] = {
    Program.CHILDREN_LEARNING: "子どもの学習・生活支援事業",  # process.md §3.6: a plan may name it; no process here
}
"""The programs a plan may name that have no process of their own in ``statemachines/programs``, by their name."""

PROGRAM_NAMES: dict[str, str] = {**WITHOUT_PROCESS, **{program.id: program.name_ja for program in PROGRAMS.values()}}
"""Each program's name as the registry gives it (or, for one without a process, ``WITHOUT_PROCESS``): the case's
refusals that name a program use these (the case's guards do not know the programs; whoever runs the case passes
them), so no refusal shows a program's id."""


class StartCommand(BaseModel):
    """A command the starter sends right after the opening (T4's referral: ``send`` to the institution chosen)."""

    model_config = ConfigDict(frozen=True)

    command: str
    payload: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class EnrolmentStart:
    """One program enrolment a case transition starts, as its own workflow."""

    program: AnyProgram
    enrolment_id: str
    patch: str | None = None  # a program whose process came later starts only behind its patch (its start_patch)
    then: tuple[StartCommand, ...] = ()
    skipped_behind: str | None = None  # not started in a run new enough for this patch (a run before it did start it)

    def record(self, case: CaseRecord, now: datetime) -> dict[str, Any]:
        """The enrolment's first record, as JSON, made at the moment it is started."""
        opened: ProgramRecord = self.program.start(
            enrolment_id=self.enrolment_id,
            case_id=case.case_id,
            municipality=case.municipality,
            now=now,
            rules=case.ruleset.programs.get(self.program.id),
        )
        return opened.model_dump(mode="json")


def decided_enrolment_id(case_id: str, program: str, plan_version: int) -> str:
    """The enrolment a 支援決定 starts: one per program and plan version."""
    return f"program-{case_id}-{program}-v{plan_version}"


TAKEN_WITH_APPLICATION_PATCH = "application-taken-with-riyou-moushikomi"
"""Runs before it started a program the 支援決定 approved even when one of it already ran."""


REFERRED_PROGRAMS: dict[str, str] = {"children_learning": "start-children-learning-referral"}
"""Programs the 支援決定 approves (or a plan approved without one names, T17) that run elsewhere, modelled as a
referral plus registration (process.md §3.6: the
子どもの学習・生活支援事業's intake and decision flow is [UNVERIFIED]): a 関係機関へのつなぎ opens for the consultant to
send to the provider chosen from the directory (its 紹介の準備 task), behind its patch (runs before it started none)."""


def _program_referral(case: CaseRecord, program: str) -> EnrolmentStart:
    enrolment_id = f"program-{case.case_id}-referral-{program}-v{case.plan_version}"
    return EnrolmentStart(PROGRAMS["referral"], enrolment_id, patch=REFERRED_PROGRAMS[program])


def _taken_already(case: CaseRecord, program: str) -> bool:
    """A program whose application staff took with the 利用申込 (住居確保給付金, H0/H1) and that still runs."""
    return any(e.program == program and not e.ended for e in case.enrolments.values())


def _decided_programs(case: CaseRecord) -> Iterator[EnrolmentStart]:
    """支援決定: every approved program that has a process, in the decision's order; one whose application was
    already taken with the 利用申込 and still runs is not started twice."""
    decision = case.decision
    approved = [d.program.value for d in decision.programs if d.approved] if decision else []
    for program in approved:
        defn = PROGRAMS.get(program)
        if program in REFERRED_PROGRAMS:
            yield _program_referral(case, program)
        if defn is not None:
            taken = defn.taken_with_application and _taken_already(case, program)
            enrolment_id = decided_enrolment_id(case.case_id, program, case.plan_version)
            skip = TAKEN_WITH_APPLICATION_PATCH if taken else None
            yield EnrolmentStart(defn, enrolment_id, patch=defn.start_patch, skipped_behind=skip)


def _plan_referrals(case: CaseRecord) -> Iterator[EnrolmentStart]:
    """A plan the 支援調整会議 approves without a 支援決定 (T17): each program it names that runs elsewhere opens its
    referral as the 支援決定 would (子どもの学習・生活支援事業 needs no 支援決定, process.md §3 table and §3.6), in the
    plan's order, once each."""
    plan = case.plan
    named = [i.program.value for i in plan.support_items if i.program is not None] if plan is not None else []
    for program in dict.fromkeys(named):
        if program in REFERRED_PROGRAMS:
            yield _program_referral(case, program)


def _referral(case: CaseRecord) -> Iterator[EnrolmentStart]:
    """T4 to an institution of the directory: the referral is sent and followed up (answer, outcome, no answer); a
    counter named in free text has nothing to follow up in the system."""
    target = case.referral
    if target is None or target.institution_id is None:
        return
    send = {
        "institution_id": target.institution_id,
        "reason": target.reason or f"スクリーニングの結果、{target.institution}へつなぐ",
        "accepts_referrals": target.accepts_referrals is True,
    }
    enrolment_id = f"program-{case.case_id}-referral-t4-{case.seq}"
    yield EnrolmentStart(PROGRAMS["referral"], enrolment_id, then=(StartCommand(command="send", payload=send),))


def enrolments_started(follow_on: FollowOn, case: CaseRecord) -> Iterator[EnrolmentStart]:
    """The enrolments ``follow_on`` starts for ``case`` (the record after its transition), one at a time."""
    if follow_on.starts == Starts.DECIDED_PROGRAMS:
        yield from _decided_programs(case)
    elif follow_on.starts == Starts.REFERRAL:
        yield from _referral(case)
    elif follow_on.starts == Starts.PLAN_REFERRALS:
        yield from _plan_referrals(case)


def sharing_unmet(case: CaseRecord, actor: Actor) -> list[Unmet]:
    """Passing personal data to a 関係機関 needs consent C1 in force, signed and not revoked: G1 on the case."""
    g1 = GUARDS["G1"]
    ctx = GuardContext(case, actor, "share_personal_data", None, frozenset())
    return [] if g1.predicate(ctx) is True else [g1.unmet()]


NOT_APPLIED = frozenset(
    {
        CaseState.IDENTIFIED,
        CaseState.INTAKE,
        CaseState.SCREENING,
        CaseState.ENDED_INFO_ONLY,
        CaseState.REFERRED_OUT,
        CaseState.CLOSED,
        CaseState.FOLLOW_UP,
        CaseState.INTERRUPTED,
    }
)
"""Where a case holds no 利用申込 in force: before T5, or after it ended (a new consultation reopens it, T29)."""

BEFORE_APPLICATION = Unmet(
    kind=UnmetKind.STATE,
    id="G-H0",
    message_ja="この事業の申請は、自立相談支援事業の利用申込（相談受付・申込票への署名）の後、支援中のケースで受け付けます。",
    message_en="The application is taken once the client has applied for the 自立相談支援事業, on a case in support.",
    basis="process.md §3.1 H0/H1: 申請は自立相談支援機関で利用申込と併せて行う (S49; [BK])",
)
ALREADY_TAKEN = Unmet(
    kind=UnmetKind.STATE,
    id="G-H0-ONE",
    message_ja="このケースでは、この事業の申請をすでに受け付けています（利用中）。",
    message_en="This case already has a running enrolment of this program.",
    basis="process.md §3.1 H0/H1",
)


def start_unmet(case: CaseRecord, program: AnyProgram, actor: Actor) -> list[Unmet]:
    """What keeps ``actor`` from starting ``program`` from the case now: a program that passes personal data on
    needs C1 first, so without it the refusal comes before anything is started or sent. One whose application is
    taken with the 利用申込 (住居確保給付金) starts only once that is made, and once at a time."""
    unmet = sharing_unmet(case, actor) if program.shares_personal_data else []
    if program.taken_with_application:
        if case.state in NOT_APPLIED:
            unmet.append(BEFORE_APPLICATION)
        elif _taken_already(case, program.id):
            unmet.append(ALREADY_TAKEN)
    return unmet


def staff_start_fields(case: CaseRecord, program: AnyProgram) -> dict[str, Any]:
    """What a program started by staff learns from the case: the day of its 利用申込 (C1's signature, T5), when the
    program's application is taken with it (G-H-DATE's earliest 申請日)."""
    if not program.taken_with_application or case.consent_c1 is None:
        return {}
    return {"application_taken_on": case.consent_c1.signed_on}
