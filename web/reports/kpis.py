"""/api/reports/kpis: the §4.3 operational indicators of a municipality, in total and per staff member.

Counts and ages, no personal data (a staff member is their user id, a client is never named): every staff role of
the municipality may read them, OPS included, as they may the other reports; anyone else gets 403.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from statemachines.kernel.permissions import Permission
from statemachines.kernel.roles import Actor
from store.kpis import DEFAULT_WINDOW_DAYS, KpiReport, operational_kpis
from web.core.deps import ServicesDep
from web.core.errors import ForbiddenError
from web.core.params import Moment
from web.core.permissions import Require

router = APIRouter(prefix="/api/reports", tags=["reports"])

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, tzinfo=UTC)


@router.get("/kpis", response_model=KpiReport)
def kpis(
    municipality: Annotated[str, Query(min_length=1, max_length=64)],
    actor: Annotated[Actor, Require(Permission.REPORT_READ)],
    svc: ServicesDep,
    as_of: Annotated[
        Moment | None, Query(description="with a time zone, e.g. 2026-04-01T09:00:00+09:00; default: now")
    ] = None,
    window_days: Annotated[int, Query(ge=1, le=365, description="the days to a milestone: over this window")] = (
        DEFAULT_WINDOW_DAYS
    ),
) -> KpiReport:
    """Open cases per assignee; days from 相談受付 to 申込, プラン同意 and 支援開始 (median, 90th percentile);
    plans waiting for the 支援調整会議 or a 支援決定, and 連絡不通 (count, ages); overdue monitoring and evaluations;
    referrals awaiting an answer; follow-ups due; 住居確保給付金 extension deadlines within 14 days and recipients
    in their 9th month. Each indicator carries its Japanese label and definition."""
    if municipality not in actor.serves:
        raise ForbiddenError("担当していない自治体の指標は見られません。")
    if as_of is not None and not EARLIEST <= as_of <= LATEST:
        raise HTTPException(422, "as_of は 2000-01-01 から 2999-12-31 までの日時を指定してください。")
    with svc.sessions.begin() as session:
        return operational_kpis(session, municipality=municipality, as_of=as_of or svc.clock(), window_days=window_days)
