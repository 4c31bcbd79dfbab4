"""A figure's last months against its 目安値, as a small inline SVG bar chart for the /reports page.

Drawn on the server as ``web.process.diagram`` draws the process: no script, no library, every text escaped,
presentation attributes only (the pages' CSP allows no inline style). Each chart has its ``<title>`` and a ``<desc>``
that says what it shows in words; the page puts the same numbers in a table beside it. Bars are the months' values; the
dashed line is the 目安値 in force in each month (it changes with the fiscal year); a month without a value has no bar.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT = 640, 250
LEFT, RIGHT, TOP, BOTTOM = 58, 16, 34, 46
INK = "#1b1b1b"
MUTED = "#4a4a4a"
GRID = "#d0d0d0"
BAR = "#0b5cad"
TARGET = "#a4000f"
FONT = '"Noto Sans CJK JP", "Noto Sans JP", sans-serif'


@dataclass(frozen=True)
class Point:
    month: str  # YYYY-MM
    value: float | None
    target: float | None


def _num(v: float) -> str:
    r = round(v, 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}"


def _el(tag: str, attrs: dict[str, object], content: str | None = None) -> str:
    text = "".join(
        f" {k}={quoteattr(_num(v) if isinstance(v, int | float) else str(v))}"
        for k, v in attrs.items()
        if v is not None
    )
    return f"<{tag}{text}/>" if content is None else f"<{tag}{text}>{content}</{tag}>"


def _text(x: float, y: float, text: str, *, anchor: str = "middle", size: float = 11, fill: str = INK) -> str:
    attrs = {"x": x, "y": y, "font-size": size, "fill": fill, "text-anchor": anchor}
    return _el("text", attrs, escape(text))


def shown(value: float | None, percent: bool) -> str:
    """A value as the page says it: 43.3% for a rate, 3.25 for a figure per 100,000, — for none."""
    if value is None:
        return "—"
    if percent:
        return f"{value * 100:.1f}".removesuffix(".0") + "%"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if not float(value).is_integer() else f"{int(value):,}"


def month_label(month: str) -> str:
    year, mon = (int(p) for p in month.split("-"))
    return f"{year}年{mon}月"


def _scale_top(points: Sequence[Point]) -> tuple[float, float]:
    """The top of the y axis and its tick step: a 1-2-5 step, with room above the highest bar or target."""
    highest = max([p.value or 0 for p in points] + [p.target or 0 for p in points] + [0.0])
    if highest <= 0:
        return 1.0, 0.25
    raw = highest * 1.1 / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return step * math.ceil(highest * 1.1 / step), step


def describe(label: str, points: Sequence[Point], percent: bool) -> str:
    """The chart in words, for the ``<desc>``: the period, the latest value, the targets and how often met."""
    if not points:
        return f"{label}：データがありません。"
    period = f"{month_label(points[0].month)}〜{month_label(points[-1].month)}"
    valued = [p for p in points if p.value is not None]
    targets = sorted({p.target for p in points if p.target is not None})
    met = sum(1 for p in valued if p.target is not None and p.value is not None and p.value >= p.target)
    parts = [f"{period}の{label}（棒：実績、破線：目安値）。", f"直近 {shown(points[-1].value, percent)}。"]
    if valued:
        parts.append(f"最大 {shown(max(p.value or 0 for p in valued), percent)}。")
    if targets:
        parts.append(f"目安値 {'・'.join(shown(t, percent) for t in targets)}、達成 {met}か月／{len(valued)}か月。")
    else:
        parts.append("目安値はありません。")
    return "".join(parts)


def _axes(top: float, step: float, plot_h: float, percent: bool) -> list[str]:
    body = []
    ticks = round(top / step)
    for i in range(ticks + 1):
        value = step * i
        y = TOP + plot_h - plot_h * value / top
        body.append(_el("line", {"x1": LEFT, "y1": y, "x2": WIDTH - RIGHT, "y2": y, "stroke": GRID}))
        body.append(_text(LEFT - 6, y + 4, shown(value, percent), anchor="end", size=10, fill=MUTED))
    return body


def _legend() -> list[str]:
    x = WIDTH - RIGHT - 170
    return [
        _el("rect", {"x": x, "y": 10, "width": 12, "height": 12, "fill": BAR}),
        _text(x + 16, 20, "実績", anchor="start", size=11),
        _el(
            "line",
            {
                "x1": x + 60,
                "y1": 16,
                "x2": x + 88,
                "y2": 16,
                "stroke": TARGET,
                "stroke-width": 2.5,
                "stroke-dasharray": "6 4",
            },
        ),
        _text(x + 92, 20, "目安値", anchor="start", size=11),
    ]


def month_chart(chart_id: str, label: str, points: Sequence[Point], *, percent: bool = False) -> str:
    """A complete ``<svg>`` of the months' values (bars) and their 目安値 (a dashed step line)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top, step = _scale_top(points)
    slot = plot_w / max(len(points), 1)
    body = [_text(LEFT, 20, label, anchor="start", size=13), *_legend(), *_axes(top, step, plot_h, percent)]
    target_path = []
    for i, p in enumerate(points):
        x = LEFT + slot * i
        year, mon = (int(v) for v in p.month.split("-"))
        body.append(_text(x + slot / 2, TOP + plot_h + 16, f"{mon}月", size=10))
        if i == 0 or mon == 1:
            body.append(_text(x + slot / 2, TOP + plot_h + 30, str(year), size=10, fill=MUTED))
        tip = f"{month_label(p.month)}：{shown(p.value, percent)}（目安値 {shown(p.target, percent)}）"
        bar = ""
        if p.value is not None:
            h = plot_h * min(p.value, top) / top
            bar = _el(
                "rect",
                {"x": x + slot * 0.2, "y": TOP + plot_h - h, "width": slot * 0.6, "height": h, "fill": BAR},
            )
        body.append(_el("g", {"data-month": p.month}, f"<title>{escape(tip)}</title>{bar}"))
        if p.target is not None:
            y = TOP + plot_h - plot_h * min(p.target, top) / top
            target_path.append(f"M{_num(x)},{_num(y)} H{_num(x + slot)}")
    if target_path:
        body.append(
            _el(
                "path",
                {
                    "d": " ".join(target_path),
                    "fill": "none",
                    "stroke": TARGET,
                    "stroke-width": 2.5,
                    "stroke-dasharray": "6 4",
                    "data-role": "target",
                },
            )
        )
    body.append(_el("line", {"x1": LEFT, "y1": TOP + plot_h, "x2": WIDTH - RIGHT, "y2": TOP + plot_h, "stroke": INK}))
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    head = _el("title", {"id": title_id}, escape(label)) + _el(
        "desc", {"id": desc_id}, escape(describe(label, points, percent))
    )
    attrs = {
        "xmlns": "http://www.w3.org/2000/svg",
        "id": chart_id,
        "class": "report-chart",
        "role": "img",
        "aria-labelledby": f"{title_id} {desc_id}",
        "viewBox": f"0 0 {WIDTH} {HEIGHT}",
        "width": WIDTH,
        "height": HEIGHT,
        "font-family": FONT,
    }
    return _el("svg", attrs, head + "".join(body))
