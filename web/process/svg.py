"""The SVG vocabulary of the /process diagram: its palette, numbers, elements, arrows and arrowheads.

Every attribute is a presentation attribute (the pages' Content-Security-Policy allows no inline style) and every text
is escaped, so that the drawing can sit inline in a page. Text colours reach WCAG AA (4.5:1) on the backgrounds they
are drawn on.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

FONT = '"Noto Sans CJK JP", "Noto Sans JP", sans-serif'

INK = "#0f172a"
MUTED = "#475569"
EDGE = "#334155"
BACK = "#a14a05"
REOPEN = "#6d28d9"
BOX_STROKE = "#64748b"
TERM_FILL = "#1e293b"
TERM_ID = "#cbd5e1"
BANDS = ("#f1f5f9", "#f8fafc")
BAND_HEAD = ("#e2e8f0", "#eaeef3")
PANEL_FILL = "#ffffff"

Pt = tuple[float, float]
"""A point (x, y) in the drawing."""


def num(v: float) -> str:
    r = round(v, 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}"


def _attrs(attrs: dict[str, object]) -> str:
    parts = []
    for k, v in attrs.items():
        if v is None:
            continue
        value = num(v) if isinstance(v, float | int) and not isinstance(v, bool) else str(v)
        parts.append(f" {k}={quoteattr(value)}")
    return "".join(parts)


def el(tag: str, attrs: dict[str, object], content: str | None = None) -> str:
    if content is None:
        return f"<{tag}{_attrs(attrs)}/>"
    return f"<{tag}{_attrs(attrs)}>{content}</{tag}>"


def text(
    x: float,
    y: float,
    text: str,
    *,
    size: float,
    fill: str = INK,
    anchor: str = "start",
    bold: bool = False,
    halo: str | None = None,
) -> str:
    attrs: dict[str, object] = {"x": x, "y": y, "font-size": size, "fill": fill, "text-anchor": anchor}
    if bold:
        attrs["font-weight"] = "bold"
    if halo:
        attrs |= {"stroke": halo, "stroke-width": 3, "stroke-linejoin": "round", "paint-order": "stroke"}
    return el("text", attrs, escape(text))


def path(points: Sequence[Pt], colour: str, *, dashed: bool = False, arrow: bool = True) -> str:
    d = "M" + " L".join(f"{num(x)},{num(y)}" for x, y in points)
    return el(
        "path",
        {
            "d": d,
            "fill": "none",
            "stroke": colour,
            "stroke-width": 1.6,
            "stroke-dasharray": "6 4" if dashed else None,
            "stroke-linejoin": "round",
            "marker-end": f"url(#{_marker(colour)})" if arrow else None,
        },
    )


def curve(d: str, colour: str, *, dashed: bool) -> str:
    return el(
        "path",
        {
            "d": d,
            "fill": "none",
            "stroke": colour,
            "stroke-width": 1.6,
            "stroke-dasharray": "5 3" if dashed else None,
            "marker-end": f"url(#{_marker(colour)})",
        },
    )


MARKER_COLOURS = (EDGE, BACK, REOPEN)


def _marker(colour: str) -> str:
    return f"yp-arrow-{MARKER_COLOURS.index(colour)}"


def defs() -> str:
    markers = "".join(
        el(
            "marker",
            {
                "id": _marker(c),
                "viewBox": "0 0 10 10",
                "refX": 9,
                "refY": 5,
                "markerWidth": 9,
                "markerHeight": 9,
                "markerUnits": "userSpaceOnUse",
                "orient": "auto",
            },
            el("path", {"d": "M0,0 L10,5 L0,10 z", "fill": c}),
        )
        for c in MARKER_COLOURS
    )
    style = (
        ".yp-edge:hover path,.yp-edge:hover circle{stroke-width:3}"
        ".yp-edge:hover text{font-weight:bold}"
        ".yp-state:hover .yp-box{stroke-width:3}"
    )
    return f"<defs>{markers}</defs><style>{style}</style>"
