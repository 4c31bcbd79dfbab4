"""Where each state of the /process diagram sits: stages as columns, states as boxes on a grid (process.md §1.3).

``PLACES`` is the presentation table (column, row); a state it does not know yet goes to the bottom of its stage's
first column, so it is never missing. Box heights follow the longest state name of the language.
"""

from __future__ import annotations

from dataclasses import dataclass

from statemachines.case.record import STATES, CaseState, Stage
from web.process.measure import wrap
from web.process.svg import Pt

S = CaseState

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


def slot_x(slot: int) -> float:
    return LEFT + slot * SLOT_W


def state_name(state: CaseState, lang: str) -> str:
    info = STATES[state]
    return info.name_ja if lang == "ja" else info.name_en or state.value


def name_lines(state: CaseState, lang: str) -> list[str]:
    return wrap(state_name(state, lang), BOX_W - 2 * PAD, NAME_SIZE)


def _box_height(lang: str) -> float:
    lines = max(len(name_lines(s, lang)) for s in STATES)
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


def build_layout(lang: str) -> Layout:
    h = _box_height(lang)
    boxes = {s: Box(slot_x(c), BODY_TOP + r * PITCH_Y, BOX_W, h) for s, (c, r) in places().items()}
    slots = max(c for c, _ in places().values()) + 1
    return Layout(lang, boxes, slots)
