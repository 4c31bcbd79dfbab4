"""Operating on dead letters: list the projections waiting, and have their workflows try them again once fixed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

from services.waiting import WorkerUnavailable, answered
from store.dead_letters import DeadLetterRow, DeadLetters

RETRY_WITHIN = 120.0  # a retry runs the projection's bounded tries again (about half a minute) before it answers


def waiting(sessions: sessionmaker[Session], case_id: str | None = None) -> list[DeadLetterRow]:
    with sessions.begin() as session:
        return DeadLetters(session).waiting(case_id)


@dataclass(frozen=True)
class Retried:
    letter: DeadLetterRow
    projected: bool
    why: str = ""  # when not projected: what the retry ran into


async def retry(
    client: Client, sessions: sessionmaker[Session], case_id: str | None = None, within: float = RETRY_WITHIN
) -> list[Retried]:
    """Ask the workflow of each waiting letter (of ``case_id``, or all) to try its projection again."""
    results: list[Retried] = []
    first_of: dict[str, DeadLetterRow] = {}  # each held workflow once, by its oldest letter
    for letter in waiting(sessions, case_id):
        first_of.setdefault(letter.workflow_id, letter)
    for workflow_id, letter in first_of.items():
        handle = client.get_workflow_handle(workflow_id)
        try:
            projected = await answered(handle.execute_update("retry_projection", result_type=bool), within)
        except (WorkerUnavailable, WorkflowUpdateFailedError, RPCError) as exc:
            results.append(Retried(letter, False, type(exc).__name__))
            continue
        results.append(Retried(letter, bool(projected), "" if projected else "failed every try again"))
    return results
