"""One place that maps domain errors to HTTP, by type (never by message text)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.service import RPCError, RPCStatusCode

from services.cases import MunicipalityNotServed
from services.integrity_runs import IntegrityRunInProgress, IntegrityRunNotFound
from services.meetings import SittingInvalid, SittingNotFound, SittingRefused
from services.people import BadQuery, NotAllowedToSeePeople, PersonNotFound
from services.refusals import IdempotencyConflict
from services.waiting import ProjectionFailed, WorkerUnavailable
from statemachines.kernel.outcomes import CommandRejected, PayloadInvalid, UnmetKind
from store.crypto import KeyErasedError
from store.errors import (
    AccountError,
    AppointmentNotFoundError,
    AppointmentStatusError,
    AttendanceRefusedError,
    BookingRefusedError,
    DirectoryCsvError,
    DuplicateAppointmentError,
    DuplicateInstitutionError,
    DuplicateOfficeError,
    DuplicateRulesetError,
    InstitutionNotFoundError,
    TaskConflictError,
    TaskNotFoundError,
    TaskRoleError,
    UnknownCaseError,
    UnknownOfficeError,
)
from store.notifications import NotificationNotFoundError
from store.policies import DuplicatePolicyError
from store.reports import DuplicateTargetError
from store.retention import HoldConflictError
from web.core.auth import AuthError, TooManyAttempts
from web.core.problems import field_errors, http_problem, invalid_request, problem


class NotVisibleError(Exception):
    """No such case, or not one of the municipalities the user serves: the same 404 either way."""


class ForbiddenError(Exception):
    """Signed in, but this role may not do this (e.g. an auditor writing)."""


class CalendarNotVisibleError(Exception):
    """No such staff member, or one whose calendar the user may not read: the same 404 either way."""


class ConsultantNotVisibleError(Exception):
    """No such consultant among those serving the user's municipalities, and no case of theirs the user sees."""


def _json(status: int, code: str, detail: str, message_en: str | None = None, **extra: object) -> JSONResponse:
    return problem(status, code, detail, message_en, extra=extra)


def _rejected(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CommandRejected)
    kinds = {u.kind for u in exc.unmet}
    unmet = [u.model_dump(mode="json") for u in exc.unmet]
    if UnmetKind.SCOPE in kinds:
        return _json(404, "case_not_found", "ケースが見つかりません。")
    if UnmetKind.ROLE in kinds:
        return _json(403, "role_not_allowed", exc.unmet[0].message_ja, exc.unmet[0].message_en, unmet_guards=unmet)
    if kinds == {UnmetKind.STATE}:
        first = exc.unmet[0]
        return _json(409, "not_possible_from_state", first.message_ja, first.message_en, unmet_guards=unmet)
    return _json(409, "guards_unmet", "この操作に必要な条件が満たされていません。", unmet_guards=unmet)


def _payload(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PayloadInvalid)
    errors = field_errors(exc.errors)
    message = f"操作の内容に誤りがあります（{len(errors)}件）。errors の各項目（loc）を確認してください。"
    return problem(422, "invalid_payload", message, errors=errors)


def _rpc(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RPCError)
    if exc.status == RPCStatusCode.NOT_FOUND:
        return _json(404, "case_not_found", "ケースが見つかりません。")
    return _json(503, "temporal_unavailable", "ワークフローサーバーに接続できません。時間をおいて再度お試しください。")


def _simple(status: int, code: str) -> object:
    def handler(request: Request, exc: Exception) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        response = _json(status, code, str(exc))
        if headers:
            response.headers.update(headers)
        return response

    return handler


def _not_signed_in(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AuthError)
    response = _json(401, "not_authenticated", str(exc), reason=exc.reason.value)
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _invalid_csv(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DirectoryCsvError)
    errors = [
        {"loc": ["body", e.line, *([e.column] if e.column else [])], "msg": e.message, "type": "csv_row", **asdict(e)}
        for e in exc.errors
    ]
    return problem(422, "invalid_csv", str(exc), errors=errors)


def person_not_found(request: Request, exc: Exception) -> JSONResponse:
    return _json(404, "person_not_found", str(exc))


def not_allowed_to_see_people(request: Request, exc: Exception) -> JSONResponse:
    return _json(403, "forbidden", str(exc))


def _bad_query(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BadQuery)
    errors = [{"loc": ["query", name], "msg": text, "type": "invalid_query"} for name, text in exc.problems.items()]
    return problem(422, "invalid_query", str(exc), errors=errors)


def _booking_refused(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BookingRefusedError)
    problems = [p.model_dump(mode="json") for p in exc.problems]
    return _json(409, "booking_refused", "この日時には予約できません。", problems=problems)


def _attendance_refused(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AttendanceRefusedError)
    problems = [p.model_dump(mode="json") for p in exc.problems]
    return _json(409, "attendance_refused", exc.problems[0].message_ja, exc.problems[0].message_en, problems=problems)


