"""住居確保給付金 (process.md §3.1): application, eligibility (施行規則§10), 支給決定, 3-month periods up to 9
months in all (§12), the monthly check of 求職活動 while it is paid, a suspension for illness or injury that ends the
benefit when it is not resumed within 2 years (§12②)."""

from __future__ import annotations

from statemachines.kernel.events import NoticeKind, TaskKind
from statemachines.kernel.roles import MUNICIPAL, SYSTEM, WORK_SUPPORT, Role
from statemachines.kernel.rules import DocumentType
from statemachines.kernel.table import Lookup, Transition
from statemachines.kernel.timers import Timer
from statemachines.programs.definition import ProgramDef, ProgramState
from statemachines.programs.housing_benefit import effects as e
from statemachines.programs.housing_benefit import records as p
from statemachines.programs.housing_benefit.guards import ELIGIBILITY, GUARDS
from statemachines.programs.housing_benefit.labels import LABELS
from statemachines.programs.housing_benefit.records import (
    RULE_SOURCES,
    HousingBenefitRecord,
    HousingBenefitState,
    HousingBenefitTrigger,
)
from statemachines.programs.payloads import Note

S, T = HousingBenefitState, HousingBenefitTrigger
Row = Transition[HousingBenefitState, HousingBenefitTrigger]
TK = TaskKind[HousingBenefitTrigger]
MUN, STAFF, PAID = MUNICIPAL, WORK_SUPPORT, e.PAID

# fmt: off
TRANSITIONS: tuple[Row, ...] = (
    Row("HB1", T.SUBMIT_APPLICATION, (S.APPLIED,), S.REVIEW, STAFF, p.Apply, "申請書の受理（審査へ）",
        ("G-H-DATE", "G-H-LOCK"), looks_up=(Lookup.PERSON,)),
    Row("HB2", T.CERTIFY, (S.REVIEW,), S.CERTIFIED, MUN, Note, "支給対象者証明書の交付（住居喪失者）",
        (*ELIGIBILITY, "G-H-LOST", "G-H-HW")),
    Row("HB3", T.REPORT_HOUSED, (S.CERTIFIED,), S.HOUSED, STAFF, p.Housed, "住居確保報告書", ("G-H-REPORT",)),
    Row("HB4", T.DECIDE_PAYMENT, (S.REVIEW,), S.DECIDED, MUN, p.Decide, "支給決定",
        (*ELIGIBILITY, "G-H-HOUSED", "G-H-HW", "G-H-DECIDED-ON")),
    Row("HB4b", T.DECIDE_PAYMENT, (S.HOUSED,), S.DECIDED, MUN, p.Decide, "支給決定（入居後）",
        (*ELIGIBILITY, "G-H-HW", "G-H-DECIDED-ON")),
    Row("HB5", T.REJECT, (S.REVIEW,), S.REJECTED, MUN, Note, "不支給決定"),
    Row("HB6", T.START_PAYMENT, (S.DECIDED,), S.PAYING, MUN, Note, "支給開始（家主等へ代理納付）"),
    Row("HB7", T.RECORD_EVIDENCE, PAID, None, STAFF, p.Evidence, "求職活動状況の記録"),
    Row("HB8", T.REPORT_EMPLOYMENT, PAID, None, STAFF, p.Employment, "常用就職届"),
    Row("HB9", T.REQUEST_EXTENSION, (S.PAYING,), S.EXTENSION_REQUESTED, STAFF, p.ExtensionRequest, "延長申請",
        ("G-H-CAP", "G-H-DEADLINE", "G-H-RENEW")),
    Row("HB10", T.GRANT_EXTENSION, (S.EXTENSION_REQUESTED,), S.PAYING, MUN, Note, "延長決定（3か月）", ("G-H-CAP",)),
    Row("HB11", T.REFUSE_EXTENSION, (S.EXTENSION_REQUESTED,), S.ENDED, MUN, Note, "延長不承認（支給終了）"),
    Row("HB12", T.STOP, (*PAID, S.SUSPENDED), S.STOPPED, MUN, p.Stop, "支給中止"),
    Row("HB13", T.END_PERIOD, (S.PAYING,), S.ENDED, SYSTEM | MUN, Note, "支給期間満了", timer="period_end"),
    Row("HB14", T.MARK_EXTENSION_DUE, (S.PAYING,), None, SYSTEM, Note, "延長申請期限の14日前",
        timer="extension_warning"),
    Row("HB15", T.CHECK_OBLIGATIONS, PAID, None, SYSTEM, p.Month, "求職活動状況の確認（月次）",
        timer="monthly_obligations"),
    Row("HB16", T.SUSPEND, PAID, S.SUSPENDED, MUN, p.Suspend, "支給の停止（疾病・負傷、施行規則§12②）"),
    Row("HB17", T.RESUME, (S.SUSPENDED,), S.PAYING, MUN, p.Resume, "支給の再開（要件を再び満たした）",
        ("G-H-RESUME",)),
    Row("HB18", T.END_SUSPENSION, (S.SUSPENDED,), S.ENDED, SYSTEM, Note, "停止から2年経過（支給終了、施行規則§12②）",
        timer="suspension_limit"),
)
# fmt: on

