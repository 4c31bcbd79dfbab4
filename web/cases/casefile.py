"""The case file: a case's record as the sheets of the 標準様式 (process.md §2), in the order of the process.

相談受付・申込票 (with 相談者の基本情報, 同意 and 利用申込・対象要件), インテーク・アセスメントシート,
プランシート (each earlier version with what changed, ``web.cases.plan_changes``), 支援調整会議, 支援決定, the programs'
records (added by the page from their own workflows), 支援経過記録 as a 経過一覧 (newest first, filtered by kind),
評価シート and 終結.

Every field of ``CaseRecord`` is either placed on a sheet (``PLACED``) or deliberately left off as bookkeeping
(``BOOKKEEPING``), and a test holds the two to the model, so a new field cannot be forgotten silently. The sheets are
rendered by ``web.cases.sheets.Reader`` from the record as the reader's roles may see it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from statemachines.case.record import CaseRecord
from statemachines.case.records import (
    SYSTEM_SET_FIELDS,
    ClientIdentity,
    ContactEffort,
    Correction,
    EmergencySupport,
    Evaluation,
    FollowUpNote,
    IntakeRecord,
    MeetingRecord,
    MonitoringNote,
    Plan,
)
from statemachines.case.supervision import Advice, DifficultCaseFlag
from statemachines.kernel.roles import Actor
from statemachines.policy.sensitivity import visible_to
from statemachines.programs.definition import AnyProgram
from web.cases.correction import path_label
from web.cases.plan_changes import plan_changes
from web.cases.sheets import Reader, Row
from web.core.i18n import JST, datetime_ja
from web.core.names import Names
from web.forms.catalogue import DECISION_PREFIX, FormSpec, form_named

PLACED: dict[str, tuple[str, ...]] = {
    "intake": (
        "case_number",
        "opened_at",
        "opened_by",
        "municipality",
        "assignee",
        "employment_supporter",
        "previous_case_id",
        "intake",
        "consent_c1",
        "consent_c2",
        "consent_history",
        "eligibility",
        "referral",
    ),
    "assessment": ("assessment",),
    "plan": ("plan_version", "plan_drafted", "plan_checked", "plan", "plan_history"),
    "meetings": ("meetings",),
    "decision": ("decision", "support_started_at"),
    "progress": (
        "last_contact_at",
        "emergency_active",
        "monitoring",
        "contact_efforts",
        "follow_ups",
        "emergency",
        "advices",
        "difficult_case",
        "corrections",
    ),
    "evaluation": ("evaluations",),
    "closure": ("closure_proposal", "closure", "closed_at", "follow_ups_started"),
}
"""Which sheet shows each field of ``CaseRecord`` (by the sheet's id)."""

BOOKKEEPING: dict[str, str] = {
    "case_id": "the case's id: the page's address, never shown to a person",
    "person_id": "the 相談者's id: the person's other cases are listed above the sheets",
    "ruleset": "the rule set pinned on the case: the page's header names it (適用ルール)",
    "state": "the page's header shows the state",
    "state_entered_at": "when the state was entered: the timeline shows every transition",
    "state_before_contact_lost": "where 連絡不通 returns to: the engine's",
    "monitoring_due_marked_at": "when the monitoring timer last fired: the engine's",
    "program_monitoring": "the monitoring interval each enrolment asks for: the engine's",
    "enrolments": "the enrolments the 支援決定 started and whether each has ended: the 事業の記録 sheets show them",
    "evaluation_due_marked": "whether the evaluation timer fired: the engine's",
    "seq": "the event count of the hash chain: the audit page's",
    "last_hash": "the head of the hash chain: the audit page's",
}
"""The fields of ``CaseRecord`` no sheet shows, and why."""

INTAKE_HEADER = PLACED["intake"][:7]
CONSENTS = ("consent_c1", "consent_c2", "consent_history")
APPLICATION = ("eligibility", "referral")

PROGRESS: dict[str, tuple[type[Any], str]] = {
    "monitoring": (MonitoringNote, "contact_on"),
    "contact_efforts": (ContactEffort, "on"),
    "follow_ups": (FollowUpNote, "done_on"),
    "emergency": (EmergencySupport, "started_on"),
    "advices": (Advice, "given"),
    "difficult_case": (DifficultCaseFlag, "flagged"),
    "corrections": (Correction, "corrected"),
}
"""The dated records of the 経過一覧, by kind (the field of the record that holds them, ``?kind=``), with the field
that dates each: a date (shown as the entry's date, not again in it) or a Stamp (who and when, kept in it)."""


@dataclass
class Entry:
    """One line of the 経過一覧."""

    kind: str
    kind_label: str
    when: str
    at: datetime  # for the order, newest first
    rows: list[Row]


@dataclass
class Sheet:
    """A sheet of the case file, or a part of one: a title, its rows, and what it holds besides."""

    id: str
    title: str
    rows: list[Row] = field(default_factory=list)
    note: str = ""  # 「まだ記録されていません。」
    parts: list[Sheet] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # a plan version: what changed from the one before
    changes_title: str = ""
    folded: bool = False  # an earlier version of the plan: folded, one click away
    entries: list[Entry] = field(default_factory=list)  # the 経過一覧
    kinds: list[tuple[str, str, int]] = field(default_factory=list)  # the 経過一覧's filter: kind, label, count
    kind: str | None = None  # the kind the 経過一覧 is filtered by
    forms: list[tuple[str, str]] = field(default_factory=list)  # the 帳票 printed from it: (form id, title)

    def all_rows(self) -> list[Row]:
        """Every row of the sheet and its parts, nested ones included."""
        found = [r for row in self.rows for r in row.walk()]
        found += [r for e in self.entries for row in e.rows for r in row.walk()]
        return found + [r for part in self.parts for r in part.all_rows()]


def case_reader(
    actor: Actor, lang: str, names: Names, record: Mapping[str, Any], case_numbers: Mapping[str, str]
) -> Reader:
    """Who reads the case ``record`` (redacted for them): what their roles may see, and the 訂正 it holds."""
    corrections = [c for c in record.get("corrections") or [] if isinstance(c, dict)]
    return Reader(
        lang,
        visible_to(actor.roles),
        names,
        corrections=corrections,
        case_numbers=case_numbers,
        hidden=SYSTEM_SET_FIELDS,
    )


def case_file(reader: Reader, record: Mapping[str, Any], kind: str | None = None) -> list[Sheet]:
    """The sheets of the case ``record`` (a JSON dump of ``CaseRecord``, redacted for the reader); the 経過一覧 shows
    only the entries of ``kind`` when it is one of ``PROGRESS``. The programs' sheet is left for the page to fill."""
    return [
        _intake(reader, record),
        _single(reader, record, "assessment", "sheet_assessment"),
        _plan(reader, record),
        _meetings(reader, record),
        _decision(reader, record),
        Sheet(id="sheet-programs", title=reader.word("sheet_programs"), note=reader.word("no_entries")),
        _progress(reader, record, kind if kind in PROGRESS else None),
        _evaluations(reader, record),
        _closure(reader, record),
    ]


def sheets_as_of(reader: Reader, record: Mapping[str, Any]) -> list[Sheet]:
    """The case file of the record as it stood at a moment (the audit's 時点の状態): every sheet but the programs'
    (their records are their enrolments'), the 経過一覧 whole."""
    sheets = [s for s in case_file(reader, record) if s.id != "sheet-programs"]
    for sheet in sheets:
        sheet.kinds = []
    return sheets


def _intake(reader: Reader, record: Mapping[str, Any]) -> Sheet:
    intake = record.get("intake") or {}
    client = reader.rows(ClientIdentity, intake.get("client"), "intake.client.")
    consultation = reader.rows(IntakeRecord, intake, "intake.", leave_out=("client",))
    parts = [
        Sheet("sheet-client", reader.word("sheet_client"), client),
        Sheet("sheet-consultation", reader.word("sheet_consultation"), consultation),
        Sheet("sheet-consents", reader.word("sheet_consents"), reader.rows(CaseRecord, record, only=CONSENTS)),
        Sheet("sheet-application", reader.word("sheet_application"), reader.rows(CaseRecord, record, only=APPLICATION)),
    ]
    header = reader.rows(CaseRecord, record, only=INTAKE_HEADER)
    return Sheet("sheet-intake", reader.word("sheet_intake"), header, parts=parts)


def _single(reader: Reader, record: Mapping[str, Any], name: str, title: str) -> Sheet:
    """A sheet that is one record of the case, its fields as the sheet's rows."""
    sheet = Sheet(f"sheet-{name}", reader.word(title))
    if record.get(name) is None:
        sheet.note = reader.word("not_recorded")
    else:
        sheet.rows = reader.row(CaseRecord, name, record, name).rows
    return sheet


def _plan(reader: Reader, record: Mapping[str, Any]) -> Sheet:
    """The プランシート: the current version, and each earlier one folded with what changed in the next."""
    sheet = _single(reader, record, "plan", "sheet_plan")
    version = int(record.get("plan_version") or 0)
    stamps = reader.rows(CaseRecord, record, only=("plan_version", "plan_drafted", "plan_checked"))
    stamps[0].value = reader.word("version").format(n=version) if version else stamps[0].value
    sheet.rows = stamps + sheet.rows
    history: list[Mapping[str, Any]] = list(record.get("plan_history") or [])
    if history and record.get("plan") is not None:
        sheet.changes_title = reader.word("changes_from").format(n=len(history))
        sheet.changes = plan_changes(reader, history[-1], record["plan"]) or [reader.word("no_changes")]
    for i, earlier in reversed(list(enumerate(history))):
        part = Sheet(
            f"sheet-plan-v{i + 1}",
            reader.word("version").format(n=i + 1),
            reader.rows(Plan, earlier, f"plan_history.{i}."),
            folded=True,
        )
        if i:
            part.changes_title = reader.word("changes_from").format(n=i)
            part.changes = plan_changes(reader, history[i - 1], earlier) or [reader.word("no_changes")]
        sheet.parts.append(part)
    return sheet


def _meetings(reader: Reader, record: Mapping[str, Any]) -> Sheet:
    sheet = Sheet("sheet-meetings", reader.word("sheet_meetings"))
    meetings: list[Mapping[str, Any]] = list(record.get("meetings") or [])
    for i, meeting in enumerate(meetings):
        title = f"{reader.word('sheet_meetings')} {i + 1}（{_on(reader, meeting.get('meeting_date'))}）"
        sheet.parts.append(
            Sheet(f"sheet-meeting-{i + 1}", title, reader.rows(MeetingRecord, meeting, f"meetings.{i}."))
        )
    sheet.note = "" if meetings else reader.word("no_entries")
    return sheet


def _decision(reader: Reader, record: Mapping[str, Any]) -> Sheet:
    sheet = _single(reader, record, "decision", "sheet_decision")
    if record.get("decision") is not None:
        sheet.rows += reader.rows(CaseRecord, record, only=("support_started_at",))
    return sheet


def _progress(reader: Reader, record: Mapping[str, Any], kind: str | None) -> Sheet:
    """The 経過一覧: every dated record of the case, newest first, or those of one kind."""
    sheet = Sheet(
        "sheet-progress",
        reader.word("sheet_progress"),
        reader.rows(CaseRecord, record, only=("last_contact_at", "emergency_active")),
        kind=kind,
    )
    for name, (model, dated_by) in PROGRESS.items():
        items = _items(record.get(name))
        label = reader.label(CaseRecord, name)
        sheet.kinds.append((name, label, len(items)))
        if kind is not None and name != kind:
            continue
        for i, item in items:
            if name == "corrections":  # the fields a 訂正 named, as its form names them
                item = {**item, "paths": [path_label(p, reader.lang) for p in item.get("paths") or []]}
            path = f"{name}.{i}." if i is not None else f"{name}."
            at, when, leave_out = _dated(reader, item.get(dated_by), dated_by)
            rows = reader.rows(model, item, path, leave_out=leave_out)
            sheet.entries.append(Entry(name, label, when, at, rows))
    sheet.entries.reverse()  # the sort keeps this order at the same moment: the later recorded first
    sheet.entries.sort(key=lambda e: e.at, reverse=True)
    return sheet


def _items(value: Any) -> list[tuple[int | None, Mapping[str, Any]]]:
    if isinstance(value, list):
        return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)]
    return [(None, value)] if isinstance(value, dict) else []


