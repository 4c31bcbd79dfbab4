"""Composition root of the Temporal worker: the case workflow and the projection activities on one task queue."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)
from temporalio.worker import Worker

from activities.archive import ArchiveActivities
from activities.integrity import IntegrityActivities
from activities.notifications import NotificationActivities, SmtpConfig
from activities.programs import ProgramActivities
from activities.projection import ProjectionActivities
from activities.retention import RetentionActivities
from deploy.connect import connect_temporal, data_keys, temporal_runtime
from deploy.logs import configure_logging
from settings import CACHED_WORKFLOWS, Settings
from store.codec import CaseKeyCodec
from store.db import create_schema, make_engine, session_factory
from store.heartbeats import HEARTBEAT_EVERY, Heartbeats
from workflows import workflow_runner
from workflows.case_workflow import CaseWorkflow
from workflows.integrity_workflow import NIGHTLY_CRON as INTEGRITY_CRON
from workflows.integrity_workflow import SCHEDULE_ID as INTEGRITY_SCHEDULE
from workflows.integrity_workflow import IntegrityInput, IntegrityWorkflow
from workflows.program_workflow import ProgramWorkflow
from workflows.retention_workflow import NIGHTLY_CRON as RETENTION_CRON
from workflows.retention_workflow import SCHEDULE_ID as RETENTION_SCHEDULE
from workflows.retention_workflow import RetentionInput, RetentionWorkflow

GRACEFUL_SHUTDOWN = timedelta(minutes=10)


def build_worker(
    client: Client,
    task_queue: str,
    sessions: sessionmaker[Session],
    smtp: SmtpConfig | None = None,
    graceful_shutdown: timedelta = GRACEFUL_SHUTDOWN,
    cached_workflows: int = CACHED_WORKFLOWS,
) -> Worker:
    """The worker of every workflow and activity; the data keys are the ones of the client's payload codec.
    ``cached_workflows``: the sticky cache's size (runs kept in memory between their workflow tasks)."""
    codec = client.data_converter.payload_codec
    retention = RetentionActivities(client, sessions, codec.keys if isinstance(codec, CaseKeyCodec) else None)
    projection = ProjectionActivities(sessions)
    archive = ArchiveActivities(client, sessions)
    programs = ProgramActivities(sessions)
    notifications = NotificationActivities(sessions, smtp)
    integrity = IntegrityActivities(sessions)
    return Worker(
        client,
        task_queue=task_queue,
        # On SIGTERM running activities get this long to finish (the longest start-to-close is 10 minutes);
        # the deployments' termination grace periods are longer still.
        graceful_shutdown_timeout=graceful_shutdown,
        max_cached_workflows=cached_workflows,
        workflows=[CaseWorkflow, ProgramWorkflow, IntegrityWorkflow, RetentionWorkflow],
        activities=[
            projection.project_transition,
            projection.project_transition_answered,
            projection.record_rejection,
            projection.record_dead_letter,
            projection.resolve_dead_letter,
            archive.archive_history,
            programs.project_program_event,
            programs.project_program_event_answered,
            notifications.notify_task_opened,
            notifications.send_email,
            integrity.verify_chains,
            retention.erase_due_cases,
        ],
        workflow_runner=workflow_runner(),
    )


