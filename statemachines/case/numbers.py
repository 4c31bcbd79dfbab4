"""The 受付番号: the number a person reads, says on the phone and writes on a 帳票 (``A市-2026-000123``).

A case is numbered when it opens (T1, T0), once: per municipality and 年度 (April to March, in Japan's time), in the
order the openings are accepted. The store allocates it (``store.case_numbers``); the first event records it, so a
replay, an as-of view and an export carry it. The prefix is the municipality's, configurable per organisation.
"""

from __future__ import annotations

import re
from datetime import date

NUMBER_DIGITS = 6
MAX_PREFIX_LENGTH = 16
_PREFIX_FORBIDDEN = re.compile(r"[\s/\\?#%&<>\"'`\x00-\x1f\x7f]")
_NUMBER = re.compile(r"^(?P<prefix>.+)-(?P<year>\d{4})-(?P<seq>\d{6,})$")


def fiscal_year(day: date) -> int:
    """The 年度 ``day`` belongs to: 2026年度 runs from 2026-04-01 to 2027-03-31."""
    return day.year if day.month >= 4 else day.year - 1


def case_number(prefix: str, year: int, seq: int) -> str:
    """``A市-2026-000123``: the prefix, the 年度 (西暦) and the sequence within it, zero-padded to six digits."""
    return f"{prefix}-{year:04d}-{seq:0{NUMBER_DIGITS}d}"


def default_prefix(organisation_name: str | None, municipality: str) -> str:
    """The organisation's name up to its first space (``A市 福祉事務所`` → ``A市``), else the municipality's id."""
    name = (organisation_name or "").split()
    prefix = name[0] if name else municipality
    return prefix[:MAX_PREFIX_LENGTH]


def prefix_problem(prefix: str) -> str | None:
    """Why ``prefix`` cannot be a 受付番号's prefix (it goes into file names and the number's own syntax), or None."""
    if not prefix or len(prefix) > MAX_PREFIX_LENGTH:
        return f"接頭辞は1〜{MAX_PREFIX_LENGTH}文字で指定してください。"
    if _PREFIX_FORBIDDEN.search(prefix):
        return "接頭辞に空白・記号（/ \\ ? # % & < > \" ' `）・制御文字は使えません。"
    return None


def looks_like_number(text: str) -> bool:
    """Whether ``text`` is a whole 受付番号 (so a search box can tell a number from a name)."""
    return _NUMBER.fullmatch(text.strip()) is not None