def _dated(reader: Reader, value: Any, name: str) -> tuple[datetime, str, tuple[str, ...]]:
    """When an entry was: for the order, as shown, and whether its dating field is left out of its rows."""
    if isinstance(value, dict):  # a Stamp: who and when, kept in the rows
        at = datetime.fromisoformat(str(value["at"]))
        return at, datetime_ja(at), ()
    day = date.fromisoformat(str(value))
    return datetime(day.year, day.month, day.day, tzinfo=JST), reader.day(day), (name,)


def _evaluations(reader: Reader, record: Mapping[str, Any]) -> Sheet:
    sheet = Sheet("sheet-evaluation", reader.word("sheet_evaluation"))
    evaluations: list[Mapping[str, Any]] = list(record.get("evaluations") or [])
    for i, evaluation in reversed(list(enumerate(evaluations))):
        title = f"{reader.label(CaseRecord, 'evaluations')} {i + 1}（{_on(reader, evaluation.get('evaluated_on'))}）"
        rows = reader.rows(Evaluation, evaluation, f"evaluations.{i}.")
        sheet.parts.append(Sheet(f"sheet-evaluation-{i + 1}", title, rows))
    sheet.note = "" if evaluations else reader.word("not_recorded")
    return sheet


def _closure(reader: Reader, record: Mapping[str, Any]) -> Sheet:
    sheet = Sheet("sheet-closure", reader.word("sheet_closure"))
    if record.get("closure_proposal") is None and record.get("closure") is None:
        sheet.note = reader.word("not_recorded")
        return sheet
    sheet.rows = reader.rows(CaseRecord, record, only=PLACED["closure"])
    return sheet


