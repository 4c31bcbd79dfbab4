"""Guards that hold the case to the law as process.md states it (issue 18: statutory fidelity), item by item.

- **G-REFERRAL-DATA** (T4, item 3): a つなぎ passes the client's personal data to its target, an institution of the
  directory or any counterpart named in free text, unless the consultant records that nothing identifying the client
  is passed (an anonymous enquiry, ``no_identifying_data``). Passing it needs the consent C1 (on the case or signed
  at screening) or a recorded legal basis (process.md §1.4 T4, §2.8, §5.2; 個人情報保護法27条). Before, this hung
  on a flag the consultant set (``shares_personal_data``, off by default): a free-text target with no C1 passed.
- **G-PLAN-PERIOD** (T10, item 11): a plan's own end date lies within the rule set's plan period from its start (the
  start written on the plan, else the day it is submitted): the plan period is a rule-set value (墨田区 実施要領
  §6②「6か月以内」, extendable only by an evaluation, i.e. a new plan; process.md §1.7), and a 5-year plan is not one.
- **G5-MEMBERS** (T14, item 11): the 支援調整会議's quorum counts distinct members: one organisation's seat written
  twice is one member (設置要綱 [LOCAL S22]).
- **G-MEETING-HELD** (T24, T28, item 11): the meeting that confirms a 終結 (G8) or a 中断 (G9) is a 支援調整会議
  with its members present: the same quorum as G5, distinct members and a municipal official where the rule set asks one
  (WAM NET Q&A, S11: 支援調整会議に報告し…確認).
- **G-EFFORT-DAYS** (T28, item 11): the efforts to re-establish contact before a 中断 are on distinct days: three
  notes of one afternoon are one attempt, not the "あらゆる努力" the Q&A asks for (S11).
- **G-CONTACT-CLIENT** / **G-CONTACT-AGENCY** (T20 / T20b, item 10): a 支援経過記録 of a contact with another agency
  is recorded (T20b) but does not reset the client's no-contact clock nor the monitoring due: only a contact with
  本人 (or the family) does (process.md §1.6: MONITORED "on a 支援経過記録 entry that records contact with 本人";
  T26 連絡不通 is the client's).

Each came after the histories of tests/histories/ were recorded, which hold commands some of them refuse or route
otherwise: each carries its workflow ``patch`` (``statemachines.kernel.guards``), so a replayed run is asked what it
was asked when it ran.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from statemachines.case.consistency import submitted_plan
from statemachines.case.record import CaseRecord
from statemachines.case.records import Consent, ConsentKind, Counterpart, MeetingRecord, Plan, ReferralTarget
from statemachines.case.timers import JST
from statemachines.kernel.guards import Detail, Guard, GuardContext, Verdict
from statemachines.kernel.rules import RuleSet, add_duration

Ctx = GuardContext[CaseRecord]

REFERRAL_DATA_PATCH = "referral-data-derived"  # added after the histories of tests/histories/ were recorded
PLAN_PERIOD_PATCH = "plan-period-bounded"  # likewise
MEETING_MEMBERS_PATCH = "meeting-members-distinct"  # likewise (G5-MEMBERS and G-MEETING-HELD)
EFFORT_DAYS_PATCH = "contact-efforts-distinct-days"  # likewise
CLIENT_CONTACT_PATCH = "agency-contact-keeps-clock"  # likewise (T20 / T20b)


def _when_given(ctx: Ctx, name: str, test: Callable[[Any], bool]) -> Verdict:
    """``test`` on the value at hand; no value at all is the older guard's to refuse (G-REFERRAL, G5, G8, G9), so
    a refusal names one thing once."""
    value = ctx.value(name)
    if value is None:
        return None if ctx.awaiting(name) else True
    return test(value)


# -- G-REFERRAL-DATA (item 3) ----------------------------------------------------------------------------------------


def passes_personal_data(target: ReferralTarget) -> bool:
    """Whether a つなぎ passes personal data on: always, unless the consultant recorded that nothing identifying the
    client is passed (the old flag, when set, still says it does)."""
    return target.shares_personal_data or not target.no_identifying_data


def _c1_in_force(ctx: Ctx) -> bool:
    consent = ctx.value("consent_c1")
    return isinstance(consent, Consent) and consent.kind is ConsentKind.C1 and consent.in_force()


def gr_referral_data(ctx: Ctx) -> Verdict:
    """C1 or a legal basis for a つなぎ that passes personal data; a flagged one is G-REFERRAL's to refuse."""
    consented = _c1_in_force(ctx)

    def ok(target: ReferralTarget) -> bool:
        if target.shares_personal_data:
            return True  # G-REFERRAL asks the flagged sharing for the same consent or basis
        return consented or not passes_personal_data(target) or bool(target.legal_basis)

    return _when_given(ctx, "referral", ok)


