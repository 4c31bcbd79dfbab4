"""A burst of commands over many cases, sent concurrently while a fault hits, and the check that each took effect once.

Each case runs the same short path (open, then ``PATH``) one command after another, as a consultant would; the cases
run side by side. A client that gets a transport error retries with the same command id until it has an answer,
which is what the API promises makes a retry safe.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from services.cases import CaseService
from statemachines.case.transitions import Trigger
from statemachines.kernel.roles import Actor, OrgKind, Role
from statemachines.kernel.rules import RuleBook
from store.accounts import AccountRepository
from store.repository import CaseRepository
from store.rulesets import RulesetRepository
from tests.factories import CITY, CSW1, SW1, VALID_PAYLOADS
from tests.passwords import CHEAP_HASHER as CHEAP
from workflows.case_workflow import CaseWorkflow, workflow_id

log = logging.getLogger("tests.faults")


@dataclass(frozen=True)
class Step:
    trigger: Trigger
    actor: Actor
    user: str  # the same person's login to the API
    payload: dict[str, Any]


PATH = (
    Step(Trigger.COMPLETE_INTAKE, SW1, "sw1", VALID_PAYLOADS[Trigger.COMPLETE_INTAKE]),
    Step(Trigger.START_EMERGENCY_SUPPORT, SW1, "sw1", VALID_PAYLOADS[Trigger.START_EMERGENCY_SUPPORT]),
    Step(Trigger.ASSIGN, CSW1, "csw1", {"assignee": "sw1"}),
    Step(Trigger.END_EMERGENCY_SUPPORT, SW1, "sw1", {"note": "食料支援を終えた"}),
    Step(Trigger.ASSIGN, CSW1, "csw1", {"assignee": "csw1"}),
)
"""Five commands every case takes after its opening, valid in this order from 受付."""

Answer = tuple[str, int]
"""What the client learns from a command: the case id and the seq the command got."""


@dataclass
class CaseRun:
    """One case of the burst: the command ids it was sent (opening first) and the seq each answer carried."""

    open_command_id: str
    command_ids: list[str]
    case_id: str = ""
    seqs: list[int] = field(default_factory=list)

    @property
    def all_command_ids(self) -> list[str]:
        return [self.open_command_id, *self.command_ids]

    @property
    def done(self) -> bool:
        return len(self.seqs) == len(self.all_command_ids)


class Sender:
    """How the burst reaches the cases (the case service in-process, or the API over HTTP)."""

    async def open(self, command_id: str) -> Answer:
        raise NotImplementedError

    async def send(self, case_id: str, step: Step, command_id: str) -> Answer:
        raise NotImplementedError


@dataclass
class Burst:
    """``cases`` cases × (opening + ``PATH``), concurrently.

    An attempt that fails in a way ``transient`` accepts (the server or the connection was not there) or gets no
    answer within ``attempt_seconds`` (a client that gives up waiting) is sent again with the same command id. The whole
    burst must end within ``deadline_seconds``; if it does not, the failure says which cases are stuck where.
    """

    sender: Sender
    cases: int
    transient: Callable[[Exception], bool]
    attempt_seconds: float = 5
    deadline_seconds: float = 80
    client: Client | None = None  # given, a burst that misses its deadline shows where each stuck case's history is
    runs: list[CaseRun] = field(default_factory=list)
    completed: int = 0
    retries: int = 0
    retry_errors: list[str] = field(default_factory=list)
    _progress: asyncio.Condition = field(default_factory=asyncio.Condition)

    def __post_init__(self) -> None:
        tag = uuid.uuid4().hex[:8]
        self.runs = [
            CaseRun(f"open-{tag}-{i}", [f"cmd-{tag}-{i}-{k}-{s.trigger.value}" for k, s in enumerate(PATH)])
            for i in range(self.cases)
        ]

    @property
    def total(self) -> int:
        return self.cases * (1 + len(PATH))

    async def run_during(self, fault: Callable[[], Coroutine[Any, Any, None]], clients: Sequence[Sender] = ()) -> None:
        """Run the burst (``run``) and ``fault`` side by side; if either fails, the other is cancelled."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self.run(clients))
            group.create_task(fault())

    async def open_all(self) -> None:
        """Open every case first (the rest of the burst then only sends commands)."""
        await self._within_deadline(self._open(run, self.sender) for run in self.runs)

    async def run(self, clients: Sequence[Sender] = ()) -> None:
        """Every case at once through ``sender``; or, given ``clients``, that many clients side by side, each taking
        the next case nobody has taken yet and taking it to its end through its own sender before the next."""
        if not clients:
            await self._within_deadline(self._case(run, self.sender) for run in self.runs)
            return
        untaken = iter(self.runs)  # shared: each case goes to one client

        async def client(sender: Sender) -> None:
            for run in untaken:
                await self._case(run, sender)

        await self._within_deadline(client(sender) for sender in clients)

    async def _within_deadline(self, cases: Iterable[Coroutine[Any, Any, None]]) -> None:
        try:
            async with asyncio.timeout(self.deadline_seconds):
                await asyncio.gather(*cases)
        except TimeoutError:
            stuck = [run for run in self.runs if not run.done]
            where = [f"{run.case_id or run.open_command_id}: {len(run.seqs)}" for run in stuck]
            histories = await self._where_stuck(stuck)
            raise AssertionError(
                f"the burst did not end within {self.deadline_seconds} s: {self.summary()}; "
                f"cases still going (answers so far, of {1 + len(PATH)}): {where}{histories}"
            ) from None

    async def _where_stuck(self, stuck: list[CaseRun]) -> str:
        """The last events and the pending work of each stuck case's current run (what the next person needs to
        tell a slow machine from a case that will never answer)."""
        if self.client is None:
            return ""
        lines: list[str] = []
        for run in stuck[:3]:
            if not run.case_id:
                continue
            handle = self.client.get_workflow_handle(workflow_id(run.case_id))
            try:
                async with asyncio.timeout(10):
                    history = await handle.fetch_history()
                    description = await handle.describe()
            except Exception as exc:  # the diagnosis must not hide the failure it explains
                lines.append(f"{run.case_id}: history not read ({type(exc).__name__})")
                continue
            tail = [EventType.Name(event.event_type).removeprefix("EVENT_TYPE_") for event in history.events[-12:]]
            pending = [a.activity_type.name for a in description.raw_description.pending_activities]
            lines.append(f"{run.case_id}: {len(history.events)} events, last {tail}, pending activities {pending}")
        return "; histories: " + " | ".join(lines) if lines else ""

    async def _open(self, run: CaseRun, sender: Sender) -> None:
        if not run.case_id:
            run.case_id, seq = await self._until_answered(lambda: sender.open(run.open_command_id))
            run.seqs.append(seq)

    async def _case(self, run: CaseRun, sender: Sender) -> None:
        await self._open(run, sender)
        for step, command_id in zip(PATH, run.command_ids, strict=True):
            _, seq = await self._until_answered(functools.partial(sender.send, run.case_id, step, command_id))
            run.seqs.append(seq)

    async def _until_answered(self, attempt: Callable[[], Awaitable[Answer]]) -> Answer:
        while True:
            try:
                async with asyncio.timeout(self.attempt_seconds):
                    answer = await attempt()
            except Exception as exc:
                if not isinstance(exc, TimeoutError) and not self.transient(exc):
                    raise
                self.retries += 1
                self.retry_errors.append(f"{type(exc).__name__}: {str(exc)[:120]}")
                log.info("retrying with the same command id after %s", self.retry_errors[-1])
                await asyncio.sleep(0.25)
                continue
            async with self._progress:
                self.completed += 1
                self._progress.notify_all()
            return answer

    def summary(self) -> str:
        kinds = sorted({e.split(":")[0] for e in self.retry_errors})
        return f"{self.completed}/{self.total} commands answered, {self.retries} retries {kinds}"

    async def reached(self, completed: int) -> None:
        """Returns once ``completed`` commands (openings included) have been answered."""
        async with self._progress:
            await self._progress.wait_for(lambda: self.completed >= completed)


