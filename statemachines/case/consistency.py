"""Guards that a command agrees with what the case already holds and with the day it is given (issue 15): the plan's
dates, the 支援決定 against the programs the 本人 applied for, the 終結 against the programs still running.

Each refusal names what is wrong, item by item (the guard's ``details``):
「目標2の達成時期（2026-01-31）が過ぎています」, the programs by the name the program registry gives them
(``GuardContext.name_of``; the case does not know the programs, whoever runs it passes their names).

- **G-PLAN-DATES** (T10): a plan's period may not end before it starts, and no 達成時期 (施行規則§1 三) may already be
  past on the day the plan is submitted (the case's day in Japan). Without a moment (``explain``) only the order of
  the dates is checked.
- **G-DECISION-APPLIED** (T18, T19): the municipality decides on what the 本人 applied for. The プラン兼事業等利用申込書
  the 本人 signed (C2, G4) applies for the statutory programs of its 支援の種類及び内容 (support items of kind
  ``statutory_program``, process.md §1.4 T12, §2.5); a 支援決定 may not approve a program it did not list.
- **G-PROGRAMS-ENDED** (T24): the 支援調整会議 confirms the 終結 of a case only once every program enrolment its
  支援決定 started has ended (修了, 利用中止, 支給終了, 不承認, ...), so that no program keeps running, with its tasks
  open, under a closed case. The one exception is the one process.md §1.3 makes: a case closed because the 本人 moves
  to 生活保護 (``TRANSFER_PUBLIC_ASSISTANCE``) keeps its 就労準備支援事業 and 家計改善支援事業, which a 特定被保護者 may
  go on using (法3条4項・5項 as amended in 2024, S7). Programs a consultant starts from the case (ハローワーク支援要請,
  a つなぎ) hand the 本人 to another organisation and may outlive it (§1.3 MOVED_OUT: a closure with a handover); the
  case does not wait for them. The page's 「進めない理由」 names each program still running.

G-PLAN-DATES and G-DECISION-APPLIED came after the histories of tests/histories/ were recorded, which hold commands
they refuse (a 達成時期 past at the recorded moment, a decision approving a program its plan did not list): they carry
their workflow ``patch`` (``statemachines.kernel.guards``). G-PROGRAMS-ENDED needs none: it reads only the enrolments
the case recorded since (TM4), which no earlier history holds.
"""

from __future__ import annotations

from datetime import date

from statemachines.case.record import CaseRecord, ClosureReport
from statemachines.case.records import ClosureReason, Decision, EnrolmentStatus, Plan, Program, SupportKind
from statemachines.case.timers import JST
from statemachines.kernel.guards import Detail, Guard, GuardContext, Verdict

Ctx = GuardContext[CaseRecord]

PLAN_DATES_PATCH = "plan-dates-checked"  # added after the histories of tests/histories/ were recorded
DECISION_APPLIED_PATCH = "decision-within-application"  # likewise


# -- G-PLAN-DATES ----------------------------------------------------------------------------------------------------


def submitted_plan(ctx: Ctx) -> Plan | None:
    """The plan the command submits: a consented plan is immutable, so after it only the payload's counts (as G3)."""
    payload_plan = getattr(ctx.payload, "plan", None) if ctx.payload is not None else None
    if ctx.record.consent_c2 is not None or ctx.record.plan is None:
        return payload_plan if isinstance(payload_plan, Plan) else None
    value = ctx.value("plan")
    return value if isinstance(value, Plan) else None


def _today(ctx: Ctx) -> date | None:
    return ctx.now.astimezone(JST).date() if ctx.now is not None else None


def plan_date_problems(plan: Plan, today: date | None) -> list[Detail]:
    """What contradicts in a plan's dates: its period backwards, each 達成時期 already past on ``today``."""
    found: list[Detail] = []
    start, end = plan.period_start, plan.period_end
    if start is not None and end is not None and end < start:
        found.append(
            (
                f"プラン期間の終了日（{end.isoformat()}）が開始日（{start.isoformat()}）より前です",
                f"The plan period ends ({end.isoformat()}) before it starts ({start.isoformat()})",
            )
        )
    for number, goal in enumerate(plan.goals, start=1):
        if today is not None and goal.target_date is not None and goal.target_date < today:
            when = goal.target_date.isoformat()
            found.append(
                (f"目標{number}の達成時期（{when}）が過ぎています", f"Goal {number}'s target date ({when}) has passed")
            )
    return found


def g_plan_dates(ctx: Ctx) -> Verdict:
    plan = submitted_plan(ctx)
    if plan is None:
        return None if ctx.awaiting("plan") else True  # no plan at all: G3 says so
    return not plan_date_problems(plan, _today(ctx))


def g_plan_dates_details(ctx: Ctx) -> list[Detail]:
    plan = submitted_plan(ctx)
    return plan_date_problems(plan, _today(ctx)) if plan is not None else []


# -- G-DECISION-APPLIED ----------------------------------------------------------------------------------------------


def applied_programs(plan: Plan | None) -> set[Program]:
    """The programs the プラン兼事業等利用申込書 applies for: those of its support items of kind statutory_program."""
    if plan is None:
        return set()
    return {i.program for i in plan.support_items if i.kind is SupportKind.STATUTORY_PROGRAM and i.program is not None}


def unapplied_approvals(decision: Decision, plan: Plan | None) -> list[Program]:
    """The programs ``decision`` approves that the plan did not apply for, in the decision's order."""
    applied = applied_programs(plan)
    found = [d.program for d in decision.programs if d.approved and d.program not in applied]
    return list(dict.fromkeys(found))


