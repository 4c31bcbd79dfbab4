"""No personal data in log lines: a case with a unique client name, taken through its first steps, logs ids only; a
refused body (NaN, a lone surrogate, a field error) leaves neither the name nor the value typed in the JSON lines."""

from __future__ import annotations

import logging
import uuid

import pytest

from statemachines.case.transitions import Trigger
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api, json_log_lines, parsed_lines

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


async def test_a_refused_body_with_a_name_nan_or_a_lone_surrogate_leaves_no_input_in_the_json_lines(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    name = f"鈴木ログ花子{uuid.uuid4().hex[:6]}"
    typed = f"typed-{uuid.uuid4().hex[:8]}"
    caplog.set_level(logging.DEBUG)
    case_id = await api.open_case("sw1")
    headers = {**(await api.headers("sw1")), "Content-Type": "application/json"}
    refused_at_the_door = [
        f'{{"municipality": "city-a", "client": {{"name": "{name}"}}, "wishes": NaN}}',
        f'{{"municipality": "city-a", "client": {{"name": "{name}\\ud800"}}}}',
        f'{{"municipality": "city-a", "client": ["{name}", NaN, "{typed}"]}}',
    ]
    note = {"contact_on": typed, "method": "phone", "content": name}  # a field error of the command's payload
    with json_log_lines(logging.DEBUG) as stream:
        statuses = [
            (await api.http.post("/api/cases", content=body.encode(), headers=headers)).status_code
            for body in refused_at_the_door
        ]
        statuses.append((await api.command("sw1", case_id, "record_contact", {"monitoring_note": note})).status_code)
    assert statuses == [422, 422, 422, 422]

    written = stream.getvalue()
    requests = [line for line in parsed_lines(stream) if line["logger"] == "yorisoi.request"]
    assert [line["status"] for line in requests] == statuses, "each refusal was logged: the check proves something"
    assert requests[-1]["case_id"] == case_id
    records = [f"{r.name} {r.getMessage()} {r.__dict__}" for r in caplog.records]
    for text in (written, *records):
        assert name not in text
        assert typed not in text
        assert "\\ud800" not in text.lower()
        assert "\ud800" not in text