# -- G-PLAN-PERIOD (item 11) -----------------------------------------------------------------------------------------


def latest_plan_end(start: date, rules: RuleSet) -> date:
    """The last day a plan starting on ``start`` may run to: the day before ``start`` + the rule set's plan period."""
    moment = add_duration(datetime(start.year, start.month, start.day, tzinfo=UTC), rules.plan_period)
    return date.fromordinal(moment.date().toordinal() - 1)


def _plan_start(plan: Plan, ctx: Ctx) -> date | None:
    if plan.period_start is not None:
        return plan.period_start
    return ctx.now.astimezone(JST).date() if ctx.now is not None else None


def _plan_period_problem(ctx: Ctx) -> Detail | None:
    plan = submitted_plan(ctx)
    if plan is None or plan.period_end is None:
        return None
    start = _plan_start(plan, ctx)
    if start is None:
        return None
    latest = latest_plan_end(start, ctx.record.ruleset)
    if plan.period_end <= latest:
        return None
    end, period = plan.period_end.isoformat(), ctx.record.ruleset.plan_period
    return (
        f"プラン期間の終了日（{end}）が、プラン期間の上限（{period}、{latest.isoformat()}まで）を超えています",
        f"The plan period ends ({end}) after the rule set's plan period allows ({period}, up to {latest.isoformat()})",
    )


def g_plan_period(ctx: Ctx) -> Verdict:
    if submitted_plan(ctx) is None and ctx.awaiting("plan"):
        return None
    return _plan_period_problem(ctx) is None


def g_plan_period_details(ctx: Ctx) -> list[Detail]:
    problem = _plan_period_problem(ctx)
    return [problem] if problem is not None else []


# -- G5-MEMBERS and G-MEETING-HELD (item 11) -------------------------------------------------------------------------


def distinct_members(meeting: MeetingRecord) -> int:
    """How many members attended: an organisation's seat (its name and role, spaces and case aside) counts once."""
    seats = {
        (" ".join(a.organisation.split()).casefold(), " ".join((a.role_label or "").split()).casefold())
        for a in meeting.attendees
    }
    return len(seats)


def meeting_quorate(meeting: MeetingRecord, rules: RuleSet) -> bool:
    """The 設置要綱's quorum of distinct members, with a municipal official where the rule set asks one."""
    official = any(a.is_municipal_official for a in meeting.attendees)
    enough = distinct_members(meeting) >= rules.meeting_quorum
    return enough and (official or not rules.meeting_requires_municipal_official)


def g5_distinct_members(ctx: Ctx) -> Verdict:
    """Distinct members up to the quorum; too few attendees at all is G5's to refuse."""
    quorum = ctx.record.ruleset.meeting_quorum
    return _when_given(ctx, "meeting", lambda m: len(m.attendees) < quorum or distinct_members(m) >= quorum)


def g_meeting_held(ctx: Ctx) -> Verdict:
    """The meeting confirming a 終結 (the closure's) or a 中断 (the command's own) had its members present."""
    rules = ctx.record.ruleset
    if ctx.trigger == "confirm_closure":
        return _when_given(ctx, "closure", lambda c: c.meeting is None or meeting_quorate(c.meeting, rules))
    return _when_given(ctx, "meeting", lambda m: meeting_quorate(m, rules))


# -- G-EFFORT-DAYS (item 11) -----------------------------------------------------------------------------------------


def g_effort_days(ctx: Ctx) -> Verdict:
    """Efforts on as many distinct days as the rule set asks; too few efforts at all is G-EFFORT's to refuse."""
    efforts, needed = ctx.record.contact_efforts, ctx.record.ruleset.min_contact_efforts
    return len(efforts) < needed or len({effort.on for effort in efforts}) >= needed


# -- G-CONTACT-CLIENT / G-CONTACT-AGENCY (item 10) -------------------------------------------------------------------