@dataclass(frozen=True)
class Interrupted:
    """What a fault cut off in flight, as the cases' Temporal histories record it."""

    workflow_tasks_timed_out: int  # taken by a worker that never answered (or its sticky queue)
    activities_retried: int  # an activity whose first attempt failed or timed out

    def __bool__(self) -> bool:
        return bool(self.workflow_tasks_timed_out or self.activities_retried)


async def interrupted_work(client: Client, runs: list[CaseRun]) -> Interrupted:
    timed_out = retried = 0
    for run in runs:
        history = await client.get_workflow_handle(workflow_id(run.case_id)).fetch_history()
        for event in history.events:
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
                timed_out += 1
            elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                retried += event.activity_task_started_event_attributes.attempt > 1
    return Interrupted(timed_out, retried)


async def assert_each_command_took_effect_once(
    runs: list[CaseRun], sessions: sessionmaker[Session], client: Client
) -> None:
    """Every case's ``case_events`` are seq 1..n, one per command sent and in the order sent (none lost, none twice),
    the hash chain verifies, the answers the clients got carry those seqs, and the workflow's own record agrees with
    the ``cases`` row."""
    problems = []
    for run in runs:
        with sessions.begin() as session:
            repo = CaseRepository(session)
            events = repo.list_events(run.case_id)
            broken = repo.verify_chain(run.case_id)
            row = repo.get_case(run.case_id)
        n = len(run.all_command_ids)
        record = await client.get_workflow_handle(workflow_id(run.case_id)).query(CaseWorkflow.record)
        facts = {
            "seqs": [e.seq for e in events] == list(range(1, n + 1)),
            "command ids": [e.command_id for e in events] == run.all_command_ids,
            "chain": broken is None,
            "answers": run.seqs == list(range(1, n + 1)),
            "workflow seq": record.seq == n,
            "cases row": row is not None
            and (row.last_seq, row.state, row.assignee) == (n, record.state.value, record.assignee),
        }
        failed = [name for name, ok in facts.items() if not ok]
        if failed:
            problems.append(
                f"case {run.case_id}: {failed}; events {[(e.seq, e.command_id) for e in events]}, "
                f"answers {run.seqs}, chain broken at {broken}, workflow seq {record.seq}, row {row}"
            )
    assert not problems, "\n".join(problems)


