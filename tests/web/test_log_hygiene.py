"""No personal data in log lines: a case with a unique client name, taken through its first steps, logs ids only."""

from __future__ import annotations

import logging
import uuid

import pytest

from statemachines.case.transitions import Trigger
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api

T = Trigger


async def test_the_client_s_name_and_words_never_reach_a_log_line(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    name = f"寄添 花子{uuid.uuid4().hex[:6]}"
    wish = f"家賃の相談{uuid.uuid4().hex[:6]}"
    caplog.set_level(logging.DEBUG)
    intake = {
        "intake": {
            **VALID_PAYLOADS[T.COMPLETE_INTAKE]["intake"],
            "client": {"name": name, "name_kana": "ヨリソイ ハナコ", "birth_date": "1980-05-01"},
            "wishes": wish,
        }
    }

    case_id = await api.open_case("sw1")
    assert (await api.command("sw1", case_id, "complete_intake", intake)).status_code == 200
    refused = await api.command("sw1", case_id, "complete_assessment", {"assessment": {"health": name}})
    assert refused.status_code == 409
    assert (await api.get("sw1", f"/api/cases/{case_id}")).json()["records"]["intake"]["client"]["name"] == name

    lines = [f"{r.name} {r.getMessage()} {r.__dict__}" for r in caplog.records]
    assert lines, "nothing was logged: the check would prove nothing"
    assert not [line for line in lines if name in line or wish in line]
