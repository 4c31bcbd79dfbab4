"""A month's report as CSV and xlsx (the same numbers as the JSON), and the regeneration command with its progress
and its check against the submitted versions. The month is seeded with a few short cases run through the real
workflows; the app's clock is set after the month, so that the month has ended."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import pytest_asyncio
from openpyxl import load_workbook
from temporalio.testing import WorkflowEnvironment

from deploy.reports_cli import main as reports_cli
from services.reports import months_between
from statemachines.case.record import CaseState as S
from statemachines.case.transitions import Trigger as T
from statemachines.policy.scheduling import JST
from statemachines.policy.statistics import month_bounds
from store.models import CaseEventRecord
from tests.factories import SW1, VALID_PAYLOADS
from tests.statemachines.paths import ACTOR_FOR, PATHS
from tests.web.apiharness import Api, running_api, seed_other_town
from tests.workflows.harness import Harness

Steps = list[tuple[T, dict[str, Any] | None]]
INFO_ONLY: Steps = [(T.COMPLETE_INTAKE, None), (T.END_WITH_INFORMATION, None)]
REFERRED: Steps = [(T.COMPLETE_INTAKE, None), (T.REFER_OUT, None)]  # to the 生活保護 窓口


@dataclass
class Clock:
    """The app's clock: set after the seeded month (before anyone signs in, as sessions are timed by it)."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class ReportsApi:
    api: Api
    clock: Clock