def _with_agency(ctx: Ctx) -> bool:
    """Whether the note the command brings is of a contact with an agency. The two guards choose a row, they do not
    ask for data: before anything is typed (``explain``) the note is taken to be the usual one, with 本人, so neither
    is listed as missing."""
    note = getattr(ctx.payload, "monitoring_note", None) if ctx.payload is not None else None
    return note is not None and note.counterpart is Counterpart.AGENCY


def g_contact_client(ctx: Ctx) -> Verdict:
    return not _with_agency(ctx)


def g_contact_agency(ctx: Ctx) -> Verdict:
    return _with_agency(ctx)


FIDELITY_GUARDS: tuple[Guard[CaseRecord], ...] = (
    Guard(
        "G-REFERRAL-DATA",
        "つなぎ先へ本人の個人情報を提供するには、本人同意（C1）または法令上の根拠の記録が必要です"
        "（本人を特定できる情報を提供しない場合は、その旨を記録してください）。",
        "Passing the client's personal data to the referral target needs consent C1 or a recorded legal basis "
        "(record that nothing identifying is passed if so).",
        "process.md §1.4 T4, §2.8, §5.2 (相談受付・申込票の情報共有同意, S3); 個人情報保護法27条（第三者提供）",
        gr_referral_data,
        patch=REFERRAL_DATA_PATCH,
    ),
    Guard(
        "G-PLAN-PERIOD",
        "プラン期間の終了日が、ルールセットのプラン期間の上限を超えています（延長は評価による再プランで行います）。",
        "The plan's end date lies beyond the rule set's plan period (extend it by an evaluation and a new plan).",
        "墨田区 自立相談支援事業実施要領 §6②「6か月以内」・評価による延長 [LOCAL S20]; 施行規則§2 定期的な見直し (S5); "
        "process.md §1.7",
        g_plan_period,
        details=g_plan_period_details,
        patch=PLAN_PERIOD_PATCH,
    ),
    Guard(
        "G5-MEMBERS",
        "支援調整会議の出席者が定足数に足りません（同じ出席者は一人として数えます）。",
        "The coordination meeting lacks its quorum of distinct members (one attendee listed twice counts once).",
        "支援調整会議設置要綱（定足数）[LOCAL S22]; 会議の記録は相談者ごとに出席者を記録 (S23)",
        g5_distinct_members,
        patch=MEETING_MEMBERS_PATCH,
    ),
    Guard(
        "G-MEETING-HELD",
        "終結・中断を確認した支援調整会議の出席者（定足数、自治体職員の出席）が記録されていません。",
        "The coordination meeting confirming the closure or interruption has no quorum of attendees recorded.",
        "支援調整会議に報告し終結の評価・中断の可否を確認する (WAM NET Q&A, S11); 設置要綱 [LOCAL S22]; "
        "自治体職員は原則出席 (S11)",
        g_meeting_held,
        patch=MEETING_MEMBERS_PATCH,
    ),
    Guard(
        "G-EFFORT-DAYS",
        "連絡のための努力は別々の日に行われた記録が必要です（同じ日の記録は1回と数えます）。",
        "The attempts to re-establish contact must be on distinct days (attempts on one day count once).",
        "一時的な連絡不通の場合は中断の前にあらゆる努力を行う（訪問・連絡票の差し置き・知人への連絡等）"
        "(WAM NET Q&A, S11)",
        g_effort_days,
        patch=EFFORT_DAYS_PATCH,
    ),
    Guard(
        "G-CONTACT-CLIENT",
        "本人（家族）との連絡の記録ではありません（関係機関との連絡は連絡不通の期日を延ばしません）。",
        "This is not a contact with the client or family (a contact with an agency does not reset the no-contact "
        "clock).",
        "process.md §1.6（本人との連絡を記録した支援経過記録でモニタリング済み）; WAM NET Q&A 中断の取扱い (S11)",
        g_contact_client,
        patch=CLIENT_CONTACT_PATCH,
    ),
    Guard(
        "G-CONTACT-AGENCY",
        "関係機関との連絡の記録ではありません。",
        "This is not a contact with an agency.",
        "process.md §1.6; 支援経過記録シート（標準様式, S4）",
        g_contact_agency,
        patch=CLIENT_CONTACT_PATCH,
    ),
)
