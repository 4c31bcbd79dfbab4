"""A month's report (支援状況調査) as files for the municipality's own records and the prefecture: CSV and Excel.

Both hold the figures of ``GET /api/reports/monthly`` and nothing else: the same numbers (the rate as the ratio the
JSON has; the Excel sheet shows it as a percentage), the 目安値 in force and its source beside each, and the report's
hash, so a printed or forwarded copy can be checked against a regeneration (``python -m deploy.reports_cli``).

- CSV: UTF-8 with a BOM and CRLF line ends, as ``web.audit.page``'s, so that Excel opens the Japanese text correctly:
  a few header lines (自治体, 対象月, 年度, 人口 and its source, the hash), then one row per figure.
- xlsx (openpyxl): one sheet laid out like the national 支援状況調査 form as far as process.md §4.1 describes it:
  a title, the municipality and month, the funnel 新規相談 → its outcomes → プラン作成 → 就労支援対象 → 就労・増収
  (the rate as a percentage), the 住居確保給付金 block, and a footer with the hash and the time it was made.

"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.reports import figure_value
from statemachines.policy.statistics import Figure
from store.models import OrganisationRecord
from store.reports import MonthlyReport, Submitted
from web.core import i18n

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIGURE_COLUMNS = ("項目", "件数/値", "人口10万人当たり", "目安値", "目安値の出典", "達成")
TITLE = "生活困窮者自立相談支援事業 支援状況調査（月次）"
SHEET = "支援状況調査"
RATE_FORMAT = "0.0%"

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "相談受付",
        ("new_consultations", "ended_with_information", "referred_out", "referred_to_public_assistance"),
    ),
    (
        "プラン作成・就労支援",
        (
            "plans_created",
            "plan_rate",
            "employment_support_targets",
            "employment_support_rate",
            "employed",
            "income_increased",
            "employed_or_income_increased",
            "employment_income_rate",
            "step_up_rate",
        ),
    ),
    (
        "自立に向けた改善",
        ("evaluated_plan_holders", "improved", "improvement_rate"),
    ),
    (
        "住居確保給付金",
        ("housing_benefit_new_decisions", "housing_benefit_extensions", "housing_benefit_stops"),
    ),
)
"""The form's blocks, in the order of the funnel; a figure no block names goes to a last block, never missing."""


@dataclass(frozen=True)
class ReportFile:
    """What an export holds besides the report itself."""

    report: MonthlyReport
    submitted: Sequence[Submitted]
    municipality_name: str | None
    generated_at: datetime


def municipality_name(session: Session, municipality: str) -> str | None:
    """The municipality's name (A市 福祉事務所) from its organisation record, if it has one."""
    name: str | None = session.scalars(
        select(OrganisationRecord.name_ja).where(OrganisationRecord.org_id == municipality)
    ).first()
    return name


def month_ja(month: str) -> str:
    """2026-01 → 2026年1月（令和8年1月）."""
    year, mon = (int(p) for p in month.split("-"))
    return f"{year}年{mon}月（{i18n.wareki(date(year, mon, 1))}{mon}月）"


def met_ja(figure: Figure) -> str:
    return "" if figure.meets_target is None else ("達成" if figure.meets_target else "未達")


def submission_ja(file: ReportFile) -> str:
    if not file.submitted:
        return "未提出"
    latest = file.submitted[-1]
    same = "今回の集計と一致" if latest.hash == file.report.hash else "提出後に変更あり（差分を確認してください）"
    return f"提出済み 第{latest.version}版（{i18n.datetime_ja(latest.submitted_at)}、{latest.submitted_by}）・{same}"


def _header_rows(file: ReportFile) -> list[list[str | int]]:
    report = file.report
    name = f"{file.municipality_name}（{report.municipality}）" if file.municipality_name else report.municipality
    return [
        ["自治体", name],
        ["対象月", report.month, month_ja(report.month)],
        ["年度", f"{report.fiscal_year}年度"],
        ["人口", "" if report.population is None else report.population, "出典", report.population_source or "不明"],
        ["報告ハッシュ（SHA-256）", report.hash],
        ["提出状況", submission_ja(file)],
        ["作成日時（日本時間）", i18n.datetime_ja(file.generated_at)],
    ]


