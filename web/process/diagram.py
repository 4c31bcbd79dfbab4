"""The case process (process.md §1.3–1.4) as one standalone SVG, drawn from the state machine tables.

``process_svg(lang)`` returns a complete ``<svg>`` document (no script, no external asset, no Mermaid) for the
``/process`` page: inline in the HTML, or served as ``image/svg+xml``. It is computed once per language.

How it is laid out:

* **Stages are columns**, left to right in process order (相談受付 … 評価・終結), each a shaded band with its name
  on top; 相談受付 and 評価・終結 take two columns. Where a state sits (column, row) is the presentation table
  ``PLACES``; a state that table does not know yet goes to the bottom of its stage's first column, so it is never
  missing.
* **States** are rounded boxes: the Japanese name (the English one with ``lang="en"``) and the state id in small
  text. Terminal states are dark with a double border.
* **Transitions with one source and a destination** are arrows labelled with the transition id: straight when
  nothing is in the way, otherwise routed orthogonally through lanes above the boxes (the returns to
  PLAN_DRAFTING and T9). Amber arrows go back to an earlier state; dashed ones may be fired by a timer or the
  system.
* **Internal transitions** (no destination: T12a, T20, TM1, TM2, T26b) are small self-loops on their state.
* **Transitions with several sources** are drawn once:

  - all sources terminal (T29 再相談): a "bus" along the bottom that collects every source into one arrow to
    INTAKE;
  - otherwise (T26 連絡不通): the arrow from the source in the destination's own column, and a small dashed
    "T26→" tag on every other source;
  - every state, no destination (A1, TM3): listed in the legend under "どの状態でも".

* **T27** (back to the state before 連絡不通) points to a history pseudo-state "H".
* **The parallel 緊急支援 region** (T6, T6b) is a panel of its own above the main line: its two states
  (未実施/実施中) and the states T6 may start from.
* T0 and T1 (the two ways a case opens) leave the initial pseudo-state, the filled dot on the left.

Every transition drawing is a ``<g data-transition="…">`` whose ``<title>`` (a hover tooltip) gives the id, the
Japanese label, the route, the guards and the roles; every state is a ``<g data-state="…" id="yp-state-…">``.
All ids and classes start with ``yp-`` so that the SVG can sit inline in a page.
"""

from __future__ import annotations

import functools
import itertools
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from statemachines.case.record import STAGE_NAMES, STATES, CaseState, Stage
from statemachines.case.transitions import OPENING, OPENING_IDENTIFIED, SYSTEM, TRANSITIONS, Region, TransitionDef
from statemachines.kernel.roles import ROLE_NAMES_JA, Role

S = CaseState
FONT = '"Noto Sans CJK JP", "Noto Sans JP", sans-serif'
LANGS = ("ja", "en")

PLACES: dict[CaseState, tuple[int, int]] = {
    S.IDENTIFIED: (0, 0),
    S.INTAKE: (0, 1),
    S.SCREENING: (0, 2),
    S.ENDED_INFO_ONLY: (0, 3),
    S.APPLIED: (1, 2),
    S.REFERRED_OUT: (1, 3),
    S.ASSESSMENT: (2, 2),
    S.PLAN_DRAFTING: (3, 2),
    S.PLAN_CHECK: (3, 3),
    S.PLAN_CONSENTED: (3, 4),
    S.MEETING_REVIEW: (4, 3),
    S.MEETING_PENDING: (4, 4),
    S.DECISION_PENDING: (5, 2),
    S.SUPPORT_ACTIVE: (6, 3),
    S.CONTACT_LOST: (6, 5),
    S.EVALUATION: (7, 3),
    S.FOLLOW_UP: (7, 4),
    S.INTERRUPTED: (7, 5),
    S.CLOSURE_REVIEW: (8, 3),
    S.CLOSED: (8, 4),
}
"""(column, row) of each state: a presentation choice, so that the arrows of the main line cross nothing."""

LOOP_SIDES: dict[CaseState, str] = {S.PLAN_CHECK: "right", S.CONTACT_LOST: "left"}
"""Where a state's self-loops go when its top is taken by other arrows (default: top)."""

# geometry
BOX_W, GAP_X, PITCH_Y = 170, 56, 100
LEFT, RIGHT, HEADER_H, BOTTOM = 72, 40, 40, 30
BODY_TOP = HEADER_H + 14
SLOT_W = BOX_W + GAP_X
NAME_SIZE, ID_SIZE, LABEL_SIZE, SMALL_SIZE = 12.5, 10, 11, 11
NAME_LH = 16
PAD = 8
LANE_STEP = 14

# colours: text colours reach WCAG AA (4.5:1) on the backgrounds they are drawn on
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

