"""What no field can hold is refused at the door: before a route, a model, Temporal or the read model sees it.

A NUL cannot be stored in PostgreSQL text, a lone surrogate cannot be encoded as UTF-8 (nor hashed into the chain),
NaN and Infinity are not JSON, and other control characters (all but tab, line feed and carriage return) have no
place in a name or a note and break the printed forms. Each is refused with a 422 that names where it was (``loc``,
as FastAPI names a field) and never the value; a body over the limit is refused with a 413 before it is read.

This is one middleware so that every route, present and future, is covered the same way: the path, the query string,
a JSON body and a form body. Multipart uploads (the directory's CSV) are the API's and are checked by their own parser;
a page's form is always sent url-encoded (no template asks for another encoding), so a page refuses a multipart body
with a 415 rather than let a form reach a route unchecked.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from web.core.asgi import HttpMiddleware
from web.core.pages import render
from web.core.problems import problem

MAX_BODY_BYTES = 20 * 1024 * 1024  # the largest JSON the API takes: a codec batch (16 MB) with room to spare
ALLOWED_CONTROLS = frozenset("\t\n\r")

MESSAGES = {
    "invalid_character": (
        "使用できない文字（NUL・制御文字・不正なサロゲート）が含まれています。該当する項目を入力し直してください。",
        "The input holds a character no field may hold (NUL, a control character or a lone surrogate).",
    ),
    "invalid_number": (
        "数値に NaN や Infinity は使えません。数値を入力し直してください。",
        "NaN and Infinity are not numbers this API accepts.",
    ),
    "form_encoding": (
        "フォームの送信形式が正しくありません。画面のフォームから送信し直してください。",
        "A page's form is sent url-encoded; send it from the page's own form.",
    ),
    "body_too_large": (
        f"送信された内容が大きすぎます（上限 {MAX_BODY_BYTES // (1024 * 1024)} MB）。",
        f"The request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB.",
    ),
}


class Refused(Exception):
    def __init__(self, code: str, loc: list[str | int] | None = None) -> None:
        super().__init__(code)
        self.code, self.loc = code, loc


def bad_character(text: str) -> bool:
    """Whether ``text`` holds a character no field may hold."""
    return any((ord(c) < 0x20 and c not in ALLOWED_CONTROLS) or c == "\x7f" or 0xD800 <= ord(c) <= 0xDFFF for c in text)


def _refusals(value: Any, loc: list[str | int]) -> Iterator[Refused]:
    """Every place in a parsed JSON value that no field can hold (a bad key is reported at its parent)."""
    if isinstance(value, str):
        if bad_character(value):
            yield Refused("invalid_character", loc)
    elif isinstance(value, float):
        if not math.isfinite(value):  # 1e999 parses to inf without asking parse_constant
            yield Refused("invalid_number", loc)
    elif isinstance(value, dict):
        for key, item in value.items():
            if bad_character(key):
                yield Refused("invalid_character", loc)
            else:
                yield from _refusals(item, [*loc, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _refusals(item, [*loc, index])


def _no_constant(name: str) -> Any:
    raise Refused("invalid_number")


def check_json(body: bytes) -> None:
    """Refuse NaN/Infinity and strings no field may hold; leave malformed JSON to FastAPI's own 422."""
    try:
        value = json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # not JSON (or too deep): the route's own validation answers
        return
    first = next(_refusals(value, ["body"]), None)
    if first is not None:
        raise first


def _decoded(raw: bytes) -> str:
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("invalid_character") from None


def check_query(query: bytes, where: str) -> None:
    """A query string or a form body: every name and value, percent-decoded, must be UTF-8 a field may hold."""
    for pair in query.split(b"&"):
        name, _, value = pair.partition(b"=")
        key = _decoded(name)
        if bad_character(key):
            raise Refused("invalid_character", [where])
        if bad_character(_decoded(value)):
            raise Refused("invalid_character", [where, key])


def check_path(scope: Scope) -> None:
    raw = scope.get("raw_path")
    if isinstance(raw, bytes):  # percent-encoded bytes that are not UTF-8 (a lone surrogate's among them)
        _decoded(raw.split(b"?", 1)[0])
    if bad_character(scope["path"]):
        raise Refused("invalid_character", ["path"])


def _refusal(scope: Scope, refused: Refused) -> Response:
    ja, en = MESSAGES[refused.code]
    status = {"body_too_large": 413, "form_encoding": 415}.get(refused.code, 422)
    if scope["path"].startswith("/api/"):
        kind = "number" if refused.code == "invalid_number" else "character"
        errors = [] if refused.loc is None else [{"loc": refused.loc, "msg": en, "type": f"invalid_{kind}"}]
        return problem(status, refused.code, ja, en, errors=errors, extra={"loc": refused.loc})
    request = Request(scope)  # a page: the error page, as every other refusal of a page looks
    reason = "http" if refused.code == "form_encoding" else "input"
    return render(
        request, scope["app"].state.services, "error.html", {"code": status, "reason": reason}, status_code=status
    )


class InputHygiene(HttpMiddleware):
    """The middleware: checks the request, buffers and checks a JSON or form body, then hands it on unchanged."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            check_path(scope)
            check_query(scope.get("query_string", b""), "query")
            kind = Request(scope).headers.get("content-type", "").split(";")[0].strip().lower()
            form = kind == "application/x-www-form-urlencoded"
            if kind == "multipart/form-data" and not scope["path"].startswith("/api/"):
                raise Refused("form_encoding")
            body = await _read(scope, receive) if form or kind == "application/json" or kind.endswith("+json") else None
            if body is not None and form:
                check_query(body, "body")
            elif body is not None:
                check_json(body)
        except Refused as refused:
            await _refusal(scope, refused)(scope, receive, send)
            return
        await self.app(scope, receive if body is None else _replay(body, receive), send)


async def _read(scope: Scope, receive: Receive) -> bytes:
    declared = Request(scope).headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise Refused("body_too_large")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise Refused("body_too_large")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: the disconnect, when it comes

    return replayed
