"""The role matrix's vocabulary (``tests/web/test_role_matrix.py``): a user of each role in the case's own
municipality (A市) and in another (B町), a row per endpoint, the answers it expects, its request sent as a user, and
the world the rows run against (A市's case with its referral, appointments, task and notification).

Where a route declares a permission, its row's expectations come from the permissions table (``may``:
``statemachines.kernel.permissions.PERMISSIONS``); where the process tables or the data decide, the row says who.

An answer is a status code, or for a redirect its status and target (``"303 /cases/"``: the target starts so). The
case page answers a refused command with itself again (409) showing why; a refusal for the role counts as 403 here,
as the API gives it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError

from services.integrity_runs import NOW_WORKFLOW_ID, IntegrityRunner
from statemachines.case.transitions import Trigger
from statemachines.kernel.permissions import PERMISSIONS, Permission
from statemachines.kernel.roles import Role
from store.accounts import DEMO_PASSWORD
from store.codec import KEY_METADATA
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api, seed_other_town
from tests.web.programs.enrolments import CLIENT
from tests.web.programs.test_appointments import begun, book
from web.core.deps import SESSION_COOKIE
from web.core.security import CSRF_FIELD

ROLE_OF = {
    "sw": Role.SW,
    "csw": Role.CSW,
    "esw": Role.ESW,
    "mun": Role.MUN,
    "ops": Role.OPS,
    "aud": Role.AUD,
    "admin": Role.ADMIN,
}
ROLES = tuple(ROLE_OF)
OWN = {"sw": "sw1", "csw": "csw1", "esw": "esw1", "mun": "mun1", "ops": "ops1", "aud": "aud1", "admin": "admin"}
OTHER = {role: f"{role}-b" for role in ROLES}  # the same roles in B町
USERS = [*OWN.values(), *OTHER.values()]
ROLE_REFUSAL = "<strong>ROLE</strong>"  # how the case page names a refusal for the role

Answer = int | str


@dataclass(frozen=True)
class Form:
    """A form-encoded body (``{name}`` placeholders filled); a page's gets the CSRF field too."""

    fields: dict[str, str]


@dataclass(frozen=True)
class Csv:
    text: str


Prepare = Callable[[Api, dict[str, str]], Awaitable[None]]


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    body: Any
    own: dict[str, Answer]
    other: Answer | dict[str, Answer]
    role_first: bool = True  # the role is checked before the object's municipality (else: another town's is 404)
    prepare: Prepare | None = None  # run before each request: the row's starting point, whatever ran before
    fresh_session: bool = False  # the request ends its session: not the one the other rows use

    def expected(self, role: str, own_town: bool) -> Answer:
        if own_town or (self.own[role] == 403 and self.role_first):
            return self.own[role]
        return self.other[role] if isinstance(self.other, dict) else self.other


def everyone(answer: Answer) -> dict[str, Answer]:
    return dict.fromkeys(ROLES, answer)


def only(allowed: set[str], yes: Answer = 200, no: Answer = 403) -> dict[str, Answer]:
    return {role: yes if role in allowed else no for role in ROLES}


def holders(roles: frozenset[Role]) -> set[str]:
    """The matrix's roles among ``roles`` (a process table's role group)."""
    return {key for key, role in ROLE_OF.items() if role in roles}


def may(permission: Permission) -> set[str]:
    """The matrix's roles that hold ``permission`` by the permissions table."""
    return holders(PERMISSIONS[permission])


def fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(fill(v, names) for v in value)
    if isinstance(value, Form):
        return Form(fill(value.fields, names))
    return value


async def _page_cookie(api: Api, user: str, cache: dict[str, str]) -> str:
    """A page session of ``user`` (as /api/auth/session gives it); its forms' CSRF token is bound to it."""
    if user not in cache:
        response = await api.http.post("/api/auth/session", data={"username": user, "password": DEMO_PASSWORD})
        assert response.status_code == 204, response.text
        [session] = [
            c.split(";")[0].split("=", 1)[1]
            for c in response.headers.get_list("set-cookie")
            if c.startswith(f"{SESSION_COOKIE}=")
        ]
        cache[user] = f"{SESSION_COOKIE}={session}"
        assert api.app is not None
        cache[f"csrf:{user}"] = api.app.state.services.tokens.csrf_for(session)
    return cache[user]


