"""The 帳票 drawn from a record in process (no server): a long 経過一覧 runs over pages, each with the 受付番号, the
年度 and its page number, and recorded words are printed as written, never read as typst markup."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pypdf

from statemachines.case.record import CaseRecord, CaseState
from statemachines.case.transitions import Trigger
from tests.factories import ON
from tests.statemachines.paths import reach, step
from web.forms.api import document
from web.forms.catalogue import FORMS
from web.forms.render import render_pdf
from web.forms.sheets import FormContext

NUMBER = "A市-2026-000777"
AT = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def _pages(record: CaseRecord, form: str) -> list[str]:
    ctx = FormContext(record=record, today=date(2026, 12, 7), municipality="A市 福祉事務所", names={"sw1": "佐藤"})
    pdf = render_pdf(document(FORMS[form], ctx), at=AT)
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def _supported(contacts: list[str]) -> CaseRecord:
    case = reach(CaseState.SUPPORT_ACTIVE)
    for content in contacts:
        note = {"contact_on": ON.isoformat(), "method": "home_visit", "content": content}  # the engine's day (G-DATES)
        case = step(case, Trigger.RECORD_CONTACT, {"monitoring_note": note})
    return case.model_copy(update={"case_number": NUMBER})


def test_a_long_progress_record_runs_over_pages_each_with_the_number_the_year_and_its_page() -> None:
    record = _supported([f"第{n}回の訪問。生活の様子と就職活動の状況を確認した。" * 3 for n in range(1, 61)])
    pages = _pages(record, "progress")
    assert len(pages) > 2
    for n, text in enumerate(pages, 1):
        assert NUMBER in text
        assert "令和7年度" in text  # the case of tests/statemachines/paths opened in 2026-01
        assert f"{n} / {len(pages)} ページ" in text
        assert "内容" in text  # the table's header row repeats on each page
    assert "第60回の訪問" in pages[-1]


def test_recorded_words_are_printed_as_written_not_as_markup() -> None:
    words = '#set page(width: 1cm) *太字* $x^2$ <label> @ref \\ "引用" [括弧] #{1 + 1}'
    pages = _pages(_supported([words]), "progress")
    assert len(pages) == 1
    assert "".join(words.split()) in "".join(pages[0].split())  # as written, wherever the line wraps
