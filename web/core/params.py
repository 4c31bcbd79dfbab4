"""Query parameters the API reads the same way everywhere: a moment in time (``Moment``), a page's cursor
(``Cursor``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import HTTPException, Query
from pydantic import AfterValidator

from store.queries import PageKey


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


def readable_cursor(cursor: str) -> str:
    PageKey.decode(cursor)  # its ValueError says what to do
    return cursor


Cursor = Annotated[
    str,
    Query(max_length=512, description="the page after the one that returned it as next_cursor"),
    AfterValidator(readable_cursor),
]
"""A list's ``cursor`` query parameter: a ``next_cursor`` given back; anything else is a 422 saying so."""


def page_key(cursor: str | None, offset: int) -> PageKey | None:
    """The key of ``cursor``; a 422 naming both parameters if an offset came with it."""
    if cursor is None:
        return None
    if offset:
        message = "cursor と offset は一緒に使えません。次のページは next_cursor だけで指定してください。"
        errors = [{"loc": ["query", name], "msg": message, "type": "value_error"} for name in ("cursor", "offset")]
        raise HTTPException(422, detail=errors)
    return PageKey.decode(cursor)
