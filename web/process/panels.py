"""The states, stage bands and panels of the /process diagram: the 緊急支援 region, the legend and the description.

Every state is a ``<g data-state="…" id="yp-state-…">``: its name (Japanese, or English with ``lang="en"``) and its id
in small text; terminal states are dark with a double border.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from statemachines.case.record import STAGE_NAMES, STATES, CaseState, Stage
from statemachines.case.transitions import TRANSITIONS, Region
from web.process import svg
from web.process.edges import automatic, id_label, route_text, tag_shape, tooltip, transition_group
from web.process.layout import (
    BOX_W,
    GAP_X,
    HEADER_H,
    ID_SIZE,
    NAME_LH,
    NAME_SIZE,
    PAD,
    SMALL_SIZE,
    Box,
    Layout,
    name_lines,
    slot_x,
    state_name,
)
from web.process.measure import fit, wrap
from web.process.routing import Plan
from web.process.svg import BACK, BAND_HEAD, BANDS, BOX_STROKE, EDGE, INK, MUTED, PANEL_FILL, REOPEN, TERM_FILL, TERM_ID
from web.process.words import WORDS


def state_box(state: CaseState, layout: Layout) -> str:
    info = STATES[state]
    box = layout.boxes[state]
    lang = layout.lang
    body: list[str] = []
    stage = STAGE_NAMES[info.stage][0 if lang == "ja" else 1]
    tip = f"{state.value} {state_name(state, lang)} — {WORDS[lang]['stage']}{stage}"
    body.append(f"<title>{escape(tip)}</title>")
    fill, text, id_colour = (TERM_FILL, "#ffffff", TERM_ID) if info.terminal else ("#ffffff", INK, MUTED)
    if info.terminal:
        ring = {"x": box.x - 3, "y": box.y - 3, "width": box.w + 6, "height": box.h + 6, "rx": 13}
        body.append(svg.el("rect", {**ring, "fill": "none", "stroke": TERM_FILL, "stroke-width": 1.5}))
    rect = {"x": box.x, "y": box.y, "width": box.w, "height": box.h, "rx": 10, "class": "yp-box"}
    body.append(svg.el("rect", {**rect, "fill": fill, "stroke": TERM_FILL if info.terminal else BOX_STROKE}))
    lines = name_lines(state, lang)
    top = box.y + PAD + (box.h - 2 * PAD - ID_SIZE - 6 - len(lines) * NAME_LH) / 2
    for i, line in enumerate(lines):
        body.append(svg.text(box.cx, top + (i + 1) * NAME_LH - 4, line, size=NAME_SIZE, fill=text, anchor="middle"))
    body.append(svg.text(box.cx, box.bottom - PAD, state.value, size=ID_SIZE, fill=id_colour, anchor="middle"))
    attrs = {"class": "yp-state", "id": f"yp-state-{state.value}", "data-state": state.value}
    return svg.el("g", {**attrs, "data-terminal": "true" if info.terminal else None}, "".join(body))


def bands(layout: Layout, height: float) -> list[str]:
    out: list[str] = []
    for i, stage in enumerate(Stage):
        lo, hi = layout.stage_slots(stage)
        x0, x1 = slot_x(lo) - GAP_X / 2, slot_x(hi) + BOX_W + GAP_X / 2
        if i == 0:
            x0 = 0
        if i == len(Stage) - 1:
            x1 = layout.width
        name = STAGE_NAMES[stage][0 if layout.lang == "ja" else 1]
        band = svg.el("rect", {"x": x0, "y": 0, "width": x1 - x0, "height": height, "fill": BANDS[i % 2]})
        head = svg.el("rect", {"x": x0, "y": 0, "width": x1 - x0, "height": HEADER_H, "fill": BAND_HEAD[i % 2]})
        text = svg.text((x0 + x1) / 2, 26, f"{i + 1}  {name}", size=14, fill=INK, anchor="middle", bold=True)
        out.append(svg.el("g", {"class": "yp-stage", "data-stage": stage.value}, band + head + text))
    return out


def _panel_frame(x: float, y: float, w: float, h: float, title: str) -> list[str]:
    frame = {"x": x, "y": y, "width": w, "height": h, "rx": 8, "fill": PANEL_FILL, "stroke": BOX_STROKE}
    return [svg.el("rect", frame), svg.text(x + 12, y + 20, title, size=12.5, fill=INK, bold=True)]


def region_panel(plan: Plan, layout: Layout, x: float, y: float, w: float, h: float) -> str:
    words = WORDS[layout.lang]
    out = _panel_frame(x, y, w, h, words["region"])
    a = Box(x + 14, y + 38, 92, 30)
    b = Box(a.right + 64, a.y, 92, 30)
    for box, key in ((a, "inactive"), (b, "active")):
        frame = {"x": box.x, "y": box.y, "width": box.w, "height": box.h, "rx": 8}
        rect = svg.el("rect", {**frame, "fill": "#ffffff", "stroke": BOX_STROKE})
        label = svg.text(box.cx, box.cy + 4.5, words[key], size=SMALL_SIZE, fill=INK, anchor="middle")
        out.append(svg.el("g", {"data-region-state": key}, rect + label))
    notes_x = b.right + 18
    ny = y + 36
    for i, t in enumerate(plan.region):
        src, dst, yy = (a, b, a.y + 9) if i % 2 == 0 else (b, a, a.y + 21)
        pts = [(src.right, yy), (dst.x, yy)] if src is a else [(src.x, yy), (dst.right, yy)]
        label = id_label((a.right + b.x) / 2, yy - 4 if i % 2 == 0 else yy + 14, t.id, EDGE)
        if len(t.source) == len(STATES):
            note = f"{t.id} {t.name_ja}{words['colon']}{words['t6b_from']}"
        else:
            names = WORDS[layout.lang]["sep"].join(state_name(s, layout.lang) for s in STATES if s in t.source)
            note = f"{t.id} {t.name_ja}{words['colon']}{words['t6_from']}{names}"
        texts = []
        for line in wrap(note, x + w - 12 - notes_x, SMALL_SIZE):
            ny += 15
            texts.append(svg.text(notes_x, ny, line, size=SMALL_SIZE, fill=INK))
        ny += 4
        title = tooltip(t, layout.lang, route_text(t, layout.lang))
        out.append(
            transition_group(
                t.id, title, [svg.path(pts, EDGE, dashed=automatic(t)), label, *texts], {"data-region": "1"}
            )
        )
    return svg.el("g", {"class": "yp-region", "data-region": Region.EMERGENCY.value}, "".join(out))


def legend_panel(plan: Plan, layout: Layout, x: float, y: float, w: float, h: float) -> str:
    words = WORDS[layout.lang]
    out = _panel_frame(x, y, w, h, words["legend"])
    inner = w - 24
    cols = [x + 12, x + 12 + inner * 0.4, x + 12 + inner * 0.72]
    ends = [cols[1] - 8, cols[2] - 8, x + w - 12]

    def row(i: int) -> float:
        return y + 42 + i * 19

    def line(i: int, colour: str, *, dashed: bool = False) -> str:
        return svg.path([(cols[0], row(i) - 4), (cols[0] + 32, row(i) - 4)], colour, dashed=dashed)

    def item(col: int, i: int, sample: str, text: str) -> str:
        tx = cols[col] + 46
        fitted = fit(text, ends[col] - tx, SMALL_SIZE)
        return sample + svg.text(tx, row(i), fitted, size=SMALL_SIZE, fill=INK)

    out.append(item(0, 0, line(0, EDGE), words["solid"]))
    out.append(item(0, 1, line(1, EDGE, dashed=True), words["dashed"]))
    out.append(item(0, 2, line(2, BACK), words["back"]))
    reopen = plan.buses[0].id if plan.buses else "T29"
    out.append(item(0, 3, line(3, REOPEN), f"{reopen} {words['reopen']}"))
    term = svg.el("rect", {"x": cols[1] + 4, "y": row(0) - 11, "width": 32, "height": 14, "rx": 4, "fill": TERM_FILL})
    out.append(item(1, 0, term, words["terminal"]))
    i = 1
    for t in dict.fromkeys(t for t, _ in plan.tags):
        shape, _ = tag_shape(cols[1], row(i) - 12, f"{t.id}→")
        out.append(item(1, i, shape, words["tag"].format(id=t.id, name=t.name_ja)))
        i += 1
    for t in plan.history:
        circle = svg.el("circle", {"cx": cols[1] + 20, "cy": row(i) - 4, "r": 8, "fill": "#ffffff", "stroke": EDGE})
        h_ = svg.text(cols[1] + 20, row(i), "H", size=9, fill=INK, anchor="middle", bold=True)
        out.append(item(1, i, circle + h_, words["history"].format(id=t.id)))
        i += 1
    heading = fit(words["everywhere"], ends[2] - cols[2], SMALL_SIZE)
    out.append(svg.text(cols[2], row(0), heading, size=SMALL_SIZE, fill=INK, bold=True))
    for i, t in enumerate(plan.everywhere, start=1):
        text = fit(f"{t.id} {t.name_ja}", ends[2] - cols[2] - 8, SMALL_SIZE)
        title = tooltip(t, layout.lang, route_text(t, layout.lang))
        body = [svg.text(cols[2] + 8, row(i), text, size=SMALL_SIZE, fill=INK)]
        out.append(transition_group(t.id, title, body, {"data-everywhere": "true"}))
    return svg.el("g", {"class": "yp-legend"}, "".join(out))


def description(layout: Layout) -> str:
    lang = layout.lang
    sep = WORDS[lang]["sep"]
    opening, closing = ("（", "）") if lang == "ja" else (" (", ")")
    stages = [
        f"{i + 1} {STAGE_NAMES[st][0 if lang == 'ja' else 1]}{opening}"
        + sep.join(state_name(s, lang) for s, info in STATES.items() if info.stage is st)
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
