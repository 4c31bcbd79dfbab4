"""Cases walked through the API to where they wait for a 支援調整会議: a consented plan put on the agenda (T13), a
consented plan not yet put on it, a proposed 終結 (CLOSURE_REVIEW); for the sitting's API, page and browser tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from statemachines.case.transitions import Trigger
from tests.factories import VALID_PAYLOADS, meeting, plan
from tests.web.apiharness import Api
from web.core.i18n import era_of_iso

T = Trigger
USERS = {T.CHECK_PLAN: "csw1"}
TO_CONSENT = [
    T.COMPLETE_INTAKE,
    T.APPLY_FOR_SUPPORT,
    T.START_ASSESSMENT,
    T.COMPLETE_ASSESSMENT,
    T.SUBMIT_PLAN,
    T.CHECK_PLAN,
    T.RECORD_PLAN_CONSENT,
]
MEMBERS = meeting()["attendees"]  # three members, one of them the municipal official (G5)


async def steps(api: Api, case_id: str, triggers: list[Trigger], payloads: dict[Trigger, Any] | None = None) -> None:
    for trigger in triggers:
        payload = (payloads or {}).get(trigger, VALID_PAYLOADS[trigger])
        response = await api.command(USERS.get(trigger, "sw1"), case_id, trigger.value, payload)
        assert response.status_code == 200, (trigger, response.text)


async def consented(api: Api, name: str, *, programs: tuple[str, ...] = ("work_readiness",)) -> str:
    """A case whose plan 本人 consented to (PLAN_CONSENTED)."""
    case_id = await api.open_case("sw1", client={"name": name})
    await steps(api, case_id, TO_CONSENT, {T.SUBMIT_PLAN: {"plan": plan(programs=programs)}})
    return case_id


async def on_agenda(api: Api, name: str) -> str:
    """A consented plan put on the next meeting (MEETING_PENDING)."""
    case_id = await consented(api, name)
    await steps(api, case_id, [T.PUT_ON_AGENDA])
    return case_id


async def closure_proposed(api: Api, name: str) -> str:
    """A plan approved at a meeting without a 支援決定, then evaluated and proposed for 終結 (CLOSURE_REVIEW)."""
    case_id = await consented(api, name, programs=())
    await steps(api, case_id, [T.PUT_ON_AGENDA, T.OPEN_MEETING_ITEM, T.APPROVE_PLAN])
    await steps(api, case_id, [T.START_EVALUATION, T.PROPOSE_CLOSURE])
    return case_id


async def three_waiting(api: Api) -> tuple[str, str, str]:
    """Two plans to discuss (one on the agenda, one only consented) and a 終結 to confirm."""
    return (
        await on_agenda(api, "会議 一郎"),
        await consented(api, "会議 二郎"),
        await closure_proposed(api, "会議 三郎"),
    )


async def held_day(api: Api) -> date:
    """The day a sitting is held in the tests: today on the Temporal server's clock (G-DATES refuses a 会議日 after
    the day its outcome is recorded)."""
    return await api.server_day()


async def sitting(api: Api, user: str = "csw1", **body: Any) -> dict[str, Any]:
    held_on = (await held_day(api)).isoformat()
    fields = {"municipality": "city-a", "held_on": held_on, "members": MEMBERS, **body}
    response = await api.post(user, "/api/meetings", fields)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()["sitting"]
    return created


def sitting_title(day: date) -> str:
    """How the pages name a 支援調整会議 held on ``day``: 令和8年12月10日 支援調整会議."""
    return f"{era_of_iso(day.isoformat())} 支援調整会議"


async def state(api: Api, case_id: str) -> str:
    found: str = (await api.get("sw1", f"/api/cases/{case_id}")).json()["state"]
    return found
