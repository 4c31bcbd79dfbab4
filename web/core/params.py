"""Query parameters the API reads the same way everywhere: a moment in time (``Moment``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def on_the_calendar(moment: datetime) -> datetime:
    """A moment with its time zone (``2026-04-01T09:00:00+09:00``) that exists in UTC too (year 1 to 9999)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("日時にはタイムゾーンが必要です（例: 2026-04-01T09:00:00+09:00）。")
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("日時が扱える範囲（西暦1年〜9999年）を外れています。") from None
    return moment


Moment = Annotated[datetime, AfterValidator(on_the_calendar)]
"""A datetime query parameter: time zone required, within the calendar; anything else is a 422 naming it."""