def _too_many(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TooManyAttempts)
    response = _json(429, "too_many_attempts", str(exc), retry_after_seconds=exc.retry_after_seconds)
    response.headers["Retry-After"] = str(exc.retry_after_seconds)
    return response


def _not_served(request: Request, exc: Exception) -> JSONResponse:
    return _json(
        403, "municipality_not_served", "担当していない自治体のケースは受け付けられません。自治体を確認してください。"
    )


def _conflict(request: Request, exc: Exception) -> JSONResponse:
    message = "この command_id は別の内容の操作に使われています。新しい command_id で送り直してください。"
    return _json(409, "idempotency_conflict", message)


def worker_unavailable(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WorkerUnavailable)
    message = (
        f"処理を担当するサーバー（ワーカー）が{exc.seconds:g}秒以内に応答しませんでした。しばらくしてから同じ操作を"
        "もう一度送ってください（同じ command_id で送れば、二重には実行されません）。"
    )
    response = _json(503, "worker_unavailable", message)
    response.headers["Retry-After"] = "15"
    return response


def projection_failed(request: Request, exc: Exception) -> JSONResponse:
    message = (
        "このケースの記録の保存に失敗したため、ケースを止めています。運用担当者が原因を直して再試行するまで、"
        "新しい操作は受け付けられません（入力済みの記録は失われていません）。"
    )
    return problem(503, "projection_failed", message, headers={"Retry-After": "60"})


def forbidden(request: Request, exc: Exception) -> JSONResponse:
    return _json(403, "forbidden", str(exc))


def sitting_not_found(request: Request, exc: Exception) -> JSONResponse:
    return _json(404, "meeting_not_found", str(exc))


def erased(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, KeyErasedError)
    message = "このケースの記録は保存期間の経過により消去されました（件数と経過の骨格のみ残っています）。"
    return _json(410, "case_erased", message)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_problem)
    app.add_exception_handler(TooManyAttempts, _too_many)
    app.add_exception_handler(AuthError, _not_signed_in)
    app.add_exception_handler(CommandRejected, _rejected)
    app.add_exception_handler(PayloadInvalid, _payload)
    app.add_exception_handler(RPCError, _rpc)
    app.add_exception_handler(DirectoryCsvError, _invalid_csv)
    app.add_exception_handler(BookingRefusedError, _booking_refused)
    app.add_exception_handler(AttendanceRefusedError, _attendance_refused)
    app.add_exception_handler(BadQuery, _bad_query)
    app.add_exception_handler(PersonNotFound, person_not_found)
    app.add_exception_handler(NotAllowedToSeePeople, not_allowed_to_see_people)
    app.add_exception_handler(KeyErasedError, erased)
    app.add_exception_handler(MunicipalityNotServed, _not_served)
    app.add_exception_handler(IdempotencyConflict, _conflict)
    app.add_exception_handler(WorkerUnavailable, worker_unavailable)
    app.add_exception_handler(ProjectionFailed, projection_failed)
    app.add_exception_handler(ForbiddenError, forbidden)
    app.add_exception_handler(SittingNotFound, sitting_not_found)
    for exc_type, status, code in (
        (NotVisibleError, 404, "case_not_found"),
        (TaskNotFoundError, 404, "task_not_found"),
        (TaskRoleError, 403, "task_role"),
        (TaskConflictError, 409, "task_conflict"),
        (DuplicateRulesetError, 409, "duplicate_ruleset"),
        (DuplicatePolicyError, 409, "duplicate_privacy_policy"),
        (AccountError, 409, "account_conflict"),
        (InstitutionNotFoundError, 404, "institution_not_found"),
        (DuplicateInstitutionError, 409, "duplicate_institution"),
        (NotificationNotFoundError, 404, "notification_not_found"),
        (CalendarNotVisibleError, 404, "calendar_not_found"),
        (ConsultantNotVisibleError, 404, "consultant_not_found"),
        (UnknownCaseError, 404, "case_not_found"),
        (UnknownOfficeError, 422, "unknown_office"),
        (AppointmentNotFoundError, 404, "appointment_not_found"),
        (AppointmentStatusError, 409, "appointment_status"),
        (DuplicateAppointmentError, 409, "duplicate_appointment"),
        (DuplicateOfficeError, 409, "duplicate_office"),
        (HoldConflictError, 409, "legal_hold_conflict"),
        (DuplicateTargetError, 409, "duplicate_target"),
        (IntegrityRunInProgress, 409, "integrity_run_in_progress"),
        (IntegrityRunNotFound, 404, "integrity_run_not_found"),
        (SittingInvalid, 422, "meeting_invalid"),
        (SittingRefused, 409, "meeting_refused"),
    ):
        app.add_exception_handler(exc_type, _simple(status, code))  # type: ignore[arg-type]