async def send(api: Api, row: Row, user: str, names: dict[str, str], pages: dict[str, str]) -> httpx.Response:
    """The row's request as ``user``: a page with its session cookie (kept in ``pages``), the API with a token."""
    names = {**names, "user": user, "n": f"{USERS.index(user) + 1:02d}"}  # n: a number of one's own (a day)
    path, body = row.path.format(**names), fill(row.body, names)
    if not path.startswith("/api/"):
        headers = {"Cookie": await _page_cookie(api, user, pages)}
    elif row.fresh_session:
        headers = {"Authorization": f"Bearer {(await api.login(user)).json()['access_token']}"}
    else:
        headers = await api.headers(user)
    kwargs: dict[str, Any] = {"headers": headers}
    if isinstance(body, Form):
        fields = body.fields if path.startswith("/api/") else {**body.fields, CSRF_FIELD: pages[f"csrf:{user}"]}
        kwargs["content"] = urlencode(fields).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif isinstance(body, Csv):
        kwargs["content"] = body.text.encode("utf-8-sig")
        headers["Content-Type"] = "text/csv; charset=utf-8"
    elif body is not None:
        kwargs["json"] = body
    try:
        return await api.http.request(row.method, path, **kwargs)
    finally:
        api.http.cookies.clear()  # a session or CSRF cookie set by an answer is never sent by the next request


def answer_of(response: httpx.Response) -> Answer:
    if response.is_redirect:
        return f"{response.status_code} {response.headers['location']}"
    if response.status_code == 409 and ROLE_REFUSAL in response.text:
        return 403
    return response.status_code


def matches(answer: Answer, expected: Answer) -> bool:
    return answer == expected if isinstance(expected, int) else str(answer).startswith(expected)


NO_TOWNS = frozenset({"run"})  # names of objects that are no municipality's: an integrity run checks every case


def objects_of_a_named(response: httpx.Response, names: dict[str, str]) -> list[str]:
    """A市's objects named in an answer given to a user of B町 (a page's links to them: ``/<id>``)."""
    html = response.headers.get("content-type", "").startswith("text/html")
    return [
        key for key, value in names.items() if key not in NO_TOWNS and (f"/{value}" if html else value) in response.text
    ]


def forget_new_cases(api: Api, row: Row, response: httpx.Response) -> None:
    """Cases a row opened are terminated with the test's others (they hold timers)."""
    found = re.fullmatch(r"/cases/(\w+)", response.headers.get("location", ""))
    case_id = found.group(1) if found else None
    if row.path == "/api/cases" and response.status_code == 201:
        case_id = response.json()["case_id"]
    if case_id:
        api.worker.handles.append(api.worker.client.get_workflow_handle(f"case-{case_id}"))


# -- the world the rows run against: A市's case and what it holds -------------------------------------------------

HOLD = {"reason": "審査請求（令和8年第1号）"}
START_REFERRAL = {"program": "referral", "command_id": "matrix"}


async def the_open_task(api: Api, names: dict[str, str]) -> None:
    """The case's open task (SW's): an assignment closes it and opens another, with a new id."""
    tasks = (await api.get("sw1", f"/api/cases/{names['case']}")).json()["open_tasks"]
    names["task"] = next(t["task_id"] for t in tasks if t["role"] == "SW")


async def a_sitting(api: Api, names: dict[str, str]) -> None:
    """A市's 支援調整会議 (made once): its agenda is empty, the world's case waits for no meeting."""
    if "meeting" not in names:
        body = {"municipality": "city-a", "held_on": "2026-12-10"}
        response = await api.post("csw1", "/api/meetings", body)
        assert response.status_code == 201, response.text
        names["meeting"] = response.json()["sitting"]["meeting_id"]


async def held_by_sw1(api: Api, names: dict[str, str]) -> None:
    await the_open_task(api, names)
    response = await api.post("sw1", f"/api/tasks/{names['task']}/claim")
    assert response.status_code == 200, response.text