WORDS: dict[str, dict[str, str]] = {
    "ja": {
        "title": "自立相談支援 ケースの流れ（状態遷移図）",
        "region": "並行リージョン：プラン策定前の支援（緊急支援等）",
        "inactive": "未実施",
        "active": "実施中",
        "t6_from": "開始できる状態：",
        "t6b_from": "どの状態でも終了できる",
        "legend": "凡例",
        "solid": "担当者の操作による遷移",
        "dashed": "タイマー・システムでも起こる遷移",
        "back": "前の状態へ戻る遷移（差し戻し・再プラン等）",
        "reopen": "再相談（終了状態から相談受付へ）",
        "terminal": "終了状態（T29 で再開できる）",
        "tag": "この状態からも {id} {name}へ",
        "history": "直前の状態へ（{id}）",
        "everywhere": "どの状態でも（状態は変わらない）：",
        "previous": "直前の状態",
        "same": "（状態は変わらない）",
        "guards": "ガード：",
        "roles": "実行者：",
        "timer": "タイマー：",
        "sep": "、",
        "opening": "（新規ケース）",
        "stage": "段階：",
        "colon": " — ",
    },
    "en": {
        "title": "Yorisoi: the 自立相談支援 case process (state diagram)",
        "region": "Parallel region: support before the plan (emergency support)",
        "inactive": "inactive",
        "active": "active",
        "t6_from": "may start in: ",
        "t6b_from": "may end in any state",
        "legend": "Legend",
        "solid": "transition made by staff",
        "dashed": "may also be fired by a timer or the system",
        "back": "back to an earlier state (return, re-plan)",
        "reopen": "reopening (end state → intake)",
        "terminal": "end state (T29 reopens it)",
        "tag": "{id} {name} also from this state",
        "history": "back to the previous state ({id})",
        "everywhere": "In every state (state unchanged):",
        "previous": "previous state",
        "same": "(state unchanged)",
        "guards": "guards: ",
        "roles": "roles: ",
        "timer": "timer: ",
        "sep": ", ",
        "opening": " (new case)",
        "stage": "stage: ",
        "colon": " — ",
    },
}

Pt = tuple[float, float]


# -- text ----------------------------------------------------------------------------------------------------------


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


def _fit(text: str, width: float, size: float) -> str:
    """One line: the text, else what comes before its first （, else the text cut with an ellipsis."""
    if text_width(text, size) <= width:
        return text
    head = text.split("（", 1)[0]
    if head and text_width(head, size) <= width:
        return head
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


# -- SVG primitives ------------------------------------------------------------------------------------------------


def _n(v: float) -> str:
    r = round(v, 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}"


def _attrs(attrs: dict[str, object]) -> str:
    parts = []
    for k, v in attrs.items():
        if v is None:
            continue
        value = _n(v) if isinstance(v, float | int) and not isinstance(v, bool) else str(v)
        parts.append(f" {k}={quoteattr(value)}")
    return "".join(parts)


def _el(tag: str, attrs: dict[str, object], content: str | None = None) -> str:
    if content is None:
        return f"<{tag}{_attrs(attrs)}/>"
    return f"<{tag}{_attrs(attrs)}>{content}</{tag}>"


