"""The case's command payloads (statemachines/case/payloads.py): one that does not fit its model is refused with
field errors; and, by Hypothesis, whatever arrives is parsed or refused with field errors, and the guards answer for it;
nothing raises anything else. ``make fuzz`` raises the number of examples."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statemachines.case.engine import CASE
from statemachines.case.record import CaseState
from statemachines.case.transitions import Trigger
from statemachines.kernel.outcomes import PayloadInvalid
from tests.factories import SW1, VALID_PAYLOADS
from tests.statemachines.case.refusals import valid
from tests.statemachines.paths import START, reach

S = CaseState
T = Trigger


EXAMPLES = int(os.environ.get("YORISOI_FUZZ_EXAMPLES", "200"))
SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats(allow_nan=True) | st.text(max_size=30)
JSON: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=5),
    max_leaves=20,
)


CASES = {state: reach(state) for state in (CaseState.SCREENING, CaseState.PLAN_CHECK, CaseState.SUPPORT_ACTIVE)}


def test_a_payload_that_does_not_fit_the_model_raises_payload_invalid_with_field_errors() -> None:
    case = reach(S.SCREENING)
    body = valid(T.APPLY_FOR_SUPPORT)
    body["consent_c1"]["kind"] = "C9"
    with pytest.raises(PayloadInvalid) as invalid:
        CASE.apply(case, "apply_for_support", SW1, body, now=START, command_id="bad")
    assert invalid.value.command == "apply_for_support"
    assert [tuple(e["loc"]) for e in invalid.value.errors] == [("consent_c1", "kind")]


def test_unknown_and_missing_payload_fields_are_field_errors() -> None:
    with pytest.raises(PayloadInvalid) as extra:
        CASE.check(reach(S.INTAKE), "complete_intake", SW1, {"intake": {}, "shoe_size": 27})
    assert [(tuple(e["loc"]), e["type"]) for e in extra.value.errors] == [(("shoe_size",), "extra_forbidden")]
    with pytest.raises(PayloadInvalid) as missing:
        CASE.check(reach(S.SUPPORT_ACTIVE), "record_contact", SW1, {})
    assert [(tuple(e["loc"]), e["type"]) for e in missing.value.errors] == [(("monitoring_note",), "missing")]


def _field_errors(trigger: Trigger, payload: dict[str, Any]) -> list[dict[str, Any]] | None:
    """None if the payload parses, else its field errors (anything else raised fails the test)."""
    try:
        CASE.parse(trigger.value, payload)
    except PayloadInvalid as exc:
        return list(exc.errors)
    return None


def _mutated(trigger: Trigger, data: st.DataObject) -> dict[str, Any]:
    """A valid payload with one field replaced by anything, or anything at all."""
    valid = dict(VALID_PAYLOADS[trigger])
    replace_one: bool = data.draw(st.booleans())
    if valid and replace_one:
        key = data.draw(st.sampled_from(sorted(valid)))
        valid[key] = data.draw(JSON)
        return valid
    drawn = data.draw(st.dictionaries(st.text(max_size=20), JSON, max_size=4))
    return dict(drawn)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(trigger=st.sampled_from(list(Trigger)), data=st.data())
def test_a_payload_is_parsed_or_refused_and_the_guards_always_answer(trigger: Trigger, data: st.DataObject) -> None:
    payload = _mutated(trigger, data)
    errors = _field_errors(trigger, payload)
    if errors is not None:
        assert errors
        assert all("loc" in e and "msg" in e for e in errors)
        return
    for case in CASES.values():
        unmet = CASE.check(case, trigger.value, SW1, payload)
        assert all(u.id and u.message_ja for u in unmet)