def gd_applied(ctx: Ctx) -> Verdict:
    decision = ctx.value("decision")
    if not isinstance(decision, Decision):
        return None if ctx.awaiting("decision") else True  # no decision at all: G-DECISION-ALL says so
    return not unapplied_approvals(decision, ctx.record.plan)


def gd_applied_details(ctx: Ctx) -> list[Detail]:
    decision = ctx.value("decision")
    if not isinstance(decision, Decision):
        return []
    unapplied = unapplied_approvals(decision, ctx.record.plan)
    if not unapplied:
        return []
    names = "、".join(ctx.name_of(p.value) for p in unapplied)
    ids = ", ".join(p.value for p in unapplied)
    return [
        (
            f"本人がプラン兼事業等利用申込書で申し込んでいない事業は支援決定で承認できません（{names}）",
            f"The client did not apply for these programs in the plan and program application ({ids})",
        )
    ]


# -- G-PROGRAMS-ENDED ------------------------------------------------------------------------------------------------

CONTINUE_UNDER_PUBLIC_ASSISTANCE: frozenset[str] = frozenset({Program.WORK_READINESS, Program.HOUSEHOLD_BUDGET})
"""Programs a 特定被保護者 may go on using once on 生活保護 (法3条4項・5項 as amended, process.md §1.3)."""


def _closure_reason(ctx: Ctx) -> ClosureReason | None:
    closure = ctx.value("closure")
    if isinstance(closure, ClosureReport):
        return closure.reason
    proposal = ctx.record.closure_proposal
    return proposal.reason if proposal is not None else None


def running_programs(ctx: Ctx) -> list[EnrolmentStatus]:
    """The case's enrolments (the 支援決定's and a staff-started 住居確保給付金) that have not ended and may not
    outlive this 終結."""
    transfer = _closure_reason(ctx) is ClosureReason.TRANSFER_PUBLIC_ASSISTANCE
    return [
        e
        for e in ctx.record.enrolments.values()
        if not e.ended and not (transfer and e.program in CONTINUE_UNDER_PUBLIC_ASSISTANCE)
    ]


def g_programs_ended(ctx: Ctx) -> Verdict:
    """The 終結 waits for the programs the case records as its own (a guard, not a closure that ends them itself):
    those its 支援決定 started, and a 住居確保給付金 staff started from the case with the 利用申込 (process.md §3.1
    H0/H1: its application is taken with it, so it is the case's program before any 支援決定).

    Decided by process.md: a program enrolment is a child state machine of the case (§1.1) that ends by a decision of
    its own, recorded on it by whoever is responsible (修了 or 利用中止 by the 就労支援員, 不支給 or 支給終了 by the
    municipality); the 支援調整会議 then evaluates the 終結 of the whole plan (T24, S11). The closure does not end them
    for anyone: it checks that each has ended, and 「進めない理由」 names those still running. The one exception is
    §1.3's: on a move to 生活保護 a 特定被保護者 may go on with 就労準備支援 and 家計改善支援 (法3条4項・5項 as
    amended), so those outlive the case. Programs a consultant starts (ハローワーク支援要請, つなぎ) are not recorded
    here: they hand the 本人 to another organisation (§1.3 MOVED_OUT)."""
    return not running_programs(ctx)


def g_programs_ended_details(ctx: Ctx) -> list[Detail]:
    running = running_programs(ctx)
    if not running:
        return []
    names = "、".join(dict.fromkeys(e.name_ja for e in running))
    ids = ", ".join(dict.fromkeys(e.program for e in running))
    return [
        (
            f"利用が終わっていない事業があります（{names}）。各事業を終了してから終結を確認してください",
            f"Programs are still running ({ids}): end each before the closure is confirmed",
        )
    ]


CONSISTENCY_GUARDS: tuple[Guard[CaseRecord], ...] = (
    Guard(
        "G-PLAN-DATES",
        "プランの日付が矛盾しています（プラン期間の終了日が開始日より前か、目標の達成時期が過ぎています）。",
        "The plan's dates contradict each other (its period ends before it starts) or a goal's target date has passed.",
        "生活困窮者自立支援法施行規則 第1条第三号（支援の目標及びその達成時期）(S5)",
        g_plan_dates,
        details=g_plan_dates_details,
        patch=PLAN_DATES_PATCH,
    ),
    Guard(
        "G-DECISION-APPLIED",
        "本人がプラン兼事業等利用申込書で申し込んでいない事業は、支援決定で承認できません。",
        "A decision may approve only the programs the client applied for in the plan and program application.",
        "プラン兼事業等利用申込書（本人の署名が事業の利用申込を兼ねる, S20）; process.md §1.4 T12, §2.5",
        gd_applied,
        details=gd_applied_details,
        patch=DECISION_APPLIED_PATCH,
    ),
    Guard(
        "G-PROGRAMS-ENDED",
        "支援決定で始まった事業の利用が終わっていません。各事業を終了してから終結を確認してください"
        "（生活保護へ移行する場合、就労準備支援事業と家計改善支援事業は続けられます）。",
        "A program the decision started is still running: end each before the closure is confirmed (on a move to "
        "public assistance, work-readiness and household-budget support may go on).",
        "process.md §1.3（終結理由 TRANSFER_PUBLIC_ASSISTANCE: 法3条4項・5項 令和6年改正, S7）; "
        "支援終結時は支援調整会議で終結の評価を行う (WAM NET Q&A, S11)",
        g_programs_ended,
        details=g_programs_ended_details,
    ),
)
