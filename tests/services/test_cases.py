"""The command path used by the API: opening under the rule set in force, domain errors, recorded refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from services.cases import CaseService, MunicipalityNotServed
from statemachines.case.transitions import Trigger
from statemachines.kernel.outcomes import CommandRejected, PayloadInvalid
from statemachines.kernel.rules import DEFAULT_RULESET, RuleBook, RuleSet
from store.models import RejectionRecord
from tests.factories import AUD1, CITY, MUN_AT_CONTRACTOR, SW1, SW2, VALID_PAYLOADS
from tests.workflows.harness import Harness, running_harness

CITY_RULES = RuleSet(ruleset_id="city-a-2026", municipality=CITY, effective_from=date(2026, 4, 1), plan_period="P3M")
RULEBOOK = RuleBook(rulesets=[DEFAULT_RULESET, CITY_RULES])


async def _service(h: Harness) -> CaseService:
    return CaseService(h.client, h.sessions, h.task_queue, lambda: RULEBOOK, person_secret="test-secret")


async def test_a_case_pins_the_rule_set_in_force_when_it_opens(time_env: WorkflowEnvironment, tmp_path: Path) -> None:
    async with running_harness(time_env.client, tmp_path / "rm.sqlite3") as h:
        service = await _service(h)
        early = await service.open(
            municipality=CITY, actor=SW1, payload={}, command_id="a", now=datetime(2026, 3, 31, 12, tzinfo=UTC)
        )
        late = await service.open(
            municipality=CITY, actor=SW1, payload={}, command_id="b", now=datetime(2026, 4, 1, 12, tzinfo=UTC)
        )
        h.handles.extend(h.client.get_workflow_handle(f"case-{c}") for c in (early.case_id, late.case_id))
        assert (await service.record(early.case_id)).ruleset.ruleset_id == DEFAULT_RULESET.ruleset_id
        assert (await service.record(late.case_id)).ruleset.ruleset_id == "city-a-2026"


async def test_opening_twice_with_the_same_command_id_opens_one_case(
    time_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    async with running_harness(time_env.client, tmp_path / "rm.sqlite3") as h:
        service = await _service(h)
        first = await service.open(municipality=CITY, actor=SW1, payload={}, command_id="same")
        again = await service.open(municipality=CITY, actor=SW1, payload={}, command_id="same")
        h.handles.append(h.client.get_workflow_handle(f"case-{first.case_id}"))
        assert first.case_id == again.case_id
        assert again.seq == 1


async def test_opening_is_answered_by_the_update_sent_with_the_start(
    time_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    """Update-with-start (issue 16): the workflow's one update is ``opened``, whose answer carries where the case
    stands once its first event is in the read model; no ``projected`` update, no query after it."""
    async with running_harness(time_env.client, tmp_path / "rm.sqlite3") as h:
        service = await _service(h)
        opened = await service.open(municipality=CITY, actor=SW1, payload={}, command_id="u")
        handle = h.client.get_workflow_handle(f"case-{opened.case_id}")
        h.handles.append(handle)
        row = h.repo_do(lambda r: r.get_case(opened.case_id))
        assert (opened.seq, opened.state, opened.stage) == (1, row.state, row.stage)
        assert opened.case_number is not None
        assert opened.case_number == row.case_number
        assert (opened.command_id, opened.transition_id) == ("u", "T1")
        events = (await handle.fetch_history()).events
        updates = [
            e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
            for e in events
            if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
        ]
        assert updates == ["opened"]


async def test_a_refused_command_raises_with_its_guards_and_is_recorded(
    time_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    async with running_harness(time_env.client, tmp_path / "rm.sqlite3") as h:
        service = await _service(h)
        opened = await service.open(municipality=CITY, actor=SW1, payload={}, command_id="o")
        h.handles.append(h.client.get_workflow_handle(f"case-{opened.case_id}"))
        with pytest.raises(CommandRejected) as info:
            await service.send(opened.case_id, "complete_intake", SW1, {}, command_id="c1")
        assert [u.id for u in info.value.unmet] == ["G-INTAKE"]
        with pytest.raises(CommandRejected) as info:
            await service.send(opened.case_id, "decide_support", MUN_AT_CONTRACTOR, {}, command_id="c2")
        with pytest.raises(CommandRejected):
            await service.send(opened.case_id, "complete_intake", AUD1, {}, command_id="c3")

        rejections = h.repo_do(lambda r: r.list_rejections(opened.case_id))
        assert [(r.command, r.actor_id, r.state) for r in rejections] == [
            ("complete_intake", "sw1", "INTAKE"),
            ("decide_support", "fake-mun", "INTAKE"),
            ("complete_intake", "aud1", "INTAKE"),
        ]
        assert rejections[0].reasons[0]["id"] == "G-INTAKE"
        assert h.repo_do(lambda r: r.get_case(opened.case_id)).last_seq == 1


async def test_a_payload_that_does_not_fit_is_a_payload_error(time_env: WorkflowEnvironment, tmp_path: Path) -> None:
    async with running_harness(time_env.client, tmp_path / "rm.sqlite3") as h:
        service = await _service(h)
        opened = await service.open(municipality=CITY, actor=SW1, payload={}, command_id="o")
        h.handles.append(h.client.get_workflow_handle(f"case-{opened.case_id}"))
        with pytest.raises(PayloadInvalid) as info:
            await service.send(
                opened.case_id, Trigger.COMPLETE_INTAKE, SW1, {"intake": {"topics": ["not-a-topic"]}}, command_id="bad"
            )
        assert info.value.errors
        ok = await service.send(
            opened.case_id, Trigger.COMPLETE_INTAKE, SW1, VALID_PAYLOADS[Trigger.COMPLETE_INTAKE], command_id="good"
        )
        assert ok.state == "SCREENING"


async def test_opening_outside_ones_municipality_starts_nothing(time_env: WorkflowEnvironment, tmp_path: Path) -> None:
    async with running_harness(time_env.client, tmp_path / "rm.sqlite3") as h:
        service = await _service(h)
        with pytest.raises(MunicipalityNotServed):
            await service.open(municipality=CITY, actor=SW2, payload={}, command_id="x")
        with h.sessions.begin() as session:  # no refusal recorded against a case id made up for it
            assert session.scalar(select(func.count()).select_from(RejectionRecord)) == 0