STATES = {
    S.APPLIED: ProgramState("申請受付", "Application received"),
    S.REVIEW: ProgramState("審査", "Under review"),
    S.REJECTED: ProgramState("不支給", "Rejected", terminal=True),
    S.CERTIFIED: ProgramState("支給対象者証明書交付", "Certified (housing lost)"),
    S.HOUSED: ProgramState("入居・住居確保報告", "Housed"),
    S.DECIDED: ProgramState("支給決定", "Decided"),
    S.PAYING: ProgramState("支給中", "Paying"),
    S.EXTENSION_REQUESTED: ProgramState("延長申請中", "Extension requested"),
    S.SUSPENDED: ProgramState("支給停止（疾病・負傷）", "Suspended (illness or injury)"),
    S.STOPPED: ProgramState("支給中止", "Stopped", terminal=True),
    S.ENDED: ProgramState("支給終了", "Ended", terminal=True),
}

HOUSING_BENEFIT = ProgramDef[HousingBenefitState, HousingBenefitTrigger, HousingBenefitRecord](
    id="housing_benefit",
    position=1,
    taken_with_application=True,
    labels=LABELS,
    document=DocumentType.HOUSING_BENEFIT,
    name_ja="住居確保給付金",
    basis="生活困窮者自立支援法 第3条第3項・第6条; 施行規則 第10条〜第16条",
    states=STATES,
    triggers=HousingBenefitTrigger,
    initial=S.APPLIED,
    transitions=TRANSITIONS,
    guards=GUARDS,
    record_type=HousingBenefitRecord,
    effects={
        T.SUBMIT_APPLICATION: e.apply_for,
        T.REQUEST_EXTENSION: e.request_extension,
        T.REPORT_HOUSED: e.housed,
        T.DECIDE_PAYMENT: e.decide,
        T.START_PAYMENT: e.start_paying,
        T.GRANT_EXTENSION: e.extend,
        T.RECORD_EVIDENCE: e.evidence,
        T.REPORT_EMPLOYMENT: e.employed,
        T.STOP: e.stop,
        T.END_PERIOD: e.end_period,
        T.REFUSE_EXTENSION: e.end_period,
        T.MARK_EXTENSION_DUE: e.warned,
        T.CHECK_OBLIGATIONS: e.checked,
        T.SUSPEND: e.suspend,
        T.RESUME: e.resume,
        T.END_SUSPENSION: e.end_suspension,
    },
    rules=RULE_SOURCES,
    deadlines=e.deadlines,
    monitoring=e.monitoring,
    summary=("months_granted", "period_end", "employed_on", "ended_on"),
    panel=e.months_panel,
    state_tasks={
        S.APPLIED: TK(
            "hb_application", Role.SW, T.SUBMIT_APPLICATION, "住居確保給付金の申請受付", "Take the application"
        ),
        S.REVIEW: TK("hb_review", Role.MUN, T.DECIDE_PAYMENT, "住居確保給付金の審査・支給決定", "Review and decide"),
        S.CERTIFIED: TK(
            "hb_housed_report",
            Role.SW,
            T.REPORT_HOUSED,
            "住居確保報告書の受理（入居後7日以内）",
            "Receive the move-in report",
        ),
        S.HOUSED: TK("hb_decide", Role.MUN, T.DECIDE_PAYMENT, "住居確保給付金の支給決定", "Decide the payment"),
        S.DECIDED: TK(
            "hb_start_payment", Role.MUN, T.START_PAYMENT, "支給開始（家主等への代理納付）", "Start paying the landlord"
        ),
        S.EXTENSION_REQUESTED: TK(
            "hb_extension_decision", Role.MUN, T.GRANT_EXTENSION, "延長申請の決定", "Decide the extension"
        ),
    },
    event_tasks={
        T.MARK_EXTENSION_DUE: TK(
            "hb_extension_due",
            Role.SW,
            T.REQUEST_EXTENSION,
            "延長申請の期限が近づいています（支給期間の最終月の末日まで）",
            "The extension application is due by the end of the period",
            notice=NoticeKind.REMINDER,
        ),
        T.CHECK_OBLIGATIONS: TK(
            "hb_evidence_missing",
            Role.SW,
            T.RECORD_EVIDENCE,
            "求職活動状況の記録が不足しています",
            "Job-search evidence is missing",
        ),
    },
    closes={T.RECORD_EVIDENCE: ("hb_evidence_missing",), T.REQUEST_EXTENSION: ("hb_extension_due",)},
    timers=(
        Timer(
            "extension_warning",
            "opens the extension task before the last day of the period",
            rule="extension_warning_days",
            start="the last day of the period (days before it)",
        ),
        Timer("period_end", "HB13 → ENDED", at="00:00 JST the day after the period's last day"),
        Timer(
            "monthly_obligations",
            "missing 求職活動 evidence opens a task",
            at="00:00 JST a week after each paid month ends",
        ),
        Timer(
            "suspension_limit",
            "HB18 → ENDED: not resumed within the window of 施行規則§12②",
            rule="resume_within",
            start="the 停止日 (fires at 00:00 JST the day after the window's last day)",
        ),
    ),
)
