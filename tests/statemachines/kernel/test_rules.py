"""Durations by the calendar, validated rule sets, the rule set in force, and a case pinning the one it opened with."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from statemachines.case.engine import open_case
from statemachines.case.record import CaseState
from statemachines.case.timers import deadlines
from statemachines.case.transitions import Trigger
from statemachines.describe import describe_case
from statemachines.kernel.rules import DEFAULT_RULESET, NATIONAL_2026, RuleBook, RuleSet, add_duration
from tests.factories import CITY, SW1
from tests.statemachines.paths import START, step

T = Trigger
JST = timezone(timedelta(hours=9))


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


def ruleset(ruleset_id: str, effective_from: date, municipality: str = "*", **rules: object) -> RuleSet:
    return RuleSet.model_validate(
        {"ruleset_id": ruleset_id, "effective_from": effective_from, "municipality": municipality, **rules}
    )


# --- add_duration --------------------------------------------------------------------------------------------------


def test_a_month_after_31_january_is_the_last_day_of_february() -> None:
    assert add_duration(at(2026, 1, 31), "P1M") == at(2026, 2, 28)


def test_a_month_after_31_january_in_a_leap_year_is_29_february() -> None:
    assert add_duration(at(2024, 1, 31), "P1M") == at(2024, 2, 29)


def test_a_year_after_29_february_is_28_february() -> None:
    assert add_duration(at(2024, 2, 29), "P1Y") == at(2025, 2, 28)


def test_months_roll_over_into_the_next_year() -> None:
    assert add_duration(at(2026, 8, 31), "P6M") == at(2027, 2, 28)
    assert add_duration(at(2026, 11, 30), "P3M") == at(2027, 2, 28)
    assert add_duration(at(2026, 12, 15), "P1Y1M") == at(2028, 1, 15)


def test_months_are_calendar_months_not_thirty_day_blocks() -> None:
    assert add_duration(at(2026, 1, 5), "P1M") == at(2026, 2, 5)
    assert add_duration(at(2026, 1, 5), "P30D") == at(2026, 2, 4)


def test_days_and_weeks_are_exact() -> None:
    assert add_duration(at(2026, 2, 20), "P10D") == at(2026, 3, 2)
    assert add_duration(at(2024, 2, 20), "P10D") == at(2024, 3, 1)
    assert add_duration(at(2026, 1, 5), "P2W") == at(2026, 1, 19)


def test_minutes_hours_and_seconds_follow_the_t() -> None:
    assert add_duration(at(2026, 1, 5), "PT5M") == at(2026, 1, 5) + timedelta(minutes=5)
    assert add_duration(at(2026, 1, 5), "PT1H30M") == at(2026, 1, 5) + timedelta(hours=1, minutes=30)
    assert add_duration(at(2026, 1, 5), "PT2S") == at(2026, 1, 5) + timedelta(seconds=2)
    assert add_duration(at(2026, 1, 5), "P1DT12H") == at(2026, 1, 6) + timedelta(hours=12)


def test_add_duration_keeps_the_time_zone() -> None:
    moment = datetime(2026, 1, 31, 23, 30, tzinfo=JST)
    assert add_duration(moment, "P1M") == datetime(2026, 2, 28, 23, 30, tzinfo=JST)


def test_add_duration_refuses_what_is_not_a_duration() -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        add_duration(at(2026, 1, 5), "1 month")


# --- RuleSet validation --------------------------------------------------------------------------------------------

INVALID_DURATIONS = ["", "P", "PT", "6M", "P1.5M", "P-1D", "-P1D", "1 month", "p1m", "P1H", "PT1D", "P1M ", "30"]


@pytest.mark.parametrize("duration", INVALID_DURATIONS)
def test_a_rule_set_refuses_an_invalid_plan_period(duration: str) -> None:
    with pytest.raises(ValidationError, match="ISO 8601"):
        ruleset("bad", date(2026, 1, 1), plan_period=duration)


@pytest.mark.parametrize("field", ["monitoring_interval", "no_contact_threshold", "dormant_after"])
def test_a_rule_set_refuses_an_invalid_duration_in_any_duration_rule(field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        ruleset("bad", date(2026, 1, 1), **{field: "one month"})
    assert [e["loc"] for e in refused.value.errors()] == [(field,)]


def test_a_rule_set_refuses_an_invalid_follow_up_offset_or_task_due() -> None:
    with pytest.raises(ValidationError) as offsets:
        ruleset("bad", date(2026, 1, 1), follow_up_offsets=["P1M", "three months"])
    assert [e["loc"] for e in offsets.value.errors()] == [("follow_up_offsets", 1)]
    with pytest.raises(ValidationError) as due:
        ruleset("bad", date(2026, 1, 1), task_due={"intake": "3 days"})
    assert [e["loc"] for e in due.value.errors()] == [("task_due", "intake")]


@pytest.mark.parametrize("duration", ["P6M", "P30D", "P1Y", "P2W", "PT5M", "P1DT12H", "P1Y2M3DT4H5M6S"])
def test_a_rule_set_accepts_iso_8601_durations(duration: str) -> None:
    assert ruleset("ok", date(2026, 1, 1), plan_period=duration).plan_period == duration


@pytest.mark.parametrize("duration", ["P1DT", "P1M\n"], ids=["T-without-time", "trailing-newline"])
def test_a_rule_set_refuses_near_misses_of_iso_8601(duration: str) -> None:
    try:
        ruleset("bad", date(2026, 1, 1), plan_period=duration)
    except ValidationError:
        return
    raise AssertionError(f"{duration!r} was accepted")


def test_a_rule_set_is_frozen_and_forbids_unknown_rules() -> None:
    with pytest.raises(ValidationError):
        ruleset("bad", date(2026, 1, 1), monitoring_every="P30D")
    with pytest.raises(ValidationError):
        DEFAULT_RULESET.plan_period = "P3M"  # type: ignore[misc]


def test_task_due_adds_the_rule_and_knows_no_unlisted_kind() -> None:
    assert DEFAULT_RULESET.due("intake", at(2026, 1, 5)) == at(2026, 1, 8)
    assert DEFAULT_RULESET.due("no_such_task", at(2026, 1, 5)) is None


# --- RuleBook.in_force ---------------------------------------------------------------------------------------------


def book() -> RuleBook:
    return RuleBook(
        rulesets=[
            ruleset("national-2025", date(2025, 4, 1)),
            ruleset("national-2026", date(2026, 4, 1)),
            ruleset("city-a-2025-10", date(2025, 10, 1), CITY),
            ruleset("city-a-2026-07", date(2026, 7, 1), CITY),
        ]
    )


def test_in_force_picks_the_latest_rule_set_effective_on_or_before_the_date() -> None:
    assert book().in_force(CITY, date(2026, 1, 5)).ruleset_id == "city-a-2025-10"
    assert book().in_force(CITY, date(2026, 8, 1)).ruleset_id == "city-a-2026-07"


def test_in_force_includes_the_first_day_a_rule_set_is_effective() -> None:
    assert book().in_force(CITY, date(2026, 7, 1)).ruleset_id == "city-a-2026-07"
    assert book().in_force(CITY, date(2026, 6, 30)).ruleset_id == "city-a-2025-10"


def test_in_force_prefers_the_municipality_s_own_rule_set_to_a_newer_national_one() -> None:
    assert book().in_force(CITY, date(2026, 5, 1)).ruleset_id == "city-a-2025-10"


def test_in_force_falls_back_to_the_national_rule_set() -> None:
    assert book().in_force("city-b", date(2026, 3, 31)).ruleset_id == "national-2025"
    assert book().in_force("city-b", date(2026, 4, 1)).ruleset_id == "national-2026"
    assert book().in_force(CITY, date(2025, 9, 30)).ruleset_id == "national-2025"


def test_in_force_raises_lookup_error_when_no_rule_set_is_in_force() -> None:
    with pytest.raises(LookupError, match="city-b"):
        book().in_force("city-b", date(2025, 3, 31))
    with pytest.raises(LookupError):
        RuleBook(rulesets=[]).in_force(CITY, date(2026, 1, 5))


def test_the_default_rule_book_holds_the_national_default() -> None:
    assert RuleBook().in_force(CITY, date(2026, 1, 5)) == DEFAULT_RULESET


def test_item10_timer_defaults_follow_process_md_from_a_new_national_version() -> None:
    """Issue 18 item 10: process.md §7 sketches monitoring_interval P1M and no_contact_threshold P30D (plus ≥2
    documented attempts, §1.6; WAM NET Q&A S11), follow-ups after 終結 permitted with no interval (S12). The defaults
    are those from national-2026-12; national-2025-04 keeps the values its cases pinned (P30D, P60D)."""
    assert (NATIONAL_2026.monitoring_interval, NATIONAL_2026.no_contact_threshold) == ("P1M", "P30D")
    assert NATIONAL_2026.min_contact_efforts == 2
    assert (DEFAULT_RULESET.monitoring_interval, DEFAULT_RULESET.no_contact_threshold) == ("P30D", "P60D")
    assert RuleBook().in_force(CITY, date(2026, 12, 7)) == NATIONAL_2026
    assert RuleBook().in_force(CITY, date(2026, 12, 6)) == DEFAULT_RULESET
    assert "§7" in NATIONAL_2026.sources["no_contact_threshold"]
    assert "S11" in NATIONAL_2026.sources["no_contact_threshold"]
    timers = {t["rule"]: t for t in describe_case()["timers"] if t.get("rule")}
    assert timers["no_contact_threshold"]["default"] == "P30D"
    assert timers["monitoring_interval"]["default"] == "P1M"


# --- a case pins its rule set --------------------------------------------------------------------------------------


def test_a_case_keeps_the_rule_set_it_opened_with_when_the_rule_book_changes() -> None:
    weekly = ruleset("city-a-weekly", date(2025, 4, 1), CITY, monitoring_interval="P7D")
    pinned = RuleBook(rulesets=[weekly]).in_force(CITY, START.date())
    case = open_case(
        case_id="c-pinned",
        municipality=CITY,
        ruleset=pinned,
        actor=SW1,
        payload={},
        now=START,
        command_id="open",
    ).record
    later = RuleBook(rulesets=[weekly, ruleset("city-a-monthly", date(2026, 1, 6), CITY, monitoring_interval="P1M")])
    assert later.in_force(CITY, date(2026, 2, 1)).ruleset_id == "city-a-monthly"
    for trigger in (T.COMPLETE_INTAKE, T.APPLY_FOR_SUPPORT, T.START_ASSESSMENT):
        case = step(case, trigger)
    assert case.state is CaseState.ASSESSMENT
    assert case.ruleset == weekly


def test_a_pinned_rule_set_drives_the_case_s_timers() -> None:
    quick = ruleset("city-a-quick", date(2025, 4, 1), CITY, no_contact_threshold="P10D")
    case = open_case(
        case_id="c-quick",
        municipality=CITY,
        ruleset=quick,
        actor=SW1,
        payload={},
        now=START,
        command_id="open",
    ).record
    for trigger in (T.COMPLETE_INTAKE, T.APPLY_FOR_SUPPORT, T.START_ASSESSMENT):
        case = step(case, trigger)
    (no_contact,) = deadlines(case)
    assert no_contact.at == case.last_contact_at + timedelta(days=10)


@pytest.mark.parametrize("duration", ["P0D", "PT0S", "P0Y0M"])
def test_a_zero_duration_is_refused(duration: str) -> None:
    with pytest.raises(ValidationError):
        ruleset("zero", date(2026, 1, 1), monitoring_interval=duration)


def test_follow_up_offsets_must_ascend() -> None:
    with pytest.raises(ValidationError):
        ruleset("order", date(2026, 1, 1), follow_up_offsets=["P3M", "P1M"])
    assert ruleset("order", date(2026, 1, 1), follow_up_offsets=["P1M", "P45D"]).follow_up_offsets == ["P1M", "P45D"]


@pytest.mark.parametrize("duration", ["P101Y", "P1201M", "P99999999999Y", "P99999999999W", "P36601D", "PT9999999999H"])
def test_no_rule_spans_more_than_a_century(duration: str) -> None:
    """A longer duration is a typing error, and one past year 9999 would fail the workflow task computing its timer
    (``add_duration``): refused when the rule set is made, on every duration of it."""
    with pytest.raises(ValidationError, match="100 years"):
        RuleSet(ruleset_id="too-long", effective_from=date(2027, 4, 1), plan_period=duration)
    assert add_duration(datetime(2026, 12, 7, tzinfo=UTC), "P100Y").year == 2126