def csv_bytes(file: ReportFile) -> bytes:
    """UTF-8 with a BOM and CRLF line ends: the header lines, a blank line, then one row per figure."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([TITLE])
    writer.writerows(_header_rows(file))
    writer.writerow([])
    writer.writerow(FIGURE_COLUMNS)
    for f in file.report.figures:
        writer.writerow(
            [
                f.label_ja.strip(),
                figure_value(f.value),
                figure_value(f.per_100k),
                figure_value(f.target),
                f.target_source or f.target_note or "",
                met_ja(f),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# -- Excel ---------------------------------------------------------------------------------------------------------

THIN = Side(style="thin", color="808080")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
BLOCK_FILL = PatternFill("solid", fgColor="F2F2F2")
WIDTHS = {"A": 44, "B": 14, "C": 18, "D": 12, "E": 56, "F": 8}


def _blocks(report: MonthlyReport) -> list[tuple[str, list[Figure]]]:
    by_key = {f.key: f for f in report.figures}
    named = {key for _, keys in SECTIONS for key in keys}
    blocks = [(title, [by_key[k] for k in keys if k in by_key]) for title, keys in SECTIONS]
    rest = [f for f in report.figures if f.key not in named]
    return [b for b in [*blocks, ("その他", rest)] if b[1]]


def _figure_row(sheet: Worksheet, row: int, f: Figure) -> None:
    rate = f.key.endswith("rate")
    source = f.target_source or f.target_note
    cells = [f.label_ja.strip(), f.value, f.per_100k, f.target, source, met_ja(f) or None]
    for column, value in enumerate(cells, start=1):
        cell = sheet.cell(row=row, column=column, value=value)
        cell.border = GRID
        if column == 2:
            cell.number_format = RATE_FORMAT if rate else "#,##0"
        elif column == 3:
            cell.number_format = "0.00"
        elif column == 4:
            cell.number_format = RATE_FORMAT if rate else "0.00"
        elif column == 5:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    if f.label_ja.startswith(("うち", "　")):
        sheet.cell(row=row, column=1).alignment = Alignment(indent=2 if f.label_ja.startswith("　") else 1)


def _head(sheet: Worksheet, file: ReportFile) -> int:
    sheet["A1"] = TITLE
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells("A1:F1")
    row = 2
    for values in _header_rows(file)[:4]:
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column, value=value)
            cell.font = Font(bold=column % 2 == 1)
        row += 1
    sheet.cell(row=5, column=2).number_format = "#,##0"  # 人口
    return row + 1


def xlsx_bytes(file: ReportFile) -> bytes:
    """One sheet: title, municipality and month, the blocks of figures, and the footer (hash, generation time)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    row = _head(sheet, file)
    for column, label in enumerate(FIGURE_COLUMNS, start=1):
        cell = sheet.cell(row=row, column=column, value=label)
        cell.font, cell.fill, cell.border = Font(bold=True), HEAD_FILL, GRID
    sheet.freeze_panes = f"A{row + 1}"
    sheet.print_title_rows = f"{row}:{row}"
    row += 1
    for title, shown in _blocks(file.report):
        cell = sheet.cell(row=row, column=1, value=f"【{title}】")
        cell.font, cell.fill = Font(bold=True), BLOCK_FILL
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
        row += 1
        for f in shown:
            _figure_row(sheet, row, f)
            row += 1
    row += 1
    for footer in _header_rows(file)[4:]:
        sheet.cell(row=row, column=1, value=footer[0]).font = Font(bold=True)
        sheet.cell(row=row, column=2, value=footer[1])
        row += 1
    for letter, width in WIDTHS.items():
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_name(report: MonthlyReport, name: str | None, extension: str) -> str:
    return f"支援状況調査_{name or report.municipality}_{report.month}.{extension}"


def content_disposition(report: MonthlyReport, name: str | None, extension: str) -> str:
    """An ASCII ``filename`` for old clients and the Japanese one as RFC 5987 ``filename*``."""
    ascii_id = re.sub(r"[^A-Za-z0-9._-]", "_", report.municipality)
    fallback = f"report-{ascii_id}-{report.month}.{extension}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name(report, name, extension))}"