def _on(reader: Reader, value: Any) -> str:
    return reader.day(date.fromisoformat(str(value))) if value else "—"


def shown_rows(sheets: Sequence[Sheet]) -> list[Row]:
    return [r for s in sheets for r in s.all_rows()]


PROGRAM_BOOKKEEPING: dict[str, str] = {
    "enrolment_id": "the enrolment's id: the forms' addresses, never shown to a person",
    "case_id": "the case the page is of",
    "municipality": "the case's municipality, in the page's header",
    "state": "the sheet's title names the state",
    "state_entered_at": "when the state was entered: the engine's",
    "seq": "the event count of the enrolment's hash chain: the audit's",
    "last_hash": "the head of the enrolment's hash chain: the audit's",
    "rules": "the rules pinned on the enrolment: configuration, the same for every client",
}
"""The fields every program record has that no sheet shows, and why (a program names its own in ``Labels``)."""


def program_reader(reader: Reader, defn: AnyProgram) -> Reader:
    """``reader`` for an enrolment's record: the program's own words first, its bookkeeping and the common one left
    out, its 要配慮 paths collected apart (the program's read is logged with them, ``shown_program_record``)."""
    hidden = frozenset(PROGRAM_BOOKKEEPING) | defn.labels.bookkeeping
    return replace(reader, labels=defn.labels, hidden=hidden, corrections=(), shown={})


