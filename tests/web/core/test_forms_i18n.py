"""The form generator and the Japanese dates, without a server."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel

from statemachines.case import corrections
from statemachines.case.engine import CASE
from statemachines.case.payloads import CompleteAssessment, IntakePayload, ProposeClosure, ReferOut, SubmitPlan
from statemachines.case.transitions import Trigger
from statemachines.kernel.annotations import unwrap
from statemachines.programs.housing_benefit.records import Apply
from statemachines.programs.housing_benefit.table import HOUSING_BENEFIT
from statemachines.programs.payloads import Note
from tests.factories import VALID_PAYLOADS
from tests.web.pageclient import form_fields
from web.core import forms
from web.core.forms import build_form, errors_by_path, read_form
from web.core.i18n import date_ja, era_of_iso, wareki


def _as_form(payload: dict[str, object]) -> dict[str, list[str]]:
    form: dict[str, list[str]] = {}
    for name, value in form_fields(payload):
        form.setdefault(name, []).append(value)
    return form


def test_wareki_counts_the_first_year_as_gannen_and_changes_on_the_day() -> None:
    assert wareki(date(2019, 4, 30)) == "平成31年"
    assert wareki(date(2019, 5, 1)) == "令和元年"
    assert wareki(date(2026, 11, 29)) == "令和8年"
    assert wareki(date(1989, 1, 7)) == "昭和64年"
    assert date_ja(datetime(2026, 11, 28, 15, 0, tzinfo=UTC)) == "2026年11月29日（日）（令和8年）"
    assert era_of_iso("2026-11-30") == "令和8年11月30日"
    assert era_of_iso("not a date") == ""


def test_each_valid_payload_survives_its_form_unchanged_in_meaning() -> None:
    for trigger in (Trigger.COMPLETE_INTAKE, Trigger.COMPLETE_ASSESSMENT, Trigger.SUBMIT_PLAN, Trigger.PROPOSE_CLOSURE):
        payload = VALID_PAYLOADS[trigger]
        models: dict[Trigger, type[BaseModel]] = {
            Trigger.COMPLETE_INTAKE: IntakePayload,
            Trigger.COMPLETE_ASSESSMENT: CompleteAssessment,
            Trigger.SUBMIT_PLAN: SubmitPlan,
            Trigger.PROPOSE_CLOSURE: ProposeClosure,
        }
        model = models[trigger]
        read = read_form(model, _as_form(payload))
        assert CASE.parse(trigger.value, read) == CASE.parse(trigger.value, payload), trigger


def test_the_form_of_a_plan_has_rows_for_goals_and_labels_in_japanese() -> None:
    fields = {f.path: f for f in build_form(SubmitPlan, None, {}, "ja")}
    plan = {f.path: f for f in fields["plan"].children}
    assert plan["plan.goals"].kind == "rows"
    assert len(plan["plan.goals"].rows) == 3
    assert plan["plan.client_intentions"].label == "本人の意向"
    assert plan["plan.client_intentions"].kind == "textarea"


def test_errors_find_their_field_by_loc() -> None:
    errors = errors_by_path([{"loc": ("intake", "received_on"), "msg": "日付が正しくありません"}])
    fields = build_form(IntakePayload, None, errors, "ja")
    [received] = [f for f in fields[0].children if f.path == "intake.received_on"]
    assert received.error == "日付が正しくありません"


def test_a_program_s_form_says_its_own_words_first_and_the_generic_ones_else() -> None:
    fields = build_form(Apply, None, {}, "ja", labels=HOUSING_BENEFIT.labels)
    (application,) = fields
    children = {f.path: f for f in application.children}
    assert application.label == "申請書（申請時確認書）"
    assert children["application.route"].label == "申請の事由"  # not the case's 相談経路
    assert dict(children["application.route"].options)["job_loss"] == "離職"
    assert children["application.applied_on"].label == "申請日"
    assert {f.label for f in build_form(Note, None, {}, "ja", labels=HOUSING_BENEFIT.labels)} == {"メモ"}
    english = {f.path: f for f in build_form(Apply, None, {}, "en", labels=HOUSING_BENEFIT.labels)[0].children}
    assert english["application.route"].label == "route"


def test_the_forms_read_a_field_s_type_through_the_kernel_s_unwrap_as_the_correction_does() -> None:
    assert getattr(forms, "unwrap") is getattr(corrections, "unwrap") is unwrap  # noqa: B009 (not exported)


def test_the_referral_form_asks_whether_nothing_identifying_is_passed_not_the_retired_flag() -> None:
    """G-REFERRAL-DATA derives whether a つなぎ passes personal data; the old hand-set flag stays in the payload only so
    that older records parse, and no form asks for it (UNASKED_FIELDS)."""

    def paths(fields: list[forms.FormField]) -> set[str]:
        return {f.path for f in fields} | {p for f in fields for p in paths(f.children)}

    asked = paths(build_form(ReferOut, None, {}, "ja"))
    assert any(p.endswith("no_identifying_data") for p in asked)
    assert not any(p.endswith("shares_personal_data") for p in asked)
    assert "shares_personal_data" not in str(read_form(ReferOut, {"target.shares_personal_data": ["on"]}))
