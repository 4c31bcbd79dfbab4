"""The 支援調整会議 pages for SW, CSW and MUN: ``/meetings`` (the sittings of the municipalities one serves, and a form
to hold a new one) and ``/meetings/{id}`` (one sitting: its members, its agenda with a form that records every
case's outcome and minutes at once, the cases waiting to be put on it, and its packet).

Cases are named by 受付番号 and, for who may see it, the client's name (a logged read); the minutes shown are a read
of the client's meeting record (``meetings.notes``), logged too. Recording sends the case commands
(``services.meetings``); a case refused is shown with its reasons beside it, the others are recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from services.cases import MunicipalityNotServed
from services.meetings import Decision, ItemResult, NewSitting, SittingNotFound, SittingRefused
from services.people import may_see_people
from statemachines.case.meetings import KIND_NAMES, OUTCOME_NAMES, OUTCOMES, PURPOSE_NAMES, SittingKind
from statemachines.kernel.permissions import Permission, allowed
from statemachines.kernel.roles import Actor
from store.access_log import AccessLog
from store.meetings import AgendaRow, SittingRow
from web.core.deps import Services, ServicesDep
from web.core.forms import errors_by_path
from web.core.names import names_for
from web.core.pages import checked_form, form_items, lang_of, not_found, render
from web.core.permissions import RequirePage
from web.meetings.packet import may_print_packet, packet_response, sitting_name

router = APIRouter(include_in_schema=False)

Reader = Annotated[Actor, RequirePage(Permission.MEETING_READ)]
Worker = Annotated[Actor, RequirePage(Permission.MEETING_WORK)]
Printer = Annotated[Actor, RequirePage(Permission.MEETING_PACKET)]
NOT_SERVED = "担当していない自治体の会議は作成できません。自治体を確認してください。"
MEMBER_ROWS = 6
MINUTES_FIELD = "meetings.notes"
PURPOSE = "meeting_page"


def _first(items: Mapping[str, list[str]], key: str) -> str:
    return (items.get(key) or [""])[0].strip()


def _members(items: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    """The member rows filled in (``members.N.organisation`` ...); empty rows are left out."""
    members = []
    for n in range(MEMBER_ROWS):
        organisation = _first(items, f"members.{n}.organisation")
        if not organisation:
            continue
        member: dict[str, Any] = {"organisation": organisation}
        if role := _first(items, f"members.{n}.role_label"):
            member["role_label"] = role
        member["is_municipal_official"] = bool(_first(items, f"members.{n}.is_municipal_official"))
        member["confidentiality_acknowledged"] = bool(_first(items, f"members.{n}.confidentiality_acknowledged"))
        members.append(member)
    return members


def _sitting_form(items: Mapping[str, list[str]]) -> dict[str, Any]:
    return {
        "municipality": _first(items, "municipality"),
        "held_on": _first(items, "held_on") or None,
        "kind": _first(items, "kind") or SittingKind.SUPPORT_COORDINATION.value,
        "title": _first(items, "title") or None,
        "members": _members(items),
    }


def _list_context(svc: Services, actor: Actor) -> dict[str, Any]:
    names = names_for(svc, actor)
    return {
        "sittings": svc.meetings.sittings(actor),
        "names": names,
        "sitting_name": sitting_name,
        "municipalities": sorted(((m, names.town(m)) for m in actor.serves), key=lambda item: item[1]),
        "kinds": [(k.value, KIND_NAMES[k]) for k in SittingKind],
        "can_hold": allowed(actor, Permission.MEETING_WORK),
        "member_rows": MEMBER_ROWS,
        "values": {},
        "errors": {},
        "refusal": None,
    }


@router.get("/meetings", response_class=HTMLResponse)
def meetings_page(request: Request, actor: Reader, svc: ServicesDep) -> HTMLResponse:
    return render(request, svc, "meetings.html", _list_context(svc, actor), actor=actor)


@router.post("/meetings", response_class=HTMLResponse)
async def hold_sitting(request: Request, actor: Worker, svc: ServicesDep) -> Response:
    items = form_items(await checked_form(request))
    values = _sitting_form(items)
    context = _list_context(svc, actor)
    context["values"] = values
    try:
        sitting = svc.meetings.create(actor, NewSitting.model_validate(values))
    except ValidationError as exc:
        context["errors"] = errors_by_path([dict(e) for e in exc.errors()], lang_of(request))
        return render(request, svc, "meetings.html", context, actor=actor, status_code=422)
    except SittingRefused as exc:
        context["refusal"] = str(exc)
        return render(request, svc, "meetings.html", context, actor=actor, status_code=422)
    except MunicipalityNotServed:
        context["refusal"] = NOT_SERVED
        return render(request, svc, "meetings.html", context, actor=actor, status_code=422)
    return RedirectResponse(f"/meetings/{quote(sitting.meeting_id)}", status_code=303)


def _agenda_context(svc: Services, actor: Actor, sitting_id: str, results: Sequence[ItemResult] = ()) -> dict[str, Any]:
    sitting, agenda = svc.meetings.get(actor, sitting_id)
    waiting = svc.meetings.waiting(actor, sitting_id)
    people = {i.case_id: i.person_id for i in agenda} | {w.case_id: w.person_id for w in waiting}
    names = names_for(svc, actor, people, purpose=PURPOSE)
    _log_minutes(svc, actor, agenda)
    return {
        "sitting": sitting,
        "title": sitting_name(sitting),
        "agenda": agenda,
        "waiting": waiting,
        "names": names,
        "purposes": PURPOSE_NAMES,
        "outcomes": {p: [(o.value, OUTCOME_NAMES[o]) for o in OUTCOMES[p]] for p in OUTCOMES},
        "outcome_names": {o.value: n for o, n in OUTCOME_NAMES.items()},
        "can_work": allowed(actor, Permission.MEETING_WORK),
        "can_print": may_print_packet(actor, sitting.kind),
        "sees_minutes": may_see_people(actor),
        "results": {r.case_id: r for r in results if r.added is None},
        "not_added": [(r, people.get(r.case_id)) for r in results if r.added is False],
        "official_present": any(m.get("is_municipal_official") for m in sitting.members),
        "message": None,
    }


def _log_minutes(svc: Services, actor: Actor, agenda: Sequence[AgendaRow]) -> None:
    shown = [i.case_id for i in agenda if i.minutes] if may_see_people(actor) else []
    with svc.sessions.begin() as session:
        AccessLog(session).record_cases(
            user_id=actor.user_id, case_ids=shown, fields=[MINUTES_FIELD], purpose=PURPOSE, now=svc.clock()
        )


def _sitting_or_404(svc: Services, actor: Actor, sitting_id: str) -> SittingRow:
    try:
        return svc.meetings.get(actor, sitting_id)[0]
    except SittingNotFound:
        raise not_found() from None


@router.get("/meetings/{sitting_id}", response_class=HTMLResponse)
def sitting_page(
    sitting_id: str, request: Request, actor: Reader, svc: ServicesDep, message: str | None = None
) -> HTMLResponse:
    _sitting_or_404(svc, actor, sitting_id)
    context = _agenda_context(svc, actor, sitting_id)
    context["message"] = message
    return render(request, svc, "meeting.html", context, actor=actor)


@router.post("/meetings/{sitting_id}/agenda", response_class=HTMLResponse)
async def add_to_agenda(sitting_id: str, request: Request, actor: Worker, svc: ServicesDep) -> Response:
    items = form_items(await checked_form(request))
    _sitting_or_404(svc, actor, sitting_id)
    try:
        results = await svc.meetings.add(actor, sitting_id, items.get("case_id") or [])
    except SittingRefused as exc:
        context = _agenda_context(svc, actor, sitting_id)
        context["refusal"] = str(exc)
        return render(request, svc, "meeting.html", context, actor=actor, status_code=409)
    if any(r.refused or r.errors for r in results):
        context = _agenda_context(svc, actor, sitting_id, results)
        return render(request, svc, "meeting.html", context, actor=actor, status_code=409)
    return RedirectResponse(f"/meetings/{quote(sitting_id)}?message=added", status_code=303)


def _decisions(items: Mapping[str, list[str]], agenda: Sequence[AgendaRow]) -> list[Decision]:
    out = []
    for item in agenda:
        chosen = _first(items, f"outcome.{item.case_id}")
        if item.outcome is None and chosen:
            minutes = _first(items, f"minutes.{item.case_id}") or None
            out.append(Decision.model_validate({"case_id": item.case_id, "outcome": chosen, "minutes": minutes}))
    return out


@router.post("/meetings/{sitting_id}/outcomes", response_class=HTMLResponse)
async def record_outcomes(sitting_id: str, request: Request, actor: Worker, svc: ServicesDep) -> Response:
    items = form_items(await checked_form(request))
    _sitting_or_404(svc, actor, sitting_id)
    _, agenda = svc.meetings.get(actor, sitting_id)
    try:
        decisions = _decisions(items, agenda)
    except ValidationError:
        context = _agenda_context(svc, actor, sitting_id)
        context["refusal"] = "結果または議事録の入力に誤りがあります（議事録は4000字まで）。"
        return render(request, svc, "meeting.html", context, actor=actor, status_code=422)
    if not decisions:
        context = _agenda_context(svc, actor, sitting_id)
        context["refusal"] = "結果を選んだ議題がありません。"
        return render(request, svc, "meeting.html", context, actor=actor, status_code=422)
    results = await svc.meetings.record(actor, sitting_id, decisions)
    if all(r.recorded for r in results):
        return RedirectResponse(f"/meetings/{quote(sitting_id)}?message=recorded", status_code=303)
    context = _agenda_context(svc, actor, sitting_id, results)
    return render(request, svc, "meeting.html", context, actor=actor, status_code=409)


@router.get("/meetings/{sitting_id}/packet.pdf", response_class=Response)
async def packet_page(sitting_id: str, actor: Printer, svc: ServicesDep) -> Response:
    _sitting_or_404(svc, actor, sitting_id)
    return await packet_response(svc, actor, sitting_id)