def program_sheet(
    reader: Reader,
    defn: AnyProgram,
    enrolment_id: str,
    title: str,
    record: Mapping[str, Any] | None,
    months: Mapping[str, Any] | None = None,
) -> Sheet:
    """An enrolment's record as a sheet (``record`` as the reader may see it; None when it could not be read), read by
    ``program_reader``; ``months`` (住居確保給付金's panel: used, left, cap) adds the months left after those
    granted."""
    sheet = Sheet(f"sheet-program-{enrolment_id}", title)
    if not record:
        sheet.note = reader.word("not_recorded")
        return sheet
    sheet.rows = reader.rows(defn.record_type, record, f"programs.{defn.id}.")
    if months:
        left = Row(reader.word("months_left_label"), f"programs.{defn.id}.months_left")
        left.value = reader.word("months_left_of").format(left=months.get("left"), cap=months.get("cap"))
        after = next((i + 1 for i, r in enumerate(sheet.rows) if r.path.endswith(".months_granted")), len(sheet.rows))
        sheet.rows.insert(after, left)
    return sheet


def add_program_sheets(sheets: list[Sheet], programs: Sequence[Sheet | None]) -> None:
    """The enrolments' sheets as the parts of the case file's 事業の記録 (in the order the enrolments started)."""
    for sheet in sheets:
        if sheet.id == "sheet-programs":
            sheet.parts = [p for p in programs if p is not None]


SHEET_FORMS: dict[str, str] = {
    "sheet-intake": "intake",
    "sheet-assessment": "assessment",
    "sheet-plan": "plan",
    "sheet-progress": "progress",
    "sheet-evaluation": "evaluation",
}
"""The 帳票 (web/forms) each sheet prints as: the sheet and its paper form hold the same record."""


def attach_forms(sheets: Sequence[Sheet], record: Mapping[str, Any], may: Callable[[FormSpec], bool]) -> None:
    """Each sheet's 帳票 the reader may print: its standard form, and the 支援決定通知 of each program decided."""
    for sheet in sheets:
        specs = [form_named(SHEET_FORMS[sheet.id])] if sheet.id in SHEET_FORMS else []
        if sheet.id == "sheet-decision":
            decided = (record.get("decision") or {}).get("programs") or []
            specs = [form_named(f"{DECISION_PREFIX}{d.get('program')}") for d in decided if isinstance(d, dict)]
        sheet.forms = [(s.form_id, s.title) for s in specs if s is not None and may(s)]