async def an_encrypted_payload(api: Api, names: dict[str, str]) -> None:
    history = await api.worker.client.get_workflow_handle(f"case-{names['case']}").fetch_history()
    payload = next(
        e.activity_task_scheduled_event_attributes.input.payloads[0]
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    )
    names["payload_key"] = base64.b64encode(payload.metadata[KEY_METADATA]).decode()
    names["payload_data"] = base64.b64encode(payload.data).decode()


async def no_integrity_run(api: Api, names: dict[str, str]) -> None:
    """No integrity run going on (a row before may have started one): the next may start."""
    assert api.app is not None
    services = api.app.state.services
    runner = IntegrityRunner(services.client, services.sessions, services.task_queue)
    started_now = services.client.get_workflow_handle(NOW_WORKFLOW_ID)
    for _ in range(300):
        with contextlib.suppress(RPCError):  # none started yet
            if (await started_now.describe()).status == WorkflowExecutionStatus.RUNNING:
                await asyncio.sleep(0.1)
                continue
        if await runner.running() is None:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("an integrity run did not end")


async def an_integrity_run(api: Api, names: dict[str, str]) -> None:
    """A run the administrator started: its progress is ``{run}``."""
    await no_integrity_run(api, names)
    started = await api.post("admin", "/api/audit/integrity-runs")
    assert started.status_code == 202, started.text
    names["run"] = started.json()["run_id"]


async def not_held(api: Api, names: dict[str, str]) -> None:
    await api.post("mun1", f"/api/cases/{names['case']}/legal-hold/release", HOLD)  # 409 when there is none


async def held(api: Api, names: dict[str, str]) -> None:
    await api.post("mun1", f"/api/cases/{names['case']}/legal-hold", HOLD)  # 409 when there is one


async def _sent_referral(api: Api, case_id: str) -> str:
    """The case's referral (つなぎ) to A市's 福祉事務所, sent: its follow-up may be recorded again and again."""
    started = await api.post("sw1", f"/api/cases/{case_id}/programs", START_REFERRAL)
    assert started.status_code == 201, started.text
    enrolment_id: str = started.json()["enrolment"]["enrolment_id"]
    api.worker.handles.append(api.worker.client.get_workflow_handle(enrolment_id))
    sending = {"institution_id": "a-1-welfare-office", "reason": "生活保護の相談"}
    sent = await api.post(
        "sw1", f"/api/cases/{case_id}/programs/{enrolment_id}/commands", {"command": "send", "payload": sending}
    )
    assert sent.status_code == 200, sent.text
    return enrolment_id


async def world(api: Api) -> dict[str, str]:
    """A市's case with consent C1, its referral, two appointments, its open task and sw1's notification."""
    seed_other_town(api)
    case_id = await api.open_case("sw1")
    intake = {"intake": {**VALID_PAYLOADS[Trigger.COMPLETE_INTAKE]["intake"], "client": CLIENT}}
    for trigger, payload in ((Trigger.COMPLETE_INTAKE, intake), (Trigger.APPLY_FOR_SUPPORT, None)):
        response = await api.command("sw1", case_id, trigger.value, payload or VALID_PAYLOADS[trigger])
        assert response.status_code == 200, response.text
    enrolment_id = await _sent_referral(api, case_id)
    moved = await book(api, case_id)
    attended = await book(api, case_id, starts_at="2030-12-03T14:00:00+09:00", ends_at="2030-12-03T15:00:00+09:00")
    begun(api, attended["appointment_id"])  # its attendance may be recorded (SCHED-NOT-YET otherwise)
    notifications = (await api.get("sw1", "/api/notifications")).json()["items"]
    notification = next(n for n in notifications if n["case_id"] == case_id)
    detail = (await api.get("sw1", f"/api/cases/{case_id}")).json()
    names = {
        "case": case_id,
        "person": detail["person_id"],
        "enrolment": enrolment_id,
        "move": moved["appointment_id"],
        "attend": attended["appointment_id"],
        "notification": notification["notification_id"],
    }
    await the_open_task(api, names)
    return names
