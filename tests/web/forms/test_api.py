"""The 帳票 as PDF over HTTP, from a case walked from 相談受付 to 終結: each form's words and recorded values, who is
refused, and the access log of every download."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import anyio
import pypdf
import pytest

from statemachines.case.transitions import Trigger
from tests.factories import ON, TARGET, VALID_PAYLOADS, meeting, plan
from tests.web.apiharness import Api
from tests.web.pageclient import browser_for
from tests.web.programs.enrolments import case_hears_the_ends
from web.core.i18n import era_of_iso, wareki

T = Trigger
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "forms"
CLIENT = {"name": "寄添 太郎", "name_kana": "よりそい たろう", "birth_date": "1980-07-15", "address": "A市中央1-2-3"}
ON_JA = era_of_iso(ON.isoformat())  # 令和8年1月5日

PLAN = plan(programs=("work_readiness",))
PLAN["support_items"][0]["description"] = "週3回の通所"  # the factory's words name the program by its id

WALK: list[tuple[str, Trigger, dict[str, Any] | None]] = [
    ("sw1", T.COMPLETE_INTAKE, None),
    ("sw1", T.APPLY_FOR_SUPPORT, None),
    ("sw1", T.START_ASSESSMENT, None),
    ("sw1", T.COMPLETE_ASSESSMENT, None),
    ("sw1", T.SUBMIT_PLAN, {"plan": PLAN}),
    ("csw1", T.CHECK_PLAN, None),
    ("sw1", T.RECORD_PLAN_CONSENT, None),
    ("sw1", T.PUT_ON_AGENDA, None),
    ("sw1", T.OPEN_MEETING_ITEM, {"meeting": meeting()}),
    ("mun1", T.APPROVE_PLAN, None),
    ("mun1", T.DECIDE_SUPPORT, None),
    ("esw1", T.RECORD_CONTACT, None),
    ("sw1", T.START_EVALUATION, None),
    ("sw1", T.PROPOSE_CLOSURE, None),
    ("sw1", T.CONFIRM_CLOSURE, None),
]

# what each form must print: its title, labels of the national form, and values recorded on the walk
EXPECTED: dict[str, list[str]] = {
    "intake": ["【1】相談受付・申込票", "A票", "相談申込み", "本人署名", "B票", "◎ 住まい", "■ 仕事探し・就職", ON_JA],
    "assessment": ["【2】インテーク・アセスメントシート", "世帯構成・家族状況", "単身", "腰痛", "民間賃貸・滞納2か月"],
    "plan": [
        "【3】プラン兼事業等利用申込書",
        "一　本人の生活に対する意向",
        "仕事を見つけて家賃を払い続けたい",
        "三　支援の目標及びその達成時期",
        "就職する",
        era_of_iso(TARGET.isoformat()),  # 達成時期 in 和暦
        "就労準備支援事業",
        "民生委員による見守り",
        "本人署名",
        "日付",
        f"署名日 {ON_JA}",
    ],
    "progress": ["【4】支援経過記録（経過一覧）", "近況を確認した", "電話", "支援調整会議", ON_JA],
    "evaluation": ["【5】評価シート", "目標の達成状況", "就職する", "就労・収入", "終結理由", "就職"],
    "decision-work_readiness": ["支援決定通知書", "寄添 太郎　様", "就労準備支援事業", "利用決定", ON_JA],
}


async def walked_case(api: Api) -> str:
    case_id = await api.open_case("sw1", topics=["housing"], client=CLIENT)
    for user, trigger, payload in WALK:
        if trigger is T.CONFIRM_CLOSURE:  # the 終結 waits for the 就労準備支援 it decided (G-PROGRAMS-ENDED)
            [enrolment] = (await api.get("esw1", f"/api/cases/{case_id}/programs")).json()
            url = f"/api/cases/{case_id}/programs/{enrolment['enrolment_id']}/commands"
            withdraw = {"command": "withdraw", "payload": {"reason": "就職したため利用を終える"}}
            assert (await api.post("esw1", url, withdraw)).status_code == 200
            await case_hears_the_ends(api, case_id)
        response = await api.command(user, case_id, trigger.value, await api.contact(case_id, trigger, payload))
        assert response.status_code == 200, (trigger, response.text)
    return case_id


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def fiscal_year_ja(number: str) -> str:
    """令和8年度 for A市-2026-000001: the 年度 the case was numbered in."""
    return f"{wareki(date(int(number.split('-')[-2]), 4, 1))}度"


async def case_number(api: Api, case_id: str) -> str:
    number: str = (await api.get("sw1", f"/api/cases/{case_id}")).json()["case_number"]
    return number


async def test_every_form_prints_its_labels_the_recorded_values_and_the_case_number_on_each_page(api: Api) -> None:
    case_id = await walked_case(api)
    number = await case_number(api, case_id)
    for form, words in EXPECTED.items():
        response = await api.get("sw1", f"/api/cases/{case_id}/forms/{form}.pdf")
        assert response.status_code == 200, (form, response.text)
        assert response.headers["content-type"] == "application/pdf"
        reader = pypdf.PdfReader(io.BytesIO(response.content))
        for page in reader.pages:
            assert number in page.extract_text()
            assert fiscal_year_ja(number) in page.extract_text()
        text = pdf_text(response.content)
        for word in [*words, "寄添 太郎"]:
            assert word in text, (form, word)
        assert case_id not in text
        assert "_" not in text  # no snake_case id on a form


async def test_forms_are_refused_to_operations_and_the_administrator_in_japanese(api: Api) -> None:
    case_id = await walked_case(api)
    for user in ("ops1", "admin"):
        for form in ("intake", "plan", "decision-work_readiness"):
            response = await api.get(user, f"/api/cases/{case_id}/forms/{form}.pdf")
            assert response.status_code == 403, (user, form, response.text)
            assert "出力できません" in response.json()["detail"]
    log = await api.get("aud1", "/api/audit/access-log", case_id=case_id, purpose="form_pdf")
    assert log.json()["items"] == []


async def test_an_unknown_form_or_an_undecided_program_is_not_found(api: Api) -> None:
    case_id = await walked_case(api)
    assert (await api.get("sw1", f"/api/cases/{case_id}/forms/nothing.pdf")).status_code == 404
    assert (await api.get("sw1", f"/api/cases/{case_id}/forms/decision-housing_benefit.pdf")).status_code == 404
    assert (await api.get("sw1", f"/api/cases/{case_id}/forms/hello_work.pdf")).status_code == 404


async def test_each_download_is_in_the_access_log_with_the_fields_it_printed(api: Api) -> None:
    case_id = await walked_case(api)
    for form in ("intake", "assessment"):
        assert (await api.get("mun1", f"/api/cases/{case_id}/forms/{form}.pdf")).status_code == 200
    log = await api.get("aud1", "/api/audit/access-log", case_id=case_id, purpose="form_pdf")
    items = log.json()["items"]
    assert [i["user_id"] for i in items] == ["mun1", "mun1"]
    assessment, intake = items  # newest first
    assert "intake.client.name" in intake["fields"]
    assert "assessment.health" in assessment["fields"]
    assert "assessment.health" not in intake["fields"]


async def test_the_hello_work_individual_sheet_a_prints_the_request(api: Api) -> None:
    case_id = await api.open_case("sw1", client=CLIENT)
    for trigger in (T.COMPLETE_INTAKE, T.APPLY_FOR_SUPPORT):
        assert (await api.command("sw1", case_id, trigger.value, VALID_PAYLOADS[trigger])).status_code == 200
    started = await api.post("esw1", f"/api/cases/{case_id}/programs", {"program": "hello_work"})
    enrolment_id = started.json()["enrolment"]["enrolment_id"]
    api.worker.handles.append(api.worker.client.get_workflow_handle(enrolment_id))
    url = f"/api/cases/{case_id}/programs/{enrolment_id}/commands"
    for command, payload in [
        ("consent", {"consented_on": "2026-11-01", "policy_version": "v3", "signed_by_client": True}),
        ("send_request", {"office_id": "hw-city-a", "sent_on": "2026-11-02"}),
    ]:
        response = await api.post("esw1", url, {"command": command, "payload": payload})
        assert response.status_code == 200, (command, response.text)
    response = await api.get("esw1", f"/api/cases/{case_id}/forms/hello_work.pdf")
    assert response.status_code == 200, response.text
    text = pdf_text(response.content)
    for word in ("個人票A", "寄添 太郎", "昭和55年7月15日", "令和8年11月2日", "ハローワークA", "令和8年11月1日"):
        assert word in text, word
    log = (await api.get("aud1", "/api/audit/access-log", case_id=case_id, purpose="form_pdf")).json()["items"]
    assert "intake.client.birth_date" in log[0]["fields"]
    if shutil.which("pdftoppm") is not None:  # the artefact beside the other forms' (README's thumbnail)
        await anyio.to_thread.run_sync(first_page_png, response.content, "hello_work")


async def test_the_case_page_downloads_a_form_with_its_session(pages_api: Api) -> None:
    case_id = await walked_case(pages_api)
    async with browser_for(pages_api) as browser:
        await browser.login("sw1")
        response = await browser.get(f"/cases/{case_id}/forms/plan.pdf")
        assert response.status_code == 200
        assert "就職する" in pdf_text(response.content)
        await browser.login("ops1")
        refused = await browser.get(f"/cases/{case_id}/forms/plan.pdf")
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")  # the error page, not the API's JSON
        assert "出力できません" in refused.text


def first_page_png(content: bytes, name: str) -> bytes:
    """Keep the PDF under test-artifacts/forms/ and its first page as PNG beside it (poppler's pdftoppm)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / f"{name}.pdf"
    pdf.write_bytes(content)
    command = ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(ARTIFACTS / name)]
    subprocess.run(command, check=True)
    return (ARTIFACTS / f"{name}.png").read_bytes()


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed: make test")
async def test_each_form_s_first_page_renders_to_png(api: Api) -> None:
    case_id = await walked_case(api)
    for form in EXPECTED:
        response = await api.get("sw1", f"/api/cases/{case_id}/forms/{form}.pdf")
        png = await anyio.to_thread.run_sync(first_page_png, response.content, form)
        assert png.startswith(b"\x89PNG"), form
        assert len(png) > 5_000, form  # a page with its tables drawn, not an empty sheet
