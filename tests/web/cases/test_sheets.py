"""The case file's sheets, without a server: every field of the record has its place, every label is Japanese, what a
role may not see is a placeholder (and no read), corrected fields are marked, plans show what changed, the 経過一覧
is newest first and filters by kind."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from statemachines.case.record import CaseRecord, CaseState, ClosureReport
from statemachines.case.records import (
    SYSTEM_SET_FIELDS,
    Assessment,
    Attendee,
    ClientIdentity,
    ClientWish,
    ClosureProposal,
    ClosureReason,
    Consent,
    ConsentKind,
    ContactEffort,
    ContactMethod,
    Correction,
    Decision,
    Dimension,
    EffortMethod,
    Eligibility,
    EmergencyKind,
    EmergencySupport,
    Evaluation,
    EvaluationDirection,
    FollowUpNote,
    Goal,
    IntakeRecord,
    MeetingRecord,
    MeetingResult,
    MonitoringNote,
    Plan,
    Program,
    ProgramDecision,
    ReferralTarget,
    Route,
    Stamp,
    SupportItem,
    SupportKind,
    Topic,
    Visitor,
)
from statemachines.case.supervision import Advice, DifficultCaseFlag
from statemachines.kernel.annotations import unwrap
from statemachines.kernel.roles import Role
from statemachines.kernel.rules import DEFAULT_RULESET
from statemachines.kernel.sensitivity import Sensitivity
from statemachines.policy.sensitivity import redact, special_care_paths, visible_to
from statemachines.programs.definition import AnyProgram
from statemachines.programs.registry import PROGRAMS
from web.cases.casefile import BOOKKEEPING, PLACED, PROGRAM_BOOKKEEPING, Sheet, case_file, program_reader
from web.cases.sheets import Reader, Row
from web.core.forms import choice_values
from web.core.names import Names

AT = datetime(2026, 1, 5, 0, 30, tzinfo=UTC)  # 09:30 in Japan
ON = date(2026, 1, 5)
NAMES = Names(towns={"city-a": "A市 福祉事務所"}, users={"sw1": "相談支援員 田中", "csw1": "主任相談支援員 鈴木"})


def _stamp(user: str = "sw1", day: int = 5) -> Stamp:
    return Stamp(user_id=user, at=datetime(2026, 1, day, 0, 30, tzinfo=UTC))


def _plan(goals: list[Goal], period_end: date, notes: str = "体調に配慮") -> Plan:
    return Plan(
        period_start=ON,
        period_end=period_end,
        client_intentions="仕事を見つけて家賃を払い続けたい",
        issues="失業による家賃滞納",
        goals=goals,
        support_items=[
            SupportItem(kind=SupportKind.STATUTORY_PROGRAM, program=Program.HOUSING_BENEFIT, description="家賃の支援"),
            SupportItem(kind=SupportKind.NON_STATUTORY, description="民生委員による見守り", responsible="sw1"),
        ],
        notes=notes,
        co_written_with_client=True,
    )


def _meeting(result: MeetingResult) -> MeetingRecord:
    attendees = [Attendee(organisation="A市 福祉課", is_municipal_official=True), Attendee(organisation="社協")]
    return MeetingRecord(meeting_date=ON, attendees=attendees, result=result, notes="協議の結果、承認")


def full_record(**changes: Any) -> CaseRecord:
    """A case with something in every field a sheet shows: walked to 終結, its plan in a second version."""
    consent = Consent(kind=ConsentKind.C1, signed_on=ON, signed_by_client=True, policy_version="v3")
    first = _plan([Goal(description="就職する", target_date=date(2026, 6, 30))], date(2026, 6, 30))
    second = _plan(
        [Goal(description="就職する", target_date=date(2026, 9, 30)), Goal(description="家計を立て直す")],
        date(2026, 9, 30),
        notes="通院日を避ける",
    )
    record = CaseRecord(
        case_id="c-sheets",
        case_number="A市-2025-000007",
        person_id="p-1",
        municipality="city-a",
        ruleset=DEFAULT_RULESET,
        state=CaseState.CLOSED,
        state_entered_at=AT,
        opened_at=AT,
        opened_by="sw1",
        assignee="sw1",
        previous_case_id="c-earlier",
        intake=IntakeRecord(
            received_on=ON,
            route=Route.VISIT_OFFICE,
            route_detail="知人の紹介",
            visitor=Visitor(is_client=False, relationship="母"),
            topics=[Topic.HOUSING, Topic.JOB_SEARCH],
            main_topic=Topic.HOUSING,
            wishes="家賃が払えず退去を求められている",
            urgent=True,
            client=ClientIdentity(
                name="山田 太郎",
                name_kana="ヤマダ タロウ",
                birth_date=date(1980, 5, 1),
                address="A市本町1-2-3",
                phone="090-0000-0000",
                gender="男性",
                household="単身",
            ),
        ),
        consent_c1=consent.model_copy(update={"revoked_on": ON, "revocation_note": "本人の申し出"}),
        consent_c2=consent.model_copy(update={"kind": ConsentKind.C2}),
        consent_history=[consent],
        eligibility=Eligibility(is_needy=True, resides_in_municipality=True, note="収入なし"),
        referral=ReferralTarget(institution="社会福祉協議会", reason="貸付の相談"),
        assessment=Assessment(
            household="単身",
            life_history="高校卒業後、製造業",
            health="腰痛",
            housing="民間賃貸・滞納2か月",
            finances="貯蓄なし",
            employment="求職中",
            social="友人と疎遠",
            issues="失業",
            strengths="まじめ",
            continuous_support_needed=True,
            employment_support_target=True,
        ),
        plan=second,
        plan_version=2,
        plan_drafted=_stamp(),
        plan_checked=_stamp("csw1"),
        plan_history=[first],
        meetings=[_meeting(MeetingResult.APPROVED), _meeting(MeetingResult.CLOSURE_CONFIRMED)],
        decision=Decision(decided_on=ON, programs=[ProgramDecision(program=Program.HOUSING_BENEFIT, approved=True)]),
        support_started_at=AT,
        monitoring=[
            MonitoringNote(contact_on=date(2026, 2, 1), method=ContactMethod.PHONE, content="近況を確認した"),
            MonitoringNote(contact_on=date(2026, 3, 1), method=ContactMethod.HOME_VISIT, content="面接の練習"),
        ],
        last_contact_at=AT,
        evaluations=[
            Evaluation(
                evaluated_on=date(2026, 9, 1),
                goals_achieved=[True, False],
                improvements={Dimension.EMPLOYMENT_INCOME: True},
                employed=True,
                direction=EvaluationDirection.CLOSE,
                summary="就職し、家計も安定した",
            )
        ],
        closure_proposal=ClosureProposal(
            reason=ClosureReason.EMPLOYED, client_wish=ClientWish(confirmed_on=ON, wish="終結したい")
        ),
        closure=ClosureReport(reason=ClosureReason.EMPLOYED, meeting=_meeting(MeetingResult.CLOSURE_CONFIRMED)),
        closed_at=AT,
        follow_ups_started=1,
        follow_ups=[FollowUpNote(done_on=date(2026, 10, 1), method=ContactMethod.PHONE, content="就労継続")],
        contact_efforts=[ContactEffort(on=date(2026, 2, 15), method=EffortMethod.HOME_VISIT, note="不在")],
        emergency_active=False,
        emergency=[EmergencySupport(kind=EmergencyKind.FOOD, started_on=ON, note="フードバンク")],
        employment_supporter="esw1",
        advices=[
            Advice(
                advice_no=1,
                text="家計の状況を確認してください",
                given=_stamp("csw1", 20),
                addressed_to="sw1",
                acknowledged=_stamp("sw1", 21),
                response="確認します",
            )
        ],
        difficult_case=DifficultCaseFlag(reason="多重債務", flagged=_stamp("csw1", 22)),
        corrections=[
            Correction(
                correction_no=1, paths=["intake.client.phone"], reason="番号の聞き違い", corrected=_stamp("sw1", 25)
            )
        ],
    )
    return record.model_copy(update=changes)


def _read(record: CaseRecord, roles: frozenset[Role], kind: str | None = None) -> tuple[list[Sheet], Reader]:
    allowed = visible_to(roles)
    shown = redact(CaseRecord, record.model_dump(mode="json"), allowed)
    reader = Reader("ja", allowed, NAMES, corrections=shown.get("corrections") or [], hidden=SYSTEM_SET_FIELDS)
    return case_file(reader, shown, kind), reader


def _rows(sheets: list[Sheet]) -> list[Row]:
    return [r for s in sheets for r in s.all_rows()]


def _sheet(sheets: list[Sheet], sheet_id: str) -> Sheet:
    for s in sheets:
        if s.id == sheet_id:
            return s
        for part in s.parts:
            if part.id == sheet_id:
                return part
    raise LookupError(sheet_id)


def _value(sheets: list[Sheet], path: str) -> Row:
    [row] = [r for r in _rows(sheets) if r.path == path]
    return row


def test_every_field_of_the_record_is_on_a_sheet_or_named_as_bookkeeping() -> None:
    placed = [name for names in PLACED.values() for name in names]

    assert len(placed) == len(set(placed)), "a field placed on two sheets"
    assert not set(placed) & set(BOOKKEEPING)
    assert set(placed) | set(BOOKKEEPING) == set(CaseRecord.model_fields)


def test_every_placed_field_is_rendered_on_its_sheet() -> None:
    sheets, _ = _read(full_record(), frozenset({Role.SW}))
    top = {r.path.split(".")[0] for r in _rows(sheets)}

    assert {name for names in PLACED.values() for name in names} <= top


def _labels(
    model: type[BaseModel], reader: Reader, seen: set[type[BaseModel]], skip: frozenset[str] = frozenset()
) -> Iterator[str]:
    """Every label and option a sheet of ``model`` can show (but its fields ``skip``), through every record it holds."""
    for name, info in model.model_fields.items():
        if name in reader.hidden or name in skip:
            continue
        yield reader.label(model, name)
        annotation, _ = unwrap(info.annotation)
        for inner in (annotation, *(unwrap(a)[0] for a in typing.get_args(annotation))):
            yield from (reader.option(v) for v in choice_values(inner) or [])
            if isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in seen and inner is not Stamp:
                seen.add(inner)
                yield from _labels(inner, reader, seen)


def _not_japanese(label: str) -> bool:
    return not re.search(r"[^\x00-\x7f]", label) or "_" in label


def test_every_label_of_the_case_s_sheets_is_japanese() -> None:
    sheets, reader = _read(full_record(), frozenset({Role.SW}))
    rendered = {r.label for r in _rows(sheets)} | {c for r in _rows(sheets) for c in r.columns}
    rendered |= {s.title for s in sheets} | {p.title for s in sheets for p in s.parts}
    possible = set(_labels(CaseRecord, reader, set(), frozenset(BOOKKEEPING)))

    assert sorted(label for label in rendered | possible if _not_japanese(label)) == []


@pytest.mark.parametrize("defn", PROGRAMS, ids=[p.id for p in PROGRAMS])
def test_every_label_of_a_program_s_sheet_is_japanese(defn: AnyProgram) -> None:
    reader = program_reader(Reader("ja", frozenset(Sensitivity)), defn)

    assert [label for label in _labels(defn.record_type, reader, set()) if _not_japanese(label)] == []


@pytest.mark.parametrize("defn", PROGRAMS, ids=[p.id for p in PROGRAMS])
def test_a_program_s_bookkeeping_holds_nothing_special_care(defn: AnyProgram) -> None:
    """Its read is logged whole (``shown_program_record``): what the sheet leaves out must not be a 要配慮 read."""
    hidden = set(PROGRAM_BOOKKEEPING) | defn.labels.bookkeeping
    leaves = {(m, n) for m, n in _fields(defn.record_type, set()) if n in hidden}

    assert [f"{m.__name__}.{n}" for m, n in leaves if _tag(m, n) is Sensitivity.SPECIAL_CARE] == []


def _fields(model: type[BaseModel], seen: set[type[BaseModel]]) -> Iterator[tuple[type[BaseModel], str]]:
    for name, info in model.model_fields.items():
        yield model, name
        for inner in (info.annotation, *typing.get_args(info.annotation)):
            inner, _ = unwrap(inner)
            if isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in seen:
                seen.add(inner)
                yield from _fields(inner, seen)


def _tag(model: type[BaseModel], name: str) -> Sensitivity:
    from statemachines.policy.sensitivity import tag_of

    return tag_of(model, name)


def test_values_are_in_japanese_words_names_and_dates() -> None:
    sheets, _ = _read(full_record(), frozenset({Role.SW}))

    assert _value(sheets, "intake.route").value == "来所"
    assert _value(sheets, "intake.topics").value == "住まい、仕事探し・就職"
    assert _value(sheets, "intake.urgent").value == "はい"
    assert _value(sheets, "intake.visitor.is_client").value == "いいえ"
    assert _value(sheets, "intake.client.birth_date").value == "1980年5月1日（木）（昭和55年）"
    assert _value(sheets, "opened_by").value == "相談支援員 田中"
    assert _value(sheets, "municipality").value == "A市 福祉事務所"
    assert _value(sheets, "opened_at").value == "2026/01/05 09:30"
    assert _value(sheets, "plan_version").value == "第2版"
    assert _value(sheets, "plan_checked").value == "主任相談支援員 鈴木（2026/01/05 09:30）"
    assert _value(sheets, "plan.support_items.1.responsible").value == "相談支援員 田中"
    assert _value(sheets, "closure.reason").value == "就職"
    assert _value(sheets, "evaluations.0.improvements.employment_income").value == "はい"
    assert _value(sheets, "evaluations.0.goals_achieved.1").value == "いいえ"
    assert _value(sheets, "evaluations.0.goals_achieved.1").label == "目標2"
    assert _value(sheets, "intake.client.name").label == "氏名"


def test_the_plan_s_goals_are_a_table_with_their_target_dates() -> None:
    sheets, _ = _read(full_record(), frozenset({Role.SW}))
    goals = _value(sheets, "plan.goals")

    assert goals.kind == "table"
    assert goals.columns == ["目標", "達成時期"]
    assert [[c.value for c in line] for line in goals.cells] == [
        ["就職する", "2026年9月30日（水）（令和8年）"],
        ["家計を立て直す", "—"],
    ]
    assert _value(sheets, "plan.client_intentions").label == "本人の思い（生活に対する意向）"


def test_each_earlier_plan_is_kept_with_what_changed_in_the_next() -> None:
    sheets, _ = _read(full_record(), frozenset({Role.SW}))
    plan = _sheet(sheets, "sheet-plan")

    assert [p.title for p in plan.parts] == ["第1版"]
    assert plan.parts[0].folded
    assert plan.changes_title == "第1版からの変更"
    assert plan.changes == [
        "期間終了日：2026年6月30日（火）（令和8年） → 2026年9月30日（水）（令和8年）",
        "目標及びその達成時期に追加：「家計を立て直す」",
        "「就職する」の達成時期：2026年6月30日（火）（令和8年） → 2026年9月30日（水）（令和8年）",
        "留意事項：内容を変更",
    ]


def test_a_role_that_may_not_see_special_care_gets_placeholders_and_no_read() -> None:
    sheets, reader = _read(full_record(), frozenset({Role.ADMIN}))

    assert _value(sheets, "intake.client.name").value == "（閲覧権限がありません）"
    assert _value(sheets, "intake.client.name").kind == "withheld"
    assert _value(sheets, "assessment.finances").kind == "withheld"  # financial: not the administrator's either
    assert _value(sheets, "plan.goals.0.description").kind == "withheld"
    assert _value(sheets, "plan.goals.0.target_date").value == "2026年9月30日（水）（令和8年）"
    assert "山田" not in str(sheets)
    assert reader.log_paths() == []


def test_the_paths_logged_are_the_special_care_fields_shown() -> None:
    record = full_record()
    _, reader = _read(record, frozenset({Role.SW}))
    expected = special_care_paths(
        CaseRecord, redact(CaseRecord, record.model_dump(mode="json"), visible_to(frozenset({Role.SW})))
    )

    assert sorted(reader.log_paths()) == sorted(expected)
    assert "intake.client.name" in reader.log_paths()
    assert "plan_history[].goals[].description" in reader.log_paths()


def test_a_corrected_field_is_marked_with_its_number_day_and_who() -> None:
    record = full_record(
        corrections=[
            Correction(correction_no=1, paths=["intake.client.phone"], reason="聞き違い", corrected=_stamp("sw1", 25)),
            Correction(correction_no=2, paths=["assessment"], reason="別の方の記録", corrected=_stamp("csw1", 26)),
        ]
    )
    sheets, _ = _read(record, frozenset({Role.SW}))

    assert _value(sheets, "intake.client.phone").corrected == ["訂正済み（No.1、2026年1月25日（日）、相談支援員 田中）"]
    assert _value(sheets, "intake.client.address").corrected == []
    assert _value(sheets, "corrections.1.paths").value == "アセスメント"  # named as the 訂正 form names it
    assert _value(sheets, "corrections.0.paths").value == "相談受付・申込票 › 本人の基本情報 › 電話番号"
    assert _value(sheets, "assessment.health").corrected == [
        "訂正済み（No.2、2026年1月26日（月）、主任相談支援員 鈴木）"
    ]


def test_the_progress_list_is_newest_first_and_filters_by_kind() -> None:
    sheets, _ = _read(full_record(), frozenset({Role.SW}))
    progress = _sheet(sheets, "sheet-progress")
    only_notes, reader = _read(full_record(), frozenset({Role.SW}), kind="monitoring")
    filtered = _sheet(only_notes, "sheet-progress")

    days = [e.at for e in progress.entries]
    assert days == sorted(days, reverse=True)
    assert [e.kind for e in progress.entries][:3] == ["follow_ups", "monitoring", "contact_efforts"]
    assert {e.kind for e in progress.entries} == {
        "monitoring",
        "contact_efforts",
        "follow_ups",
        "emergency",
        "advices",
        "difficult_case",
        "corrections",
    }
    assert [e.when for e in filtered.entries] == ["2026年3月1日（日）（令和8年）", "2026年2月1日（日）（令和8年）"]
    assert filtered.kind == "monitoring"
    assert ("monitoring", "モニタリング（支援経過）", 2) in filtered.kinds
    assert "follow_ups[].content" not in reader.log_paths()  # not shown: not read
    assert "monitoring[].content" in reader.log_paths()


def test_an_unknown_kind_shows_every_entry() -> None:
    sheets, _ = _read(full_record(), frozenset({Role.SW}), kind="nonsense")

    assert _sheet(sheets, "sheet-progress").kind is None
    assert len(_sheet(sheets, "sheet-progress").entries) == 8


def test_a_new_case_s_sheets_say_what_is_not_recorded_yet() -> None:
    record = CaseRecord(
        case_id="c-new", municipality="city-a", ruleset=DEFAULT_RULESET, state_entered_at=AT, opened_at=AT,
        opened_by="sw1", last_contact_at=AT,
    )  # fmt: skip
    sheets, _ = _read(record, frozenset({Role.SW}))

    assert _sheet(sheets, "sheet-assessment").note == "まだ記録されていません。"
    assert _sheet(sheets, "sheet-closure").note == "まだ記録されていません。"
    assert _value(sheets, "intake.client.name").value == "—"
    assert _sheet(sheets, "sheet-progress").entries == []
