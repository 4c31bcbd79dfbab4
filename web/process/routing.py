"""Which transition of the /process diagram is drawn how, and the way of each arrow between two boxes.

Transitions with one source and a destination are arrows, straight when nothing is in the way, otherwise routed
orthogonally through lanes above the boxes: shortest spans take the lowest lanes, nested spans never cross, and the
ports on each box are ordered so that their verticals cross no lane. Internal transitions are self-loops, several
sources make a bus (all terminal) or an arrow plus tags, T27 goes to a history pseudo-state, and the parallel 緊急支援
region has a panel of its own (process.md §1.3–1.4).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from statemachines.case.record import STATES, CaseState
from statemachines.case.transitions import TRANSITIONS, Region, TransitionDef
from web.process.layout import LANE_STEP, LEFT, SLOT_W, Box, Layout
from web.process.svg import Pt


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


def plan_transitions(layout: Layout) -> Plan:
    """Every transition of the table sorted by how it is drawn."""
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


def _hits(points: Sequence[Pt], obstacles: Iterable[Box]) -> bool:
    boxes = list(obstacles)
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        for i in range(1, 60):
            p = (x1 + (x2 - x1) * i / 60, y1 + (y2 - y1) * i / 60)
            if any(b.contains(p, 4) for b in boxes):
                return True
    return False


Label = tuple[float, float, str]
"""Where a transition's id is written: x, y and the text anchor."""


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


def straight(src: Box, dst: Box, pair: bool, obstacles: list[Box]) -> tuple[list[Pt], Label] | None:
    """A straight arrow (vertical, horizontal or forward diagonal) that crosses no box, or None: it takes a lane."""
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
    """An arrow through the lanes: its track (0 is the lowest lane) and where it leaves and enters the boxes."""

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


def lane_y(layout: Layout, track: int) -> float:
    """The height of a lane: above the highest box of the columns the lanes span."""
    return layout.lane_base - 18 - track * LANE_STEP


def route_lanes(lanes: list[LaneEdge], layout: Layout) -> None:
    """The arrows no straight line can take go through lanes above the boxes of the columns they span."""
    spanned = {round((layout.boxes[s].x - LEFT) / SLOT_W) for e in lanes for s in (e.src, e.dst)}
    lo, hi = min(spanned), max(spanned)
    layout.lane_base = min(b.y for b in layout.boxes.values() if lo <= round((b.x - LEFT) / SLOT_W) <= hi)
    _tracks(lanes, layout)
    _ports(lanes, layout)