class ServiceSender(Sender):
    """Through ``CaseService``, the one place the HTTP layer talks to the case workflows, in the test's process."""

    def __init__(self, service: CaseService) -> None:
        self._service = service

    async def open(self, command_id: str) -> Answer:
        outcome = await self._service.open(
            municipality=CITY, actor=SW1, payload=VALID_PAYLOADS[Trigger.OPEN_CONSULTATION], command_id=command_id
        )
        return outcome.case_id, outcome.seq

    async def send(self, case_id: str, step: Step, command_id: str) -> Answer:
        outcome = await self._service.send(case_id, step.trigger.value, step.actor, step.payload, command_id)
        return outcome.case_id, outcome.seq


def case_service(client: Client, sessions: sessionmaker[Session], task_queue: str) -> CaseService:
    def rulebook() -> RuleBook:
        with sessions.begin() as session:
            return RulesetRepository(session).rulebook()

    return CaseService(client, sessions, task_queue, rulebook, person_secret="fault-tests-person-secret")


class Unavailable(Exception):
    """The API's 503 ``worker_unavailable``: no worker answered within its bound; the same command may be sent again."""


class ApiSender(Sender):
    """Over HTTP with each person's bearer token (a session of its own per sign-in); keeps the body of every
    command's answer. Any status but the expected one fails the test, but for a 503 ``worker_unavailable`` with its
    ``Retry-After``, which raises ``Unavailable`` (a retry for ``api_transient``)."""

    def __init__(self, http: httpx.AsyncClient, tokens: dict[str, str]) -> None:
        self._http = http
        self._tokens = tokens
        self.answers: dict[str, dict[str, Any]] = {}

    async def open(self, command_id: str) -> Answer:
        intake = VALID_PAYLOADS[Trigger.OPEN_CONSULTATION]["intake"]
        body = await self._post("sw1", "/api/cases", {"municipality": CITY, "command_id": command_id, **intake}, 201)
        return body["case_id"], body["seq"]

    async def send(self, case_id: str, step: Step, command_id: str, read_within: float | None = None) -> Answer:
        """``read_within``: the client's read timeout for this request (seconds), else the HTTP client's own."""
        request = {"command": step.trigger.value, "payload": step.payload, "command_id": command_id}
        body = await self._post(step.user, f"/api/cases/{case_id}/commands", request, 200, read_within)
        self.answers[command_id] = body
        return body["case_id"], body["seq"]

    async def _post(
        self, user: str, url: str, body: dict[str, Any], expected: int, read_within: float | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._tokens[user]}"}
        if read_within is None:
            response = await self._http.post(url, json=body, headers=headers)
        else:
            limits = httpx.Timeout(self._http.timeout.connect, read=read_within)
            response = await self._http.post(url, json=body, headers=headers, timeout=limits)
        if response.status_code == 503 and response.json().get("code") == "worker_unavailable":
            assert response.headers.get("Retry-After"), response.headers
            raise Unavailable(f"{url}: {response.text[:200]}")
        assert response.status_code == expected, f"{url}: {response.status_code} {response.text[:500]}"
        answer: dict[str, Any] = response.json()
        return answer


