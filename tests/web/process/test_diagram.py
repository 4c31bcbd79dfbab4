"""The /process diagram: one well-formed, self-contained SVG drawn from the tables, readable, and stable."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from statemachines.case.record import STATES
from statemachines.case.transitions import OPENING, OPENING_IDENTIFIED, TRANSITIONS
from web.process import svg
from web.process.diagram import LANGS, process_svg
from web.process.measure import text_width
from web.process.svg import FONT

NS = "{http://www.w3.org/2000/svg}"
Rect = tuple[float, float, float, float]


def _root(lang: str) -> ET.Element:
    return ET.fromstring(process_svg(lang))


def _viewbox(root: ET.Element) -> Rect:
    x, y, w, h = (float(v) for v in root.attrib["viewBox"].split())
    return x, y, w, h


def _groups(root: ET.Element, attr: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if attr in g.attrib]


def _title(el: ET.Element) -> str:
    title = el.find(f"{NS}title")
    assert title is not None
    assert title.text
    return title.text


def _rect(el: ET.Element) -> Rect:
    return tuple(float(el.attrib[k]) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]


def _text_extent(el: ET.Element) -> Rect:
    """The estimated box of a ``<text>`` (its position, anchor and size are always its own attributes)."""
    size = float(el.attrib["font-size"])
    width = text_width(el.text or "", size)
    x = float(el.attrib["x"])
    left = {"start": x, "middle": x - width / 2, "end": x - width}[el.attrib.get("text-anchor", "start")]
    y = float(el.attrib["y"])
    return left, y - size, width, size * 1.25


def _inside(inner: Rect, outer: Rect) -> bool:
    return (
        inner[0] >= outer[0]
        and inner[1] >= outer[1]
        and inner[0] + inner[2] <= outer[0] + outer[2]
        and inner[1] + inner[3] <= outer[1] + outer[3]
    )


@pytest.mark.parametrize("lang", LANGS)
def test_the_root_is_an_accessible_standalone_image(lang: str) -> None:
    root = _root(lang)
    assert root.tag == f"{NS}svg"
    assert root.attrib["role"] == "img"
    assert root.attrib["lang"] == lang
    assert root.attrib["font-family"] == FONT
    labelled_by = root.attrib["aria-labelledby"].split()
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title is not None
    assert title.text
    assert title.attrib["id"] in labelled_by
    assert desc is not None
    assert desc.text
    assert desc.attrib["id"] in labelled_by
    assert list(root)[:2] == [title, desc]
    _, _, w, h = _viewbox(root)
    assert float(root.attrib["width"]) == w
    assert float(root.attrib["height"]) == h


@pytest.mark.parametrize("lang", LANGS)
def test_nothing_is_fetched_or_run(lang: str) -> None:
    svg = process_svg(lang)
    root = ET.fromstring(svg)
    assert not [el for el in root.iter() if el.tag in (f"{NS}script", f"{NS}image", f"{NS}foreignObject")]
    assert not [k for el in root.iter() for k in el.attrib if k.startswith("on") or k.endswith("href")]
    assert set(re.findall(r"url\(([^)]*)\)", svg)) <= {f"#{i}" for i in _ids(root)}
    assert "@import" not in svg
    assert "mermaid" not in svg.lower()


def _ids(root: ET.Element) -> list[str]:
    return [el.attrib["id"] for el in root.iter() if "id" in el.attrib]


@pytest.mark.parametrize("lang", LANGS)
def test_ids_are_unique_and_prefixed_for_an_inline_page(lang: str) -> None:
    ids = _ids(_root(lang))
    assert len(ids) == len(set(ids))
    assert all(i.startswith("yp-") for i in ids)


@pytest.mark.parametrize("lang", LANGS)
def test_every_state_is_one_group_with_its_name_and_id(lang: str) -> None:
    groups = _groups(_root(lang), "data-state")
    assert sorted(g.attrib["data-state"] for g in groups) == sorted(s.value for s in STATES)
    for g in groups:
        state = next(s for s in STATES if s.value == g.attrib["data-state"])
        info = STATES[state]
        assert g.attrib["id"] == f"yp-state-{state.value}"
        assert (g.attrib.get("data-terminal") == "true") is info.terminal
        texts = [t.text or "" for t in g.iter(f"{NS}text")]
        assert texts[-1] == state.value
        name = info.name_ja if lang == "ja" else info.name_en
        assert "".join(texts[:-1]).replace(" ", "") == name.replace(" ", "")
        assert _title(g).startswith(state.value)


def test_terminal_states_look_different() -> None:
    fills = {
        g.attrib["data-state"]: next(r.attrib["fill"] for r in g.iter(f"{NS}rect") if r.get("class") == "yp-box")
        for g in _groups(_root("ja"), "data-state")
    }
    terminal = {fills[s.value] for s, info in STATES.items() if info.terminal}
    others = {fills[s.value] for s, info in STATES.items() if not info.terminal}
    assert len(terminal) == 1
    assert not terminal & others


@pytest.mark.parametrize("lang", LANGS)
def test_every_transition_is_drawn_with_a_tooltip(lang: str) -> None:
    groups = _groups(_root(lang), "data-transition")
    drawn = {g.attrib["data-transition"] for g in groups}
    assert {t.id for t in TRANSITIONS} | {OPENING_IDENTIFIED.id} <= drawn
    for t in TRANSITIONS:
        titles = [_title(g) for g in groups if g.attrib["data-transition"] == t.id and "data-opening" not in g.attrib]
        assert titles, t.id
        for title in titles:
            assert title.startswith(f"{t.id} {t.name_ja}\n")
            assert all(guard in title for guard in t.guards)


def test_a_case_opens_from_the_initial_dot_by_t0_or_t1() -> None:
    openings = {g.attrib["data-transition"]: _title(g) for g in _groups(_root("ja"), "data-opening")}
    assert set(openings) == {OPENING_IDENTIFIED.id, OPENING.id}
    assert openings["T0"].startswith(f"T0 {OPENING_IDENTIFIED.name_ja}\n")
    assert openings["T1"].startswith(f"T1 {OPENING.name_ja}\n")
    assert "IDENTIFIED" in openings["T0"]
    assert "INTAKE" in openings["T1"]


def test_a_transition_with_a_source_and_a_destination_is_an_arrow() -> None:
    groups = _groups(_root("ja"), "data-transition")
    for t in TRANSITIONS:
        if t.dest is None or len(t.source) != 1:
            continue
        paths = [p for g in groups if g.attrib["data-transition"] == t.id for p in g.iter(f"{NS}path")]
        assert any(p.get("marker-end", "").startswith("url(#yp-arrow") for p in paths), t.id
        assert any((tx.text or "").startswith(t.id) for g in groups if g.attrib["data-transition"] == t.id for tx in g)


def test_internal_transitions_are_self_loops_or_in_the_legend() -> None:
    root = _root("ja")
    loops = {(g.attrib["data-transition"], g.attrib["data-self-loop"]) for g in _groups(root, "data-self-loop")}
    everywhere = {g.attrib["data-transition"] for g in _groups(root, "data-everywhere")}
    for t in TRANSITIONS:
        if t.dest is not None or t.dest_previous or t.region != "main":
            continue
        if len(t.source) == len(STATES):
            assert t.id in everywhere
        else:
            assert {(t.id, s.value) for s in t.source} <= loops


@pytest.mark.parametrize("lang", LANGS)
def test_state_boxes_do_not_overlap(lang: str) -> None:
    boxes = [_rect(r) for r in _root(lang).iter(f"{NS}rect") if r.get("class") == "yp-box"]
    assert len(boxes) == len(STATES)
    gap = 8
    for a, b in itertools.combinations(boxes, 2):
        apart = (
            a[0] + a[2] + gap <= b[0]
            or b[0] + b[2] + gap <= a[0]
            or a[1] + a[3] + gap <= b[1]
            or b[1] + b[3] + gap <= a[1]
        )
        assert apart, (a, b)


@pytest.mark.parametrize("lang", LANGS)
def test_all_text_is_inside_the_viewbox(lang: str) -> None:
    root = _root(lang)
    view = _viewbox(root)
    texts = list(root.iter(f"{NS}text"))
    assert texts
    for t in texts:
        assert _inside(_text_extent(t), view), t.text


@pytest.mark.parametrize("lang", LANGS)
def test_state_names_fit_their_boxes(lang: str) -> None:
    for g in _groups(_root(lang), "data-state"):
        box = next(_rect(r) for r in g.iter(f"{NS}rect") if r.get("class") == "yp-box")
        for t in g.iter(f"{NS}text"):
            assert _inside(_text_extent(t), box), t.text


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("lang", LANGS)
def test_text_meets_wcag_aa_contrast(lang: str) -> None:
    root = _root(lang)
    light = ("#ffffff", *svg.BANDS, *svg.BAND_HEAD)
    terminal = {id(t) for g in _groups(root, "data-terminal") for t in g.iter(f"{NS}text")}
    for t in root.iter(f"{NS}text"):
        backgrounds = (svg.TERM_FILL,) if id(t) in terminal else light
        assert min(_contrast(t.attrib["fill"], bg) for bg in backgrounds) >= 4.5, (t.text, t.attrib["fill"])


def test_the_output_is_stable_and_computed_once() -> None:
    first = process_svg("ja")
    assert process_svg("ja") is first
    process_svg.cache_clear()
    assert process_svg("ja") == first
    assert process_svg() == first
    assert process_svg("en") != first
    assert process_svg("xx") == first
