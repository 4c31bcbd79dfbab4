"""Every date a command's payload declares has a decision (statemachines.case.dates, statemachines.programs.dates):
a new date field without one fails here. And G-DATES refuses, naming the field, what its decision refuses."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import AwareDatetime, BaseModel

from statemachines.case.dates import CASE_DATES
from statemachines.case.engine import CASE, open_case
from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.transitions import OPENING, OPENING_IDENTIFIED, TRANSITIONS, Trigger
from statemachines.kernel.annotations import unwrap
from statemachines.kernel.dates import Bound
from statemachines.kernel.outcomes import CommandRejected
from statemachines.kernel.rules import DEFAULT_RULESET
from statemachines.programs.dates import PROGRAM_DATES
from statemachines.programs.registry import PROGRAMS
from tests.factories import CITY, SW1, VALID_PAYLOADS, contact_note
from tests.statemachines.paths import START, reach

S, T = CaseState, Trigger


def _date_fields(model: type[BaseModel], seen: set[type[BaseModel]]) -> Iterator[tuple[type[BaseModel], str]]:
    if model in seen:
        return
    seen.add(model)
    for name, info in model.model_fields.items():
        annotation, _ = unwrap(info.annotation)
        for inner in (annotation, *typing.get_args(annotation)):
            inner, _ = unwrap(inner)
            if inner is AwareDatetime or (isinstance(inner, type) and issubclass(inner, date)):
                yield model, name
            elif isinstance(inner, type) and issubclass(inner, BaseModel):
                yield from _date_fields(inner, seen)


def _declared(payloads: set[type[BaseModel]]) -> set[tuple[type[BaseModel], str]]:
    seen: set[type[BaseModel]] = set()
    return {field for payload in payloads for field in _date_fields(payload, seen)}


def _name(fields: set[tuple[type[BaseModel], str]]) -> list[str]:
    return sorted(f"{m.__module__}.{m.__name__}.{n}" for m, n in fields)


def test_every_declared_date_of_a_case_payload_has_a_decision() -> None:
    payloads = {t.payload for t in (*TRANSITIONS, OPENING, OPENING_IDENTIFIED)}
    declared = _declared(payloads)
    assert _name(declared - set(CASE_DATES)) == []
    assert _name(set(CASE_DATES) - declared) == []  # no decision for a field that is gone


def test_every_declared_date_of_a_program_payload_has_a_decision() -> None:
    payloads = {t.payload for p in PROGRAMS for t in p.transitions}
    declared = _declared(payloads)
    assert _name(declared - set(PROGRAM_DATES)) == []
    assert _name(set(PROGRAM_DATES) - declared) == []


def test_the_decisions_the_issue_names() -> None:
    by_name = {(m.__name__, n): d for (m, n), d in CASE_DATES.items()}
    assert by_name["ClientIdentity", "birth_date"].bound is Bound.BIRTH
    for field in [("MonitoringNote", "contact_on"), ("FollowUpNote", "done_on"), ("ContactEffort", "on")]:
        assert by_name[field].bound is Bound.SINCE_BEGUN
    assert by_name["PutOnAgenda", "planned_meeting_on"].bound is Bound.PLANNED
    programs = {(m.__name__, n): d for (m, n), d in PROGRAM_DATES.items()}
    assert programs["RecordAppointment", "starts_at"].by is not None
    assert "G-HW5" in (programs["RecordAppointment", "starts_at"].by or "")


# --- G-DATES: the case's declared dates against the event's day ---------------------------------------------------

ON_JAN_10 = datetime(2026, 1, 10, 1, 0, tzinfo=UTC)  # 10:00 in Japan; the case opened on 2026-01-05 (START)


def _refused(case: CaseRecord, trigger: Trigger, payload: dict[str, Any]) -> str:
    [unmet] = CASE.check(case, trigger.value, SW1, payload, ON_JAN_10)
    assert unmet.id == "G-DATES"
    return unmet.message_ja


@pytest.mark.parametrize(
    ("trigger", "state", "payload", "said"),
    [
        (
            T.RECORD_CONTACT,
            S.SUPPORT_ACTIVE,
            {"monitoring_note": {**contact_note(), "contact_on": "9999-12-31"}},
            "連絡日（9999-12-31）が今日（2026-01-10）より後です。",
        ),
        (
            T.RECORD_CONTACT,
            S.SUPPORT_ACTIVE,
            {"monitoring_note": {**contact_note(), "contact_on": "2026-01-04"}},
            "連絡日（2026-01-04）がケースの受付（2026-01-05）より前です。",
        ),
        (
            T.RECORD_CONTACT,
            S.SUPPORT_ACTIVE,
            {"monitoring_note": {**contact_note(), "next_planned_on": "2026-01-09"}},
            "次回予定日（2026-01-09）が過ぎています（今日は2026-01-10）。",
        ),
        (
            T.COMPLETE_FOLLOW_UP,
            S.FOLLOW_UP,
            {"follow_up": {"done_on": "9999-12-31", "method": "phone", "content": "就労継続"}},
            "フォローアップの実施日（9999-12-31）が今日（2026-01-10）より後です。",
        ),
        (
            T.RECORD_CONTACT_EFFORT,
            S.CONTACT_LOST,
            {"contact_effort": {"on": "2025-12-31", "method": "home_visit"}},
            "連絡のための努力をした日（2025-12-31）がケースの受付（2026-01-05）より前です。",
        ),
        (
            T.PUT_ON_AGENDA,
            S.PLAN_CONSENTED,
            {"planned_meeting_on": "2026-01-09"},
            "会議予定日（2026-01-09）が過ぎています（今日は2026-01-10）。",
        ),
        (
            T.COMPLETE_INTAKE,
            S.INTAKE,
            {"intake": {**VALID_PAYLOADS[T.COMPLETE_INTAKE]["intake"], "client": {"birth_date": "9999-12-31"}}},
            "生年月日（9999-12-31）が今日（2026-01-10）より後です。",
        ),
        (
            T.COMPLETE_INTAKE,
            S.INTAKE,
            {"intake": {**VALID_PAYLOADS[T.COMPLETE_INTAKE]["intake"], "client": {"birth_date": "1899-12-31"}}},
            "生年月日（1899-12-31）が1900年より前です。",
        ),
        (
            T.CORRECT_RECORD,
            S.SCREENING,
            {"corrections": [{"path": "intake.client.birth_date", "value": "9999-12-31"}], "reason": "誤記"},
            "生年月日（9999-12-31）が今日（2026-01-10）より後です。",
        ),
    ],
)
def test_g_dates_refuses_a_declared_date_out_of_its_bounds_naming_the_field(
    trigger: Trigger, state: CaseState, payload: dict[str, Any], said: str
) -> None:
    assert _refused(reach(state), trigger, payload) == said


def test_g_dates_accepts_a_contact_on_the_day_the_case_opened_and_today() -> None:
    case = reach(S.SUPPORT_ACTIVE)
    for day in ("2026-01-05", "2026-01-10"):
        note = {"monitoring_note": {**contact_note(), "contact_on": day, "next_planned_on": "2026-01-10"}}
        assert CASE.check(case, "record_contact", SW1, note, ON_JAN_10) == []


def test_g_dates_came_with_its_patch_and_explain_never_waits_for_it() -> None:
    guard = CASE.guards["G-DATES"]
    assert guard.patch == "declared-dates-checked"
    assert guard.describe()["message_ja"]
    options = {o.command: o for o in CASE.explain(reach(S.SUPPORT_ACTIVE), SW1, ON_JAN_10)}
    assert "G-DATES" not in {r["id"] for r in options["record_contact"].requires}


def test_an_opening_with_a_birth_date_still_to_come_is_refused() -> None:
    client = {"intake": {"client": {"name_kana": "ヤマダ タロウ", "birth_date": "9999-12-31"}}}
    with pytest.raises(CommandRejected) as refused:
        open_case(
            case_id="c",
            municipality=CITY,
            ruleset=DEFAULT_RULESET,
            actor=SW1,
            payload=client,
            now=START,
            command_id="o",
        )
    [unmet] = refused.value.unmet
    assert (unmet.id, unmet.message_ja) == ("G-DATES", "生年月日（9999-12-31）が今日（2026-01-05）より後です。")
