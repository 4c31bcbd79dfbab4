"""The codec endpoint: decrypts Temporal payloads for an authorised auditor (Temporal's codec server protocol).

Temporal keeps every payload encrypted with its case's data key, so its Web UI and CLI show ciphertext. An auditor
who must read a history there points the tool at ``POST /api/codec/decode``:

- Temporal UI: Settings → Codec Server → endpoint ``http://127.0.0.1:8000/api/codec`` with "Include cross-origin
  credentials" on, signed in to Yorisoi in the same browser (the UI's origin must be in ``codec_origins``).
- ``temporal workflow show --codec-endpoint http://127.0.0.1:8000/api/codec --codec-auth "Bearer <token>"``, or
  Yorisoi's own ``python -m workflows replay --codec-endpoint … --token …``.

Only auditors (AUD) decode, only payloads of cases of municipalities they serve (others: 404, as if absent), and
each decode of a case's payloads is written to ``access_log`` (purpose ``codec_decode``). A case whose key was
erased after its retention answers 410. There is no encode endpoint: nothing outside the workers writes payloads.
"""

from __future__ import annotations

from typing import Annotated

from cryptography.exceptions import InvalidTag
from fastapi import APIRouter, HTTPException, Request, Response
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payloads

from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from store import queries
from store.access_log import AccessLog
from store.codec import CaseKeyCodec, key_id_of
from store.crypto import SYSTEM_KEY
from web.core.deps import ServicesDep
from web.core.errors import NotVisibleError
from web.core.permissions import Require

router = APIRouter(prefix="/api/codec", tags=["audit"])
MAX_BODY_BYTES = 16 * 1024 * 1024


def _cors_headers(request: Request, allowed: frozenset[str]) -> dict[str, str]:
    origin = request.headers.get("origin")
    if origin is None or origin not in allowed:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "authorization, content-type, x-namespace",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }


@router.options("/decode", include_in_schema=False)
def decode_preflight(request: Request, svc: ServicesDep) -> Response:
    """The CORS preflight of the Temporal UI (another origin on the same host)."""
    headers = _cors_headers(request, svc.codec_origins)
    return Response(status_code=204 if headers else 403, headers=headers)


@router.post("/decode")
async def decode(
    request: Request, actor: Annotated[Actor, Require(Permission.CODEC_DECODE)], svc: ServicesDep
) -> Response:
    """Decrypt ``{"payloads": [...]}`` (protobuf JSON of ``temporal.api.common.v1.Payloads``) for an auditor."""
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(413, f"一度に復号できるのは {MAX_BODY_BYTES // (1024 * 1024)} MB までです。")
    payloads = Payloads()
    try:
        json_format.Parse(body or b"{}", payloads)
    except (json_format.ParseError, DecodeError, UnicodeDecodeError) as exc:
        raise HTTPException(422, f"Temporal の Payloads（JSON）として読めません: {exc}") from exc
    case_ids = {k for k in (key_id_of(p) for p in payloads.payloads) if k is not None and k != SYSTEM_KEY}
    with svc.sessions.begin() as session:
        for case_id in sorted(case_ids):
            if queries.case_row(session, case_id, set(actor.serves)) is None:
                raise NotVisibleError("ケースが見つかりません。")
    if svc.keys is None:
        raise HTTPException(503, "このサーバーには復号鍵が設定されていません。")
    try:
        decoded = await CaseKeyCodec(svc.keys, lambda _: None).decode(payloads.payloads)
    except InvalidTag as exc:
        raise HTTPException(422, "復号できません: ペイロードが改変されたか、ケースの鍵と一致しません。") from exc
    with svc.sessions.begin() as session:  # every case whose payloads were shown
        for case_id in sorted(case_ids):
            AccessLog(session).record(
                user_id=actor.user_id, case_id=case_id, fields=["*"], purpose="codec_decode", now=svc.clock()
            )
    return Response(
        json_format.MessageToJson(Payloads(payloads=decoded)),
        media_type="application/json",
        headers=_cors_headers(request, svc.codec_origins),
    )
