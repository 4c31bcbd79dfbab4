"""A 帳票 as PDF: the blocks of ``web.forms.sheets`` drawn by ``templates/form.typ`` with typst (the compiler comes
with the ``typst`` package from PyPI; README, "The forms (帳票)", says why typst).

A4, Noto Sans CJK JP embedded (subset) from Debian's fonts-noto-cjk, which ``make run`` and ``make test`` install.
One compiler is kept for the process (it caches the fonts and the template); compiles take turns on it.
"""

from __future__ import annotations

import functools
import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import typst

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE = TEMPLATES / "form.typ"
PACKET_TEMPLATE = TEMPLATES / "packet.typ"
FONT_FAMILY = "Noto Sans CJK JP"
FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/opentype/noto-cjk"))
_turn = threading.Lock()


class FormFontsMissing(Exception):
    """The Japanese font the forms embed is not installed (``make run`` installs fonts-noto-cjk)."""


@functools.cache
def _compiler() -> typst.Compiler:
    fonts = typst.Fonts(
        include_system_fonts=True, include_embedded_fonts=True, font_paths=[str(d) for d in FONT_DIRS if d.is_dir()]
    )
    if FONT_FAMILY not in fonts.families():
        raise FormFontsMissing(FONT_FAMILY)
    return typst.Compiler(root=str(TEMPLATES), font_paths=fonts)


def render_pdf(document: dict[str, Any], *, at: datetime, template: Path = TEMPLATE) -> bytes:
    """The PDF of ``document`` (title, header and footer words, blocks), dated ``at``, drawn by ``template`` (a
    form's, or another of ``TEMPLATES`` such as the agenda packet's)."""
    data = json.dumps(document, ensure_ascii=False)
    with _turn:
        pdf = _compiler().compile(
            input=str(template), format="pdf", sys_inputs={"data": data}, timestamp=at.replace(microsecond=0)
        )
    assert isinstance(pdf, bytes)
    return pdf
