"""The declared dates of the programs' payloads and what checks each (issue 15, item 4; ``statemachines.kernel.dates``).

The dates that decide a legal limit are checked against the event's day by the program's own guards: the 申請日 of
住居確保給付金 (G-H-DATE) and its 支給決定 (G-H-DECIDED-ON), the start of an appointment (G-HW5: not in the past). The
others record what the 本人 or a staff member did; they decide no limit, and are listed here as such, so that a new
date field cannot appear without someone deciding what bounds it (tests/statemachines/test_declared_dates.py).
"""

from __future__ import annotations

from statemachines.kernel.dates import DateTable, DeclaredDate
from statemachines.programs import payloads
from statemachines.programs.certified_training import records as ct
from statemachines.programs.hello_work import records as hw
from statemachines.programs.household_budget import records as hh
from statemachines.programs.housing_benefit import records as hb
from statemachines.programs.housing_support import records as hs
from statemachines.programs.referral import records as rf
from statemachines.programs.work_readiness import records as wr

D = DeclaredDate
RECORDED = "not bounded yet: what was done, deciding no legal limit (a bound by the event's day is to follow)"

PROGRAM_DATES: DateTable = {
    (hb.HousingApplication, "applied_on"): D("申請日", "application date", by="G-H-DATE"),
    (hb.HousingApplication, "job_loss_on"): D("離職・廃業の日", "job loss", by="G-H-DATE (not after the 申請日)"),
    (hb.HousingApplication, "previous_payment_ended_on"): D(
        "前回の支給終了日", "previous payment's end", by="the store's (Lookup.PERSON), never typed by a person"
    ),
    (hb.Decide, "decided_on"): D("支給決定日", "payment decision day", by="G-H-DECIDED-ON"),
    (hb.Decide, "period_start"): D("支給開始日", "payment start", by="G-H-DECIDED-ON"),
    (hb.Housed, "moved_in_on"): D("入居日", "move-in day", by="G-H-REPORT (reported within 7 days of it)"),
    (hb.Housed, "reported_on"): D("報告日", "report day", by="G-H-REPORT (within 7 days of the move-in)"),
    (hb.Employment, "employed_on"): D("就職日", "employment start", by=RECORDED),
    (hb.Suspend, "suspended_on"): D("停止日", "suspension day", by=RECORDED),
    (hb.Resume, "resumed_on"): D("再開日", "resumption day", by="G-H-RESUME (not before the 停止日, within 2 years)"),
    (hw.RecordAppointment, "starts_at"): D("予定の日時", "appointment", by="G-HW5 (not in the past)"),
    (hw.JointInterview, "starts_at"): D("合同面接の日時", "joint interview", by="G-HW5 (not in the past)"),
    (hw.Consent, "consented_on"): D("同意日", "consent day", by="the policy version in force that day (services)"),
    (hw.SendRequest, "sent_on"): D("支援要請日", "request day", by=RECORDED),
    (hw.Employment, "started_on"): D("就職日", "employment start", by=RECORDED),
    (hw.FollowUp, "contacted_on"): D("連絡日", "contact day", by=RECORDED),
    (hh.Action, "on"): D("実施日", "day done", by=RECORDED),
    (hh.AgreePlan, "agreed_on"): D("合意日", "day agreed", by=RECORDED),
    (hh.Check, "checked_on"): D("確認日", "day checked", by=RECORDED),
    (hs.Activity, "on"): D("実施日", "day done", by=RECORDED),
    (hs.MoveIn, "moved_in_on"): D("入居日", "move-in day", by=RECORDED),
    (hs.Transfer, "protection_started_on"): D("保護開始日", "public assistance's start", by=RECORDED),
    (ct.Decide, "decided_on"): D("決定日", "decision day", by=RECORDED),
    (wr.ExtensionDecision, "decided_on"): D("延長決定日", "extension decision day", by=RECORDED),
    (wr.ExtensionDecision, "until"): D("延長の期限", "last day extended to", by="G-W3 (the decision's own limit)"),
    (payloads.DecidedOn, "decided_on"): D("決定日", "decision day", by=RECORDED),
    (rf.Answer, "answered_on"): D("回答日", "answer day", by=RECORDED),
    (rf.ConfirmOutcome, "confirmed_on"): D("確認日", "day confirmed", by=RECORDED),
}
"""Every declared date of the programs' payloads and what checks it (tests/statemachines/test_declared_dates.py)."""
