"""Who may do what, and where: roles × endpoints × own / other municipality, allowed or denied as specified.

Each row of ``MATRIX`` is an endpoint and, per role, what a user of the case's own municipality (A市) gets: where the
route declares a permission, as the permissions table says (``may``); where the process tables or the data decide
(a transition's roles, a task's role, one's own notification), as the row says. A user of another municipality (B町)
whose role may use the endpoint gets the row's ``other`` answer (404: the case, enrolment, appointment or task is not
theirs to see; 200 for lists, which show them their own town only, and an answer they got must not name any of A市's
objects); a role that may not use it gets its 403 wherever the object is, except where the object's municipality is
checked first (``role_first=False``: another town's object is 404 for everyone). A row may also give ``other`` per
role. The rows, their requests and answers: ``tests/web/matrix.py``.

Every route under /api and every page that changes something (besides sign-in, sign-out and one's password) has a
row, and each row expects what the table says of its route's permission: ``tests/web/test_routers.py``.
"""

from __future__ import annotations

import base64

from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import ANY_STAFF, ASSIGNERS, WORK_SUPPORT
from store.accounts import DEMO_PASSWORD
from store.codec import ENCODING, KEY_METADATA
from tests.web.apiharness import Api
from tests.web.directory.test_api import HEADER, ROW
from tests.web.matrix import (
    HOLD,
    OTHER,
    OWN,
    ROLES,
    START_REFERRAL,
    Csv,
    Form,
    Row,
    a_sitting,
    an_encrypted_payload,
    an_integrity_run,
    answer_of,
    everyone,
    fill,
    forget_new_cases,
    held,
    held_by_sw1,
    holders,
    matches,
    may,
    no_integrity_run,
    not_held,
    objects_of_a_named,
    only,
    send,
    the_open_task,
    world,
)
from tests.web.programs.enrolments import CLIENT
from tests.web.programs.test_appointments import booking

P = Permission
CODEC_BODY = {
    "payloads": [
        {
            "metadata": {"encoding": base64.b64encode(ENCODING).decode(), KEY_METADATA: "{payload_key}"},
            "data": "{payload_data}",
        }
    ]
}
API_REPORT_TARGET = {
    "fiscal_year": 2091,
    "indicator": "plans_created",
    "value": 12,
    "municipality": "city-a",
    "source": "m",
}
SUBMISSION = {"municipality": "city-a", "month": "2026-01", "note": "matrix {user}"}
# Who the process tables let fire the rows' commands: their role groups (statemachines.kernel.roles).
OPENERS = holders(ANY_STAFF)  # T1
ASSIGNING = holders(ASSIGNERS)  # A1
REFERRAL_STAFF = holders(WORK_SUPPORT)  # the referral's RF5 (record_follow_up)
WEDNESDAY = {"starts_at": "2030-12-04T10:00:00+09:00", "ends_at": "2030-12-04T11:00:00+09:00"}
FOLLOW_UP = {"note": "紹介先に電話で確認"}
SITTING = {"municipality": "city-a", "held_on": "2026-12-10"}
AGENDA = {"case_ids": ["{case}"]}
OUTCOMES = {"decisions": [{"case_id": "{case}", "outcome": "approve"}]}
POLICY = {
    "municipality": "city-a",
    "version": "matrix-{user}",
    "title": "個人情報取扱規程",
    "effective_from": "2027-04-01",
    "document_sha256": "0" * 64,
}
SIGN_IN = Form({"username": "{user}", "password": DEMO_PASSWORD})
REPORT_MONTH = "municipality=city-a&month=2025-04"  # a month that has ended: it may be submitted
REPORT_TARGET = {
    "fiscal_year": "2030",
    "indicator": "new_consultations",
    "value": "30",
    "municipality": "city-a",
    "source": "役割の行列テスト",
}
REVIEWERS_REFUSED = only(may(P.REPORT_REVIEW), yes=403, no=404)  # the reports pages refuse with the API's 403

