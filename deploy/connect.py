"""The Temporal client of every composition root (worker, API, demo seeding): one data converter for all of them.

Every payload is encrypted with its case's data key (``store.codec``); the keys live in the read-model database,
wrapped by the master key from settings. A process that reads or writes case payloads without this converter sees
(or writes) something the others cannot use, so nothing else connects to Temporal for payloads.
"""

from __future__ import annotations

import functools
import logging

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

from settings import Settings
from store.codec import encrypted_data_converter
from store.crypto import DataKeys, MasterKey
from workflows.ids import case_of_workflow_id

CORE_LOGGER = "temporalio.core"
"""The Python logger the Temporal core's own lines are forwarded to (``deploy.logs`` writes them)."""


def temporal_runtime(metrics_address: str | None = None) -> Runtime:
    """The SDK core's runtime: its log lines (warnings and errors) forwarded into Python logging, where they become
    JSON lines like every other (the core would otherwise write them to the console itself, in its own format and,
    at a terminal, in colour); with ``metrics_address`` (``host:port``) its Prometheus metrics are served there at
    ``/metrics`` (temporalio/samples-python ``prometheus/``). One runtime per process: each has its own threads."""
    forwarded = LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
        forwarding=LogForwardingConfig(logger=logging.getLogger(CORE_LOGGER)),
    )
    metrics = PrometheusConfig(bind_address=metrics_address) if metrics_address else None
    return Runtime(telemetry=TelemetryConfig(logging=forwarded, metrics=metrics))


@functools.cache
def forwarding_runtime() -> Runtime:
    """The process's one runtime without metrics, made on first use: every client but the worker's uses it."""
    return temporal_runtime()


def data_keys(settings: Settings, sessions: sessionmaker[Session]) -> DataKeys:
    return DataKeys(sessions, MasterKey(settings.master_key_bytes()), cache_ttl=settings.key_cache_seconds)


async def connect_temporal(
    settings: Settings, keys: DataKeys | None = None, *, runtime: Runtime | None = None
) -> Client:
    """The client of the Temporal server in settings (TLS, mTLS or an API key for a cluster or Temporal Cloud);
    with ``keys`` it carries the payload codec (every process that reads or writes case payloads passes them).
    ``runtime``: the worker's, with its metrics; by default one that forwards the core's log lines."""
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    if keys is None:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            tls=settings.temporal_tls_config(),
            api_key=api_key,
            runtime=runtime or forwarding_runtime(),
        )
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        tls=settings.temporal_tls_config(),
        api_key=api_key,
        data_converter=encrypted_data_converter(keys, case_of_workflow_id),
        runtime=runtime or forwarding_runtime(),
    )
