"""Text in the /process diagram measured without a font engine, and broken into lines at Japanese break points."""

from __future__ import annotations

import math
import unicodedata


def text_width(text: str, size: float) -> float:
    """A generous estimate of the rendered width: full-width (and ambiguous) characters are 1 em, Latin less."""
    em = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in "WFA":
            em += 1.0
        elif ch == " ":
            em += 0.3
        elif ch.isupper() or ch.isdigit() or ch in "_—…":
            em += 0.68
        else:
            em += 0.56
    return em * size


_BREAK_AFTER = "・）、 "
_BREAK_BEFORE = "（"


def _segments(text: str) -> list[str]:
    """The text cut where a line may break: after ・ ） 、 and spaces, before （."""
    out: list[str] = []
    cur = ""
    for ch in text:
        if ch in _BREAK_BEFORE and cur:
            out.append(cur)
            cur = ""
        cur += ch
        if ch in _BREAK_AFTER:
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return out


def _split_even(segment: str, width: float, size: float) -> list[str]:
    """A segment too long for one line, cut into nearly equal parts (プラン兼事業等 / 利用申込書提出)."""
    parts = math.ceil(text_width(segment, size) / width)
    step = math.ceil(len(segment) / parts)
    return [segment[i : i + step] for i in range(0, len(segment), step)]


def wrap(text: str, width: float, size: float) -> list[str]:
    """Greedy line breaking at the break points of ``_segments``."""
    tokens: list[str] = []
    for seg in _segments(text):
        tokens.extend([seg] if text_width(seg.rstrip(), size) <= width else _split_even(seg, width, size))
    lines: list[str] = []
    cur = ""
    for tok in tokens:
        if cur and text_width((cur + tok).rstrip(), size) > width:
            lines.append(cur.rstrip())
            cur = tok.lstrip()
        else:
            cur += tok
    if cur.strip():
        lines.append(cur.rstrip())
    return lines


def fit(text: str, width: float, size: float) -> str:
    """One line: the text, else what comes before its first （, else the text cut with an ellipsis."""
    if text_width(text, size) <= width:
        return text
    head = text.split("（", 1)[0]
    if head and text_width(head, size) <= width:
        return head
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"
