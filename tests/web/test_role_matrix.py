"""Who may do what, and where: roles × endpoints × own / other municipality, allowed or denied as specified.

Each row of ``MATRIX`` is an endpoint and, per role, what a user of the case's own municipality (A市) gets. A user of
another municipality (B町) whose role may use the endpoint gets the row's ``other`` answer (404: the case, enrolment,
appointment or task is not theirs to see; 200 for lists, which show them their own town only, and an answer they got
must not name any of A市's objects); a role that may not use it gets its 403 wherever the object is, except where the
object's municipality is checked first (``role_first=False``: another town's object is 404 for everyone). A row may
also give ``other`` per role.

Every route under /api and every page that changes something (besides sign-in, sign-out and one's password) has a
row: ``test_every_route_has_a_row`` fails for a new one without.

An answer is a status code, or for a redirect its status and target (``"303 /cases/"``: the target starts so). The
case page answers a refused command with itself again (409) showing why; a refusal for the role counts as 403 here,
as the API gives it.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

import httpx
from argon2 import PasswordHasher
from fastapi import FastAPI
from starlette.routing import Match, Route
from temporalio.api.enums.v1 import EventType

from statemachines.case.transitions import Trigger
from store.accounts import DEMO_PASSWORD
from store.codec import ENCODING, KEY_METADATA
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api, seed_other_town
from tests.web.test_api_appointments import book, booking
from tests.web.test_api_institutions import HEADER, ROW
from tests.web.test_api_programs import CLIENT
from web.core.deps import SESSION_COOKIE
from web.core.security import CSRF_COOKIE, CSRF_FIELD

ROLES = ("sw", "csw", "esw", "mun", "ops", "aud", "admin")
OWN = {"sw": "sw1", "csw": "csw1", "esw": "esw1", "mun": "mun1", "ops": "ops1", "aud": "aud1", "admin": "admin"}
OTHER = {role: f"{role}-b" for role in ROLES}  # the same roles in B町
USERS = [*OWN.values(), *OTHER.values()]
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
CSRF = "matrix-csrf-token-0123456789abcdefghij"  # the double-submit pair of every page's form (cookie and field)
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


async def _the_open_task(api: Api, names: dict[str, str]) -> None:
    """The case's open task (SW's): an assignment closes it and opens another, with a new id."""
    tasks = (await api.get("sw1", f"/api/cases/{names['case']}")).json()["open_tasks"]
    names["task"] = next(t["task_id"] for t in tasks if t["role"] == "SW")


async def _held_by_sw1(api: Api, names: dict[str, str]) -> None:
    await _the_open_task(api, names)
    response = await api.post("sw1", f"/api/tasks/{names['task']}/claim")
    assert response.status_code == 200, response.text


async def _an_encrypted_payload(api: Api, names: dict[str, str]) -> None:
    history = await api.worker.client.get_workflow_handle(f"case-{names['case']}").fetch_history()
    payload = next(
        e.activity_task_scheduled_event_attributes.input.payloads[0]
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    )
    names["payload_key"] = base64.b64encode(payload.metadata[KEY_METADATA]).decode()
    names["payload_data"] = base64.b64encode(payload.data).decode()


async def _not_held(api: Api, names: dict[str, str]) -> None:
    await api.post("mun1", f"/api/cases/{names['case']}/legal-hold/release", HOLD)  # 409 when there is none


async def _held(api: Api, names: dict[str, str]) -> None:
    await api.post("mun1", f"/api/cases/{names['case']}/legal-hold", HOLD)  # 409 when there is one


CODEC_BODY = {
    "payloads": [
        {
            "metadata": {"encoding": base64.b64encode(ENCODING).decode(), KEY_METADATA: "{payload_key}"},
            "data": "{payload_data}",
        }
    ]
}
HOLD = {"reason": "審査請求（令和8年第1号）"}
API_REPORT_TARGET = {
    "fiscal_year": 2091,
    "indicator": "plans_created",
    "value": 12,
    "municipality": "city-a",
    "source": "m",
}
SUBMISSION = {"municipality": "city-a", "month": "2026-01", "note": "matrix {user}"}
HOLDERS = {"mun", "admin"}
RETENTION_VIEWERS = {"mun", "aud", "admin"}
AUDIT_ROLES = {"aud", "admin", "mun", "csw"}
STARTERS = {"sw", "csw", "esw"}  # who starts a program from the case, and books appointments (BOOKING_ROLES)
OPENERS = {"sw", "csw", "esw", "mun"}  # T1: ANY_STAFF
CALENDAR = {"esw", "csw", "mun", "ops"}  # esw1 themself, and CSW/MUN/OPS serving their municipality
WEDNESDAY = {"starts_at": "2030-12-04T10:00:00+09:00", "ends_at": "2030-12-04T11:00:00+09:00"}
START_REFERRAL = {"program": "referral", "command_id": "matrix"}
FOLLOW_UP = {"note": "紹介先に電話で確認"}
POLICY = {
    "municipality": "city-a",
    "version": "matrix-{user}",
    "title": "個人情報取扱規程",
    "effective_from": "2027-04-01",
    "document_sha256": "0" * 64,
}
SIGN_IN = Form({"username": "{user}", "password": DEMO_PASSWORD})
REPORT_MONTH = "municipality=city-a&month=2025-04"  # a month that has ended: it may be submitted
REPORT_VIEWERS = {"mun", "ops", "csw", "aud", "admin"}  # web.page_reports.VIEWERS
REPORT_TARGET = {
    "fiscal_year": "2030",
    "indicator": "new_consultations",
    "value": "30",
    "municipality": "city-a",
    "source": "役割の行列テスト",
}

MATRIX = [
    # -- cases ----------------------------------------------------------------------------------------------------
    # T1 is any staff member's (MUN too); in a town one does not serve, 404 as for its cases, whatever the role.
    Row("POST", "/api/cases", {"municipality": "city-a"}, only(OPENERS, yes=201), 404, role_first=False),
    Row("GET", "/api/cases?municipality=city-a", None, everyone(200), 200),
    Row("GET", "/api/cases/{case}", None, everyone(200), 404),  # OPS: states only, ``records`` empty (see below)
    Row("GET", "/api/cases/{case}/history", None, everyone(200), 404),
    Row("GET", "/api/cases/{case}/temporal-history", None, only(AUDIT_ROLES), 404),
    Row("POST", "/api/cases/{case}/verify", None, only(AUDIT_ROLES), 404),
    Row(
        "POST",
        "/api/cases/{case}/commands",
        {"command": "assign", "payload": {"assignee": "sw1"}},
        only({"csw", "admin"}),
        404,
        role_first=False,
    ),
    Row("GET", "/api/audit/access-log?case_id={case}", None, only({"aud"}), 200),  # filtered to one's own towns
    # -- the codec endpoint, retention and legal holds ----------------------------------------------------------------
    # One of the case's encrypted Temporal payloads: an auditor of its town decodes it, nobody else learns of it.
    Row("POST", "/api/codec/decode", CODEC_BODY, only({"aud"}), 404, prepare=_an_encrypted_payload),
    Row("GET", "/api/cases/{case}/retention", None, only(RETENTION_VIEWERS), 404),
    Row("GET", "/api/retention", None, only(RETENTION_VIEWERS), 200),  # one's own towns' ended cases
    Row("GET", "/api/retention/erasures", None, only(RETENTION_VIEWERS), 200),
    # The municipality (or an administrator) places a hold and releases it; each row starts from the other state.
    Row("POST", "/api/cases/{case}/legal-hold", HOLD, only(HOLDERS, yes=201), 404, prepare=_not_held),
    Row("POST", "/api/cases/{case}/legal-hold/release", HOLD, only(HOLDERS), 404, prepare=_held),
    # -- reports: counts only, every role of the municipality; another town's are not theirs (403) ------------------
    Row("GET", "/api/reports/monthly?municipality=city-a&month=2026-01", None, everyone(200), 403),
    Row("GET", "/api/reports/series?municipality=city-a&to=2026-01&months=2", None, everyone(200), 403),
    Row("GET", "/api/reports/targets", None, everyone(200), 200),  # the 目安値 and their sources: public to staff
    Row("POST", "/api/reports/targets", API_REPORT_TARGET, only({"admin"}, yes=201), 403),
    # The municipality (or an administrator) submits an ended month; each again with a reason (a 修正報告).
    Row("POST", "/api/reports/monthly/submit", SUBMISSION, only({"mun", "admin"}, yes=201), 403),
    # The municipality (or an administrator) places a hold and releases it; each row starts from the other state.
    Row("POST", "/api/cases/{case}/legal-hold", HOLD, only(HOLDERS, yes=201), 404, prepare=_not_held),
    Row("POST", "/api/cases/{case}/legal-hold/release", HOLD, only(HOLDERS), 404, prepare=_held),
    # -- programs: the case's referral, sent --------------------------------------------------------------------------
    Row("GET", "/api/cases/{case}/programs", None, everyone(200), 404),
    # The same command id starts nothing new: every starter gets the enrolment already started (201).
    Row(
        "POST",
        "/api/cases/{case}/programs",
        START_REFERRAL,
        only(STARTERS, yes=201),
        404,
        role_first=False,
    ),
    Row("GET", "/api/cases/{case}/programs/{enrolment}", None, everyone(200), 404),  # OPS: no record; ADMIN: basic
    # A referral's follow-up (RF5) is staff's, and may be recorded again and again.
    Row(
        "POST",
        "/api/cases/{case}/programs/{enrolment}/commands",
        {"command": "record_follow_up", "payload": FOLLOW_UP},
        only(STARTERS),
        404,
        role_first=False,
    ),
    # -- tasks, notifications, rule sets -----------------------------------------------------------------------------
    Row("GET", "/api/pipeline?municipality=city-a", None, everyone(200), 200),
    # The §4.3 indicators: counts, no personal data, for every role serving the town (OPS too); another town's: 403.
    Row("GET", "/api/reports/kpis?municipality=city-a", None, everyone(200), 403),
    Row("GET", "/api/tasks?scope=role&municipality=city-a", None, everyone(200), 200),
    # A task is taken by a holder of its role (the case's open task is SW's); its town is checked first.
    Row("POST", "/api/tasks/{task}/claim", None, only({"sw"}), 404, role_first=False, prepare=_the_open_task),
    # Only the one who holds it (sw1) gives it back; anyone else is told who holds it (409).
    Row("POST", "/api/tasks/{task}/release", None, only({"sw"}, no=409), 404, role_first=False, prepare=_held_by_sw1),
    Row("GET", "/api/notifications", None, everyone(200), 200),
    # sw1's notification of the case: nobody else's to mark, not even shown to exist.
    Row("POST", "/api/notifications/{notification}/read", None, only({"sw"}, no=404), 404),
    Row("GET", "/api/rulesets", None, everyone(200), 200),  # durations, no personal data: every town's
    # An administrator's own towns' rule sets: B町's may not change A市's durations (403; the list is public).
    Row(
        "POST",
        "/api/rulesets",
        {"ruleset_id": "matrix-{user}", "municipality": "city-a", "effective_from": "2027-04-{n}"},
        only({"admin"}, yes=201),
        403,
    ),
    # The 個人情報取扱規程's versions: every signed-in user sees which to explain; an administrator adds their own
    # towns' (B町's may not add A市's: 403).
    Row("GET", "/api/privacy-policies?municipality=city-a", None, everyone(200), 200),
    Row("POST", "/api/privacy-policies", POLICY, only({"admin"}, yes=201), 403),
    # -- appointments and offices -------------------------------------------------------------------------------------
    Row("GET", "/api/appointments?case_id={case}", None, everyone(200), 200),
    # Each books their own Wednesday morning at A市's office, so no booking collides with another's.
    Row(
        "POST",
        "/api/appointments",
        booking("{case}", staff_user_id="{user}", **WEDNESDAY),
        only(STARTERS, yes=201),
        404,
    ),
    Row(
        "POST",
        "/api/appointments/{move}/move",
        {"starts_at": "2030-12-05T10:00:00+09:00", "ends_at": "2030-12-05T11:00:00+09:00"},
        only(STARTERS),
        404,
    ),
    Row("POST", "/api/appointments/{attend}/attendance", {"status": "attended"}, only(STARTERS), 404),
    Row("GET", "/api/offices", None, everyone(200), 200),
    # Someone's calendar is theirs and their supervisors' (CSW/MUN/OPS); to anyone else it does not exist.
    Row("GET", "/api/staff/esw1/calendar.ics", None, only(CALENDAR, no=404), 404),
    # -- the 関係機関 directory ----------------------------------------------------------------------------------------
    Row("GET", "/api/institutions?municipality=city-a", None, everyone(200), 200),
    Row("GET", "/api/institutions/categories", None, everyone(200), 200),
    Row("GET", "/api/institutions/areas", None, everyone(200), 200),
    Row("GET", "/api/institutions/suggestions?case_id={case}", None, everyone(200), 404),  # no age for OPS/ADMIN
    # The administrator imports their own town's rows; B町's may not write A市's (the row is refused, 422).
    Row("POST", "/api/institutions/import", Csv(f"{HEADER}\n{ROW}\n"), only({"admin"}), 422),
    Row("GET", "/api/institutions/a-1-welfare-office", None, everyone(200), 404),
    # -- signing in and out, health --------------------------------------------------------------------------------
    Row("POST", "/api/auth/token", SIGN_IN, everyone(200), 200),
    Row("POST", "/api/auth/session", SIGN_IN, everyone(204), 204),
    # Everyone changes their own password; one the policy refuses (422) leaves every session as it was.
    Row(
        "POST",
        "/api/auth/password",
        {"current_password": DEMO_PASSWORD, "new_password": "short"},
        everyone(422),
        422,
    ),
    Row("POST", "/api/auth/logout", None, everyone(204), 204, fresh_session=True),
    # No sign-in, the same for everyone: 503 here, where the test server cannot say whether a worker polls.
    Row("GET", "/api/health", None, everyone(503), 503),
    # -- pages ---------------------------------------------------------------------------------------------------------
    Row("GET", "/cases/{case}", None, everyone(200), 404),
    Row(
        "POST",
        "/inbox/claim/{task}",
        Form({}),
        only({"sw"}, yes="303 /inbox?message=claimed"),
        404,
        role_first=False,
        prepare=_the_open_task,
    ),
    # Another town is not offered: back to the inbox, nothing opened.
    Row(
        "POST",
        "/cases/new",
        Form({"municipality": "city-a"}),
        only(OPENERS, yes="303 /cases/"),
        "303 /inbox?message=municipality",
        role_first=False,
    ),
    Row(
        "POST",
        "/cases/{case}/commands/assign",
        Form({"assignee": "sw1"}),
        only({"csw", "admin"}, yes="303 /cases/{case}?message=done"),
        404,
        role_first=False,
    ),
    Row(
        "POST",
        "/cases/{case}/programs/{enrolment}/commands/record_follow_up",
        Form(FOLLOW_UP),
        only(STARTERS, yes="303 /cases/{case}?message=done#programs"),
        404,
        role_first=False,
    ),
    # The auditors' pages do not exist for anyone else (404); B町's auditors get theirs, without A市's case.
    Row("GET", "/audit?case_id={case}", None, only(AUDIT_ROLES, no=404), only(AUDIT_ROLES, no=404)),
    Row("POST", "/audit/{case}/verify", Form({}), only(AUDIT_ROLES, no=404), 404),
    Row("GET", "/audit/{case}/export.json", None, only(AUDIT_ROLES, no=404), 404),
    Row("GET", "/audit/{case}/export.csv", None, only(AUDIT_ROLES, no=404), 404),
    # A month's report as files: whoever serves the town, as /api/reports/monthly; another town's: 403.
    Row("GET", f"/api/reports/monthly.csv?{REPORT_MONTH}", None, everyone(200), 403),
    Row("GET", f"/api/reports/monthly.xlsx?{REPORT_MONTH}", None, everyone(200), 403),
    # The reports pages do not exist for SW/ESW (404); a viewer of B町 is refused A市's (403, the API's message).
    Row("GET", f"/reports?{REPORT_MONTH}", None, only(REPORT_VIEWERS, no=404), only(REPORT_VIEWERS, yes=403, no=404)),
    # MUN or ADMIN submits (each again as a 修正報告, with its reason); other viewers get the API's 403.
    Row(
        "POST",
        "/reports/submit",
        Form({"municipality": "city-a", "month": "2025-04", "note": "行列テストの再提出"}),
        {**only(REPORT_VIEWERS, yes=403, no=404), "mun": "303 /reports?", "admin": "303 /reports?"},
        only(REPORT_VIEWERS, yes=403, no=404),
    ),
    Row("GET", "/reports/targets", None, only(REPORT_VIEWERS, no=404), only(REPORT_VIEWERS, no=404)),
    # The administrator adds A市's 目安値 (B町's may not: 403); other viewers are refused by the API (403).
    Row(
        "POST",
        "/reports/targets",
        Form(REPORT_TARGET),
        {**only(REPORT_VIEWERS, yes=403, no=404), "admin": "303 /reports/targets?added=true"},
        only(REPORT_VIEWERS, yes=403, no=404),
    ),
]
ANY_NAMES = dict.fromkeys(["case", "enrolment", "task", "notification", "move", "attend", "user", "n"], "x")
PUBLIC = {"/api/auth/token", "/api/auth/session", "/api/auth/logout", "/api/health"}  # no sign-in needed
OWN_ACCOUNT_PAGES = {"/login", "/logout", "/password"}  # one's own session and password: no role, no town


async def _sent_referral(api: Api, case_id: str) -> str:
    """The case's referral (つなぎ) to A市's 福祉事務所, sent: its follow-up may be recorded again and again."""
    started = await api.post("sw1", f"/api/cases/{case_id}/programs", START_REFERRAL)
    assert started.status_code == 201, started.text
    enrolment_id: str = started.json()["enrolment"]["enrolment_id"]
    api.worker.handles.append(api.worker.client.get_workflow_handle(enrolment_id))
    send = {"institution_id": "a-1-welfare-office", "reason": "生活保護の相談"}
    sent = await api.post(
        "sw1", f"/api/cases/{case_id}/programs/{enrolment_id}/commands", {"command": "send", "payload": send}
    )
    assert sent.status_code == 200, sent.text
    return enrolment_id


async def _world(api: Api) -> dict[str, str]:
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
    notifications = (await api.get("sw1", "/api/notifications")).json()["items"]
    notification = next(n for n in notifications if n["case_id"] == case_id)
    names = {
        "case": case_id,
        "enrolment": enrolment_id,
        "move": moved["appointment_id"],
        "attend": attended["appointment_id"],
        "notification": notification["notification_id"],
    }
    await _the_open_task(api, names)
    return names


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_fill(v, names) for v in value)
    if isinstance(value, Form):
        return Form(_fill(value.fields, names))
    return value


async def _page_cookie(api: Api, user: str, cache: dict[str, str]) -> str:
    """A page session of ``user`` (as /api/auth/session gives it), with the CSRF cookie of the forms."""
    if user not in cache:
        response = await api.http.post("/api/auth/session", data={"username": user, "password": DEMO_PASSWORD})
        assert response.status_code == 204, response.text
        [session] = [
            c.split(";")[0].split("=", 1)[1]
            for c in response.headers.get_list("set-cookie")
            if c.startswith(f"{SESSION_COOKIE}=")
        ]
        cache[user] = f"{SESSION_COOKIE}={session}; {CSRF_COOKIE}={CSRF}"
    return cache[user]


async def _request(api: Api, row: Row, user: str, names: dict[str, str], pages: dict[str, str]) -> httpx.Response:
    names = {**names, "user": user, "n": f"{USERS.index(user) + 1:02d}"}  # n: a number of one's own (a day)
    path, body = row.path.format(**names), _fill(row.body, names)
    if not path.startswith("/api/"):
        headers = {"Cookie": await _page_cookie(api, user, pages)}
    elif row.fresh_session:
        headers = {"Authorization": f"Bearer {(await api.login(user)).json()['access_token']}"}
    else:
        headers = await api.headers(user)
    kwargs: dict[str, Any] = {"headers": headers}
    if isinstance(body, Form):
        fields = body.fields if path.startswith("/api/") else {**body.fields, CSRF_FIELD: CSRF}
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


def _answer(response: httpx.Response) -> Answer:
    if response.is_redirect:
        return f"{response.status_code} {response.headers['location']}"
    if response.status_code == 409 and ROLE_REFUSAL in response.text:
        return 403
    return response.status_code


def _matches(answer: Answer, expected: Answer) -> bool:
    return answer == expected if isinstance(expected, int) else str(answer).startswith(expected)


def _objects_of_a_named(response: httpx.Response, names: dict[str, str]) -> list[str]:
    """A市's objects named in an answer given to a user of B町 (a page's links to them: ``/<id>``)."""
    html = response.headers.get("content-type", "").startswith("text/html")
    return [key for key, value in names.items() if (f"/{value}" if html else value) in response.text]


def _forget_new_cases(api: Api, row: Row, response: httpx.Response) -> None:
    """Cases a row opened are terminated with the test's others (they hold timers)."""
    found = re.fullmatch(r"/cases/(\w+)", response.headers.get("location", ""))
    case_id = found.group(1) if found else None
    if row.path == "/api/cases" and response.status_code == 201:
        case_id = response.json()["case_id"]
    if case_id:
        api.worker.handles.append(api.worker.client.get_workflow_handle(f"case-{case_id}"))