@contextlib.asynccontextmanager
async def heartbeating(
    sessions: sessionmaker[Session], task_queue: str, every: timedelta = HEARTBEAT_EVERY
) -> AsyncIterator[str]:
    """While the worker runs, its heartbeat row (store/heartbeats.py) is written every ``every``: what
    ``/api/health`` reads to tell a dead worker within seconds. A graceful stop removes the row; a killed worker's
    row simply stops being renewed. Yields the worker's id."""
    host, pid, started = socket.gethostname(), os.getpid(), datetime.now(UTC)
    worker_id = f"{host}:{pid}:{started.strftime('%Y%m%dT%H%M%S')}"[:128]
    log = logging.getLogger("yorisoi.worker")

    def beat() -> None:
        with sessions.begin() as session:
            Heartbeats(session).beat(
                worker_id=worker_id,
                task_queue=task_queue,
                host=host,
                pid=pid,
                started_at=started,
                now=datetime.now(UTC),
            )

    async def beating() -> None:
        while True:
            try:
                await asyncio.to_thread(beat)
            except Exception as exc:  # the read model is down: health says so by itself; keep trying
                log.warning("worker heartbeat not written (%s)", type(exc).__name__)
            await asyncio.sleep(every.total_seconds())

    task = asyncio.create_task(beating())
    try:
        yield worker_id
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        with contextlib.suppress(Exception):
            await asyncio.to_thread(_forget, sessions, worker_id)


def _forget(sessions: sessionmaker[Session], worker_id: str) -> None:
    with sessions.begin() as session:
        Heartbeats(session).stopped(worker_id)


def nightly_schedules(task_queue: str) -> list[tuple[str, str, ScheduleActionStartWorkflow]]:
    """The nightly work: the chain check at 03:00, the erasure of cases past their retention at 04:00 (Japan time).

    Each as (schedule id, cron, the start of its workflow, named by the workflow's run method).
    """
    integrity = ScheduleActionStartWorkflow(
        IntegrityWorkflow.run, IntegrityInput(), id=f"{INTEGRITY_SCHEDULE}-run", task_queue=task_queue
    )
    retention = ScheduleActionStartWorkflow(
        RetentionWorkflow.run, RetentionInput(), id=f"{RETENTION_SCHEDULE}-run", task_queue=task_queue
    )
    return [(INTEGRITY_SCHEDULE, INTEGRITY_CRON, integrity), (RETENTION_SCHEDULE, RETENTION_CRON, retention)]


async def ensure_schedules(client: Client, task_queue: str) -> list[str]:
    """Create the nightly schedules that do not exist yet; the ids of those created now.

    Idempotent: every worker calls it at start, the first one creates them. A missed night is run once on catch-up;
    a run still going when the next is due makes the next one skip.
    """
    created = []
    for schedule_id, cron, action in nightly_schedules(task_queue):
        schedule = Schedule(
            action=action,
            spec=ScheduleSpec(cron_expressions=[cron], time_zone_name="Asia/Tokyo"),
            policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=1)),
        )
        try:
            await client.create_schedule(schedule_id, schedule)
        except ScheduleAlreadyRunningError:
            continue
        created.append(schedule_id)
    return created


def smtp_config(settings: Settings) -> SmtpConfig | None:
    """The SMTP server of notification e-mail, or None (no e-mail) when ``smtp_host`` is not set."""
    if not settings.smtp_host:
        return None
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
        sender=settings.smtp_sender,
    )


async def main() -> None:
    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    create_schema(engine)
    sessions = session_factory(engine)
    # the SDK's Prometheus metrics at YORISOI_WORKER_METRICS_ADDRESS (none when unset); the core's lines forwarded
    runtime = temporal_runtime(settings.worker_metrics_address)
    client = await connect_temporal(settings, data_keys(settings, sessions), runtime=runtime)
    worker = build_worker(
        client, settings.task_queue, sessions, smtp_config(settings), cached_workflows=settings.worker_cached_workflows
    )
    for schedule_id in await ensure_schedules(client, settings.task_queue):
        logging.getLogger("yorisoi.worker").info("created the nightly schedule %s", schedule_id)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    log = logging.getLogger("yorisoi.worker")
    if settings.worker_metrics_address:
        log.info("Temporal SDK metrics on http://%s/metrics", settings.worker_metrics_address)
    # leaving it shuts down gracefully: running activities get GRACEFUL_SHUTDOWN to finish
    async with worker, heartbeating(sessions, settings.task_queue):
        log.info("worker polling %s", settings.task_queue)
        await stopping.wait()
    engine.dispose()
    log.info("worker stopped")


if __name__ == "__main__":
    asyncio.run(main())