PERSON_QUERY = Form({"q": "やまだ", "purpose": "casework"})
PROGRAM_VALUE = {
    "municipality": "city-a",
    "value_name": "housing_support.shelter_max",
    "value": "P2M",
    "source": "市一時生活支援事業実施要綱 第5条 [LOCAL]",
    "effective_from": "2028-04-{n}",
}

MATRIX = [
    # -- cases ----------------------------------------------------------------------------------------------------
    # T1 is any staff member's (MUN too); in a town one does not serve, 404 as for its cases, whatever the role.
    Row("POST", "/api/cases", {"municipality": "city-a"}, only(OPENERS, yes=201), 403),  # municipality_not_served
    Row("GET", "/api/cases?municipality=city-a", None, only(may(P.CASE_READ)), 200),
    Row("GET", "/api/cases/{case}", None, only(may(P.CASE_READ)), 404),  # OPS: states only, no ``records``
    Row("GET", "/api/cases/{case}/history", None, only(may(P.CASE_READ)), 404),
    Row("GET", "/api/cases/{case}/temporal-history", None, only(may(P.AUDIT_EXPORT)), 404),
    # a 帳票 prints the client's identity (要配慮): refused to OPS and ADMIN, after the case's municipality (web/forms)
    Row("GET", "/api/cases/{case}/forms/intake.pdf", None, only(may(P.CASE_READ) - {"ops", "admin"}), 404, False),
    Row("POST", "/api/cases/{case}/verify", None, only(may(P.CASE_VERIFY)), 404),
    Row(
        "POST",
        "/api/cases/{case}/commands",
        {"command": "assign", "payload": {"assignee": "sw1"}},
        only(ASSIGNING),
        404,
        role_first=False,
    ),
    # -- the 相談者: found by kana, read with their cases; another town's staff find nobody of A市 ------------------
    Row("GET", "/api/people?q=やまだ&purpose=casework", None, only(may(P.PERSON_SEARCH)), 200),
    Row("GET", "/api/people/{person}", None, only(may(P.PERSON_SEARCH)), 404),
    # filtered to one's own towns
    Row("GET", "/api/audit/access-log?case_id={case}", None, only(may(P.ACCESS_LOG_READ)), 200),
    Row("GET", "/api/audit/cases?integrity=unchecked", None, only(may(P.AUDIT_READ)), 200),
    # The integrity check checks every town's chains: whoever may start it does, wherever they serve.
    Row(
        "POST",
        "/api/audit/integrity-runs",
        None,
        only(may(P.INTEGRITY_RUN), yes=202),
        only(may(P.INTEGRITY_RUN), yes=202),
        prepare=no_integrity_run,
    ),
    Row(
        "GET",
        "/api/audit/integrity-runs/{run}",
        None,
        only(may(P.INTEGRITY_RUN)),
        only(may(P.INTEGRITY_RUN)),
        prepare=an_integrity_run,
    ),
    # -- the codec endpoint, retention and legal holds ----------------------------------------------------------------
    # One of the case's encrypted Temporal payloads: an auditor of its town decodes it, nobody else learns of it.
    Row("POST", "/api/codec/decode", CODEC_BODY, only(may(P.CODEC_DECODE)), 404, prepare=an_encrypted_payload),
    Row("GET", "/api/cases/{case}/retention", None, only(may(P.RETENTION_READ)), 404),
    Row("GET", "/api/retention", None, only(may(P.RETENTION_READ)), 200),  # one's own towns' ended cases
    Row("GET", "/api/retention/erasures", None, only(may(P.ERASURE_READ)), 200),
    # The municipality (or an administrator) places a hold and releases it; each row starts from the other state.
    Row("POST", "/api/cases/{case}/legal-hold", HOLD, only(may(P.LEGAL_HOLD_PLACE), yes=201), 404, prepare=not_held),
    Row("POST", "/api/cases/{case}/legal-hold/release", HOLD, only(may(P.LEGAL_HOLD_RELEASE)), 404, prepare=held),
    # -- reports: counts only, every role of the municipality; another town's are not theirs (403) ------------------
    Row("GET", "/api/reports/monthly?municipality=city-a&month=2026-01", None, only(may(P.REPORT_READ)), 403),
    Row("GET", "/api/reports/series?municipality=city-a&to=2026-01&months=2", None, only(may(P.REPORT_READ)), 403),
    Row("GET", "/api/reports/targets", None, only(may(P.REPORT_READ)), 200),  # the 目安値 and their sources
    Row("POST", "/api/reports/targets", API_REPORT_TARGET, only(may(P.REPORT_TARGET_ADD), yes=201), 403),
    # The municipality (or an administrator) submits an ended month; each again with a reason (a 修正報告).
    Row("POST", "/api/reports/monthly/submit", SUBMISSION, only(may(P.REPORT_SUBMIT), yes=201), 403),
    # -- programs: the case's referral, sent --------------------------------------------------------------------------
    Row("GET", "/api/cases/{case}/programs", None, only(may(P.CASE_READ)), 404),
    # The same command id starts nothing new: every starter gets the enrolment already started (201).
    Row(
        "POST",
        "/api/cases/{case}/programs",
        START_REFERRAL,
        only(may(P.PROGRAM_START), yes=201),
        404,
        role_first=False,
    ),
    # OPS: no record; ADMIN: basic
    Row("GET", "/api/cases/{case}/programs/{enrolment}", None, only(may(P.CASE_READ)), 404),
    # A referral's follow-up (RF5) is staff's, and may be recorded again and again.
    Row(
        "POST",
        "/api/cases/{case}/programs/{enrolment}/commands",
        {"command": "record_follow_up", "payload": FOLLOW_UP},
        only(REFERRAL_STAFF),
        404,
        role_first=False,
    ),
    # -- tasks, notifications, rule sets -----------------------------------------------------------------------------
    Row("GET", "/api/pipeline?municipality=city-a", None, only(may(P.PIPELINE_READ)), 200),
    # -- supervision: caseload counts for CSW, MUN and OPS (their own towns'); a consultant's cases for the CSW -------
    Row("GET", "/api/supervision/caseloads", None, only(may(P.SUPERVISION_READ)), only(may(P.SUPERVISION_READ))),
    Row("GET", "/api/supervision/caseloads?municipality=city-a", None, only(may(P.SUPERVISION_READ)), 403),
    Row(
        "GET",
        "/api/supervision/consultants/sw1/cases",
        None,
        only(may(P.SUPERVISION_CASES)),
        only(may(P.SUPERVISION_CASES), yes=404),  # B町's CSW: sw1 is not one of their consultants
    ),
    # -- the 支援調整会議 as sittings: SW, CSW and MUN of the town; another town's sitting is not there (404) ---------
    Row("GET", "/api/meetings", None, only(may(P.MEETING_READ)), only(may(P.MEETING_READ)), prepare=a_sitting),
    Row("POST", "/api/meetings", SITTING, only(may(P.MEETING_WORK), yes=201), 403),
    Row("GET", "/api/meetings/{meeting}", None, only(may(P.MEETING_READ)), 404, prepare=a_sitting),
    Row("GET", "/api/meetings/{meeting}/waiting", None, only(may(P.MEETING_READ)), 404, prepare=a_sitting),
    # the world's case waits for no meeting (409); nothing is on the agenda to take off or decide (409)
    Row("POST", "/api/meetings/{meeting}/agenda", AGENDA, only(may(P.MEETING_WORK), yes=409), 404, prepare=a_sitting),
    Row(
        "DELETE",
        "/api/meetings/{meeting}/agenda/{case}",
        None,
        only(may(P.MEETING_WORK), yes=409),
        404,
        prepare=a_sitting,
    ),
    Row(
        "POST",
        "/api/meetings/{meeting}/outcomes",
        OUTCOMES,
        only(may(P.MEETING_WORK), yes=409),
        404,
        prepare=a_sitting,
    ),
    Row("GET", "/api/meetings/{meeting}/packet.pdf", None, only(may(P.MEETING_PACKET)), 404, prepare=a_sitting),
    # The §4.3 indicators: counts, no personal data, for every role serving the town (OPS too); another town's: 403.
    Row("GET", "/api/reports/kpis?municipality=city-a", None, only(may(P.REPORT_READ)), 403),
    Row("GET", "/api/tasks?scope=role&municipality=city-a", None, everyone(200), 200),
    # A task is taken by a holder of its role (the case's open task is SW's); its town is checked first.
    Row("POST", "/api/tasks/{task}/claim", None, only({"sw"}), 404, role_first=False, prepare=the_open_task),
    # Only the one who holds it (sw1) gives it back; anyone else is told who holds it (409).
    Row("POST", "/api/tasks/{task}/release", None, only({"sw"}, no=409), 404, role_first=False, prepare=held_by_sw1),
    Row("GET", "/api/notifications", None, everyone(200), 200),
    # sw1's notification of the case: nobody else's to mark, not even shown to exist.
    Row("POST", "/api/notifications/{notification}/read", None, only({"sw"}, no=404), 404),
    Row("GET", "/api/rulesets", None, only(may(P.RULESET_READ)), 200),  # durations, no personal data: every town's
    # An administrator's own towns' rule sets: B町's may not change A市's durations (403; the list is public).
    Row(
        "POST",
        "/api/rulesets",
        {"ruleset_id": "matrix-{user}", "municipality": "city-a", "effective_from": "2027-04-{n}"},
        only(may(P.RULESET_ADD), yes=201),
        403,
    ),
    # The 個人情報取扱規程's versions: every signed-in user sees which to explain; an administrator adds their own
    # towns' (B町's may not add A市's: 403).
    Row("GET", "/api/privacy-policies?municipality=city-a", None, only(may(P.POLICY_READ)), 200),
    Row("POST", "/api/privacy-policies", POLICY, only(may(P.POLICY_ADD), yes=201), 403),
    # -- appointments and offices -------------------------------------------------------------------------------------
    Row("GET", "/api/appointments?case_id={case}", None, only(may(P.CASE_READ)), 200),
    # Each books their own Wednesday morning at A市's office, so no booking collides with another's.
    Row(
        "POST",
        "/api/appointments",
        booking("{case}", staff_user_id="{user}", **WEDNESDAY),
        only(may(P.APPOINTMENT_BOOK), yes=201),
        404,
    ),
    Row(
        "POST",
        "/api/appointments/{move}/move",
        {"starts_at": "2030-12-05T10:00:00+09:00", "ends_at": "2030-12-05T11:00:00+09:00"},
        only(may(P.APPOINTMENT_MOVE)),
        404,
    ),
    Row(
        "POST",
        "/api/appointments/{attend}/attendance",
        {"status": "attended"},
        only(may(P.APPOINTMENT_ATTENDANCE)),
        404,
    ),
    Row("GET", "/api/offices", None, only(may(P.DIRECTORY_READ)), 200),
    # Someone's calendar is theirs (esw1's) and their supervisors' (CALENDAR_READ); to anyone else it does not exist.
    Row("GET", "/api/staff/esw1/calendar.ics", None, only(may(P.CALENDAR_READ) | {"esw"}, no=404), 404),
    # -- the 関係機関 directory ----------------------------------------------------------------------------------------
    Row("GET", "/api/institutions?municipality=city-a", None, only(may(P.DIRECTORY_READ)), 200),
    Row("GET", "/api/institutions/categories", None, only(may(P.DIRECTORY_READ)), 200),
    Row("GET", "/api/institutions/areas", None, only(may(P.DIRECTORY_READ)), 200),
    # no age for OPS/ADMIN
    Row("GET", "/api/institutions/suggestions?case_id={case}", None, only(may(P.DIRECTORY_READ)), 404),
    # The administrator imports their own town's rows; B町's may not write A市's (the row is refused, 422).
    Row("POST", "/api/institutions/import", Csv(f"{HEADER}\n{ROW}\n"), only(may(P.INSTITUTION_IMPORT)), 422),
    Row("GET", "/api/institutions/a-1-welfare-office", None, only(may(P.DIRECTORY_READ)), 404),
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
    # No sign-in, the same for everyone: 200 while the harness's worker beats (store/heartbeats.py).
    Row("GET", "/api/health", None, everyone(200), 200),
    # -- pages ---------------------------------------------------------------------------------------------------------
    Row("GET", "/cases/{case}", None, only(may(P.CASE_READ), no=404), 404),
    Row(
        "GET",
        "/supervision",
        None,
        only(may(P.SUPERVISION_READ), no=404),
        only(may(P.SUPERVISION_READ), no=404),
    ),
    Row("GET", "/supervision/consultants/sw1", None, only(may(P.SUPERVISION_CASES), no=404), 404),
    Row("GET", "/meetings", None, only(may(P.MEETING_READ), no=404), only(may(P.MEETING_READ), no=404)),
    # The program values of the rule sets (issue 18 item 9): every role reads them; an administrator sets their own
    # towns' (B町's is not offered A市: the form again, saying so, 422).
    Row("GET", "/rulesets", None, only(may(P.RULESET_READ), no=404), only(may(P.RULESET_READ), no=404)),
    Row(
        "POST",
        "/rulesets/program-values",
        Form(PROGRAM_VALUE),
        only(may(P.RULESET_ADD), yes="303 /rulesets?message=added", no=404),
        only(may(P.RULESET_ADD), yes=422, no=404),
    ),
    # another town is not offered: the form again, saying so (422)
    Row(
        "POST",
        "/meetings",
        Form(SITTING),
        only(may(P.MEETING_WORK), yes="303 /meetings/", no=404),
        only(may(P.MEETING_WORK), yes=422, no=404),
    ),
    Row("GET", "/meetings/{meeting}", None, only(may(P.MEETING_READ), no=404), 404, prepare=a_sitting),
    Row(
        "POST",
        "/meetings/{meeting}/agenda",
        Form({"case_id": "{case}"}),
        only(may(P.MEETING_WORK), yes=409, no=404),
        404,
        prepare=a_sitting,
    ),
    Row(
        "POST",
        "/meetings/{meeting}/outcomes",
        Form({"outcome.{case}": "approve"}),
        only(may(P.MEETING_WORK), yes=422, no=404),
        404,
        prepare=a_sitting,
    ),
    Row(
        "POST",
        "/inbox/claim/{task}",
        Form({}),
        only({"sw"}, yes="303 /inbox?message=claimed"),
        404,
        role_first=False,
        prepare=the_open_task,
    ),
    # The search box's page: B町's staff are shown nobody of A市 (no link to the person).
    Row("POST", "/people/search", PERSON_QUERY, only(may(P.PERSON_SEARCH), no=404), only(may(P.PERSON_SEARCH), no=404)),
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
        only(ASSIGNING, yes="303 /cases/{case}?message=done"),
        404,
        role_first=False,
    ),
    Row(
        "POST",
        "/cases/{case}/programs/{enrolment}/commands/record_follow_up",
        Form(FOLLOW_UP),
        only(REFERRAL_STAFF, yes="303 /cases/{case}?message=done#programs"),
        404,
        role_first=False,
    ),
    # The auditors' pages do not exist for anyone else (404); B町's auditors get theirs, without A市's case.
    Row("GET", "/audit?case_id={case}", None, only(may(P.AUDIT_READ), no=404), only(may(P.AUDIT_READ), no=404)),
    Row("POST", "/audit/{case}/verify", Form({}), only(may(P.CASE_VERIFY), no=404), 404),
    Row("GET", "/audit/{case}/export.json", None, only(may(P.AUDIT_EXPORT), no=404), 404),
    Row("GET", "/audit/{case}/export.csv", None, only(may(P.AUDIT_EXPORT), no=404), 404),
    Row("GET", "/audit/access-log", None, only(may(P.ACCESS_LOG_READ), no=404), only(may(P.ACCESS_LOG_READ), no=404)),
    Row(
        "POST",
        "/audit/integrity-runs",
        Form({}),
        only(may(P.INTEGRITY_RUN), yes="303 /audit?run=started", no=404),
        only(may(P.INTEGRITY_RUN), yes="303 /audit?run=started", no=404),
        prepare=no_integrity_run,
    ),
    # A month's report as files: whoever serves the town, as /api/reports/monthly; another town's: 403.
    Row("GET", f"/api/reports/monthly.csv?{REPORT_MONTH}", None, only(may(P.REPORT_READ)), 403),
    Row("GET", f"/api/reports/monthly.xlsx?{REPORT_MONTH}", None, only(may(P.REPORT_READ)), 403),
    # The reports pages do not exist for SW/ESW (404); a viewer of B町 is refused A市's (403, the API's message).
    Row("GET", f"/reports?{REPORT_MONTH}", None, only(may(P.REPORT_REVIEW), no=404), REVIEWERS_REFUSED),
    # MUN or ADMIN submits (each again as a 修正報告, with its reason); other viewers get the API's 403.
    Row(
        "POST",
        "/reports/submit",
        Form({"municipality": "city-a", "month": "2025-04", "note": "行列テストの再提出"}),
        {**REVIEWERS_REFUSED, **dict.fromkeys(may(P.REPORT_SUBMIT), "303 /reports?")},
        REVIEWERS_REFUSED,
    ),
    Row("GET", "/reports/targets", None, only(may(P.REPORT_REVIEW), no=404), only(may(P.REPORT_REVIEW), no=404)),
    # The administrator adds A市's 目安値 (B町's may not: 403); other viewers are refused by the API (403).
    Row(
        "POST",
        "/reports/targets",
        Form(REPORT_TARGET),
        {**REVIEWERS_REFUSED, **dict.fromkeys(may(P.REPORT_TARGET_ADD), "303 /reports/targets?added=true")},
        REVIEWERS_REFUSED,
    ),
]
ANY_NAMES = dict.fromkeys(
    ["case", "person", "enrolment", "task", "notification", "move", "attend", "user", "n", "run", "meeting"], "x"
)
PUBLIC = {"/api/auth/token", "/api/auth/session", "/api/auth/logout", "/api/health"}  # no sign-in needed


