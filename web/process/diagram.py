"""The case process (process.md §1.3–1.4) as one standalone SVG, drawn from the state machine tables.

``process_svg(lang)`` returns a complete ``<svg>`` document (no script, no external asset, no Mermaid) for the
``/process`` page: inline in the HTML, or served as ``image/svg+xml``. It is computed once per language.
Its parts: ``layout`` (where the states sit), ``routing`` (which transition is drawn how, and the way of each
arrow), ``edges`` and ``panels`` (the drawing), ``svg`` (elements and palette), ``measure`` (text) and ``words``.

How it is laid out:

* **Stages are columns**, left to right in process order (相談受付 … 評価・終結), each a shaded band with its name
  on top; 相談受付 and 評価・終結 take two columns. Where a state sits (column, row) is the presentation table
  ``layout.PLACES``; a state that table does not know yet goes to the bottom of its stage's first column, so it is never
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
from xml.sax.saxutils import escape

from statemachines.case.record import STATES
from web.process import svg
from web.process.edges import arrows, buses, history, loops, openings, tags
from web.process.layout import BODY_TOP, BOTTOM, BOX_W, PITCH_Y, build_layout, slot_x
from web.process.panels import bands, description, legend_panel, region_panel, state_box
from web.process.routing import lane_y, plan_transitions
from web.process.svg import FONT
from web.process.words import WORDS

LANGS = ("ja", "en")


def _render(lang: str) -> str:
    layout = build_layout(lang)
    plan = plan_transitions(layout)
    layout.bottom = max(b.bottom for b in layout.boxes.values())
    edges = openings(layout) + arrows(plan, layout) + loops(plan, layout)
    edges += history(plan, layout) + tags(plan, layout) + buses(plan, layout)
    height = layout.bottom + BOTTOM
    lane_top = lane_y(layout, layout.tracks) - 6 if layout.tracks else BODY_TOP + 2 * PITCH_Y - 40
    panel_h = lane_top - BODY_TOP
    x1, x2 = slot_x(1) - 8, slot_x(5) - 8
    w1 = slot_x(4) + BOX_W + 8 - x1
    w2 = slot_x(layout.slots - 1) + BOX_W + 8 - x2
    panels = [
        region_panel(plan, layout, x1, BODY_TOP, w1, panel_h),
        legend_panel(plan, layout, x2, BODY_TOP, w2, panel_h),
    ]
    states = [state_box(s, layout) for s in STATES]
    width = layout.width
    root = {
        "xmlns": "http://www.w3.org/2000/svg",
        "viewBox": f"0 0 {svg.num(width)} {svg.num(height)}",
        "width": width,
        "height": height,
        "role": "img",
        "aria-labelledby": "yp-title yp-desc",
        "lang": lang,
        "font-family": FONT,
        "class": "yp-process",
    }
    head = (
        svg.el("title", {"id": "yp-title"}, escape(WORDS[lang]["title"]))
        + svg.el("desc", {"id": "yp-desc"}, escape(description(layout)))
        + svg.defs()
    )
    body = "\n".join([*bands(layout, height), *panels, *states, *edges])
    return f"{svg.el('svg', root, head + chr(10) + body + chr(10))}\n"


@functools.cache
def process_svg(lang: str = "ja") -> str:
    """The case process diagram as a standalone SVG document; ``lang`` is "ja" (default) or "en"."""
    return _render(lang if lang in LANGS else "ja")