async def test_every_role_on_every_endpoint_in_its_own_and_another_municipality(api: Api) -> None:
    names = await _world(api)
    pages: dict[str, str] = {}
    failures = []
    for row in MATRIX:
        for role in ROLES:
            for user, own_town in ((OWN[role], True), (OTHER[role], False)):
                if row.prepare is not None:
                    await row.prepare(api, names)
                response = await _request(api, row, user, names, pages)
                _forget_new_cases(api, row, response)
                expected, answer = _fill(row.expected(role, own_town), names), _answer(response)
                if not _matches(answer, expected):
                    failures.append(f"{row.method} {row.path} as {user}: {answer}, expected {expected}")
                elif not own_town and response.is_success and _objects_of_a_named(response, names):
                    named = _objects_of_a_named(response, names)
                    failures.append(f"{row.method} {row.path} as {user} names A市's {named}")
    assert failures == [], "\n".join(failures)


def _routes(routes: list[Any]) -> list[Route]:
    """Every route, those of included routers too (FastAPI keeps an included router as one entry of its own)."""
    found: list[Route] = []
    for r in routes:
        if isinstance(r, Route):
            found.append(r)
        elif (included := getattr(r, "original_router", None)) is not None:
            found += _routes(list(included.routes))
    return found


async def test_every_route_has_a_row(api: Api) -> None:
    app = cast(FastAPI, cast(httpx.ASGITransport, api.http._transport).app)
    routes = [r for r in _routes(app.routes) if r.path not in ("/api/openapi.json", "/api/docs")]
    assert len(routes) > 60, "the routes of the included routers are found"
    must = {
        (method, r.path)
        for r in routes
        for method in r.methods or ()
        # A CORS preflight (OPTIONS) carries no credentials by definition: tests/web/test_codec_endpoint.py checks it.
        if method not in ("HEAD", "OPTIONS")
        and (r.path.startswith("/api/") or (method == "POST" and r.path not in OWN_ACCOUNT_PAGES))
    }
    covered = set()
    for row in MATRIX:
        path = row.path.format(**ANY_NAMES).split("?")[0]
        scope = {"type": "http", "method": row.method, "path": path, "root_path": ""}
        covered |= {(row.method, r.path) for r in routes if r.matches(scope)[0] is Match.FULL}
    assert sorted(must - covered) == []


