"""Who may do what, and where: roles × endpoints × own / other municipality, allowed or denied as specified.

Each row of ``MATRIX`` is an endpoint and, per role, the status a user of the case's own municipality gets. A user of
another municipality whose role may use the endpoint gets the row's ``other`` status (404: the case is not theirs to
see; 200 for lists, which show them their own); a role that may not use it gets its 403 wherever the case is, except
where the case's municipality is checked first (commands: another town's case is 404 for everyone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher

from statemachines.roles import OrgKind, Role
from store.accounts import AccountRepository
from tests.web.apiharness import Api
from web.auth import DEMO_PASSWORD

ROLES = ("sw", "csw", "esw", "mun", "ops", "aud", "admin")
OWN = {"sw": "sw1", "csw": "csw1", "esw": "esw1", "mun": "mun1", "ops": "ops1", "aud": "aud1", "admin": "admin"}
OTHER = {role: f"{role}-b" for role in ROLES}  # the same roles in B町
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    body: Any
    own: dict[str, int]
    other: int
    role_first: bool = True  # the role is checked before the case's municipality (else: another town's case is 404)


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def only(allowed: set[str], yes: int = 200, no: int = 403) -> dict[str, int]:
    return {role: yes if role in allowed else no for role in ROLES}


AUDIT_ROLES = {"aud", "admin", "mun", "csw"}
MATRIX = [
    Row("GET", "/api/cases/{case}", None, everyone(200), 404),
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
    Row("GET", "/api/cases/{case}/programs", None, everyone(200), 404),
    Row("GET", "/api/audit/access-log?case_id={case}", None, only({"aud"}), 200),  # filtered to one's own towns
    Row("GET", "/api/pipeline", None, everyone(200), 200),
    Row("GET", "/api/tasks?scope=role", None, everyone(200), 200),
    Row("GET", "/api/notifications", None, everyone(200), 200),
    Row("GET", "/api/rulesets", None, everyone(200), 200),
]


def _seed_other_town(api: Api) -> None:
    with api.worker.sessions.begin() as session:
        accounts = AccountRepository(session, CHEAP)
        roles = {"sw": Role.SW, "csw": Role.CSW, "esw": Role.ESW, "mun": Role.MUN, "ops": Role.OPS, "aud": Role.AUD}
        accounts.add_organisation("contractor-b", OrgKind.CONTRACTOR, "B町 委託先", ["city-b"])
        for role, user_id in OTHER.items():
            org = "contractor-b" if role in ("sw", "csw", "esw") else "city-b"
            accounts.add_user(user_id, DEMO_PASSWORD, {roles.get(role, Role.ADMIN)}, org, user_id)


async def test_every_role_on_every_endpoint_in_its_own_and_another_municipality(api: Api) -> None:
    _seed_other_town(api)
    case_id = await api.open_case("sw1")
    failures = []
    for row in MATRIX:
        path = row.path.format(case=case_id)
        for role in ROLES:
            for user, own_town in ((OWN[role], True), (OTHER[role], False)):
                expected = row.own[role] if own_town or (row.own[role] == 403 and row.role_first) else row.other
                headers = await api.headers(user)
                response = await api.http.request(row.method, path, json=row.body, headers=headers)
                if response.status_code != expected:
                    failures.append(f"{row.method} {row.path} as {user}: {response.status_code}, expected {expected}")
    assert failures == [], "\n".join(failures)


async def test_writing_the_rule_sets_is_the_administrator_s_alone(api: Api) -> None:
    ruleset = {"ruleset_id": "matrix-1", "municipality": "city-a", "effective_from": "2027-04-01"}
    statuses = {}
    for role in ROLES:
        response = await api.post(OWN[role], "/api/rulesets", {**ruleset, "ruleset_id": f"matrix-{role}"})
        statuses[role] = response.status_code
    assert statuses == only({"admin"}, yes=201)
