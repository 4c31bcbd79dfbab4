"""Prepare the Temporal namespace Yorisoi runs in: ``python -m deploy.temporal_setup [--check] [--wait SECONDS]``.

Beyond the embedded stack (whose dev server is started with the search attributes, see ``deploy.embedded``), the
namespace must hold, before the first worker starts:

- the namespace ``settings.temporal_namespace`` itself;
- a retention of at least ``settings.temporal_retention_hours`` (Temporal deletes a closed workflow's history after
  it; the dev server's 24 hours and the Helm chart's 3 days would lose every ended case's history);
- every search attribute of ``workflows.search_attributes`` with its type: a case upserting an unregistered one fails
  its workflow task forever ("search attribute ... is not defined").

Without ``--check`` this registers what is missing (idempotent; the Compose one-shot ``temporal-setup`` runs it). A
search attribute registered with another type is never changed (that would need a new name): it is reported. With
``--check`` nothing is changed; it polls until everything is in place or ``--wait`` runs out, and exits 1 naming
what is missing (the worker's init container on Kubernetes; Temporal Cloud, where namespaces, retention and search
attributes are made with ``tcld`` or the Cloud UI).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta

from google.protobuf.duration_pb2 import Duration
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.namespace.v1 import NamespaceConfig
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import (
    DescribeNamespaceRequest,
    RegisterNamespaceRequest,
    UpdateNamespaceRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from deploy.connect import connect_temporal
from deploy.logs import configure_logging
from settings import Settings
from workflows.search_attributes import ALL_KEYS

log = logging.getLogger("yorisoi.temporal_setup")
POLL_SECONDS = 2.0


def required_search_attributes() -> dict[str, IndexedValueType.ValueType]:
    """Every search attribute a Yorisoi workflow upserts, by name, with its indexed type."""
    return {key.name: IndexedValueType.ValueType(key.indexed_value_type) for key in ALL_KEYS}


def type_name(value: IndexedValueType.ValueType) -> str:
    """``Keyword``, ``Datetime``, …: the spelling of ``temporal operator search-attribute create --type``."""
    return {
        "KEYWORD": "Keyword",
        "TEXT": "Text",
        "INT": "Int",
        "DOUBLE": "Double",
        "BOOL": "Bool",
        "DATETIME": "Datetime",
        "KEYWORD_LIST": "KeywordList",
    }[IndexedValueType.Name(value).removeprefix("INDEXED_VALUE_TYPE_")]


@dataclass
class Findings:
    """What the namespace lacks; ``changed`` lists what this run did about it."""

    namespace_missing: bool = False
    retention: timedelta | None = None
    short_retention: bool = False
    missing: dict[str, IndexedValueType.ValueType] = field(default_factory=dict)
    wrong_type: dict[str, tuple[IndexedValueType.ValueType, IndexedValueType.ValueType]] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not (self.namespace_missing or self.short_retention or self.missing or self.wrong_type)

    def problems(self, namespace: str, wanted: timedelta) -> list[str]:
        out = []
        if self.namespace_missing:
            out.append(f"namespace {namespace} does not exist")
        if self.short_retention:
            out.append(
                f"namespace {namespace} keeps closed histories {hours(self.retention)}, needs at least {hours(wanted)}"
            )
        out += [f"search attribute {name} ({type_name(t)}) is not registered" for name, t in self.missing.items()]
        out += [
            f"search attribute {name} is registered as {type_name(have)}, Yorisoi needs {type_name(want)}"
            for name, (have, want) in self.wrong_type.items()
        ]
        return out


def retention_of(settings: Settings) -> timedelta:
    return timedelta(hours=settings.temporal_retention_hours)


def hours(span: timedelta | None) -> str:
    """``87600h``: how ``temporal operator namespace`` and the Helm chart write a retention."""
    return "none" if span is None else f"{span // timedelta(hours=1)}h"


async def inspect(client: Client, settings: Settings) -> Findings:
    """Compare the namespace with what Yorisoi needs; changes nothing."""
    namespace = settings.temporal_namespace
    findings = Findings()
    try:
        described = await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=namespace))
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        findings.namespace_missing = True
        findings.missing = required_search_attributes()
        return findings
    findings.retention = described.config.workflow_execution_retention_ttl.ToTimedelta()
    findings.short_retention = findings.retention < retention_of(settings)
    listed = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
    registered = dict(listed.custom_attributes)
    for name, wanted in required_search_attributes().items():
        if name not in registered:
            findings.missing[name] = wanted
        elif registered[name] != wanted:
            findings.wrong_type[name] = (registered[name], wanted)
    return findings


async def apply(client: Client, settings: Settings, findings: Findings) -> None:
    """Register the namespace, raise its retention, add the missing search attributes (never retype one)."""
    namespace = settings.temporal_namespace
    retention = Duration()
    retention.FromTimedelta(retention_of(settings))
    if findings.namespace_missing:
        await client.workflow_service.register_namespace(
            RegisterNamespaceRequest(
                namespace=namespace,
                description="Yorisoi (寄り添い): one workflow per case",
                workflow_execution_retention_period=retention,
            )
        )
        findings.changed.append(f"registered namespace {namespace} with retention {hours(retention_of(settings))}")
    elif findings.short_retention:
        await client.workflow_service.update_namespace(
            UpdateNamespaceRequest(
                namespace=namespace, config=NamespaceConfig(workflow_execution_retention_ttl=retention)
            )
        )
        findings.changed.append(
            f"raised the retention of {namespace} from {hours(findings.retention)} to {hours(retention_of(settings))}"
        )
    if findings.missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=findings.missing)
        )
        findings.changed += [f"registered search attribute {n} ({type_name(t)})" for n, t in findings.missing.items()]


async def connect(settings: Settings, wait: float) -> Client:
    """A client of the frontend, retried until it answers or ``wait`` seconds have passed."""
    deadline = time.monotonic() + wait
    while True:
        try:
            client = await connect_temporal(settings)
            await client.service_client.check_health()
            return client
        except Exception as exc:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"Temporal did not answer on {settings.temporal_address}: {exc}") from exc
            await asyncio.sleep(POLL_SECONDS)


async def prepare(settings: Settings, *, check: bool, wait: float) -> Findings:
    """Inspect and (unless ``check``) apply, until the namespace is ready or ``wait`` seconds have passed.

    A namespace just registered takes a few seconds to reach every frontend's cache, and in check mode something
    else (the Helm chart's jobs, an operator with ``tcld``) may still be at work: both are waited for. A search
    attribute of the wrong type is final: no waiting fixes it.
    """
    deadline = time.monotonic() + wait
    client = await connect(settings, wait)
    findings: Findings | None = None
    last_error: RPCError | None = None
    while True:
        try:
            findings = await inspect(client, settings)
            fixable = findings.namespace_missing or findings.short_retention or bool(findings.missing)
            if findings.ready or (findings.wrong_type and (check or not fixable)):
                return findings
            if not check:
                await apply(client, settings, findings)
                for line in findings.changed:
                    log.info("%s", line)
        except RPCError as exc:  # e.g. a namespace not yet in this frontend's cache
            last_error = exc
            log.info("Temporal answered %s; retrying", exc)
        if time.monotonic() >= deadline:
            if findings is None:
                raise TimeoutError(f"could not inspect namespace {settings.temporal_namespace}: {last_error}")
            return findings
        await asyncio.sleep(POLL_SECONDS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.temporal_setup", description=__doc__)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything is missing")
    parser.add_argument("--wait", type=float, default=60.0, metavar="SECONDS", help="how long to wait (60)")
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)
    findings = asyncio.run(prepare(settings, check=args.check, wait=args.wait))
    problems = findings.problems(settings.temporal_namespace, retention_of(settings))
    for problem in problems:
        log.error("%s", problem)
    if problems:
        return 1
    log.info(
        "namespace %s on %s is ready for Yorisoi: retention %s, search attributes %s",
        settings.temporal_namespace,
        settings.temporal_address,
        hours(findings.retention or retention_of(settings)),
        ", ".join(f"{n}={type_name(t)}" for n, t in required_search_attributes().items()),
    )
    return 0


if __name__ == "__main__":
    status = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # Not SystemExit: the SDK's native threads can abort the interpreter's finalisation (sdk-python#300,
    # temporal-notes §8), which would turn a success into exit status 134 and fail the one-shot that runs this.
    os._exit(status)