async def test_without_signing_in_every_row_but_sign_in_and_health_is_refused(api: Api) -> None:
    answers = {}
    for row in MATRIX:
        path = row.path.format(**ANY_NAMES)
        if path.split("?")[0] not in PUBLIC:
            answers[f"{row.method} {path}"] = _answer(await api.http.request(row.method, path))
    assert {k: a for k, a in answers.items() if a != 401 and not str(a).startswith("303 /login")} == {}


async def test_operations_staff_and_the_administrator_are_shown_no_client_data(api: Api) -> None:
    """OPS sees states and counts, never records; the administrator the basic fields only
    (statemachines.policy.sensitivity), of a case's record and of a program's (the referral's state, not why the client
    was referred); neither the client's age, from the 要配慮 birth date, nor an appointment's free-text note."""
    names = await _world(api)
    case, enrolment = names["case"], names["enrolment"]
    shown = {}
    for user in ("sw1", "ops1", "admin"):
        detail = (await api.get(user, f"/api/cases/{case}")).json()
        record = (await api.get(user, f"/api/cases/{case}/programs/{enrolment}")).json()["record"]
        suggested = (await api.get(user, "/api/institutions/suggestions", case_id=case)).json()
        notes = {a["note"] for a in (await api.get(user, "/api/appointments", case_id=case)).json()}
        birth_date = detail["records"].get("intake", {}).get("client", {}).get("birth_date")
        reasons = [s["reason"] for s in record.get("sendings", []) if "reason" in s]
        shown[user] = (birth_date, record.get("state"), bool(reasons), suggested["age"] is not None, notes != {None})
    assert shown == {
        "sw1": (CLIENT["birth_date"], "SENT", True, True, True),
        "ops1": (None, None, False, False, False),
        "admin": (None, "SENT", False, False, False),
    }


async def test_writing_the_rule_sets_is_the_administrator_s_alone(api: Api) -> None:
    ruleset = {"ruleset_id": "matrix-1", "municipality": "city-a", "effective_from": "2027-04-01"}
    statuses = {}
    for role in ROLES:
        response = await api.post(OWN[role], "/api/rulesets", {**ruleset, "ruleset_id": f"matrix-{role}"})
        statuses[role] = response.status_code
    assert statuses == only({"admin"}, yes=201)
