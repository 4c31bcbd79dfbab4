"""A poison event never retries forever in silence (issue 15): the read model refuses one event of one case (a
database trigger, on SQLite and PostgreSQL); after its bounded tries it becomes a dead letter with an OPS task, the
case answers 503 ``projection_failed`` while other cases go on, ``/api/health`` reports it; once the cause is fixed
the operator's retry projects it, and the case takes commands again with nothing lost."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from temporalio.client import WorkflowUpdateStage
from temporalio.testing import WorkflowEnvironment

from services.dead_letters import retry, waiting
from statemachines.case.transitions import Trigger
from store.repository import CaseRepository
from tests.factories import SW1, VALID_PAYLOADS
from tests.web.apiharness import Api, running_api
from workflows.messages import CommandOutcome, CommandRequest

T = Trigger
POISON = "poison: this row cannot be stored"


def _poison(api: Api, case_id: str, seq: int) -> Iterator[None]:
    """While it lasts, the read model refuses the case's event ``seq`` as a database would refuse a bad value."""
    engine = api.worker.sessions.kw["bind"]
    if engine.dialect.name == "postgresql":
        create = [
            f"CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.case_id = '{case_id}' AND NEW.seq = {seq} "
            f"THEN RAISE EXCEPTION '{POISON}'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER poison BEFORE INSERT ON case_events FOR EACH ROW EXECUTE FUNCTION poison()",
        ]
        drop = ["DROP TRIGGER poison ON case_events", "DROP FUNCTION poison()"]
    else:
        create = [
            f"CREATE TRIGGER poison BEFORE INSERT ON case_events WHEN NEW.case_id = '{case_id}' AND NEW.seq = {seq} "
            f"BEGIN SELECT RAISE(ABORT, '{POISON}'); END"
        ]
        drop = ["DROP TRIGGER poison"]
    with engine.begin() as connection:
        for statement in create:
            connection.execute(text(statement))
    try:
        yield
    finally:
        with engine.begin() as connection:
            for statement in drop:
                connection.execute(text(statement))


@pytest.fixture
async def api_in_own_time(own_time_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Api]:
    """A time-skipping server of the module's own: the test moves its clock."""
    async with running_api(own_time_env, tmp_path) as api:
        yield api


async def test_a_poison_event_becomes_a_dead_letter_holds_its_case_only_and_is_retried_once_fixed(
    api_in_own_time: Api, own_time_env: WorkflowEnvironment, caplog: pytest.LogCaptureFixture
) -> None:
    api, time_env = api_in_own_time, own_time_env
    caplog.set_level(logging.DEBUG)
    name = f"毒見{uuid.uuid4().hex[:6]}"  # in the refused row's parameters: never in a log line
    intake = {"intake": {**VALID_PAYLOADS[T.COMPLETE_INTAKE]["intake"], "client": {"name": name}}}
    held = await api.open_case("sw1")
    other = await api.open_case("sw1")
    handle = api.worker.client.get_workflow_handle(f"case-{held}")
    poison = _poison(api, held, 2)
    next(poison)
    request = CommandRequest(command_id=uuid.uuid4().hex, actor=SW1, payload=intake)
    pending = await handle.start_update(
        "complete_intake", request, wait_for_stage=WorkflowUpdateStage.ACCEPTED, result_type=CommandOutcome
    )
    await time_env.sleep(timedelta(minutes=5))  # every bounded try of the projection, then the dead letter
    [letter] = waiting(api.worker.sessions, held)
    assert (letter.seq, letter.kind, letter.workflow_id) == (2, "case", f"case-{held}")
    assert "poison" in letter.error
    assert name not in letter.error
    logged = [logging.Formatter().format(r) for r in caplog.records]
    assert any("project_transition" in line for line in logged), "the failed tries were logged"
    assert not [line for line in logged if name in line]

    refused = await api.command("sw1", held, "apply_for_support", VALID_PAYLOADS[T.APPLY_FOR_SUPPORT])
    assert refused.status_code == 503, refused.text
    assert refused.json()["code"] == "projection_failed"
    assert (await api.command("sw1", other, "complete_intake", VALID_PAYLOADS[T.COMPLETE_INTAKE])).status_code == 200
    health = (await api.http.get("/api/health")).json()
    assert (health["degraded"], health["projections"]["dead_letters"], health["projections"]["cases_held"]) == (
        True,
        1,
        1,
    )
    ops_tasks = (await api.get("ops1", "/api/tasks", scope="role")).json()["items"]
    assert [t["kind"] for t in ops_tasks if t["case_id"] == held] == ["projection_failed"]

    [still] = await retry(api.worker.client, api.worker.sessions, held)  # the cause is still there
    assert still.projected is False
    assert len(waiting(api.worker.sessions, held)) == 1

    next(poison, None)  # the cause fixed: the trigger dropped
    [retried] = await retry(api.worker.client, api.worker.sessions, held)
    assert retried.projected is True
    assert (await pending.result()).state == "SCREENING"  # the command sent before the fault completes
    assert waiting(api.worker.sessions) == []
    with api.worker.sessions.begin() as session:
        assert [e.seq for e in CaseRepository(session).list_events(held)] == [1, 2]
    ops_tasks = (await api.get("ops1", "/api/tasks", scope="role")).json()["items"]
    assert not [t for t in ops_tasks if t["case_id"] == held and t["kind"] == "projection_failed"]
    moved = await api.command("sw1", held, "apply_for_support", VALID_PAYLOADS[T.APPLY_FOR_SUPPORT])
    assert moved.status_code == 200, moved.text
    health = (await api.http.get("/api/health")).json()
    assert (health["degraded"], health["projections"]["dead_letters"]) == (False, 0)
