"""The case page: where a case stands, its case file, what can be done now (a form per command, the programs' too),
and why not.

The case file is every record as its sheet (``web.cases.casefile``), the enrolments' records too (as the reader's roles
may see them, ``web.programs.api.shown_program_record``). Forms are generated from the same payload models the API
validates with (``web.core.forms``); a read that shows 要配慮 fields is written to ``access_log``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from services.people import may_see_people
from statemachines.case.record import STAGE_NAMES, CaseRecord, Stage
from statemachines.kernel.outcomes import CommandRejected, PayloadInvalid
from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from statemachines.policy.sensitivity import redact, special_care_paths, visible_to
from statemachines.programs.definition import AnyProgram
from statemachines.programs.registry import BY_ID as PROGRAM_DEFS
from statemachines.programs.tasks import EnrolmentRow
from store import queries
from store.access_log import AccessLog
from store.appointments import AppointmentRepository
from store.meetings import CaseSitting
from store.programs import ProgramRepository
from store.repository import CaseRepository
from web.cases import correction
from web.cases.casefile import (
    add_program_sheets,
    attach_forms,
    case_file,
    case_reader,
    program_reader,
    program_sheet,
)
from web.cases.sheets import Reader
from web.core.deps import Services, ServicesDep
from web.core.forms import build_form, errors_by_path, read_form
from web.core.names import names_for
from web.core.pages import COMMAND_NAMES, PAYLOADS, PageActor, checked_form, form_items, lang_of, not_found, render
from web.core.permissions import RequirePage
from web.forms.access import may_print
from web.forms.catalogue import FORMS
from web.meetings.packet import sitting_name, sitting_words
from web.meetings.pages import MINUTES_FIELD
from web.programs.api import shown_program_record

router = APIRouter(include_in_schema=False)


async def _case_context(
    svc: Services,
    actor: Actor,
    case_id: str,
    lang: str,
    errors: Mapping[str, Mapping[str, str]] | None = None,
    values: Mapping[str, Mapping[str, Any]] | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    with svc.sessions.begin() as session:
        row = queries.case_row(session, case_id, set(actor.serves))
        if row is None:
            raise not_found()
        entries = queries.history(session, case_id)
        tasks = CaseRepository(session).list_tasks(case_id, status="open")
        enrolments = ProgramRepository(session).enrolments(case_id)
        appointments = AppointmentRepository(session).list(case_id=case_id, visible=actor.serves, limit=50)
        offices = {o.office_id: o.name_ja for o in AppointmentRepository(session).list_offices()}
    view = await svc.cases.view(case_id, actor)
    record = redact(CaseRecord, view.record.model_dump(mode="json"), visible_to(actor.roles))
    forms: list[dict[str, Any]] = []
    shown: dict[str, Any] = {}
    blocked: list[dict[str, Any]] = []
    for option in view.allowed_commands:
        name = option.command
        if option.allowed:
            model = PAYLOADS[name]
            prefilled = (values or {}).get(name) or _prefill(model, record)
            shown.update({k: v for k, v in prefilled.items() if k in CaseRecord.model_fields})
            if name == correction.COMMAND:  # which field, its new value, why: not the payload's own shape
                fields = correction.fields(record, (values or {}).get(name), (errors or {}).get(name, {}), lang)
            else:
                fields = build_form(model, prefilled, (errors or {}).get(name, {}), lang, hints=_hints(record))
            forms.append(
                {
                    "command": name,
                    "name_ja": COMMAND_NAMES.get(name, name),
                    "fields": fields,
                    "requires": option.requires,
                }
            )
        elif option.unmet_guards and any(u.kind.value != "role" for u in option.unmet_guards):
            if any(u.kind.value == "state" for u in option.unmet_guards):
                continue  # not a step of this state: nothing to explain
            if {u.id for u in option.unmet_guards if u.kind.value != "role"} <= NOTHING_PENDING:
                continue  # no advice waits, no flag to lift: nothing holds the case
            blocked.append({"command": name, "name_ja": COMMAND_NAMES.get(name, name), "unmet": option.unmet_guards})
    supervised = {k: record[k] for k in SUPERVISION_FIELDS if record.get(k)}
    shown.update(supervised)  # the supervision panel shows them: a read too
    person_cases = (
        [c for c in svc.people.cases_of(actor, row.person_id) if c.case_id != case_id] if row.person_id else []
    )
    names = names_for(svc, actor, directory=True)
    reader = case_reader(actor, lang, names, record, {c.case_id: names.case(c.case_number) for c in person_cases})
    sheets = case_file(reader, record, kind) if reader.sees_records else []
    panels = [await _enrolment_panel(svc, actor, e, lang, errors, values, reader) for e in enrolments]
    add_program_sheets(sheets, [p.pop("sheet") for p in panels])
    attach_forms(sheets, record, lambda spec: may_print(actor, spec))
    sittings = svc.meetings.of_case(case_id)
    minutes = [s for s in sittings if s.item.minutes] if may_see_people(actor) else []
    # the forms show what the case holds, the sheets what it recorded: a read of those fields
    paths = list(dict.fromkeys(special_care_paths(CaseRecord, shown) + reader.log_paths()))
    paths += [MINUTES_FIELD] if minutes else []
    if paths:
        with svc.sessions.begin() as session:
            AccessLog(session).record(
                user_id=actor.user_id, case_id=case_id, fields=paths, purpose="case_page", now=svc.clock()
            )
    return {
        "row": row,
        "view": view,
        "entries": entries,
        "tasks": tasks,
        "enrolments": panels,
        "case_file": sheets,
        "appointments": appointments,
        "offices": offices,
        "forms": forms,
        "blocked": blocked,
        "record": record,
        "stage_name": STAGE_NAMES[Stage(view.stage)][0],
        # the header names the client from the record (a read of intake.client.name, logged with the forms' reads
        # when the reader may see it); the person's other cases are numbers and states only
        "names": names,
        "client_name": _client_name(svc, actor, case_id, view.record),
        "person_cases": person_cases,
        "supervision": supervised,
        # the sittings of the 支援調整会議 that discussed the case, and the events each sent (the timeline names it)
        "sittings": [(s, sitting_name(s.sitting), *sitting_words(s.item.purpose, s.item.outcome)) for s in sittings],
        "sees_minutes": bool(minutes),
        "sitting_of": {
            c: (s.sitting.meeting_id, sitting_name(s.sitting)) for s in sittings for c in s.item.command_ids
        },
    }


def _sitting_of(sittings: list[CaseSitting]) -> dict[str, tuple[str, str]]:
    """Each command id a sitting sent for the case, and that sitting (its id and name): the timeline names it."""
    return {c: (s.sitting.meeting_id, sitting_name(s.sitting)) for s in sittings for c in s.item.command_ids}


def _client_name(svc: Services, actor: Actor, case_id: str, record: CaseRecord) -> str:
    client = record.intake.client
    name = client.name or client.name_kana or ""
    if not name or not may_see_people(actor):
        return ""
    with svc.sessions.begin() as session:
        AccessLog(session).record(
            user_id=actor.user_id, case_id=case_id, fields=["intake.client.name"], purpose="case_page", now=svc.clock()
        )
    return name


NOTHING_PENDING = frozenset({"G-ADVICE-PENDING", "G-DIFFICULT-FLAGGED"})
"""Guards that only say there is nothing to act on (statemachines.case.supervision): not why a case cannot move."""

SUPERVISION_FIELDS = ("difficult_case", "advices")
"""What the supervision panel shows of the record (statemachines.case.supervision)."""


async def _enrolment_panel(
    svc: Services,
    actor: Actor,
    row: EnrolmentRow,
    lang: str,
    errors: Mapping[str, Mapping[str, str]] | None,
    values: Mapping[str, Mapping[str, Any]] | None,
    reader: Reader,
) -> dict[str, Any]:
    """An enrolment as its panel shows it: names in Japanese, what its program adds (住居確保給付金: the months used
    and left), a form for each of its commands possible now, and its record as a sheet of the case file (as the
    reader's roles may see it, a read of 要配慮 fields logged). An ended enrolment has no forms (its workflow has
    finished) and its record is the one its workflow ended with."""
    defn = PROGRAM_DEFS.get(row.program)
    state = defn.states.get(row.state) if defn is not None else None
    panel: dict[str, Any] = {
        "row": row,
        "name_ja": defn.name_ja if defn is not None else row.program,
        "state_ja": state.name_ja if state is not None else row.state,
        "forms": [],
        "sheet": None,
        "sheet_id": None,
    }
    if defn is None or state is None:
        return panel
    panel.update(defn.panel(row.summary))
    record: dict[str, Any] | None = None
    if not state.terminal:
        record, allowed = await svc.cases.programs.read(row.enrolment_id, actor)
        panel["forms"] = _program_forms(defn, row, allowed, lang, errors, values)
    elif reader.sees_records:
        record = await svc.cases.programs.ended_record(row.enrolment_id)
    if reader.sees_records:
        shown = shown_program_record(svc, actor, row, record, "case_page") if record else None
        title = f"{panel['name_ja']}：{panel['state_ja']}"
        sheet_reader = program_reader(reader, defn)
        panel["sheet"] = program_sheet(sheet_reader, defn, row.enrolment_id, title, shown, panel.get("months"))
        if defn.id in FORMS and may_print(actor, FORMS[defn.id]):  # ハローワーク同行: 個人票A
            panel["sheet"].forms = [(defn.id, FORMS[defn.id].title)]
        panel["sheet_id"] = panel["sheet"].id
    return panel


def _program_forms(
    defn: AnyProgram,
    row: EnrolmentRow,
    allowed: list[dict[str, Any]],
    lang: str,
    errors: Mapping[str, Mapping[str, str]] | None,
    values: Mapping[str, Mapping[str, Any]] | None,
) -> list[dict[str, Any]]:
    """A form for each command of the enrolment possible now, with what was sent and its errors after a refusal."""
    payloads = _program_payloads(defn)
    names = {t.trigger: t.name_ja for t in reversed(defn.transitions)}
    forms: list[dict[str, Any]] = []
    for option in allowed:
        command = str(option["command"])
        if not option["allowed"] or command not in payloads:
            continue
        key = f"{row.enrolment_id}:{command}"
        prefilled = (values or {}).get(key)
        fields = build_form(payloads[command], prefilled, (errors or {}).get(key, {}), lang, labels=defn.labels)
        forms.append({"command": command, "name_ja": names[command], "fields": fields, "key": key})
    return forms


def _program_payloads(defn: AnyProgram) -> dict[str, type[BaseModel]]:
    """Each command of the program and the payload model its form is made from."""
    return {t.trigger: t.payload for t in defn.transitions}


def _hints(record: Mapping[str, Any]) -> dict[str, list[str]]:
    """The evaluation answers one yes/no per goal of the plan (G-EVALUATION counts them)."""
    goals = [str(g.get("description", "")) for g in ((record.get("plan") or {}).get("goals") or [])]
    return {"evaluation.goals_achieved": [f"目標{i + 1}：{text}" for i, text in enumerate(goals)]} if goals else {}


def _prefill(model: Any, record: Mapping[str, Any]) -> dict[str, Any]:
    """A form starts from what the case already holds for the same fields (a draft plan, the intake, ...)."""
    return {name: record[name] for name in model.model_fields if record.get(name) is not None}


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(
    case_id: str,
    request: Request,
    actor: Annotated[Actor, RequirePage(Permission.CASE_READ)],
    svc: ServicesDep,
    message: str | None = None,
    kind: str | None = None,
) -> HTMLResponse:
    """The case: its header, its case file (``kind`` filters the 経過一覧), what can be done now and its timeline."""
    context = await _case_context(svc, actor, case_id, lang_of(request), kind=kind)
    context["message"] = message
    return render(request, svc, "case.html", context, actor=actor)


@router.post("/cases/{case_id}/commands/{command}", response_class=HTMLResponse)
async def case_command(case_id: str, command: str, request: Request, actor: PageActor, svc: ServicesDep) -> Response:
    form = await checked_form(request)
    model = PAYLOADS.get(command)
    if model is None:
        return RedirectResponse(f"/cases/{quote(case_id)}", status_code=303)
    items = form_items(form)
    payload = correction.read(items) if command == correction.COMMAND else read_form(model, items)
    with svc.sessions.begin() as session:
        if queries.case_row(session, case_id, set(actor.serves)) is None:
            raise not_found()
    try:  # the service parses the payload first: field errors never reach Temporal
        await svc.cases.send(case_id, command, actor, payload, str(form.get("command_id") or uuid.uuid4().hex))
    except (PayloadInvalid, CommandRejected) as exc:
        return await _refused(request, svc, actor, case_id, command, payload, exc)
    return RedirectResponse(f"/cases/{quote(case_id)}?message=done", status_code=303)


async def _refused(
    request: Request,
    svc: Services,
    actor: Actor,
    case_id: str,
    key: str,
    payload: dict[str, Any],
    exc: PayloadInvalid | CommandRejected,
    name: str | None = None,
) -> HTMLResponse:
    """The case page again with the form as sent: field errors inline (422), or the unmet guards (409)."""
    lang = lang_of(request)
    if isinstance(exc, PayloadInvalid):
        context = await _case_context(
            svc, actor, case_id, lang, {key: errors_by_path(exc.errors, lang)}, {key: payload}
        )
        context.update(message=None, failed=key, form_error="errors")
        return render(request, svc, "case.html", context, actor=actor, status_code=422)
    context = await _case_context(svc, actor, case_id, lang, None, {key: payload})
    context.update(message=None, failed=key, refused=exc.unmet, failed_name=name)
    return render(request, svc, "case.html", context, actor=actor, status_code=409)


@router.post("/cases/{case_id}/programs/{enrolment_id}/commands/{command}", response_class=HTMLResponse)
async def program_command(
    case_id: str, enrolment_id: str, command: str, request: Request, actor: PageActor, svc: ServicesDep
) -> Response:
    """A program's command from its panel: the same checks as ``/api/cases/{id}/programs/{eid}/commands``."""
    form = await checked_form(request)
    with svc.sessions.begin() as session:
        if queries.case_row(session, case_id, set(actor.serves)) is None:
            raise not_found()
        found = [e for e in ProgramRepository(session).enrolments(case_id) if e.enrolment_id == enrolment_id]
    defn = PROGRAM_DEFS.get(found[0].program) if found else None
    payloads = _program_payloads(defn) if defn is not None else {}
    if defn is None or command not in payloads:
        raise not_found()
    payload = read_form(payloads[command], form_items(form))
    try:
        await svc.cases.programs.send(
            case_id, enrolment_id, defn.id, command, actor, payload, str(form.get("command_id") or uuid.uuid4().hex)
        )
    except (PayloadInvalid, CommandRejected) as exc:
        key, name = f"{enrolment_id}:{command}", f"{defn.name_ja}：{command}"
        return await _refused(request, svc, actor, case_id, key, payload, exc, name)
    return RedirectResponse(f"/cases/{quote(case_id)}?message=done#programs", status_code=303)
