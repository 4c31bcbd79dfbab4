"""The guards from the アセスメント to the 支援調整会議 (statemachines/case/guards.py): G-ASSESSMENT (T8), G3 the
プラン（案）の記載事項 (T10) and G-PLAN-DATES its dates (statemachines/case/consistency.py), G4 the 本人同意 (T12), G5
the 支援調整会議 (T14) and G6 the maker-checker (T12a, T12)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from statemachines.case.corrections import merged_payload
from statemachines.case.engine import CASE
from statemachines.case.guards import missing_assessment_items, missing_plan_items
from statemachines.case.record import CaseState
from statemachines.case.records import Assessment, Plan
from statemachines.case.transitions import Trigger
from statemachines.kernel.outcomes import CommandRejected
from statemachines.kernel.rules import DEFAULT_RULESET
from tests.factories import CSW1, SW1, SW_CSW, evaluation, meeting, plan
from tests.statemachines.case.refusals import assert_only, refusal, valid
from tests.statemachines.paths import PATHS, reach, step

S = CaseState
T = Trigger


# --- G-ASSESSMENT: アセスメント完了 (T8) ---------------------------------------------------------------------------


def test_g_assessment_an_incomplete_basic_sheet_is_refused_and_names_the_missing_item() -> None:
    case = reach(S.ASSESSMENT)
    body = valid(T.COMPLETE_ASSESSMENT)
    del body["assessment"]["health"]
    assert_only(CASE.check(case, "complete_assessment", SW1, body), "G-ASSESSMENT")
    assert missing_assessment_items(Assessment.model_validate(body["assessment"])) == ["健康・障害・受診状況"]
    assert CASE.check(case, "complete_assessment", SW1, valid(T.COMPLETE_ASSESSMENT)) == []


def test_g_assessment_no_need_for_continuous_support_is_refused() -> None:
    body = valid(T.COMPLETE_ASSESSMENT)
    body["assessment"]["continuous_support_needed"] = False
    assert_only(CASE.check(reach(S.ASSESSMENT), "complete_assessment", SW1, body), "G-ASSESSMENT")


# --- G3: プラン（案）の記載事項 (T10) ------------------------------------------------------------------------------


def test_g3_a_goal_without_target_date_is_refused_and_named_as_missing() -> None:
    case = reach(S.PLAN_DRAFTING)
    body = plan()
    body["goals"] = [{"description": "就職する"}]
    assert_only(CASE.check(case, "submit_plan", SW1, {"plan": body}), "G3")
    assert missing_plan_items(Plan.model_validate(body)) == ["支援の目標及びその達成時期"]
    body["goals"] = [{"description": "就職する", "target_date": "2026-06-30"}]
    assert CASE.check(case, "submit_plan", SW1, {"plan": body}) == []


def test_g3_a_plan_not_written_with_the_client_is_refused_though_no_item_is_missing() -> None:
    body = plan()
    body["co_written_with_client"] = False
    assert_only(CASE.check(reach(S.PLAN_DRAFTING), "submit_plan", SW1, {"plan": body}), "G3")
    assert missing_plan_items(Plan.model_validate(body)) == []


def test_g3_an_empty_plan_lacks_every_ordinance_item_in_order() -> None:
    assert missing_plan_items(Plan()) == [
        "生活に対する意向",
        "解決すべき課題",
        "支援の目標及びその達成時期",
        "支援の種類及び内容",
        "留意事項",
    ]
    assert_only(CASE.check(reach(S.PLAN_DRAFTING), "submit_plan", SW1, {}), "G3")


def test_a_plan_resubmitted_without_a_plan_is_refused_or_accepted_never_a_crash() -> None:
    case = step(reach(S.PLAN_CHECK), T.RETURN_PLAN)
    assert case.state is S.PLAN_DRAFTING
    assert case.plan is not None
    unmet = CASE.check(case, "submit_plan", SW1, {})
    refused = refusal(case, T.SUBMIT_PLAN, SW1, {})  # today: AssertionError from effects._submit_plan
    assert unmet == (refused or [])


# --- G-PLAN-DATES: プランの日付 (T10) -----------------------------------------------------------------------------

FIRST_MINUTES_OF_FEB_10 = datetime(2026, 2, 9, 15, 30, tzinfo=UTC)  # 2026-02-10 00:30 in Japan


def _two_goals(second_target: str) -> dict[str, Any]:
    body = plan()
    body["goals"] = [
        {"description": "就職する", "target_date": "2026-06-30"},
        {"description": "家計を立て直す", "target_date": second_target},
    ]
    return {"plan": body}


def test_g_plan_dates_a_goal_whose_target_date_has_passed_is_refused_naming_the_goal() -> None:
    case = reach(S.PLAN_DRAFTING)
    [unmet] = CASE.check(case, "submit_plan", SW1, _two_goals("2026-02-09"), FIRST_MINUTES_OF_FEB_10)
    assert (unmet.id, unmet.message_ja) == ("G-PLAN-DATES", "目標2の達成時期（2026-02-09）が過ぎています。")
    assert unmet.message_en == "Goal 2's target date (2026-02-09) has passed."
    assert "施行規則 第1条" in unmet.basis
    with pytest.raises(CommandRejected):  # the event's own moment decides, not the day the client wrote down
        CASE.apply(case, "submit_plan", SW1, _two_goals("2026-02-09"), now=FIRST_MINUTES_OF_FEB_10, command_id="c")
    today = _two_goals("2026-02-10")  # the day itself, in Japan, has not passed
    assert CASE.check(case, "submit_plan", SW1, today, FIRST_MINUTES_OF_FEB_10) == []


def test_g_plan_dates_a_period_that_ends_before_it_starts_is_refused_with_both_dates() -> None:
    body = {**plan(), "period_start": "2026-04-01", "period_end": "2026-03-31"}
    [unmet] = CASE.check(reach(S.PLAN_DRAFTING), "submit_plan", SW1, {"plan": body})
    assert (unmet.id, unmet.message_ja) == (
        "G-PLAN-DATES",
        "プラン期間の終了日（2026-03-31）が開始日（2026-04-01）より前です。",
    )
    body["period_end"] = "2026-04-01"
    assert CASE.check(reach(S.PLAN_DRAFTING), "submit_plan", SW1, {"plan": body}) == []


def test_g_plan_dates_names_every_contradiction_at_once() -> None:
    both = _two_goals("2026-01-31")
    both["plan"] |= {"period_start": "2026-04-01", "period_end": "2026-03-31"}
    both["plan"]["goals"][0]["target_date"] = "2026-02-01"
    [unmet] = CASE.check(reach(S.PLAN_DRAFTING), "submit_plan", SW1, both, FIRST_MINUTES_OF_FEB_10)
    assert unmet.message_ja == (
        "プラン期間の終了日（2026-03-31）が開始日（2026-04-01）より前です。"
        "目標1の達成時期（2026-02-01）が過ぎています。目標2の達成時期（2026-01-31）が過ぎています。"
    )


def test_g_plan_dates_a_new_plan_version_keeping_the_old_goals_meets_them_again() -> None:
    """A re-plan starts from the plan before (merged in the workflow): goals whose 達成時期 passed must be set anew."""
    case = step(reach(S.PLAN_DRAFTING), T.SUBMIT_PLAN, _two_goals("2026-01-31"))  # on 2026-01-05: still ahead
    for trigger in PATHS[S.EVALUATION][len(PATHS[S.PLAN_CHECK]) :]:
        case = step(case, trigger)
    case = step(case, T.REPLAN, {"evaluation": {**evaluation("replan"), "goals_achieved": [False, False]}})
    revised = merged_payload(case, {"plan": {"notes": "通院日を避ける"}})
    assert [g["target_date"] for g in revised["plan"]["goals"]] == ["2026-06-30", "2026-01-31"]
    [unmet] = CASE.check(case, "submit_plan", SW1, revised, FIRST_MINUTES_OF_FEB_10)
    assert unmet.message_ja == "目標2の達成時期（2026-01-31）が過ぎています。"


# --- G4: 本人同意 (T12) --------------------------------------------------------------------------------------------


def test_g4_an_unsigned_plan_consent_is_refused_and_a_signed_one_passes() -> None:
    case = step(reach(S.PLAN_CHECK), T.CHECK_PLAN)
    body = valid(T.RECORD_PLAN_CONSENT)
    body["consent_c2"]["signed_by_client"] = False
    assert_only(CASE.check(case, "record_plan_consent", SW1, body), "G4")
    assert_only(CASE.check(case, "record_plan_consent", SW1, {}), "G4")
    assert CASE.check(case, "record_plan_consent", SW1, valid(T.RECORD_PLAN_CONSENT)) == []


def test_g4_a_c1_consent_does_not_count_as_plan_consent() -> None:
    body = valid(T.RECORD_PLAN_CONSENT)
    body["consent_c2"]["kind"] = "C1"
    assert_only(CASE.check(step(reach(S.PLAN_CHECK), T.CHECK_PLAN), "record_plan_consent", SW1, body), "G4")


# --- G5: 支援調整会議 (T14) ----------------------------------------------------------------------------------------


def test_g5_a_meeting_below_quorum_is_refused_and_a_full_one_passes() -> None:
    case = reach(S.MEETING_PENDING)
    assert_only(CASE.check(case, "open_meeting_item", SW1, {"meeting": meeting(quorum=False)}), "G5")
    assert CASE.check(case, "open_meeting_item", SW1, {"meeting": meeting()}) == []


def test_g5_a_meeting_without_a_municipal_official_is_refused() -> None:
    body = meeting()
    for attendee in body["attendees"]:
        attendee["is_municipal_official"] = False
    assert len(body["attendees"]) >= DEFAULT_RULESET.meeting_quorum
    assert_only(CASE.check(reach(S.MEETING_PENDING), "open_meeting_item", SW1, {"meeting": body}), "G5")


def test_g5_quorum_and_the_official_come_from_the_rule_set() -> None:
    lenient = DEFAULT_RULESET.model_copy(update={"meeting_quorum": 1, "meeting_requires_municipal_official": False})
    strict = DEFAULT_RULESET.model_copy(update={"meeting_quorum": 4})
    body = {"meeting": meeting(quorum=False)}  # one contractor attendee
    assert CASE.check(reach(S.MEETING_PENDING, ruleset=lenient), "open_meeting_item", SW1, body) == []
    assert_only(
        CASE.check(reach(S.MEETING_PENDING, ruleset=strict), "open_meeting_item", SW1, {"meeting": meeting()}), "G5"
    )


def test_g5_a_meeting_is_needed_at_all() -> None:
    assert_only(CASE.check(reach(S.MEETING_PENDING), "open_meeting_item", SW1, {}), "G5")


# --- G6: maker-checker (T12a, T12) ---------------------------------------------------------------------------------


def test_g6_the_drafter_holding_sw_and_csw_cannot_check_their_own_plan() -> None:
    case = step(reach(S.PLAN_DRAFTING), T.SUBMIT_PLAN, actor=SW_CSW)
    assert case.plan_drafted is not None
    assert case.plan_drafted.user_id == SW_CSW.user_id
    assert_only(CASE.check(case, "check_plan", SW_CSW, {}), "G6")
    assert CASE.check(case, "check_plan", CSW1, {}) == []


def test_g6_plan_consent_before_any_check_is_refused_and_passes_after_the_check() -> None:
    case = reach(S.PLAN_CHECK)
    assert case.plan_checked is None
    assert_only(CASE.check(case, "record_plan_consent", SW1, valid(T.RECORD_PLAN_CONSENT)), "G6")
    checked = step(case, T.CHECK_PLAN, actor=CSW1)
    assert CASE.check(checked, "record_plan_consent", SW1, valid(T.RECORD_PLAN_CONSENT)) == []


def test_g6_the_drafter_may_record_consent_once_someone_else_checked() -> None:
    case = step(step(reach(S.PLAN_DRAFTING), T.SUBMIT_PLAN, actor=SW_CSW), T.CHECK_PLAN, actor=CSW1)
    assert CASE.check(case, "record_plan_consent", SW_CSW, valid(T.RECORD_PLAN_CONSENT)) == []


def test_g6_a_resubmitted_plan_needs_a_new_check() -> None:
    checked = step(reach(S.PLAN_CHECK), T.CHECK_PLAN)
    resubmitted = step(step(checked, T.RETURN_PLAN), T.SUBMIT_PLAN)
    assert resubmitted.plan_checked is None
    assert_only(CASE.check(resubmitted, "record_plan_consent", SW1, valid(T.RECORD_PLAN_CONSENT)), "G6")


def test_g6_is_off_when_the_rule_set_does_not_require_a_check() -> None:
    rules = DEFAULT_RULESET.model_copy(update={"plan_check_required": False})
    case = reach(S.PLAN_CHECK, ruleset=rules)
    assert CASE.check(case, "record_plan_consent", SW1, valid(T.RECORD_PLAN_CONSENT)) == []


def test_g_plan_dates_a_target_date_corrected_into_the_past_is_refused_at_the_consent() -> None:
    """A 訂正 of the draft plan's 達成時期 (not refused: a 訂正 records what was written) cannot reach the 本人's
    consent once that day has passed: the consent checks the plan's dates again (T12)."""
    checked = step(reach(S.PLAN_CHECK), T.CHECK_PLAN)
    corrected = step(
        checked,
        T.CORRECT_RECORD,
        {"corrections": [{"path": "plan.goals.0.target_date", "value": "2026-02-09"}], "reason": "誤記"},
    )
    assert corrected.plan is not None
    assert str(corrected.plan.goals[0].target_date) == "2026-02-09"
    [unmet] = CASE.check(corrected, "record_plan_consent", SW1, valid(T.RECORD_PLAN_CONSENT), FIRST_MINUTES_OF_FEB_10)
    assert (unmet.id, unmet.message_ja) == ("G-PLAN-DATES", "目標1の達成時期（2026-02-09）が過ぎています。")
    consent = valid(T.RECORD_PLAN_CONSENT)
    assert CASE.check(checked, "record_plan_consent", SW1, consent, FIRST_MINUTES_OF_FEB_10) == []
