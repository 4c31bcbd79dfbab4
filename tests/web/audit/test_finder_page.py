"""The finder on ``/audit``: the cases named as people read them, each row opening the case's audit view, the
filters (a date that is none said on the page), and the integrity check's button and progress for AUD and ADMIN."""

from __future__ import annotations

import asyncio
import re

from tests.web.apiharness import Api
from tests.web.pageclient import browser_for


async def test_the_list_names_the_municipality_and_state_and_opens_the_case(pages_api: Api) -> None:
    case_id = await pages_api.open_case("sw1")
    async with browser_for(pages_api) as b:
        await b.login("aud1")
        page = await b.get("/audit")
        opened = await b.get(f"/audit?case_id={case_id}")
        filtered = await b.get("/audit", state="CLOSED")
        bad = await b.get("/audit", opened_from="2026-02-30", state="INTAKE")
        refused = await b.get("/audit", municipality="city-b")

    row = re.search(rf'<tr data-case="{case_id}">.*?</tr>', page.text, re.S)
    assert row is not None
    link = f'href="/audit?case_id={case_id}"'
    for shown in (link, "A市 福祉事務所", "相談受付", 'data-integrity="unchecked"', "未検証"):
        assert shown in row.group(0)
    assert ">city-a<" not in page.text
    assert "1〜1件目（全1件）" in page.text
    assert '<a href="/audit">ケースの一覧に戻る</a>' in opened.text
    assert f"/audit/{case_id}/verify" in opened.text  # the audit view: 検証, exports, as-of
    assert f'href="/audit/access-log?case_id={case_id}"' in opened.text
    assert case_id not in filtered.text
    assert "条件に合うものはありません。" in filtered.text
    assert bad.status_code == 200
    assert 'id="f-opened_from" name="opened_from" type="date" value="2026-02-30" aria-invalid="true"' in bad.text
    assert case_id in bad.text  # the other filters still apply
    assert refused.status_code == 403
    assert "担当していない自治体" in refused.text


async def test_auditors_start_the_integrity_check_and_see_its_progress(pages_api: Api) -> None:
    await pages_api.open_case("sw1")
    async with browser_for(pages_api) as b:
        await b.login("aud1")
        before = await b.get("/audit")
        started = await b.submit("/audit", "/audit/integrity-runs", {})
        for _ in range(300):
            after = await b.get("/audit")
            if 'data-status="finished"' in after.text:
                break
            await asyncio.sleep(0.1)
        await b.login("csw1")
        supervisor = await b.get("/audit")
        refused = await b.submit("/audit", "/audit/integrity-runs", {})

    assert "まだ実行されていません" in before.text
    assert (started.status_code, started.headers["location"]) == (303, "/audit?run=started#integrity")
    assert 'data-status="finished" data-checked="1" data-broken="0"' in after.text
    assert "A市 監査担当 山本" in after.text  # who started it, by name
    assert 'data-integrity="ok"' in after.text
    assert '<a href="/audit#integrity">進み具合を更新</a>' in after.text
    assert "/audit/integrity-runs" not in supervisor.text  # CSW audits, but starts no run
    assert "/audit/access-log" not in supervisor.text
    assert refused.status_code == 404
