"""The reports pages over HTTP: the month's figures and charts, who may see them, submitting from the page (and its
refusals, in the API's words), the differences since a submission, and the 目安値 page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from statemachines.policy.statistics import DEFINITIONS, month_bounds
from statemachines.policy.targets import NO_TARGET_NOTE
from store.reports import ReportRepository, SubmittedReportRecord, report_hash
from tests.web.apiharness import running_api, seed_other_town
from tests.web.pageclient import browser_for
from tests.web.reports.test_export import INFO_ONLY, Clock, ReportsApi, run_case, seed_month
from web.reports.page import last_complete_month

FIGURE_KEYS_V1 = frozenset(
    {
        "new_consultations",
        "ended_with_information",
        "referred_out",
        "referred_to_public_assistance",
        "plans_created",
        "employment_support_targets",
        "employed",
        "income_increased",
        "employed_or_income_increased",
        "employment_income_rate",
        "improved",
        "housing_benefit_new_decisions",
        "housing_benefit_extensions",
        "housing_benefit_stops",
    }
)
"""The figures of the reports submitted before issue 18's definitions."""


@pytest_asyncio.fixture(loop_scope="session")
async def report_pages(time_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[ReportsApi]:
    clock = Clock()
    async with running_api(time_env, tmp_path, clock=clock, secure_cookies=False) as api:
        yield ReportsApi(api, clock)


def _cell(html: str, key: str) -> str:
    """The 件数・値 cell of a figure's row in the month's table."""
    found = re.search(rf'<tr data-key="{key}"[^>]*>\s*<th scope="row">[^<]*</th>\s*<td[^>]*>(.*?)</td>', html, re.S)
    assert found is not None, key
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


async def test_a_municipality_s_staff_see_the_month_s_figures_and_charts_by_default(report_pages: ReportsApi) -> None:
    month = await seed_month(report_pages)
    async with browser_for(report_pages.api) as b:
        await b.login("mun1")
        page = await b.get("/reports")

    assert page.status_code == 200
    assert f'name="month" type="month" value="{month}"' in page.text  # the last complete month
    assert '<a href="/reports" aria-current="page">報告・統計</a>' in page.text
    assert _cell(page.text, "new_consultations") == "2"
    assert _cell(page.text, "referred_to_public_assistance") == "1"
    assert NO_TARGET_NOTE in page.text  # the year published no 目安値: said, not carried forward from FY2017
    svg = re.search(r'<svg [^>]*id="chart-new-consultations"[^>]*>.*?</svg>', page.text, re.S)
    assert svg is not None
    assert 'role="img"' in svg.group(0)
    assert '<title id="chart-new-consultations-title">新規相談受付件数（人口10万人当たり）</title>' in svg.group(0)
    assert '<desc id="chart-new-consultations-desc">' in svg.group(0)
    assert 'data-role="target"' not in svg.group(0)  # no 目安値 line for a year without one
    assert "<script" not in svg.group(0)
    assert "style=" not in svg.group(0)
    assert page.text.count('<tr data-month="') == 12  # the table beside the charts
    assert f'href="/api/reports/monthly.csv?municipality=city-a&amp;month={month}"' in page.text
    assert f'href="/api/reports/monthly.xlsx?municipality=city-a&amp;month={month}"' in page.text
    assert 'id="submit-form"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


async def test_operations_staff_view_without_submitting_and_another_town_is_refused(report_pages: ReportsApi) -> None:
    month = await seed_month(report_pages)
    seed_other_town(report_pages.api)
    url = f"/reports?municipality=city-a&month={month}"
    async with browser_for(report_pages.api) as b:
        await b.login("ops1")
        ops = await b.get(url)
        first_year = await b.get("/reports?municipality=city-a&month=2025-04")  # the first rule set's month
        before_rules = await b.get("/reports?municipality=city-a&month=2024-05")
    async with browser_for(report_pages.api) as b:
        await b.login("mun-b")
        other = await b.get(url)
    async with browser_for(report_pages.api) as b:
        await b.login("sw1")
        sw = await b.get(url)
        sw_menu = await b.get("/inbox")

    assert ops.status_code == 200
    assert _cell(ops.text, "new_consultations") == "2"
    assert 'id="submit-form"' not in ops.text
    assert first_year.status_code == 200
    assert '<tr data-month="2024-05">' in first_year.text  # before the first rule set: the organisation's population
    assert before_rules.status_code == 200
    assert other.status_code == 403
    assert "担当していない自治体の報告は見られません。" in other.text
    assert "new_consultations" not in other.text
    assert sw.status_code == 404
    assert 'href="/reports"' not in sw_menu.text


async def test_submitting_from_the_page_freezes_the_month_and_shows_what_changed_since(
    report_pages: ReportsApi,
) -> None:
    month = await seed_month(report_pages)
    url = f"/reports?municipality=city-a&month={month}"
    this_month = last_complete_month(report_pages.clock.now + timedelta(days=40))
    async with browser_for(report_pages.api) as b:
        await b.login("mun1")
        early = await b.submit(url, "/reports/submit", {"municipality": "city-a", "month": this_month})
        done = await b.submit(url, "/reports/submit", {"municipality": "city-a", "month": month})
        shown = await b.get(done.headers["location"])
        await run_case(report_pages.api.worker, INFO_ONLY)  # recorded after the month was submitted
        unexplained = await b.submit(url, "/reports/submit", {"municipality": "city-a", "month": month})
        later = await b.get(url)

    assert month_bounds(this_month)[1] > report_pages.clock.now
    assert early.status_code == 409
    assert "はまだ終わっていません。月が終わってから提出してください。" in early.text
    assert done.status_code == 303
    assert done.headers["location"] == f"/reports?municipality=city-a&month={month}&submitted=1"
    assert "第1版として提出しました。" in shown.text
    frozen = re.search(r'id="report-hash">([0-9a-f]{64})<', shown.text)
    assert frozen is not None
    assert f"<code>{frozen.group(1)}</code>" in shown.text  # the version's hash
    assert "一致" in shown.text
    assert unexplained.status_code == 422
    assert "理由（note）を記入してください。" in unexplained.text
    assert 'data-key="new_consultations" data-changed="true"' in later.text
    assert _cell(later.text, "new_consultations").startswith("3")
    assert re.search(r'<table id="differences".*?新規相談受付件数</th><td>2</td><td><mark>3</mark>', later.text, re.S)
    assert "不一致" in later.text
    assert "再提出（修正報告）の理由" in later.text


async def test_an_administrator_adds_a_target_and_every_viewer_sees_it_with_its_source(
    report_pages: ReportsApi,
) -> None:
    target = {
        "fiscal_year": "2026",
        "indicator": "employment_income_rate",
        "value": "0.75",
        "municipality": "city-a",
        "source": "A市 第2期 生活困窮者自立支援計画",
    }
    async with browser_for(report_pages.api) as b:
        await b.login("admin")
        percent = await b.submit("/reports/targets", "/reports/targets", {**target, "value": "75"})
        added = await b.submit("/reports/targets", "/reports/targets", target)
        again = await b.submit("/reports/targets", "/reports/targets", target)
    async with browser_for(report_pages.api) as b:
        await b.login("mun1")
        seen = await b.get("/reports/targets")
        month_page = await b.get("/reports?municipality=city-a")  # FY2026's month: the year of the target
        refused = await b.submit("/reports/targets", "/reports/targets", {**target, "fiscal_year": "2027"})

    assert percent.status_code == 422
    assert "70% は 0.7" in percent.text
    assert (added.status_code, added.headers["location"]) == (303, "/reports/targets?added=true")
    assert again.status_code == 409
    assert "既に登録されています" in again.text
    mine = '<tr data-indicator="employment_income_rate" data-year="2026" data-municipality="city-a">'
    row = re.search(rf"{mine}(.*?)</tr>", seen.text, re.S)
    assert row is not None
    assert "75%" in row.group(1)
    assert "A市 第2期 生活困窮者自立支援計画" in row.group(1)
    assert "MHLW 目安値" in seen.text  # the national ones, with theirs
    assert 'id="target-form"' not in seen.text
    assert refused.status_code == 403
    rate_chart = re.search(r'<svg [^>]*id="chart-employment-income-rate"[^>]*>.*?</svg>', month_page.text, re.S)
    assert rate_chart is not None
    assert 'data-role="target"' in rate_chart.group(0)  # the year's own 目安値 line
    assert "A市 第2期 生活困窮者自立支援計画" in month_page.text


async def test_a_month_submitted_under_older_definitions_shows_them_changed_and_stays_as_submitted(
    report_pages: ReportsApi,
) -> None:
    """Submitted months stay frozen (issue 18): the page names the older definitions beside today's and the figures
    that changed; the version submitted is shown as it was."""
    month = await seed_month(report_pages)
    sessions = report_pages.api.worker.sessions
    with sessions.begin() as session:
        now = ReportRepository(session).monthly("city-a", month)
        old = now.model_dump(mode="json", exclude={"hash", "definitions", "year_to_date"})
        old["counts"]["new_consultations"] = 3  # as the older definitions counted the month
        old["figures"] = [
            {**f, "value": 3.0} if f["key"] == "new_consultations" else f
            for f in old["figures"]
            if f["key"] in FIGURE_KEYS_V1
        ]
        frozen = report_hash(old)
        session.add(
            SubmittedReportRecord(
                municipality="city-a",
                month=month,
                version=1,
                body={**old, "hash": frozen},
                hash=frozen,
                submitted_at=report_pages.clock.now,
                submitted_by="mun1",
                note=None,
            )
        )
    async with browser_for(report_pages.api) as b:
        await b.login("mun1")
        page = await b.get(f"/reports?municipality=city-a&month={month}")

    assert page.status_code == 200
    assert 'id="definitions-changed"' in page.text
    assert f"提出時の集計定義（v1）と現在の集計定義（{DEFINITIONS}）が異なります。" in page.text
    assert re.search(r'<table id="differences".*?新規相談受付件数</th><td>3</td><td><mark>2</mark>', page.text, re.S)
    assert f"<code>{frozen}</code>" in page.text  # the submitted version, as it was
    with sessions.begin() as session:
        assert ReportRepository(session).submitted("city-a", month)[0].hash == frozen