PASSWORD = "fault-tests-password-0123456789"


def seed_people(sessions: sessionmaker[Session]) -> None:
    """A市 and its contractor with the two people of ``PATH`` (SW1, CSW1) as users of the API."""
    with sessions.begin() as session:
        accounts = AccountRepository(session, CHEAP)
        accounts.add_organisation(CITY, OrgKind.MUNICIPALITY, "A市 福祉事務所", [CITY])
        accounts.add_organisation("contractor-a", OrgKind.CONTRACTOR, "A市 自立相談支援機関", [CITY])
        accounts.add_user("sw1", PASSWORD, {Role.SW}, "contractor-a", "相談支援員")
        accounts.add_user("csw1", PASSWORD, {Role.CSW}, "contractor-a", "主任相談支援員")


async def sign_in(http: httpx.AsyncClient, users: set[str]) -> dict[str, str]:
    """A new session (bearer token) for each of ``users``."""
    tokens = {}
    for user in sorted(users):
        response = await http.post("/api/auth/token", data={"username": user, "password": PASSWORD})
        assert response.status_code == 200, response.text
        tokens[user] = response.json()["access_token"]
    return tokens


UNREACHABLE = frozenset(
    {RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED, RPCStatusCode.UNKNOWN}
)


def temporal_transient(exc: Exception) -> bool:
    """What a client of Temporal retries with the same command id: the server or the connection was not there, or
    the wait for the update's result was cut off. A refusal (``CommandRejected``, ``PayloadInvalid``) is not."""
    if isinstance(exc, WorkflowUpdateRPCTimeoutOrCancelledError):
        return True
    return isinstance(exc, RPCError) and exc.status in UNREACHABLE


def http_transient(exc: Exception) -> bool:
    """What a client of the API retries with the same command id: no connection, or one cut off mid-request."""
    return isinstance(exc, httpx.TransportError)


def api_transient(exc: Exception) -> bool:
    """``http_transient``, and the API's 503 ``worker_unavailable`` (it asks for the same command again)."""
    return http_transient(exc) or isinstance(exc, Unavailable)
