"""A ``command_id`` is the promise "this request, once" (issue 15, item 9): the same id with the same request returns
the first answer and runs nothing again; the same id with another command, payload or sender is a 409
``idempotency_conflict`` that runs nothing. For case commands and program commands, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from statemachines.case.transitions import Trigger
from store.models import CaseEventRecord
from store.programs import ProgramEventRecord
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api
from tests.web.programs.enrolments import application, decided_case

T = Trigger


def _events(api: Api, table: type[CaseEventRecord] | type[ProgramEventRecord]) -> int:
    with api.worker.sessions.begin() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


async def test_the_same_request_again_is_answered_once(api: Api) -> None:
    case_id = await api.open_case("sw1")
    command_id = uuid.uuid4().hex
    payload = VALID_PAYLOADS[T.COMPLETE_INTAKE]
    first = await api.command("sw1", case_id, "complete_intake", payload, command_id=command_id)
    before = _events(api, CaseEventRecord)
    again = await api.command("sw1", case_id, "complete_intake", payload, command_id=command_id)
    assert (first.status_code, again.status_code) == (200, 200), again.text
    assert again.json()["seq"] == first.json()["seq"]
    assert _events(api, CaseEventRecord) == before


async def test_the_same_id_with_another_request_is_a_409_that_runs_nothing(api: Api) -> None:
    case_id = await api.open_case("sw1")
    command_id = uuid.uuid4().hex
    payload = VALID_PAYLOADS[T.COMPLETE_INTAKE]
    assert (await api.command("sw1", case_id, "complete_intake", payload, command_id=command_id)).status_code == 200
    before = _events(api, CaseEventRecord)
    changed = {"intake": {**payload["intake"], "wishes": "別の内容"}}
    for user, command, body in (
        ("sw1", "complete_intake", changed),  # another payload
        ("sw1", "apply_for_support", VALID_PAYLOADS[T.APPLY_FOR_SUPPORT]),  # another command
        ("csw1", "complete_intake", payload),  # another sender
    ):
        response = await api.command(user, case_id, command, body, command_id=command_id)
        assert response.status_code == 409, (command, response.text)
        assert response.json()["code"] == "idempotency_conflict"
    assert _events(api, CaseEventRecord) == before
    detail = (await api.get("sw1", f"/api/cases/{case_id}")).json()
    assert detail["state"] == "SCREENING"  # apply_for_support did not run


async def test_a_program_command_id_reused_for_another_request_is_a_409(api: Api) -> None:
    case_id, enrolment_id = await decided_case(api)
    url = f"/api/cases/{case_id}/programs/{enrolment_id}/commands"
    command_id = uuid.uuid4().hex
    applied = await application(api, case_id, enrolment_id)
    body = {"command": "submit_application", "payload": {"application": applied}, "command_id": command_id}
    assert (await api.post("sw1", url, body)).status_code == 200
    before = _events(api, ProgramEventRecord)
    assert (await api.post("sw1", url, body)).status_code == 200
    changed = {**body, "payload": {"application": {**applied, "rent": 49_000}}}
    response = await api.post("sw1", url, changed)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "idempotency_conflict"
    assert _events(api, ProgramEventRecord) == before