@pytest_asyncio.fixture(loop_scope="session")
async def reports_api(time_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[ReportsApi]:
    clock = Clock()
    async with running_api(time_env, tmp_path, clock=clock, secure_cookies=False) as api:
        yield ReportsApi(api, clock)


async def run_case(h: Harness, steps: Steps) -> str:
    handle = await h.open(case_id=f"rx-{uuid.uuid4().hex[:8]}")
    for trigger, payload in steps:
        body = VALID_PAYLOADS[trigger] if payload is None else payload
        await h.send(handle, trigger.value, ACTOR_FOR.get(trigger, SW1), body)
    await handle.execute_update("projected")
    return handle.id.removeprefix("case-")


def to_decision(employment_support_target: bool) -> Steps:
    """Through the 支援決定 (a plan created), the assessment flagging 就労支援対象 or not."""
    assessment = {
        "assessment": {
            **VALID_PAYLOADS[T.COMPLETE_ASSESSMENT]["assessment"],
            "employment_support_target": employment_support_target,
        }
    }
    return [(t, assessment if t == T.COMPLETE_ASSESSMENT else None) for t in PATHS[S.SUPPORT_ACTIVE]]


async def seed_month(reports: ReportsApi, *cases: Steps) -> str:
    """Run ``cases`` (default: one 情報提供のみ, one つなぎ) and set the clock five days after their month."""
    for steps in cases or (INFO_ONLY, REFERRED):
        await run_case(reports.api.worker, steps)
    with reports.api.worker.sessions.begin() as session:
        first = min(r.at for r in session.query(CaseEventRecord))
    month = first.astimezone(JST).strftime("%Y-%m")
    reports.clock.now = month_bounds(month)[1] + timedelta(days=5)
    return month


def number(text: str) -> float | None:
    return None if text == "" else float(text)


async def test_the_csv_starts_with_a_bom_and_holds_the_json_s_numbers(reports_api: ReportsApi) -> None:
    month = await seed_month(reports_api)
    api = reports_api.api
    seed_other_town(api)
    ask = {"municipality": "city-a", "month": month}
    report = (await api.get("mun1", "/api/reports/monthly", **ask)).json()["report"]
    response = await api.get("mun1", "/api/reports/monthly.csv", **ask)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    disposition = response.headers["content-disposition"]
    assert f'filename="report-city-a-{month}.csv"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"支援状況調査_A市 福祉事務所_{month}.csv"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    head = {r[0]: r[1:] for r in rows[: rows.index([])]}
    assert head["自治体"] == ["A市 福祉事務所（city-a）"]
    assert head["対象月"][0] == month
    assert head["年度"] == [f"{report['fiscal_year']}年度"]
    assert head["人口"] == [str(report["population"]), "出典", report["population_source"]]
    assert head["報告ハッシュ（SHA-256）"] == [report["hash"]]
    table = rows[rows.index([]) + 1 :]
    assert table[0] == ["項目", "件数/値", "人口10万人当たり", "目安値", "目安値の出典", "達成"]
    in_csv = {r[0]: (number(r[1]), number(r[2]), number(r[3]), r[4]) for r in table[1:]}
    in_json = {
        f["label_ja"].strip(): (f["value"], f["per_100k"], f["target"], f["target_source"] or f["target_note"] or "")
        for f in report["figures"]
    }
    assert in_csv == in_json
    assert in_csv["新規相談受付件数"][0] == 2
    assert (await api.get("ops1", "/api/reports/monthly.csv", **ask)).status_code == 200
    assert (await api.get("mun-b", "/api/reports/monthly.csv", **ask)).status_code == 403


def _row_of(sheet: Any, label: str) -> int:
    rows = [c.row for c in sheet["A"] if c.value == label]
    assert len(rows) == 1, f"{label}: {rows}"
    return int(rows[0])


async def test_the_xlsx_opens_and_holds_the_same_numbers_laid_out_as_the_form(reports_api: ReportsApi) -> None:
    month = await seed_month(reports_api, INFO_ONLY, to_decision(True))
    api = reports_api.api
    ask = {"municipality": "city-a", "month": month}
    report = (await api.get("mun1", "/api/reports/monthly", **ask)).json()["report"]
    response = await api.get("mun1", "/api/reports/monthly.xlsx", **ask)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["支援状況調査"]
    sheet = book["支援状況調査"]
    assert "支援状況調査" in str(sheet["A1"].value)
    for f in report["figures"]:
        row = _row_of(sheet, f["label_ja"].strip())
        cells = [sheet.cell(row=row, column=c).value for c in range(2, 5)]
        assert cells == [f["value"], f["per_100k"], f["target"]], f["key"]
    rate = _row_of(sheet, "就労・増収率（年度累計）")
    assert sheet.cell(row=rate, column=2).value == 0.0  # one 就労支援対象 plan, nobody employed yet
    assert sheet.cell(row=rate, column=2).number_format == "0.0%"
    assert sheet.cell(row=_row_of(sheet, "プラン作成件数"), column=2).value == 1
    blocks = [_row_of(sheet, f"【{b}】") for b in ("相談受付", "プラン作成・就労支援", "住居確保給付金")]
    funnel = [_row_of(sheet, label) for label in ("新規相談受付件数", "プラン作成件数", "就労支援対象者数")]
    assert blocks[0] < funnel[0] < blocks[1] < funnel[1] < funnel[2] < blocks[2]
    assert sheet.cell(row=_row_of(sheet, "報告ハッシュ（SHA-256）"), column=2).value == report["hash"]
    assert sheet.cell(row=_row_of(sheet, "作成日時（日本時間）"), column=2).value
    assert sheet.column_dimensions["A"].width >= 40


async def test_the_cli_prints_progress_and_finds_a_month_changed_since_submission(
    reports_api: ReportsApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    month = await seed_month(reports_api)
    api = reports_api.api
    submitted = await api.post("mun1", "/api/reports/monthly/submit", {"municipality": "city-a", "month": month})
    assert submitted.status_code == 201, submitted.text
    before = (month_bounds(month)[0] - timedelta(days=1)).strftime("%Y-%m")
    monkeypatch.setenv("YORISOI_DATABASE_URL", api.worker.database_url)
    monkeypatch.setenv("YORISOI_DATA_DIR", str(tmp_path))
    argv = ["regenerate", "--municipality", "city-a", "--from", before, "--to", month, "--verify-submitted"]

    same = reports_cli(argv)
    said = capsys.readouterr().out.splitlines()
    await run_case(api.worker, INFO_ONLY)  # recorded after the month was submitted
    changed = reports_cli(argv)
    said_after = capsys.readouterr().out.splitlines()

    assert same == 0
    assert said[0].startswith(f"[1/2] {before} … hash ")
    assert said[1].startswith(f"[2/2] {month} … hash {submitted.json()['hash']}")
    assert "第1版" in said[1]
    assert "一致" in said[1]
    assert changed == 1
    assert "不一致" in said_after[1]
    assert "新規相談受付件数 2→3" in said_after[1]
    assert said_after[-1] == f"提出済みの報告と異なる月: {month}"


def test_months_between_spans_the_years_and_is_empty_backwards() -> None:
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert months_between("2026-03", "2026-03") == ["2026-03"]
    assert months_between("2026-04", "2026-03") == []
