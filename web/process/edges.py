"""The transitions of the /process diagram drawn: arrows, lanes, self-loops, tags, the history state, the bus, T0/T1.

Each drawing is a ``<g data-transition="…">`` whose ``<title>`` (a hover tooltip) gives the id, the Japanese label,
the route, the guards and the roles. Amber arrows go back to an earlier state; dashed ones may be fired by a timer or
the system.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from xml.sax.saxutils import escape

from statemachines.case.record import STATES, CaseState
from statemachines.case.transitions import OPENING, OPENING_IDENTIFIED, TransitionDef
from statemachines.kernel.roles import ROLE_NAMES_JA, SYSTEM, Role
from web.process import svg
from web.process.layout import ID_SIZE, LABEL_SIZE, LEFT, LOOP_SIDES, SMALL_SIZE, Box, Layout
from web.process.measure import text_width
from web.process.routing import Label, LaneEdge, Plan, lane_y, route_lanes, straight
from web.process.svg import BACK, EDGE, INK, REOPEN, num
from web.process.words import WORDS


def _order(state: CaseState) -> int:
    return list(STATES).index(state)


def automatic(t: TransitionDef) -> bool:
    """A timer or the system may fire it: drawn dashed."""
    return t.timer is not None or t.roles <= SYSTEM


def _colour(t: TransitionDef, source: CaseState | None = None) -> str:
    """Amber back to an earlier state, else the edge colour."""
    src = source if source is not None else (t.source[0] if t.source else None)
    if t.dest is not None and src is not None and _order(t.dest) < _order(src):
        return BACK
    return EDGE


def _roles(t: TransitionDef, lang: str) -> str:
    roles = [r for r in Role if r in t.roles]
    return WORDS[lang]["sep"].join(ROLE_NAMES_JA[r] if lang == "ja" else r.value for r in roles)


def tooltip(t: TransitionDef, lang: str, route: str) -> str:
    """The hover text: id and label, route, guards, roles and timer."""
    w = WORDS[lang]
    lines = [f"{t.id} {t.name_ja}", route]
    if t.guards:
        lines.append(w["guards"] + ", ".join(t.guards))
    lines.append(w["roles"] + _roles(t, lang))
    if t.timer:
        lines.append(w["timer"] + t.timer)
    return "\n".join(lines)


def route_text(t: TransitionDef, lang: str) -> str:
    """``SOURCE → DEST`` in state ids (``*`` for every state)."""
    w = WORDS[lang]
    sources = ", ".join(s.value for s in t.source) if len(t.source) < len(STATES) else "*"
    if t.dest_previous:
        return f"{sources} → {w['previous']}"
    if t.dest is None:
        return f"{sources} {w['same']}"
    return f"{sources} → {t.dest.value}"


def transition_group(t_id: str, title: str, body: Iterable[str], extra: dict[str, object] | None = None) -> str:
    attrs: dict[str, object] = {"class": "yp-edge", "data-transition": t_id, **(extra or {})}
    return svg.el("g", attrs, f"<title>{escape(title)}</title>" + "".join(body))


def id_label(x: float, y: float, text: str, colour: str, anchor: str = "middle") -> str:
    """A transition id beside its arrow, bold on a white halo."""
    return svg.text(x, y, text, size=LABEL_SIZE, fill=colour, anchor=anchor, bold=True, halo="#ffffff")


def _draw_lane(e: LaneEdge, layout: Layout) -> str:
    src, dst = layout.boxes[e.src], layout.boxes[e.dst]
    y = lane_y(layout, e.track)
    pts = [(e.x_src, src.y), (e.x_src, y), (e.x_dst, y), (e.x_dst, dst.y)]
    colour = _colour(e.t, e.src)
    label = id_label(e.x_src + 5, (src.y + y) / 2 + 4, e.t.id, colour, "start")
    title = tooltip(e.t, layout.lang, f"{e.src.value} → {e.dst.value}")
    return transition_group(e.t.id, title, [svg.path(pts, colour, dashed=automatic(e.t)), label])


def arrows(plan: Plan, layout: Layout) -> list[str]:
    pairs = {(s, d) for _, s, d in plan.arrows}
    obstacles = list(layout.boxes.values())
    out: list[str] = []
    lanes: list[LaneEdge] = []
    for t, s, d in plan.arrows:
        route = straight(layout.boxes[s], layout.boxes[d], (d, s) in pairs, obstacles)
        if route is None:
            lanes.append(LaneEdge(t, s, d))
            continue
        pts, (lx, ly, anchor) = route
        colour = _colour(t, s)
        title = tooltip(t, layout.lang, route_text(t, layout.lang))
        out.append(
            transition_group(
                t.id, title, [svg.path(pts, colour, dashed=automatic(t)), id_label(lx, ly, t.id, colour, anchor)]
            )
        )
    if lanes:
        route_lanes(lanes, layout)
        out.extend(_draw_lane(e, layout) for e in lanes)
    return out


def _loop(box: Box, side: str, i: int, n: int) -> tuple[str, Label]:
    if side == "top":
        x = box.x + box.w * (i + 1) / (n + 1)
        y = box.y
        d = f"M{num(x - 7)},{num(y)} C{num(x - 16)},{num(y - 28)} {num(x + 16)},{num(y - 28)} {num(x + 7)},{num(y)}"
        return d, (x, y - 25, "middle")
    sign = 1 if side == "right" else -1
    edge = box.right if side == "right" else box.x
    y = box.y + box.h * (i + 1) / (n + 1)
    far = edge + sign * 28
    d = f"M{num(edge)},{num(y - 7)} C{num(far)},{num(y - 16)} {num(far)},{num(y + 16)} {num(edge)},{num(y + 7)}"
    return d, (edge + sign * 4, y - 16, "start" if sign > 0 else "end")


def loops(plan: Plan, layout: Layout) -> list[str]:
    per_state: dict[CaseState, list[TransitionDef]] = {}
    for t, s in plan.loops:
        per_state.setdefault(s, []).append(t)
    out: list[str] = []
    for s, ts in per_state.items():
        side = LOOP_SIDES.get(s, "top")
        for i, t in enumerate(ts):
            d, (lx, ly, anchor) = _loop(layout.boxes[s], side, i, len(ts))
            title = tooltip(t, layout.lang, f"{s.value} {WORDS[layout.lang]['same']}")
            body = [svg.curve(d, EDGE, dashed=automatic(t)), id_label(lx, ly, t.id, EDGE, anchor)]
            out.append(transition_group(t.id, title, body, {"data-self-loop": s.value}))
    return out


def tag_shape(x: float, y: float, text: str) -> tuple[str, float]:
    w = text_width(text, ID_SIZE) + 10
    rect = svg.el(
        "rect",
        {
            "x": x,
            "y": y,
            "width": w,
            "height": 16,
            "rx": 8,
            "fill": "#ffffff",
            "stroke": EDGE,
            "stroke-dasharray": "3 2",
        },
    )
    return rect + svg.text(x + w / 2, y + 12, text, size=ID_SIZE, fill=EDGE, anchor="middle", bold=True), w


def tags(plan: Plan, layout: Layout) -> list[str]:
    out: list[str] = []
    for t, s in plan.tags:
        box = layout.boxes[s]
        text = f"{t.id}→"
        w = text_width(text, ID_SIZE) + 10
        shape, _ = tag_shape(box.right - w + 10, box.bottom - 4, text)
        title = tooltip(t, layout.lang, route_text(t, layout.lang))
        out.append(transition_group(t.id, title, [shape], {"data-tag": s.value}))
    return out


def history(plan: Plan, layout: Layout) -> list[str]:
    out: list[str] = []
    for t in plan.history:
        box = layout.boxes[t.source[0]]
        x, cy = box.cx + 36, box.y - 48
        arrow = svg.path([(x, box.y), (x, cy + 11)], EDGE, dashed=automatic(t))
        circle = svg.el("circle", {"cx": x, "cy": cy, "r": 11, "fill": "#ffffff", "stroke": EDGE, "stroke-width": 1.6})
        h = svg.text(x, cy + 4.5, "H", size=12, fill=INK, anchor="middle", bold=True)
        caption = svg.text(x + 16, cy + 4, WORDS[layout.lang]["previous"], size=SMALL_SIZE, fill=INK, halo="#ffffff")
        label = id_label(x + 5, box.y - 14, t.id, EDGE, "start")
        title = tooltip(t, layout.lang, route_text(t, layout.lang))
        out.append(transition_group(t.id, title, [arrow, circle, h, caption, label], {"data-history": "true"}))
    return out


def buses(plan: Plan, layout: Layout) -> list[str]:
    out: list[str] = []
    bus_y = layout.bottom + 24
    lane_x = LEFT - 26
    for t in plan.buses:
        assert t.dest is not None
        dst = layout.boxes[t.dest]
        drops = [layout.boxes[s] for s in t.source]
        xs = sorted(b.cx for b in drops)
        body = [svg.path([(b.cx, b.bottom), (b.cx, bus_y)], REOPEN, arrow=False) for b in drops]
        body += [svg.el("circle", {"cx": x, "cy": bus_y, "r": 3, "fill": REOPEN}) for x in xs[:-1]]
        entry = dst.y + dst.h * 0.7
        body.append(svg.path([(xs[-1], bus_y), (lane_x, bus_y), (lane_x, entry), (dst.x, entry)], REOPEN))
        gaps = sorted(((b - a, a) for a, b in itertools.pairwise([lane_x, *xs])), reverse=True)
        _, start = gaps[0]
        text = f"{t.id} {t.name_ja}"
        body.append(id_label(start + 16, bus_y - 6, text, REOPEN, "start"))
        out.append(
            transition_group(t.id, tooltip(t, layout.lang, route_text(t, layout.lang)), body, {"data-bus": "true"})
        )
        layout.bottom = bus_y
    return out


def openings(layout: Layout) -> list[str]:
    out: list[str] = []
    ident, intake = layout.boxes[CaseState.IDENTIFIED], layout.boxes[CaseState.INTAKE]
    x = LEFT - 48
    out.append(svg.el("circle", {"cx": x, "cy": ident.cy, "r": 7, "fill": INK}))
    w = WORDS[layout.lang]
    t0 = svg.path([(x + 7, ident.cy), (ident.x, ident.cy)], EDGE)
    title0 = tooltip(OPENING_IDENTIFIED, layout.lang, f"● → {CaseState.IDENTIFIED.value}")
    out.append(
        transition_group(
            "T0", title0, [t0, id_label((x + ident.x) / 2, ident.cy - 6, "T0", EDGE)], {"data-opening": "true"}
        )
    )
    y1 = intake.y + intake.h * 0.3
    t1 = svg.path([(x, ident.cy + 7), (x, y1), (intake.x, y1)], EDGE)
    title1 = tooltip(OPENING, layout.lang, f"● → {CaseState.INTAKE.value}{w['opening']}")
    out.append(
        transition_group("T1", title1, [t1, id_label((x + intake.x) / 2, y1 - 6, "T1", EDGE)], {"data-opening": "true"})
    )
    return out
