"""G-DATES: the dates a person declares on the case's sheets, checked against the event's day (issue 15, item 4).

A 生年月日 of 9999-12-31, a 連絡日 of 9999-12-31 or a 支援調整会議 planned for a day already past were accepted. Each
declared date of a case payload has its decision in ``CASE_DATES`` (``statemachines.kernel.dates``):

- what was done or signed (受付日, 署名日, 会議日, 決定日, 評価日, ...) may not be after the day the command is given
  (the event's day in Japan); a form may have been signed before the case was entered, so no lower bound;
- what was done *for this case* (a 連絡日 of the 支援経過記録, a フォローアップの実施日, a day of the 連絡のための努力)
  lies between the day the case opened and the event's day;
- the 生年月日 is not after the event's day, nor before 1900;
- what is planned (the 会議予定日, the 次回予定日) is not already past;
- the plan's dates are G-PLAN-DATES' (``statemachines.case.consistency``).

A 訂正 (``correct_record``) that sets one of these fields is held to the same decision. The opening (T1, T0) is checked
by ``open_case``; every other row that carries a declared date names G-DATES. G-DATES came after the histories of
tests/histories/ were recorded, so it carries its workflow patch (``statemachines.kernel.guards``).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from statemachines.case import payloads as c
from statemachines.case.corrections import CorrectRecord, target_of
from statemachines.case.record import CaseRecord
from statemachines.case.records import (
    ClientIdentity,
    ClientWish,
    Consent,
    ConsentRevocation,
    ContactEffort,
    Decision,
    EmergencySupport,
    Evaluation,
    FollowUpNote,
    Goal,
    IntakeRecord,
    MeetingRecord,
    MonitoringNote,
    Plan,
)
from statemachines.case.timers import JST
from statemachines.kernel.dates import Bound, DateTable, Days, DeclaredDate, date_problem, date_problems
from statemachines.kernel.guards import Detail, Guard, GuardContext, Verdict

Ctx = GuardContext[CaseRecord]
B = Bound
D = DeclaredDate

DATES_PATCH = "declared-dates-checked"  # added after the histories of tests/histories/ were recorded
PLAN = "G-PLAN-DATES (the plan's period in order, no 達成時期 already past)"

CASE_DATES: DateTable = {
    (ClientIdentity, "birth_date"): D("生年月日", "birth date", B.BIRTH),
    (IntakeRecord, "received_on"): D("受付日", "day received", B.HAPPENED),
    (Consent, "signed_on"): D("署名日", "day signed", B.HAPPENED),
    (Consent, "revoked_on"): D("撤回日", "day revoked", B.HAPPENED),
    (ConsentRevocation, "revoked_on"): D("撤回日", "day revoked", B.HAPPENED),
    (EmergencySupport, "started_on"): D("緊急支援の開始日", "emergency support's start", B.HAPPENED),
    (Evaluation, "evaluated_on"): D("評価日", "evaluation day", B.HAPPENED),
    (ClientWish, "confirmed_on"): D("本人の意向の確認日", "day the client's wish was confirmed", B.HAPPENED),
    (MeetingRecord, "meeting_date"): D("会議日", "meeting day", B.HAPPENED),
    (Decision, "decided_on"): D("支援決定日", "decision day", B.HAPPENED),
    (MonitoringNote, "contact_on"): D("連絡日", "contact day", B.SINCE_BEGUN),
    (MonitoringNote, "next_planned_on"): D("次回予定日", "next planned day", B.PLANNED),
    (FollowUpNote, "done_on"): D("フォローアップの実施日", "follow-up day", B.SINCE_BEGUN),
    (ContactEffort, "on"): D("連絡のための努力をした日", "day of the contact effort", B.SINCE_BEGUN),
    (c.PutOnAgenda, "planned_meeting_on"): D("会議予定日", "planned meeting day", B.PLANNED),
    (Plan, "period_start"): D("期間開始日", "plan period's start", by=PLAN),
    (Plan, "period_end"): D("期間終了日", "plan period's end", by=PLAN),
    (Goal, "target_date"): D("達成時期", "target date", by=PLAN),
}
"""Every declared date of the case's payloads and what bounds it (tests/statemachines/test_declared_dates.py)."""


def case_days(case: CaseRecord, today: date) -> Days:
    return Days(
        today=today, begun=case.opened_at.astimezone(JST).date(), begun_ja="ケースの受付", begun_en="the case opened"
    )


def _corrected_problems(payload: CorrectRecord, days: Days) -> list[Detail]:
    """The dates a 訂正 sets, each held to its field's decision."""
    found: list[Detail] = []
    for change in payload.corrections:
        target = target_of(change.path)
        decision = CASE_DATES.get((target.sheet, target.name)) if target is not None else None
        if decision is None or not isinstance(change.value, str):
            continue
        try:
            value = date.fromisoformat(change.value)
        except ValueError:
            continue  # not a date: the correction's own check names it
        problem = date_problem(decision, value, days)
        if problem is not None:
            found.append(problem)
    return found


def declared_date_problems(payload: BaseModel, case: CaseRecord, today: date) -> list[Detail]:
    """Each date ``payload`` declares that its decision refuses, on ``today`` (the event's day in Japan)."""
    days = case_days(case, today)
    if isinstance(payload, CorrectRecord):
        return _corrected_problems(payload, days)
    return date_problems(payload, CASE_DATES, days)


def _problems(ctx: Ctx) -> list[Detail]:
    if ctx.payload is None or ctx.now is None:
        return []
    return declared_date_problems(ctx.payload, ctx.record, ctx.now.astimezone(JST).date())


def g_dates(ctx: Ctx) -> Verdict:
    """Only the dates this command brings; without a moment (explain) nothing can be told, and nothing is missing."""
    return not _problems(ctx)


DATE_GUARDS: tuple[Guard[CaseRecord], ...] = (
    Guard(
        "G-DATES",
        "記入された日付が、今日より後か（予定日は今日より前か）、生年月日が1900年より前か、"
        "連絡・フォローアップの日がケースの受付より前になっています。",
        "A declared date is after today (a planned day before today), a birth date before 1900, or a contact or "
        "follow-up before the case opened.",
        "記録の日付は記録した日までに起きたこと（支援経過記録・評価シート・支援調整会議の記録、標準様式 S4）。"
        "記入された日付は、記録した日と照合する",
        g_dates,
        details=_problems,
        patch=DATES_PATCH,
    ),
)
