"""Composition root of the Temporal worker: the case workflow and the projection activities on one task queue."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import timedelta

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
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from activities.archive import ArchiveActivities
from activities.integrity import IntegrityActivities
from activities.notifications import NotificationActivities, SmtpConfig
from activities.programs import ProgramActivities
from activities.projection import ProjectionActivities
from settings import Settings
from store.db import create_schema, make_engine, session_factory
from workflows import workflow_runner
from workflows.case_workflow import CaseWorkflow
from workflows.integrity_workflow import NIGHTLY_CRON, SCHEDULE_ID, IntegrityInput, IntegrityWorkflow
from workflows.program_workflow import ProgramWorkflow


def build_worker(
    client: Client, task_queue: str, sessions: sessionmaker[Session], smtp: SmtpConfig | None = None
) -> Worker:
    projection = ProjectionActivities(sessions)
    archive = ArchiveActivities(client, sessions)
    programs = ProgramActivities(sessions)
    notifications = NotificationActivities(sessions, smtp)
    integrity = IntegrityActivities(sessions)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[CaseWorkflow, ProgramWorkflow, IntegrityWorkflow],
        activities=[
            projection.project_transition,
            projection.record_rejection,
            archive.archive_history,
            programs.project_program_event,
            notifications.notify_task_opened,
            notifications.send_email,
            integrity.verify_chains,
        ],
        workflow_runner=workflow_runner(),
    )


async def ensure_integrity_schedule(client: Client, task_queue: str) -> bool:
    """The nightly chain check (03:00 Japan time) as a Temporal schedule; True if it was created now.

    Idempotent: every worker calls it at start, the first one creates it. A missed night is run once on catch-up;
    a run still going when the next is due makes the next one skip.
    """
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            "IntegrityWorkflow", IntegrityInput(), id=f"{SCHEDULE_ID}-run", task_queue=task_queue
        ),
        spec=ScheduleSpec(cron_expressions=[NIGHTLY_CRON], time_zone_name="Asia/Tokyo"),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=1)),
    )
    try:
        await client.create_schedule(SCHEDULE_ID, schedule)
    except ScheduleAlreadyRunningError:
        return False
    return True


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


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_address, namespace=settings.temporal_namespace, data_converter=pydantic_data_converter
    )


async def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    create_schema(engine)
    client = await connect(settings)
    worker = build_worker(client, settings.task_queue, session_factory(engine), smtp_config(settings))
    if await ensure_integrity_schedule(client, settings.task_queue):
        logging.getLogger("yorisoi.worker").info("created the nightly integrity schedule %s", SCHEDULE_ID)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    log = logging.getLogger("yorisoi.worker")
    async with worker:  # leaving it shuts down gracefully: running activities finish
        log.info("worker polling %s", settings.task_queue)
        await stopping.wait()
    engine.dispose()
    log.info("worker stopped")


if __name__ == "__main__":
    asyncio.run(main())
