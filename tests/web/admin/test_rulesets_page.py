"""The program values of the rule sets (issue 18 item 9) over HTTP: the page shows each value in force under each
rule set in Japanese (名称, 値, 出典, 適用開始日); an administrator sets one for a municipality from a day on, stored as
a new version of its rule set by the service the API uses; a bad value is refused (422) with a Japanese reason, on the
page and on the API alike."""

from __future__ import annotations

import re

from services.rulesets import DURATION_HINT, rules_model
from statemachines.programs.registry import PROGRAMS
from tests.web.apiharness import Api
from tests.web.pageclient import browser_for, pages_api
from web.admin.rulesets_page import RULE_NAMES, duration_ja, value_ja

__all__ = ["pages_api"]


def visible(html: str) -> str:
    """The page's text as a person reads it (no markup, so no attribute's value)."""
    return re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1])


SHELTER = {
    "municipality": "city-a",
    "value_name": "housing_support.shelter_max",
    "value": "P2M",
    "source": "市一時生活支援事業実施要綱 第5条 [LOCAL]",
    "effective_from": "2028-04-01",
}


def test_every_program_value_has_a_japanese_name_and_reads_as_japanese() -> None:
    """No rule's id on the page: every rule of every program has its name; periods read as 年・か月・日."""
    for program in PROGRAMS:
        assert set(rules_model(program.id).model_fields) == set(RULE_NAMES[program.id]), program.id
    assert [duration_ja(d) for d in ("P2Y", "P3M", "P14D", "PT10M", "P1Y6M")] == [
        "2年",
        "3か月",
        "14日",
        "10分",
        "1年6か月",
    ]
    assert value_ja("housing_benefit", "asset_multiple", 6) == "6倍"
    assert value_ja("hello_work", "retention_follow_ups", ["P1M", "P3M"]) == "1か月、3か月"


async def test_the_page_shows_the_values_and_an_administrator_sets_one(pages_api: Api) -> None:
    api = pages_api
    async with browser_for(api) as admin:
        assert (await admin.login("admin")).status_code == 303
        page = await admin.get("/rulesets")
        assert page.status_code == 200
        for words in (
            "名称",
            "値",
            "出典",
            "適用開始日",
            "全国（既定）",
            "支給停止から再開できる期間（過ぎると支給終了）",
        ):
            assert words in page.text
        assert "施行規則§12②" in page.text  # resume_within's source, as process.md tags it
        shown = visible(page.text)
        assert "resume_within" not in shown
        assert "city-a" not in shown

        bad = await admin.submit("/rulesets", "/rulesets/program-values", {**SHELTER, "value": "3 months"})
        assert bad.status_code == 422
        assert DURATION_HINT in bad.text
        assert re.search(r'id="r-value"[^>]*aria-invalid="true"', bad.text)
        no_source = await admin.submit("/rulesets", "/rulesets/program-values", {**SHELTER, "source": " "})
        assert (no_source.status_code, "出典（要綱・通知の名称と条項）を入力してください。" in no_source.text) == (
            422,
            True,
        )
        negative = {**SHELTER, "value_name": "housing_benefit.housed_report_days", "value": "0"}
        refused = await admin.submit("/rulesets", "/rulesets/program-values", negative)
        assert (refused.status_code, "1以上の数を入力してください。" in refused.text) == (422, True)

        done = await admin.submit("/rulesets", "/rulesets/program-values", SHELTER)
        assert (done.status_code, done.headers["location"]) == (303, "/rulesets?message=added")
        again = await admin.submit("/rulesets", "/rulesets/program-values", SHELTER)
        assert again.status_code == 409
        assert "登録済み" in again.text

    stored = (await api.get("admin", "/api/rulesets", municipality="city-a")).json()
    [mine] = [r for r in stored if r["effective_from"] == "2028-04-01"]
    assert mine["programs"] == {"housing_support": {"shelter_max": "P2M"}}
    assert mine["sources"]["programs.housing_support.shelter_max"] == SHELTER["source"]
    assert mine["sources"]["plan_period"].startswith("墨田区")  # the rest as the version in force that day
    async with browser_for(api) as sw:
        await sw.login("sw1")
        shown = (await sw.get("/rulesets")).text
        section = shown.split('data-from="2028-04-01"')[1].split("</section>")[0]
        row = re.search(r'<tr data-value="housing_support.shelter_max">(.*?)</tr>', section, re.S)
        assert row is not None
        assert "2か月（自治体の値）" in visible(row.group(1)).replace(" ", "")
        assert "第5条" in row.group(1)
        assert 'action="/rulesets/program-values"' not in shown  # the form is the administrator's


async def test_the_api_refuses_a_bad_program_value_in_japanese(api: Api) -> None:
    body = {
        "ruleset_id": "city-a-bad",
        "municipality": "city-a",
        "effective_from": "2028-05-01",
        "programs": {"housing_support": {"shelter_max": "3 months"}, "nursery": {}},
    }
    response = await api.post("admin", "/api/rulesets", body)
    assert response.status_code == 422
    errors = {".".join(e["loc"]): e["msg"] for e in response.json()["errors"]}
    assert errors == {
        "programs.housing_support.shelter_max": DURATION_HINT,
        "programs.nursery": "登録されていない事業です。",
    }


async def test_the_worst_input_to_the_program_value_form_is_answered_not_a_server_error(pages_api: Api) -> None:
    """Days out of reach, numbers that are no numbers, a period past any timer (P99999999999Y, which would fail the
    workflow task computing it) and characters no field may hold: each refused (a far day is taken as asked), never a
    server error, and the page still draws what was stored."""
    worst = [
        {"effective_from": "0001-01-01"},
        {"effective_from": "9999-12-31"},
        {"effective_from": "2028-02-30"},
        {"value_name": "housing_benefit.housed_report_days", "value": "NaN"},
        {"value_name": "housing_benefit.housed_report_days", "value": "1e999"},
        {"value_name": "housing_benefit.housed_report_days", "value": "9" * 400},
        {"value": "P99999999999Y"},
        {"source": "要綱\x00第5条"},
        {"value_name": "housing_support.no_such_value"},
        {"municipality": "no-such-town"},
    ]
    async with browser_for(pages_api) as admin:
        await admin.login("admin")
        answers = []
        for change in worst:
            answer = await admin.submit("/rulesets", "/rulesets/program-values", {**SHELTER, **change})
            answers.append((change, answer.status_code))
        taken = [change for change, status in answers if status == 303]
        assert taken == [{"effective_from": "9999-12-31"}], answers  # a far day is a day; the rest are refused
        assert all(status == 422 for change, status in answers if change not in taken), answers
        longest = await admin.submit("/rulesets", "/rulesets/program-values", {**SHELTER, "value": "P101Y"})
        assert "期間は100年（P100Y）以内で入力してください。" in longest.text
        assert (await admin.get("/rulesets")).status_code == 200
