"""``python -m deploy.temporal_setup`` against the real dev server: a namespace made ready for Yorisoi, idempotently."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from google.protobuf.duration_pb2 import Duration
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest

from deploy.temporal_setup import prepare, required_search_attributes, retention_of
from settings import Settings
from tests.conftest import DEV_SERVER
from tests.workflows.devserver import DevServer

pytestmark = pytest.mark.devserver


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DevServer]:
    dev = DevServer(DEV_SERVER, Path(tmp_path_factory.mktemp("temporal-setup")) / "temporal.db")
    await dev.start()
    try:
        yield dev
    finally:
        dev.kill()


def settings_for(server: DevServer, namespace: str) -> Settings:
    return Settings(temporal_address=server.address, temporal_namespace=namespace)


async def test_check_names_everything_a_fresh_namespace_lacks_and_changes_nothing(server: DevServer) -> None:
    settings = settings_for(server, "yorisoi-unprepared")
    findings = await prepare(settings, check=True, wait=0)
    assert not findings.ready
    assert findings.namespace_missing
    assert findings.missing == required_search_attributes()
    assert (await prepare(settings, check=True, wait=0)).namespace_missing


async def test_setup_registers_namespace_retention_and_search_attributes_once(server: DevServer) -> None:
    settings = settings_for(server, "yorisoi")
    findings = await prepare(settings, check=False, wait=60)
    assert findings.ready, findings.problems(settings.temporal_namespace, retention_of(settings))
    assert findings.retention is not None
    assert findings.retention.total_seconds() == settings.temporal_retention_hours * 3600
    again = await prepare(settings, check=False, wait=60)
    assert again.ready
    assert again.changed == []
    assert (await prepare(settings, check=True, wait=0)).ready


async def test_a_search_attribute_of_another_type_is_reported_and_the_rest_is_fixed(server: DevServer) -> None:
    settings = settings_for(server, "yorisoi-mistyped")
    client = await server.connect()
    three_days = Duration()
    three_days.FromTimedelta(timedelta(days=3))  # the Helm chart's default: too short for a case
    await client.workflow_service.register_namespace(
        RegisterNamespaceRequest(namespace=settings.temporal_namespace, workflow_execution_retention_period=three_days)
    )
    name = next(iter(required_search_attributes()))
    for _ in range(100):  # a new namespace reaches the frontend's cache within seconds
        try:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(
                    namespace=settings.temporal_namespace,
                    search_attributes={name: IndexedValueType.INDEXED_VALUE_TYPE_TEXT},
                )
            )
            break
        except Exception:
            await asyncio.sleep(0.2)
    findings = await prepare(settings, check=False, wait=60)
    assert not findings.ready
    assert findings.retention == retention_of(settings)
    assert set(findings.wrong_type) == {name}
    assert not findings.missing
    assert not findings.short_retention
    [problem] = findings.problems(settings.temporal_namespace, retention_of(settings))
    assert f"{name} is registered as Text, Yorisoi needs Keyword" in problem
