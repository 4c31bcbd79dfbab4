"""関係機関へのつなぎ (statemachines/programs/referral): to a chosen institution that accepts referrals, to another
one after a decline, and the no-answer timer once per sending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from statemachines.programs.referral.effects import deadlines as rf_deadlines
from tests.statemachines.programs.program_spec import NOW
from tests.statemachines.programs.tables import INSTITUTION, RF


@pytest.mark.parametrize(
    ("body", "unmet"),
    [
        (INSTITUTION, set()),
        ({**INSTITUTION, "accepts_referrals": False}, {"G-RF1"}),
        ({"reason": "介護保険の相談", "accepts_referrals": True}, {"G-RF1"}),
        ({**INSTITUTION, "institution_id": ""}, {"G-RF1"}),
    ],
)
def test_referral_goes_to_a_chosen_institution_that_accepts_referrals(body: dict[str, Any], unmet: set[str]) -> None:
    assert RF.unmet(RF.reach("DRAFT"), "send", body) == unmet


def test_referral_declined_may_go_to_another_institution() -> None:
    declined = RF.reach("DECLINED")
    other = {**INSTITUTION, "institution_id": "inst-shakyo"}
    assert RF.unmet(declined, "send") == {"G-RF2"}
    assert RF.unmet(declined, "send", {**other, "accepts_referrals": False}) == {"G-RF1"}
    assert RF.unmet(declined, "send", other) == set()
    resent = RF.step(declined, "send", other)
    assert resent.state == "SENT"
    assert [(s.institution_id, s.answer) for s in resent.sendings] == [
        ("inst-houkatsu-kita", "declined"),
        ("inst-shakyo", None),
    ]
    confirmed = RF.step(RF.step(resent, "accept"), "confirm_outcome")
    assert (confirmed.state, confirmed.outcome_connected) == ("OUTCOME_CONFIRMED", True)


def test_referral_no_answer_after_fourteen_days_opens_a_follow_up_once_per_sending() -> None:
    sent = RF.reach("SENT")
    due = NOW + timedelta(days=14)
    assert [(d.kind, d.at, d.trigger) for d in rf_deadlines(sent)] == [("no_answer", due, "no_answer")]
    assert due == datetime(2026, 4, 15, 1, 0, tzinfo=UTC)
    flagged, projection = RF.project(sent, "no_answer", now=due)
    assert flagged.state == "SENT"
    assert [(t.kind, t.role, t.command) for t in projection.open_tasks] == [("rf_no_answer", "SW", "record_follow_up")]
    assert rf_deadlines(flagged) == []
    assert RF.unmet(flagged, "no_answer") == {"G-RF3"}
    followed, closing = RF.project(flagged, "record_follow_up", now=due + timedelta(days=1))
    assert closing.close_task_kinds == ["rf_no_answer"]
    assert followed.follow_ups == ["電話で確認、来週回答予定"]
    declined = RF.step(followed, "decline", now=due + timedelta(days=2))
    assert rf_deadlines(declined) == []
    later = due + timedelta(days=3)
    resent = RF.step(declined, "send", {**INSTITUTION, "institution_id": "inst-shakyo"}, now=later)
    assert [d.at for d in rf_deadlines(resent)] == [later + timedelta(days=14)]
    assert RF.unmet(resent, "no_answer") == set()


def test_referral_answer_stops_the_timer() -> None:
    assert rf_deadlines(RF.reach("ACCEPTED")) == []
    assert rf_deadlines(RF.reach("DRAFT")) == []