async def test_every_role_on_every_endpoint_in_its_own_and_another_municipality(api: Api) -> None:
    names = await world(api)
    pages: dict[str, str] = {}
    failures = []
    for row in MATRIX:
        for role in ROLES:
            for user, own_town in ((OWN[role], True), (OTHER[role], False)):
                if row.prepare is not None:
                    await row.prepare(api, names)
                response = await send(api, row, user, names, pages)
                forget_new_cases(api, row, response)
                expected, answer = fill(row.expected(role, own_town), names), answer_of(response)
                if not matches(answer, expected):
                    failures.append(f"{row.method} {row.path} as {user}: {answer}, expected {expected}")
                elif not own_town and response.is_success and objects_of_a_named(response, names):
                    named = objects_of_a_named(response, names)
                    failures.append(f"{row.method} {row.path} as {user} names A市's {named}")
    assert failures == [], "\n".join(failures)


async def test_without_signing_in_every_row_but_sign_in_and_health_is_refused(api: Api) -> None:
    answers = {}
    for row in MATRIX:
        path = row.path.format(**ANY_NAMES)
        if path.split("?")[0] not in PUBLIC:
            answers[f"{row.method} {path}"] = answer_of(await api.http.request(row.method, path))
    assert {k: a for k, a in answers.items() if a != 401 and not str(a).startswith("303 /login")} == {}


async def test_operations_staff_and_the_administrator_are_shown_no_client_data(api: Api) -> None:
    """OPS sees states and counts, never records; the administrator the basic fields only
    (statemachines.policy.sensitivity), of a case's record and of a program's (the referral's state, not why the client
    was referred); neither the client's age, from the 要配慮 birth date, nor an appointment's free-text note."""
    names = await world(api)
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