def _text(
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
    return _el("text", attrs, escape(text))


def _path(points: Sequence[Pt], colour: str, *, dashed: bool = False, arrow: bool = True) -> str:
    d = "M" + " L".join(f"{_n(x)},{_n(y)}" for x, y in points)
    return _el(
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


def _curve(d: str, colour: str, *, dashed: bool) -> str:
    return _el(
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


def _defs() -> str:
    markers = "".join(
        _el(
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
            _el("path", {"d": "M0,0 L10,5 L0,10 z", "fill": c}),
        )
        for c in MARKER_COLOURS
    )
    style = (
        ".yp-edge:hover path,.yp-edge:hover circle{stroke-width:3}"
        ".yp-edge:hover text{font-weight:bold}"
        ".yp-state:hover .yp-box{stroke-width:3}"
    )
    return f"<defs>{markers}</defs><style>{style}</style>"


# -- layout --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def contains(self, p: Pt, margin: float = 1.0) -> bool:
        return self.x - margin < p[0] < self.right + margin and self.y - margin < p[1] < self.bottom + margin


def places() -> dict[CaseState, tuple[int, int]]:
    """``PLACES``, plus a place at the bottom of its stage's first column for any state it does not know."""
    out = {s: PLACES[s] for s in STATES if s in PLACES}
    for s, info in STATES.items():
        if s in out:
            continue
        slots = [out[o][0] for o in out if STATES[o].stage is info.stage]
        slot = min(slots) if slots else max((p[0] for p in out.values()), default=-1) + 1
        out[s] = (slot, max((p[1] for o, p in out.items() if p[0] == slot), default=-1) + 1)
    return out


def _slot_x(slot: int) -> float:
    return LEFT + slot * SLOT_W


def _name(state: CaseState, lang: str) -> str:
    info = STATES[state]
    return info.name_ja if lang == "ja" else info.name_en or state.value


def _name_lines(state: CaseState, lang: str) -> list[str]:
    return wrap(_name(state, lang), BOX_W - 2 * PAD, NAME_SIZE)


def _box_h(lang: str) -> float:
    lines = max(len(_name_lines(s, lang)) for s in STATES)
    return PAD + lines * NAME_LH + ID_SIZE + 6 + PAD


@dataclass
class Layout:
    lang: str
    boxes: dict[CaseState, Box]
    slots: int
    lane_base: float = 0.0
    tracks: int = 0
    bottom: float = 0.0

    @property
    def width(self) -> float:
        return LEFT + self.slots * SLOT_W - GAP_X + RIGHT

    def stage_slots(self, stage: Stage) -> tuple[int, int]:
        slots = [round((b.x - LEFT) / SLOT_W) for s, b in self.boxes.items() if STATES[s].stage is stage]
        return min(slots), max(slots)


def _layout(lang: str) -> Layout:
    h = _box_h(lang)
    boxes = {s: Box(_slot_x(c), BODY_TOP + r * PITCH_Y, BOX_W, h) for s, (c, r) in places().items()}
    slots = max(c for c, _ in places().values()) + 1
    return Layout(lang, boxes, slots)


# -- transitions: who is drawn how ---------------------------------------------------------------------------------


def _order(state: CaseState) -> int:
    return list(STATES).index(state)


def _automatic(t: TransitionDef) -> bool:
    return t.timer is not None or t.roles <= SYSTEM


def _colour(t: TransitionDef, source: CaseState | None = None) -> str:
    src = source if source is not None else (t.source[0] if t.source else None)
    if t.dest is not None and src is not None and _order(t.dest) < _order(src):
        return BACK
    return EDGE


def _roles(t: TransitionDef, lang: str) -> str:
    roles = [r for r in Role if r in t.roles]
    return WORDS[lang]["sep"].join(ROLE_NAMES_JA[r] if lang == "ja" else r.value for r in roles)


def _tooltip(t: TransitionDef, lang: str, route: str) -> str:
    w = WORDS[lang]
    lines = [f"{t.id} {t.name_ja}", route]
    if t.guards:
        lines.append(w["guards"] + ", ".join(t.guards))
    lines.append(w["roles"] + _roles(t, lang))
    if t.timer:
        lines.append(w["timer"] + t.timer)
    return "\n".join(lines)


def _route_text(t: TransitionDef, lang: str) -> str:
    w = WORDS[lang]
    sources = ", ".join(s.value for s in t.source) if len(t.source) < len(STATES) else "*"
    if t.dest_previous:
        return f"{sources} → {w['previous']}"
    if t.dest is None:
        return f"{sources} {w['same']}"
    return f"{sources} → {t.dest.value}"


def _group(t_id: str, title: str, body: Iterable[str], extra: dict[str, object] | None = None) -> str:
    attrs: dict[str, object] = {"class": "yp-edge", "data-transition": t_id, **(extra or {})}
    return _el("g", attrs, f"<title>{escape(title)}</title>" + "".join(body))


def _label(x: float, y: float, text: str, colour: str, anchor: str = "middle") -> str:
    return _text(x, y, text, size=LABEL_SIZE, fill=colour, anchor=anchor, bold=True, halo="#ffffff")


def _everywhere(t: TransitionDef) -> bool:
    return t.dest is None and not t.dest_previous and set(t.source) == set(STATES)


@dataclass
class Plan:
    """Which transitions go where in the drawing."""

    arrows: list[tuple[TransitionDef, CaseState, CaseState]] = field(default_factory=list)
    loops: list[tuple[TransitionDef, CaseState]] = field(default_factory=list)
    tags: list[tuple[TransitionDef, CaseState]] = field(default_factory=list)
    buses: list[TransitionDef] = field(default_factory=list)
    history: list[TransitionDef] = field(default_factory=list)
    region: list[TransitionDef] = field(default_factory=list)
    everywhere: list[TransitionDef] = field(default_factory=list)


def _plan_multi(plan: Plan, t: TransitionDef, dest: CaseState, layout: Layout) -> None:
    if all(STATES[s].terminal for s in t.source):
        plan.buses.append(t)
        return
    column = [s for s in t.source if layout.boxes[s].x == layout.boxes[dest].x]
    drawn = column or [min(t.source, key=lambda s: abs(layout.boxes[s].x - layout.boxes[dest].x))]
    plan.arrows.extend((t, s, dest) for s in drawn)
    plan.tags.extend((t, s) for s in t.source if s not in drawn)


def _plan(layout: Layout) -> Plan:
    plan = Plan()
    for t in TRANSITIONS:
        if t.region is Region.EMERGENCY:
            plan.region.append(t)
        elif t.dest_previous:
            plan.history.append(t)
        elif _everywhere(t):
            plan.everywhere.append(t)
        elif t.dest is None:
            plan.loops.extend((t, s) for s in t.source)
        elif len(t.source) == 1:
            plan.arrows.append((t, t.source[0], t.dest))
        else:
            _plan_multi(plan, t, t.dest, layout)
    return plan


# -- arrows between two states -------------------------------------------------------------------------------------


def _hits(points: Sequence[Pt], obstacles: Iterable[Box]) -> bool:
    boxes = list(obstacles)
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        for i in range(1, 60):
            p = (x1 + (x2 - x1) * i / 60, y1 + (y2 - y1) * i / 60)
            if any(b.contains(p, 4) for b in boxes):
                return True
    return False


Label = tuple[float, float, str]


def _vertical(src: Box, dst: Box, pair: bool) -> tuple[list[Pt], Label]:
    down = dst.y > src.y
    x = src.cx + ((-14 if down else 14) if pair else 0)
    pts = [(x, src.bottom), (x, dst.y)] if down else [(x, src.y), (x, dst.bottom)]
    mid = (pts[0][1] + pts[1][1]) / 2 + 4
    return pts, ((x - 5, mid, "end") if down and pair else (x + 5, mid, "start"))


def _horizontal(src: Box, dst: Box, pair: bool) -> tuple[list[Pt], Label]:
    fwd = dst.x > src.x
    y = src.cy + ((-9 if fwd else 9) if pair else 0)
    pts = [(src.right, y), (dst.x, y)] if fwd else [(src.x, y), (dst.right, y)]
    mid = (pts[0][0] + pts[1][0]) / 2
    return pts, ((mid, y - 5, "middle") if fwd or not pair else (mid, y + 14, "middle"))


def _diagonal(src: Box, dst: Box) -> tuple[list[Pt], Label]:
    down = dst.y > src.y
    y1 = src.y + src.h * (0.7 if down else 0.3)
    y2 = dst.y + dst.h * (0.3 if down else 0.7)
    pts = [(src.right, y1), (dst.x, y2)]
    return pts, ((src.right + dst.x) / 2 + 6, (y1 + y2) / 2 + 4, "start")


def _straight(src: Box, dst: Box, pair: bool, obstacles: list[Box]) -> tuple[list[Pt], Label] | None:
    if src.x == dst.x:
        route = _vertical(src, dst, pair)
    elif src.y == dst.y and (dst.x > src.x or abs(dst.x - src.x) <= SLOT_W):
        route = _horizontal(src, dst, pair)
    elif dst.x > src.x:
        route = _diagonal(src, dst)
    else:
        return None
    return None if _hits(route[0], [b for b in obstacles if b not in (src, dst)]) else route


@dataclass
class LaneEdge:
    t: TransitionDef
    src: CaseState
    dst: CaseState
    track: int = 0
    x_src: float = 0.0
    x_dst: float = 0.0


def _tracks(edges: list[LaneEdge], layout: Layout) -> None:
    """Shortest spans take the lowest lanes; nested spans never cross."""
    spans: list[tuple[float, float, int]] = []
    for e in sorted(edges, key=lambda e: (abs(layout.boxes[e.src].cx - layout.boxes[e.dst].cx), e.t.id)):
        lo, hi = sorted((layout.boxes[e.src].cx, layout.boxes[e.dst].cx))
        track = 0
        while any(t == track and not (hi < a or lo > b) for a, b, t in spans):
            track += 1
        e.track = track
        layout.tracks = max(layout.tracks, track + 1)
        spans.append((lo, hi, track))


def _ports(edges: list[LaneEdge], layout: Layout) -> None:
    """Where lane arrows leave and enter the tops of boxes, ordered so that their verticals cross no lane."""
    ends: dict[CaseState, list[tuple[LaneEdge, bool]]] = {}
    for e in edges:
        ends.setdefault(e.src, []).append((e, True))
        ends.setdefault(e.dst, []).append((e, False))
    for state, items in ends.items():
        box = layout.boxes[state]

        def key(item: tuple[LaneEdge, bool], box: Box = box) -> tuple[int, int]:
            e, is_src = item
            other = layout.boxes[e.dst if is_src else e.src]
            return (0, e.track) if other.cx < box.cx else (1, -e.track)

        ordered = sorted(items, key=key)
        for i, (e, is_src) in enumerate(ordered):
            x = box.x + box.w * (i + 1) / (len(ordered) + 1)
            if is_src:
                e.x_src = x
            else:
                e.x_dst = x


def _lane_y(layout: Layout, track: int) -> float:
    return layout.lane_base - 18 - track * LANE_STEP


def _draw_lane(e: LaneEdge, layout: Layout) -> str:
    src, dst = layout.boxes[e.src], layout.boxes[e.dst]
    y = _lane_y(layout, e.track)
    pts = [(e.x_src, src.y), (e.x_src, y), (e.x_dst, y), (e.x_dst, dst.y)]
    colour = _colour(e.t, e.src)
    label = _label(e.x_src + 5, (src.y + y) / 2 + 4, e.t.id, colour, "start")
    title = _tooltip(e.t, layout.lang, f"{e.src.value} → {e.dst.value}")
    return _group(e.t.id, title, [_path(pts, colour, dashed=_automatic(e.t)), label])


def _arrows(plan: Plan, layout: Layout) -> list[str]:
    pairs = {(s, d) for _, s, d in plan.arrows}
    obstacles = list(layout.boxes.values())
    out: list[str] = []
    lanes: list[LaneEdge] = []
    for t, s, d in plan.arrows:
        route = _straight(layout.boxes[s], layout.boxes[d], (d, s) in pairs, obstacles)
        if route is None:
            lanes.append(LaneEdge(t, s, d))
            continue
        pts, (lx, ly, anchor) = route
        colour = _colour(t, s)
        title = _tooltip(t, layout.lang, _route_text(t, layout.lang))
        out.append(
            _group(t.id, title, [_path(pts, colour, dashed=_automatic(t)), _label(lx, ly, t.id, colour, anchor)])
        )
    if lanes:
        spanned = {round((layout.boxes[s].x - LEFT) / SLOT_W) for e in lanes for s in (e.src, e.dst)}
        lo, hi = min(spanned), max(spanned)
        layout.lane_base = min(b.y for b in layout.boxes.values() if lo <= round((b.x - LEFT) / SLOT_W) <= hi)
        _tracks(lanes, layout)
        _ports(lanes, layout)
        out.extend(_draw_lane(e, layout) for e in lanes)
    return out


# -- self-loops, tags, history, bus --------------------------------------------------------------------------------


def _loop(box: Box, side: str, i: int, n: int) -> tuple[str, Label]:
    if side == "top":
        x = box.x + box.w * (i + 1) / (n + 1)
        y = box.y
        d = f"M{_n(x - 7)},{_n(y)} C{_n(x - 16)},{_n(y - 28)} {_n(x + 16)},{_n(y - 28)} {_n(x + 7)},{_n(y)}"
        return d, (x, y - 25, "middle")
    sign = 1 if side == "right" else -1
    edge = box.right if side == "right" else box.x
    y = box.y + box.h * (i + 1) / (n + 1)
    far = edge + sign * 28
    d = f"M{_n(edge)},{_n(y - 7)} C{_n(far)},{_n(y - 16)} {_n(far)},{_n(y + 16)} {_n(edge)},{_n(y + 7)}"
    return d, (edge + sign * 4, y - 16, "start" if sign > 0 else "end")


def _loops(plan: Plan, layout: Layout) -> list[str]:
    per_state: dict[CaseState, list[TransitionDef]] = {}
    for t, s in plan.loops:
        per_state.setdefault(s, []).append(t)
    out: list[str] = []
    for s, ts in per_state.items():
        side = LOOP_SIDES.get(s, "top")
        for i, t in enumerate(ts):
            d, (lx, ly, anchor) = _loop(layout.boxes[s], side, i, len(ts))
            title = _tooltip(t, layout.lang, f"{s.value} {WORDS[layout.lang]['same']}")
            body = [_curve(d, EDGE, dashed=_automatic(t)), _label(lx, ly, t.id, EDGE, anchor)]
            out.append(_group(t.id, title, body, {"data-self-loop": s.value}))
    return out


def _tag_shape(x: float, y: float, text: str) -> tuple[str, float]:
    w = text_width(text, ID_SIZE) + 10
    rect = _el(
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
    return rect + _text(x + w / 2, y + 12, text, size=ID_SIZE, fill=EDGE, anchor="middle", bold=True), w


def _tags(plan: Plan, layout: Layout) -> list[str]:
    out: list[str] = []
    for t, s in plan.tags:
        box = layout.boxes[s]
        text = f"{t.id}→"
        w = text_width(text, ID_SIZE) + 10
        shape, _ = _tag_shape(box.right - w + 10, box.bottom - 4, text)
        title = _tooltip(t, layout.lang, _route_text(t, layout.lang))
        out.append(_group(t.id, title, [shape], {"data-tag": s.value}))
    return out


def _history(plan: Plan, layout: Layout) -> list[str]:
    out: list[str] = []
    for t in plan.history:
        box = layout.boxes[t.source[0]]
        x, cy = box.cx + 36, box.y - 48
        arrow = _path([(x, box.y), (x, cy + 11)], EDGE, dashed=_automatic(t))
        circle = _el("circle", {"cx": x, "cy": cy, "r": 11, "fill": "#ffffff", "stroke": EDGE, "stroke-width": 1.6})
        h = _text(x, cy + 4.5, "H", size=12, fill=INK, anchor="middle", bold=True)
        caption = _text(x + 16, cy + 4, WORDS[layout.lang]["previous"], size=SMALL_SIZE, fill=INK, halo="#ffffff")
        label = _label(x + 5, box.y - 14, t.id, EDGE, "start")
        title = _tooltip(t, layout.lang, _route_text(t, layout.lang))
        out.append(_group(t.id, title, [arrow, circle, h, caption, label], {"data-history": "true"}))
    return out


def _buses(plan: Plan, layout: Layout) -> list[str]:
    out: list[str] = []
    bus_y = layout.bottom + 24
    lane_x = LEFT - 26
    for t in plan.buses:
        assert t.dest is not None
        dst = layout.boxes[t.dest]
        drops = [layout.boxes[s] for s in t.source]
        xs = sorted(b.cx for b in drops)
        body = [_path([(b.cx, b.bottom), (b.cx, bus_y)], REOPEN, arrow=False) for b in drops]
        body += [_el("circle", {"cx": x, "cy": bus_y, "r": 3, "fill": REOPEN}) for x in xs[:-1]]
        entry = dst.y + dst.h * 0.7
        body.append(_path([(xs[-1], bus_y), (lane_x, bus_y), (lane_x, entry), (dst.x, entry)], REOPEN))
        gaps = sorted(((b - a, a) for a, b in itertools.pairwise([lane_x, *xs])), reverse=True)
        _, start = gaps[0]
        text = f"{t.id} {t.name_ja}"
        body.append(_label(start + 16, bus_y - 6, text, REOPEN, "start"))
        out.append(_group(t.id, _tooltip(t, layout.lang, _route_text(t, layout.lang)), body, {"data-bus": "true"}))
        layout.bottom = bus_y
    return out


def _openings(layout: Layout) -> list[str]:
    out: list[str] = []
    ident, intake = layout.boxes[S.IDENTIFIED], layout.boxes[S.INTAKE]
    x = LEFT - 48
    out.append(_el("circle", {"cx": x, "cy": ident.cy, "r": 7, "fill": INK}))
    w = WORDS[layout.lang]
    t0 = _path([(x + 7, ident.cy), (ident.x, ident.cy)], EDGE)
    title0 = _tooltip(OPENING_IDENTIFIED, layout.lang, f"● → {S.IDENTIFIED.value}")
    out.append(
        _group("T0", title0, [t0, _label((x + ident.x) / 2, ident.cy - 6, "T0", EDGE)], {"data-opening": "true"})
    )
    y1 = intake.y + intake.h * 0.3
    t1 = _path([(x, ident.cy + 7), (x, y1), (intake.x, y1)], EDGE)
    title1 = _tooltip(OPENING, layout.lang, f"● → {S.INTAKE.value}{w['opening']}")
    out.append(_group("T1", title1, [t1, _label((x + intake.x) / 2, y1 - 6, "T1", EDGE)], {"data-opening": "true"}))
    return out


# -- states, bands, panels -----------------------------------------------------------------------------------------


def _state(state: CaseState, layout: Layout) -> str:
    info = STATES[state]
    box = layout.boxes[state]
    lang = layout.lang
    body: list[str] = []
    stage = STAGE_NAMES[info.stage][0 if lang == "ja" else 1]
    tip = f"{state.value} {_name(state, lang)} — {WORDS[lang]['stage']}{stage}"
    body.append(f"<title>{escape(tip)}</title>")
    fill, text, id_colour = (TERM_FILL, "#ffffff", TERM_ID) if info.terminal else ("#ffffff", INK, MUTED)
    if info.terminal:
        ring = {"x": box.x - 3, "y": box.y - 3, "width": box.w + 6, "height": box.h + 6, "rx": 13}
        body.append(_el("rect", {**ring, "fill": "none", "stroke": TERM_FILL, "stroke-width": 1.5}))
    rect = {"x": box.x, "y": box.y, "width": box.w, "height": box.h, "rx": 10, "class": "yp-box"}
    body.append(_el("rect", {**rect, "fill": fill, "stroke": TERM_FILL if info.terminal else BOX_STROKE}))
    lines = _name_lines(state, lang)
    top = box.y + PAD + (box.h - 2 * PAD - ID_SIZE - 6 - len(lines) * NAME_LH) / 2
    for i, line in enumerate(lines):
        body.append(_text(box.cx, top + (i + 1) * NAME_LH - 4, line, size=NAME_SIZE, fill=text, anchor="middle"))
    body.append(_text(box.cx, box.bottom - PAD, state.value, size=ID_SIZE, fill=id_colour, anchor="middle"))
    attrs = {"class": "yp-state", "id": f"yp-state-{state.value}", "data-state": state.value}
    return _el("g", {**attrs, "data-terminal": "true" if info.terminal else None}, "".join(body))


def _bands(layout: Layout, height: float) -> list[str]:
    out: list[str] = []
    for i, stage in enumerate(Stage):
        lo, hi = layout.stage_slots(stage)
        x0, x1 = _slot_x(lo) - GAP_X / 2, _slot_x(hi) + BOX_W + GAP_X / 2
        if i == 0:
            x0 = 0
        if i == len(Stage) - 1:
            x1 = layout.width
        name = STAGE_NAMES[stage][0 if layout.lang == "ja" else 1]
        band = _el("rect", {"x": x0, "y": 0, "width": x1 - x0, "height": height, "fill": BANDS[i % 2]})
        head = _el("rect", {"x": x0, "y": 0, "width": x1 - x0, "height": HEADER_H, "fill": BAND_HEAD[i % 2]})
        text = _text((x0 + x1) / 2, 26, f"{i + 1}  {name}", size=14, fill=INK, anchor="middle", bold=True)
        out.append(_el("g", {"class": "yp-stage", "data-stage": stage.value}, band + head + text))
    return out


def _panel_frame(x: float, y: float, w: float, h: float, title: str) -> list[str]:
    frame = {"x": x, "y": y, "width": w, "height": h, "rx": 8, "fill": PANEL_FILL, "stroke": BOX_STROKE}
    return [_el("rect", frame), _text(x + 12, y + 20, title, size=12.5, fill=INK, bold=True)]


def _region(plan: Plan, layout: Layout, x: float, y: float, w: float, h: float) -> str:
    words = WORDS[layout.lang]
    out = _panel_frame(x, y, w, h, words["region"])
    a = Box(x + 14, y + 38, 92, 30)
    b = Box(a.right + 64, a.y, 92, 30)
    for box, key in ((a, "inactive"), (b, "active")):
        frame = {"x": box.x, "y": box.y, "width": box.w, "height": box.h, "rx": 8}
        rect = _el("rect", {**frame, "fill": "#ffffff", "stroke": BOX_STROKE})
        label = _text(box.cx, box.cy + 4.5, words[key], size=SMALL_SIZE, fill=INK, anchor="middle")
        out.append(_el("g", {"data-region-state": key}, rect + label))
    notes_x = b.right + 18
    ny = y + 36
    for i, t in enumerate(plan.region):
        src, dst, yy = (a, b, a.y + 9) if i % 2 == 0 else (b, a, a.y + 21)
        pts = [(src.right, yy), (dst.x, yy)] if src is a else [(src.x, yy), (dst.right, yy)]
        label = _label((a.right + b.x) / 2, yy - 4 if i % 2 == 0 else yy + 14, t.id, EDGE)
        if len(t.source) == len(STATES):
            note = f"{t.id} {t.name_ja}{words['colon']}{words['t6b_from']}"
        else:
            names = WORDS[layout.lang]["sep"].join(_name(s, layout.lang) for s in STATES if s in t.source)
            note = f"{t.id} {t.name_ja}{words['colon']}{words['t6_from']}{names}"
        texts = []
        for line in wrap(note, x + w - 12 - notes_x, SMALL_SIZE):
            ny += 15
            texts.append(_text(notes_x, ny, line, size=SMALL_SIZE, fill=INK))
        ny += 4
        title = _tooltip(t, layout.lang, _route_text(t, layout.lang))
        out.append(_group(t.id, title, [_path(pts, EDGE, dashed=_automatic(t)), label, *texts], {"data-region": "1"}))
    return _el("g", {"class": "yp-region", "data-region": Region.EMERGENCY.value}, "".join(out))


def _legend(plan: Plan, layout: Layout, x: float, y: float, w: float, h: float) -> str:
    words = WORDS[layout.lang]
    out = _panel_frame(x, y, w, h, words["legend"])
    inner = w - 24
    cols = [x + 12, x + 12 + inner * 0.4, x + 12 + inner * 0.72]
    ends = [cols[1] - 8, cols[2] - 8, x + w - 12]

    def row(i: int) -> float:
        return y + 42 + i * 19

    def line(i: int, colour: str, *, dashed: bool = False) -> str:
        return _path([(cols[0], row(i) - 4), (cols[0] + 32, row(i) - 4)], colour, dashed=dashed)

    def item(col: int, i: int, sample: str, text: str) -> str:
        tx = cols[col] + 46
        fitted = _fit(text, ends[col] - tx, SMALL_SIZE)
        return sample + _text(tx, row(i), fitted, size=SMALL_SIZE, fill=INK)

    out.append(item(0, 0, line(0, EDGE), words["solid"]))
    out.append(item(0, 1, line(1, EDGE, dashed=True), words["dashed"]))
    out.append(item(0, 2, line(2, BACK), words["back"]))
    reopen = plan.buses[0].id if plan.buses else "T29"
    out.append(item(0, 3, line(3, REOPEN), f"{reopen} {words['reopen']}"))
    term = _el("rect", {"x": cols[1] + 4, "y": row(0) - 11, "width": 32, "height": 14, "rx": 4, "fill": TERM_FILL})
    out.append(item(1, 0, term, words["terminal"]))
    i = 1
    for t in dict.fromkeys(t for t, _ in plan.tags):
        shape, _ = _tag_shape(cols[1], row(i) - 12, f"{t.id}→")
        out.append(item(1, i, shape, words["tag"].format(id=t.id, name=t.name_ja)))
        i += 1
    for t in plan.history:
        circle = _el("circle", {"cx": cols[1] + 20, "cy": row(i) - 4, "r": 8, "fill": "#ffffff", "stroke": EDGE})
        h_ = _text(cols[1] + 20, row(i), "H", size=9, fill=INK, anchor="middle", bold=True)
        out.append(item(1, i, circle + h_, words["history"].format(id=t.id)))
        i += 1
    heading = _fit(words["everywhere"], ends[2] - cols[2], SMALL_SIZE)
    out.append(_text(cols[2], row(0), heading, size=SMALL_SIZE, fill=INK, bold=True))
    for i, t in enumerate(plan.everywhere, start=1):
        text = _fit(f"{t.id} {t.name_ja}", ends[2] - cols[2] - 8, SMALL_SIZE)
        title = _tooltip(t, layout.lang, _route_text(t, layout.lang))
        body = [_text(cols[2] + 8, row(i), text, size=SMALL_SIZE, fill=INK)]
        out.append(_group(t.id, title, body, {"data-everywhere": "true"}))
    return _el("g", {"class": "yp-legend"}, "".join(out))


def _desc(layout: Layout) -> str:
    lang = layout.lang
    sep = WORDS[lang]["sep"]
    opening, closing = ("（", "）") if lang == "ja" else (" (", ")")
    stages = [
        f"{i + 1} {STAGE_NAMES[st][0 if lang == 'ja' else 1]}{opening}"
        + sep.join(_name(s, lang) for s, info in STATES.items() if info.stage is st)
        + closing
        for i, st in enumerate(Stage)
    ]
    ids = ", ".join(t.id for t in TRANSITIONS)
    if lang == "ja":
        return (
            f"ケースの7段階を左から右へ列として並べ、{len(STATES)}の状態を箱、遷移を矢印で示す図。"
            f"段階と状態：{'／'.join(stages)}。遷移：T0, T1（開始）, {ids}。"
        )
    return (
        f"The seven stages of a case as columns from left to right, its {len(STATES)} states as boxes and the "
        f"transitions as arrows. Stages and states: {' / '.join(stages)}. Transitions: T0, T1 (opening), {ids}."
    )


# -- the document --------------------------------------------------------------------------------------------------


def _render(lang: str) -> str:
    layout = _layout(lang)
    plan = _plan(layout)
    layout.bottom = max(b.bottom for b in layout.boxes.values())
    edges = _openings(layout) + _arrows(plan, layout) + _loops(plan, layout)
    edges += _history(plan, layout) + _tags(plan, layout) + _buses(plan, layout)
    height = layout.bottom + BOTTOM
    lane_top = _lane_y(layout, layout.tracks) - 6 if layout.tracks else BODY_TOP + 2 * PITCH_Y - 40
    panel_h = lane_top - BODY_TOP
    x1, x2 = _slot_x(1) - 8, _slot_x(5) - 8
    w1 = _slot_x(4) + BOX_W + 8 - x1
    w2 = _slot_x(layout.slots - 1) + BOX_W + 8 - x2
    panels = [_region(plan, layout, x1, BODY_TOP, w1, panel_h), _legend(plan, layout, x2, BODY_TOP, w2, panel_h)]
    states = [_state(s, layout) for s in STATES]
    width = layout.width
    root = {
        "xmlns": "http://www.w3.org/2000/svg",
        "viewBox": f"0 0 {_n(width)} {_n(height)}",
        "width": width,
        "height": height,
        "role": "img",
        "aria-labelledby": "yp-title yp-desc",
        "lang": lang,
        "font-family": FONT,
        "class": "yp-process",
    }
    head = (
        _el("title", {"id": "yp-title"}, escape(WORDS[lang]["title"]))
        + _el("desc", {"id": "yp-desc"}, escape(_desc(layout)))
        + _defs()
    )
    body = "\n".join([*_bands(layout, height), *panels, *states, *edges])
    return f"{_el('svg', root, head + chr(10) + body + chr(10))}\n"


@functools.cache
def process_svg(lang: str = "ja") -> str:
    """The case process diagram as a standalone SVG document; ``lang`` is "ja" (default) or "en"."""
    return _render(lang if lang in LANGS else "ja")
