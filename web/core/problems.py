"""One shape for every error the API answers: RFC 9457 problem details (``application/problem+json``).

::

    {"type": "urn:yorisoi:problem:guards_unmet", "title": "Conflict", "status": 409,
     "code": "guards_unmet", "detail": "<Japanese>", "message_ja": "<Japanese>", "message_en": "<English>",
     "errors": [{"loc": ["body", "plan", "goals", 0], "msg": "...", "type": "..."}], ...}

``code`` is what a program branches on; ``detail`` (RFC 9457's human explanation) and ``message_ja`` are the
Japanese a person reads, ``message_en`` the English; ``errors`` lists each field at fault with its ``loc`` (as
FastAPI names fields), never the value sent. A problem may carry members of its own (``unmet_guards``,
``problems``, ``retry_after_seconds``, ...). Every error the API raises goes through ``problem``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

MEDIA_TYPE = "application/problem+json"

ENGLISH: dict[str, str] = {
    "invalid_request": "The request has errors: see errors[] for each field.",
    "invalid_payload": "The command's payload has errors: see errors[] for each field.",
    "invalid_character": "The input holds a character no field may hold (NUL, a control character, a lone surrogate).",
    "invalid_number": "NaN and Infinity are not numbers this API accepts.",
    "body_too_large": "The request body is too large.",
    "case_not_found": "No such case, or not one of a municipality you serve.",
    "role_not_allowed": "Your role may not send this command.",
    "not_possible_from_state": "This command is not possible in the case's current state.",
    "guards_unmet": "The conditions of this command are not met: see unmet_guards.",
    "temporal_unavailable": "The workflow server cannot be reached; try again later.",
    "projection_failed": "A record of this case could not be saved; it takes no command until an operator retries.",
    "worker_unavailable": "No worker answered in time; send the same command again later (it runs once).",
    "not_authenticated": "Sign in first, or sign in again.",
    "too_many_attempts": "Too many failed sign-ins: wait and try again.",
    "booking_refused": "This appointment cannot be booked: see problems.",
    "invalid_csv": "The CSV has errors: see errors.",
    "case_erased": "This case's records were erased after their retention period.",
    "municipality_not_served": "You do not serve this municipality.",
    "idempotency_conflict": "This command_id was used for another request; send with a new command_id.",
    "forbidden": "You may not do this.",
    "task_not_found": "No such task.",
    "task_role": "This task is for another role.",
    "task_conflict": "The task was taken or finished by someone else.",
    "duplicate_ruleset": "A rule set with this id exists already.",
    "duplicate_privacy_policy": "This version of the privacy policy exists already.",
    "account_conflict": "The account conflicts with an existing one.",
    "institution_not_found": "No such institution.",
    "duplicate_institution": "The institution exists already.",
    "notification_not_found": "No such notification.",
    "calendar_not_found": "No such calendar, or not one you may read.",
    "unknown_office": "No such Hello Work office.",
    "appointment_not_found": "No such appointment.",
    "appointment_status": "The appointment's status does not allow this.",
    "duplicate_appointment": "The appointment exists already.",
    "duplicate_office": "The office exists already.",
    "legal_hold_conflict": "The legal hold cannot be changed so.",
    "duplicate_target": "The target exists already.",
    "integrity_run_in_progress": "An integrity check is running already: start one after it ends.",
    "integrity_run_not_found": "There is no such integrity run: check the run_id its start returned.",
    "invalid_query": "The search has errors: see errors[] for each field.",
    "person_not_found": "No such person among the clients of the municipalities you serve.",
    "internal_error": "An unexpected error occurred on the server; the input may not have been saved.",
}
"""The English of each code (``message_en``); a code not here gets its HTTP status's phrase."""

BY_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_attempts",
    503: "unavailable",
}
"""The code of an ``HTTPException`` raised with a status and a message only."""


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """The body of every error (RFC 9457), as the OpenAPI document shows it."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="urn:yorisoi:problem:<code>")
    title: str = Field(description="the HTTP status's phrase")
    status: int
    code: str = Field(description="what a program branches on")
    detail: str = Field(description="for a person, in Japanese (the same as message_ja)")
    message_ja: str
    message_en: str
    errors: list[FieldError] = Field(default_factory=list, description="each field at fault, never its value")


def field_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic's (or our own) errors without what was sent: location, message and kind only."""
    return [
        {
            "loc": [x if isinstance(x, int) else str(x) for x in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "value_error")),
        }
        for e in errors
    ]


def problem(
    status: int,
    code: str,
    message_ja: str,
    message_en: str | None = None,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, object] | None = None,
) -> JSONResponse:
    phrase = HTTPStatus(status).phrase
    body: dict[str, object] = {
        "type": f"urn:yorisoi:problem:{code}",
        "title": phrase,
        "status": status,
        "code": code,
        "detail": message_ja,
        "message_ja": message_ja,
        "message_en": message_en or ENGLISH.get(code, phrase),
        "errors": errors or [],
        **(extra or {}),
    }
    return JSONResponse(body, status_code=status, headers=dict(headers or {}), media_type=MEDIA_TYPE)


def invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's validation errors, in the one shape (and without the input it would echo)."""
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc.errors())
    message = f"入力に誤りがあります（{len(errors)}件）。errors の各項目（loc）を確認してください。"
    return problem(422, "invalid_request", message, errors=errors)


def http_problem(request: Request, exc: Exception) -> JSONResponse:
    """An ``HTTPException`` (a route's own refusal, or Starlette's 404 and 405), in the one shape."""
    assert isinstance(exc, StarletteHTTPException)
    code = BY_STATUS.get(exc.status_code, "error")
    if isinstance(exc.detail, list):  # a route's own field errors, as FastAPI's validation gives them
        errors = field_errors(e for e in exc.detail if isinstance(e, Mapping))
        message = f"入力に誤りがあります（{len(errors)}件）。errors の各項目（loc）を確認してください。"
        return problem(exc.status_code, code, message, errors=errors, headers=exc.headers)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = "見つかりません。URLを確認してください。"
    elif exc.status_code == 405 and detail == "Method Not Allowed":
        detail = "このURLではこの操作（HTTPメソッド）は使えません。"
    return problem(exc.status_code, code, detail, headers=exc.headers)
