"""``GET /metrics``: the API's Prometheus metrics (``web.core.metrics``) in the text exposition format.

Like ``/api/health`` it needs no sign-in (a Prometheus server has no user) and carries no personal data: counts,
route templates, command names and municipalities. Unlike health, which a load balancer must reach, it is not for
whoever can reach the API: with ``YORISOI_METRICS_TOKEN`` set, only a request with ``Authorization: Bearer <token>``
gets it (a Prometheus job's ``authorization`` credentials); without it, only a client on the same machine (loopback:
``make run``'s operator with ``curl``), so an API published on 0.0.0.0 does not publish its metrics. Behind a proxy
on the same machine the proxy is that client: set ``YORISOI_FORWARDED_ALLOW_IPS`` (as sign-in throttling needs) or
the token.
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from web.core.metrics import ApiMetrics
from web.core.problems import problem

router = APIRouter(tags=["operations"])

REFUSED_JA = "メトリクスは、YORISOI_METRICS_TOKEN のトークンを持つ要求か、同じマシンからの要求にだけ返します。"
REFUSED_EN = "Metrics are served with the YORISOI_METRICS_TOKEN bearer token, or to a client on the same machine."


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bearer(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else None


def may_read_metrics(request: Request, token: str | None) -> bool:
    """With a token configured, the request must carry it; without, it must come from this machine."""
    if token is None:
        return _loopback(request)
    offered = _bearer(request)
    return offered is not None and hmac.compare_digest(offered.encode(), token.encode())


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """The text exposition format; the read model's gauges are read now (``web.core.metrics.ReadModelGauges``)."""
    found: ApiMetrics = request.app.state.metrics
    if not may_read_metrics(request, request.app.state.metrics_token):
        headers = {"WWW-Authenticate": "Bearer"} if request.app.state.metrics_token else None
        status = 401 if headers else 403
        return problem(status, "metrics_not_allowed", REFUSED_JA, REFUSED_EN, headers=headers)
    return Response(generate_latest(found.registry), media_type=CONTENT_TYPE_LATEST)
