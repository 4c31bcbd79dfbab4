"""The pieces a 帳票 is made of, as the template ``templates/form.typ`` draws them, and how a value is written on one.

Every value is already a person's word when it reaches a block: labels from ``web.core.i18n``, options by name,
dates in 和暦 (令和8年4月1日) as the national forms write them, nothing left as an id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from web.core.i18n import JST, era_of_iso, field_label, option_label

Block = dict[str, Any]
BLANK = ""


def day(value: date | datetime | None) -> str:
    """令和8年4月1日 (a moment as its day in Japan); empty when nothing is recorded."""
    if value is None:
        return BLANK
    if isinstance(value, datetime):
        value = value.astimezone(JST).date()
    return era_of_iso(value.isoformat())


def age_on(birth: date | None, today: date) -> str:
    if birth is None:
        return BLANK
    years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return f"{years}歳"


def yes_no(value: bool | None) -> str:
    return BLANK if value is None else ("はい" if value else "いいえ")


def text(value: str | None) -> str:
    return value or BLANK


def label(name: str) -> str:
    return field_label(name, "ja")


def option(value: str | None) -> str:
    return BLANK if value is None else option_label(value, "ja")


def section(title: str) -> Block:
    return {"kind": "section", "title": title}


def fields(items: Iterable[tuple[str, str]], *, columns: int = 2) -> Block:
    """Label and value side by side; ``columns=4`` puts two pairs on a line, as the forms' header boxes do."""
    pairs = list(items)
    if columns == 4 and len(pairs) % 2:
        pairs.append((BLANK, BLANK))
    return {"kind": "fields", "columns": columns, "items": [{"label": k, "value": v} for k, v in pairs]}


def long_text(name: str, value: str | None, *, room: int = 3) -> Block:
    """A free-text box with ``room`` empty lines below what is written (for a hand-written note)."""
    return {"kind": "text", "label": name, "value": text(value), "room": room}


def checks(name: str, options: Sequence[tuple[str, bool]], *, main: str | None = None) -> Block:
    """Every option of the form, the chosen ones ■, the main one ◎ (相談内容 of the A票)."""
    marks = [{"mark": "◎" if o == main else ("■" if chosen else "□"), "text": o} for o, chosen in options]
    return {"kind": "checks", "label": name, "options": marks}


def rows(headers: Sequence[str], widths: Sequence[int], body: Iterable[Sequence[str]]) -> Block:
    """A table with a header row; a width of 0 takes the rest of the line. An empty table gets one empty row."""
    lines = [list(r) for r in body] or [[BLANK] * len(headers)]
    return {"kind": "rows", "headers": list(headers), "widths": list(widths), "rows": lines}


def paragraph(words: str, *, align: str = "left", size: float = 9.5, bold: bool = False) -> Block:
    return {"kind": "paragraph", "text": words, "align": align, "size": size, "bold": bold}


def signature(statement: str, recorded: str) -> Block:
    """The 本人署名・日付 lines, blank for the pen; ``recorded``: what the case already holds of the signature."""
    return {"kind": "signature", "statement": statement, "date_line": "令和　　年　　月　　日", "recorded": recorded}
