"""The case page as a case file, over HTTP: every sheet of a case walked to 終結 in Japanese and no JSON, 要配慮 fields
as placeholders for a role that may not see them (and no read logged), the 経過一覧 filtered by kind."""

from __future__ import annotations

import re
from typing import Any

from tests.web.apiharness import Api
from tests.web.cases.walked import walked_to_closure
from tests.web.pageclient import browser_for

SHEETS = (
    "相談受付・申込票",
    "相談者の基本情報",
    "同意",
    "利用申込・対象要件",
    "インテーク・アセスメントシート",
    "プランシート",
    "支援調整会議",
    "支援決定",
    "事業の記録",
    "支援経過記録（経過一覧）",
    "評価シート",
    "終結",
)


def _headings(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h) for h in re.findall(r'<h[345] id="sheet-[^"]+-title">(.*?)</h[345]>', html)]


def _reads(rows: list[dict[str, Any]], user: str) -> list[set[str]]:
    """The fields of each read of the case page by ``user`` (the header's client name is a read of its own)."""
    return [set(r["fields"]) for r in rows if r["user_id"] == user and r["purpose"] == "case_page"]


async def test_a_case_walked_to_closure_reads_as_its_sheets_with_what_each_role_may_see(pages_api: Api) -> None:
    walked = await walked_to_closure(pages_api)
    url = f"/cases/{walked.case_id}"
    async with browser_for(pages_api) as sw, browser_for(pages_api) as admin, browser_for(pages_api) as ops:
        await sw.login("sw1")
        await admin.login("admin")
        await ops.login("ops1")
        page = (await sw.get(url)).text
        withheld = (await admin.get(url)).text
        counts_only = (await ops.get(url)).text
    rows = (await pages_api.get("aud1", "/api/audit/access-log", case_id=walked.case_id)).json()["items"]

    assert set(SHEETS) <= set(_headings(page)), _headings(page)
    assert "{&#34;" not in page
    assert '{"' not in page
    assert "<pre" not in page
    for shown in ("山田 太郎", "家計を立て直す", "第1版からの変更", "第1版", "求職活動の状況", "2026年12月", "出席"):
        assert shown in page, shown
    assert "生活保護の相談を希望" in page  # the referral's record, although it has ended
    assert '080-1111-2222 <span class="corrected">訂正済み（No.1、' in page
    assert "相談受付・申込票 › 本人の基本情報 › 電話番号" in page  # the 訂正 in the 経過一覧
    assert "住居確保給付金：支給中" in page
    assert "就職" in page  # 終結理由
    for form in ("intake", "assessment", "plan", "progress", "evaluation", "decision-housing_benefit"):
        assert f'href="{url}/forms/{form}.pdf" download' in page, form  # each sheet's 帳票, one click away
    assert "/forms/" not in withheld  # the administrator may not print what it cannot see
    assert "/forms/" not in counts_only
    reads = _reads(rows, "sw1")  # the header's client name, the case file, and each program's record
    assert {"intake.client.name"} in reads
    sheets = max(reads, key=len)
    assert {"intake.client.name", "intake.client.phone", "plan.goals[].description", "monitoring[].content"} <= sheets
    assert "（閲覧権限がありません）" in withheld
    assert "山田 太郎" not in withheld
    assert "家計を立て直す" not in withheld
    assert "第1版からの変更" in withheld
    assert _reads(rows, "admin") == []
    assert "この役割では、ケースの記録は表示されません" in counts_only
    assert _headings(counts_only) == []
    assert _reads(rows, "ops1") == []


async def test_the_audit_reads_the_records_as_of_a_moment_as_the_same_sheets(pages_api: Api) -> None:
    walked = await walked_to_closure(pages_api)
    async with browser_for(pages_api) as aud:
        await aud.login("aud1")
        page = (await aud.get("/audit", case_id=walked.case_id, as_of="2099-01-01T00:00")).text

    assert set(_headings(page)) >= set(SHEETS) - {"事業の記録"}
    assert "事業の記録" not in _headings(page)  # the programs' records are their enrolments', not the case's
    assert '{"' not in page
    assert "<pre" not in page
    assert "家計を立て直す" in page
    assert 'class="kinds"' not in page  # the 経過一覧 whole: no filter on the audit page


async def test_the_progress_list_filters_by_kind_and_logs_only_what_it_shows(pages_api: Api) -> None:
    walked = await walked_to_closure(pages_api)
    async with browser_for(pages_api) as sw:
        await sw.login("sw1")
        advices = (await sw.get(f"/cases/{walked.case_id}", kind="advices")).text
        everything = (await sw.get(f"/cases/{walked.case_id}")).text
    rows = (await pages_api.get("aud1", "/api/audit/access-log", case_id=walked.case_id)).json()["items"]

    assert set(re.findall(r'<tr data-kind="([a-z_]+)"', advices)) == {"advices"}
    kinds = {"monitoring", "emergency", "advices", "corrections"}
    assert set(re.findall(r'<tr data-kind="([a-z_]+)"', everything)) == kinds
    assert 'href="/cases/' + walked.case_id + '?kind=advices#sheet-progress" aria-current="true"' in advices
    reads = [fields for fields in _reads(rows, "sw1") if "advices[].text" in fields]
    assert len(reads) == 2
    assert sorted("monitoring[].content" in fields for fields in reads) == [False, True]


async def test_the_program_sheets_and_the_header_name_offices_institutions_and_the_rule_set_not_their_ids(
    pages_api: Api,
) -> None:
    """The ハローワーク by its office's name, the つなぎ先 by the directory's name, no appointment id, and the rule set
    the case follows by whose it is and from when (the directory's and the rule set's ids mean nothing to a person)."""
    walked = await walked_to_closure(pages_api)
    async with browser_for(pages_api) as sw:
        await sw.login("sw1")
        page = (await sw.get(f"/cases/{walked.case_id}")).text

    programs = page[page.index('id="sheet-programs') :]
    for shown in ("ハローワークA（A公共職業安定所）", "A市 福祉事務所 生活保護担当"):
        assert shown in programs, shown
    pinned = (
        await pages_api.worker.record(pages_api.worker.client.get_workflow_handle(f"case-{walked.case_id}"))
    ).ruleset
    for hidden in ("hw-city-a", "joint-1", "a-1-welfare-office", pinned.ruleset_id):
        assert hidden not in page, hidden
    since = pinned.effective_from
    assert f"全国標準（{since.year}年{since.month}月{since.day}日から）" in page
