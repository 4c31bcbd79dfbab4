"""Nothing recorded is lost by a later command (statemachines/case/corrections.py): every command that carries a sheet
merges it into what the case holds, and only a 訂正 (correct_record) clears or changes a filled field, with a reason
the record keeps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from statemachines.case.corrections import (
    MERGED,
    CorrectRecord,
    checked_value,
    merge_sheet,
    merged_payload,
    target_of,
)
from statemachines.case.engine import CASE
from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.transitions import TRANSITIONS, TransitionDef, Trigger
from statemachines.kernel.outcomes import CommandRejected, PayloadInvalid
from tests.factories import SW1, VALID_PAYLOADS
from tests.statemachines.paths import ACTOR_FOR, PATHS, START, reach, step

T = Trigger
S = CaseState

RECORDED: dict[str, dict[str, Any]] = {
    "intake": {
        "client": {"name": "山田 花子", "name_kana": "やまだ はなこ", "phone": "090-1234-5678"},
        "wishes": "家賃を払い続けたい",
        "urgent": True,
    },
    "eligibility": {"is_needy": True, "resides_in_municipality": True, "note": "転居の予定なし"},
    "referral": {"institution": "地域包括支援センター", "reason": "介護の相談"},
    "assessment": {"life_history": "高校卒業後に製造業で20年勤務", "strengths": "人との会話が好き"},
    "plan": {
        "period_start": "2026-02-01",
        "period_end": "2026-07-31",
        "goals": [{"description": "生活リズムを整える", "target_date": "2026-04-30"}],
        "notes": "午前中の連絡を希望",
    },
    "closure_proposal": {"reason": "EMPLOYED", "client_wish": {"confirmed_on": "2026-01-04", "wish": "終結したい"}},
    "decision": {"decided_on": "2026-01-04", "programs": [{"program": "work_readiness", "approved": True}]},
}
"""A sheet as an earlier command recorded it, with fields the valid payload of the later command does not bring."""


def _carriers() -> list[tuple[TransitionDef, str]]:
    """Every row of the table whose payload brings a sheet that later commands fill further."""
    rows = []
    for t in TRANSITIONS:
        for name in MERGED:
            if name in t.payload.model_fields and t.trigger in VALID_PAYLOADS and name in VALID_PAYLOADS[t.trigger]:
                rows.append((t, name))
    return rows


def _reachable(t: TransitionDef) -> CaseState:
    return next(s for s in t.source if s in PATHS or s is S.IDENTIFIED)


def _apply(case: CaseRecord, trigger: Trigger, payload: dict[str, Any]) -> CaseRecord:
    body = merged_payload(case, payload, reopening=trigger is T.REOPEN)
    who = ACTOR_FOR.get(trigger, SW1)
    now = START + timedelta(hours=1)
    return CASE.apply(case, trigger.value, who, body, now=now, command_id=f"cmd-{case.seq + 1}").record


def _leaves(sheet: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in sheet.items():
        if isinstance(value, dict):
            out.update(_leaves(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_every_sheet_carrying_command_is_covered() -> None:
    covered = {t.trigger for t, _ in _carriers()}
    assert covered >= {T.COMPLETE_INTAKE, T.APPLY_FOR_SUPPORT, T.REFER_OUT, T.COMPLETE_ASSESSMENT, T.SUBMIT_PLAN}
    assert covered >= {T.PROPOSE_CLOSURE, T.DECIDE_SUPPORT, T.REOPEN}


@pytest.mark.parametrize(("t", "name"), _carriers(), ids=[f"{t.id}-{n}" for t, n in _carriers()])
def test_a_later_command_keeps_what_it_does_not_bring(t: TransitionDef, name: str) -> None:
    case = reach(_reachable(t))
    recorded = _model(name).model_validate(RECORDED[name])
    case = case.model_copy(update={name: recorded})
    sent: dict[str, Any] = VALID_PAYLOADS[t.trigger][name]
    after = getattr(_apply(case, t.trigger, VALID_PAYLOADS[t.trigger]), name).model_dump(mode="json")
    given = _leaves(sent)
    for path, value in _leaves(RECORDED[name]).items():
        if t.trigger is T.REOPEN and not path.startswith("client."):
            continue  # 再相談: a new 申込票, only the client carried over
        expected = given[path] if path in given and given[path] not in (None, "", []) else value
        assert _at(after, path) == _filled(expected), path
    for path, value in given.items():
        if value not in (None, "", []):
            assert _at(after, path) == _filled(value), path


def _model(name: str) -> Any:
    annotation = CaseRecord.model_fields[name].annotation
    return next(a for a in getattr(annotation, "__args__", (annotation,)) if a is not type(None))


def _at(sheet: dict[str, Any], path: str) -> Any:
    value: Any = sheet
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return _filled(value)


def _filled(value: Any) -> Any:
    """A value without the fields left at None (a dumped row has them, a sent one does not)."""
    if isinstance(value, dict):
        return {k: _filled(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_filled(v) for v in value]
    return value


def test_complete_intake_with_only_the_intake_fields_keeps_the_client_recorded_at_opening() -> None:
    """The issue's example: T2 with the 申込票's own fields used to null the name, phone and wishes of T1."""
    case = reach(S.INTAKE).model_copy(update={"intake": reach(S.INTAKE).intake.model_validate(RECORDED["intake"])})
    after = _apply(case, T.COMPLETE_INTAKE, VALID_PAYLOADS[T.COMPLETE_INTAKE])
    assert after.intake.client.name == "山田 花子"
    assert after.intake.client.phone == "090-1234-5678"
    assert after.intake.wishes == "家賃を払い続けたい"
    assert after.intake.topics == ["housing", "job_search"]


def test_null_empty_and_absent_fields_keep_the_recorded_value_and_a_list_given_replaces_the_list() -> None:
    recorded = {"topics": ["housing"], "client": {"name": "山田", "phone": "090"}, "wishes": "x"}
    given = {"topics": ["debt", "income"], "client": {"name": None, "phone": ""}, "wishes": [], "urgent": False}
    assert merge_sheet(recorded, given) == {
        "topics": ["debt", "income"],
        "client": {"name": "山田", "phone": "090"},
        "wishes": "x",
        "urgent": False,
    }


def test_reopening_starts_a_new_intake_for_the_same_client() -> None:
    case = step(reach(S.SCREENING), T.END_WITH_INFORMATION)
    case = case.model_copy(update={"intake": case.intake.model_validate(RECORDED["intake"])})
    after = _apply(case, T.REOPEN, {})
    assert after.intake.client.name == "山田 花子"
    assert after.intake.wishes is None
    assert after.intake.urgent is False


def test_a_new_plan_version_starts_from_the_consented_plan_and_keeps_it_in_the_history() -> None:
    case = reach(S.SUPPORT_ACTIVE)
    case = step(case, T.START_EVALUATION)
    case = step(case, T.REPLAN)
    before = case.plan
    assert before is not None
    after = _apply(case, T.SUBMIT_PLAN, {"plan": {"period_end": "2026-06-30"}})
    assert after.plan is not None
    assert after.plan.period_end is not None
    assert after.plan.goals == before.goals
    assert after.plan.client_intentions == before.client_intentions
    assert after.plan_history[-1] == before


# -- 訂正 --------------------------------------------------------------------------------------------------------


def _correct(case: CaseRecord, *fields: tuple[str, Any], reason: str = "聞き間違い（本人に確認済み）") -> CaseRecord:
    body = {"corrections": [{"path": p, "value": v} for p, v in fields], "reason": reason}
    return CASE.apply(case, T.CORRECT_RECORD.value, SW1, body, now=START + timedelta(days=1), command_id="fix").record


def _with_intake() -> CaseRecord:
    case = reach(S.SCREENING)
    return case.model_copy(update={"intake": case.intake.model_validate(RECORDED["intake"])})


def test_a_correction_changes_and_clears_fields_and_the_record_keeps_which_and_why() -> None:
    case = _with_intake()
    after = _correct(case, ("intake.client.phone", "080-9999-0000"), ("intake.wishes", None), ("intake.urgent", None))
    assert after.intake.client.phone == "080-9999-0000"
    assert after.intake.wishes is None
    assert after.intake.urgent is False
    assert after.intake.client.name == "山田 花子"  # the rest of the sheet stays
    (kept,) = after.corrections
    assert kept.correction_no == 1
    assert kept.paths == ["intake.client.phone", "intake.wishes", "intake.urgent"]
    assert kept.reason == "聞き間違い（本人に確認済み）"
    assert kept.corrected.user_id == "sw1"
    again = _correct(after, ("intake.client.name", "山田 華子"), reason="漢字の誤記")
    assert [c.correction_no for c in again.corrections] == [1, 2]


def test_a_correction_reaches_a_row_of_a_list() -> None:
    case = reach(S.PLAN_CHECK)
    after = _correct(case, ("plan.goals.0.description", "週3日就労する"))
    assert after.plan is not None
    assert after.plan.goals[0].description == "週3日就労する"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("intake", None),  # a whole sheet
        ("plan.goals.0", None),  # a row
        ("consent_c1.signed_on", "2026-01-01"),  # a signed document
        ("decision.decided_on", "2026-01-01"),  # the municipality's act
        ("state", "CLOSED"),  # bookkeeping
        ("intake.client.shoe_size", "24"),  # no such field
        ("intake.client.birth_date", "2026-02-30"),  # no such day
        ("intake.client.phone", "0" * 41),  # longer than the field takes
        ("intake.topics", ["not_a_topic"]),
        ("eligibility.is_needy", None),  # a field that must be filled cannot be cleared
        ("Intake.Client", "x"),
    ],
)
def test_a_correction_the_record_cannot_take_is_a_payload_error(path: str, value: Any) -> None:
    with pytest.raises(PayloadInvalid):
        _correct(_with_intake(), (path, value))


def test_a_correction_needs_a_reason_and_names_each_field_once() -> None:
    case = _with_intake()
    with pytest.raises(PayloadInvalid):
        _correct(case, ("intake.wishes", "y"), reason="   ")
    with pytest.raises(PayloadInvalid):
        _correct(case, ("intake.wishes", "y"), ("intake.wishes", "z"))


def test_a_correction_of_a_sheet_or_row_not_recorded_is_refused_with_the_reason() -> None:
    with pytest.raises(CommandRejected) as refused:
        _correct(reach(S.SCREENING), ("assessment.health", "腰痛"))
    assert [u.id for u in refused.value.unmet] == ["G-CORRECTION-TARGET"]
    with pytest.raises(CommandRejected) as refused:
        _correct(reach(S.PLAN_CHECK), ("plan.goals.5.description", "x"))
    assert [u.id for u in refused.value.unmet] == ["G-CORRECTION-TARGET"]


def test_a_correction_that_changes_nothing_is_refused() -> None:
    with pytest.raises(CommandRejected) as refused:
        _correct(_with_intake(), ("intake.client.phone", "090-1234-5678"))
    assert [u.id for u in refused.value.unmet] == ["G-CORRECTION-CHANGES"]


def test_a_consented_plan_is_not_corrected_but_revised() -> None:
    with pytest.raises(CommandRejected) as refused:
        _correct(reach(S.PLAN_CONSENTED), ("plan.notes", "訂正"))
    assert [u.id for u in refused.value.unmet] == ["G-CORRECTION-PLAN-OPEN"]


def test_the_correctable_fields_are_the_sheets_leaves() -> None:
    assert target_of("intake.client.phone") is not None
    assert target_of("meetings.0.result") is not None
    assert target_of("plan.support_items.1.frequency") is not None
    for path in ("intake.client", "plan.goals", "plan.goals.0", "advices.0.text", "corrections.0.reason", ""):
        assert target_of(path) is None, path
    assert checked_value("intake.client.birth_date", "2001-02-03") == "2001-02-03"
    assert checked_value("intake.topics", None) == []
    assert CorrectRecord.model_validate(VALID_PAYLOADS[T.CORRECT_RECORD]).reason
