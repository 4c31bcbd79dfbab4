"""The pages over HTTP: sessions, CSRF, headers, and a case taken through its first steps by forms alone."""

from __future__ import annotations

import contextlib
import re

from statemachines.case.record import CaseState
from statemachines.case.transitions import Trigger
from tests.factories import VALID_PAYLOADS
from tests.statemachines.paths import PATHS
from tests.web.apiharness import Api
from tests.web.pageclient import CSRF, Browser, browser_for, form_fields
from tests.web.programs.enrolments import (
    application,
    case_hears_the_ends,
    decided_case,
    payment_decision,
    program_command,
)


async def test_a_page_without_a_session_redirects_to_login_in_japanese(pages_api: Api) -> None:
    async with browser_for(pages_api) as b:
        response = await b.get("/inbox")
        login = await b.get("/login")

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/inbox"
    assert '<html lang="ja">' in login.text
    assert "ログイン" in login.text
    csp = login.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert login.headers["x-content-type-options"] == "nosniff"
    assert "HttpOnly" in login.headers["set-cookie"]
    assert "SameSite=strict" in login.headers["set-cookie"]


async def test_login_goes_to_the_role_s_home_and_a_wrong_password_says_so(pages_api: Api) -> None:
    async with browser_for(pages_api) as b:
        wrong = await b.login("sw1", "nope")
        sw = await b.login("sw1")
    async with browser_for(pages_api) as b:
        ops = await b.login("ops1")
    async with browser_for(pages_api) as b:
        aud = await b.login("aud1")

    assert wrong.status_code == 401
    assert "ユーザーIDまたはパスワードが正しくありません。" in wrong.text
    assert (sw.status_code, sw.headers["location"]) == (303, "/inbox")
    assert ops.headers["location"] == "/pipeline"
    assert aud.headers["location"] == "/audit"
    cookie = sw.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie


async def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(pages_api: Api) -> None:
    async with browser_for(pages_api) as b:
        await b.login("sw1")
        forged = await b.http.post("/cases/new", data={"municipality": "city-a"})
        inbox = await b.get("/inbox")

    assert forged.status_code == 403
    assert "もう一度操作してください" in forged.text
    assert "自分のタスク（0）" in inbox.text


async def test_the_csrf_token_is_bound_to_the_session(pages_api: Api) -> None:
    """A token taken from another session's page, or planted with a cookie of one's choosing, does not pass
    (issue 15, item 14): signed in, the token is derived from the session."""
    async with browser_for(pages_api) as mine, browser_for(pages_api) as theirs:
        await mine.login("sw1")
        await theirs.login("sw1")
        their_token = CSRF.search((await theirs.get("/inbox")).text)
        assert their_token is not None
        stolen = await mine.http.post("/cases/new", data={"municipality": "city-a", "csrf_token": their_token.group(1)})
        planted = "p" * 43
        mine.http.cookies.set("yorisoi_csrf", planted)
        fixated = await mine.http.post("/cases/new", data={"municipality": "city-a", "csrf_token": planted})
        own = await mine.submit("/inbox", "/cases/new", {"municipality": "city-a"})
        inbox = await mine.get("/inbox")
    assert (stolen.status_code, fixated.status_code) == (403, 403)
    assert own.status_code == 303  # the session's own token opens the case
    case_id = own.headers["location"].rsplit("/", 1)[1]
    pages_api.worker.handles.append(pages_api.worker.client.get_workflow_handle(f"case-{case_id}"))
    assert "自分のタスク（1）" in inbox.text


async def test_a_case_is_opened_and_moved_on_by_its_forms_with_errors_inline(pages_api: Api) -> None:
    async with browser_for(pages_api) as b:
        await b.login("sw1")
        opened = await b.submit("/inbox", "/cases/new", {"municipality": "city-a"})
        case_url = opened.headers["location"]
        case_id = case_url.rsplit("/", 1)[1]
        pages_api.worker.handles.append(pages_api.worker.client.get_workflow_handle(f"case-{case_id}"))
        page = await b.get(case_url)
        assert "相談受付・申込票の記入" in page.text  # the intake task
        assert 'action="/cases/' + case_id + '/commands/complete_intake"' in page.text

        bad = await b.submit(case_url, f"{case_url}/commands/complete_intake", {"intake.received_on": "2026-13-45"})
        refused = await b.submit(case_url, f"{case_url}/commands/complete_intake", {"intake.received_on": "2026-11-30"})
        done = await b.submit(
            case_url,
            f"{case_url}/commands/complete_intake",
            [("intake.received_on", "2026-11-30"), ("intake.topics", "housing"), ("intake.topics", "job_search")],
        )
        after = await b.get(done.headers["location"])

    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.text
    assert re.search(r'id="f-intake-received_on-error"', bad.text)
    assert refused.status_code == 409  # no topics: G-INTAKE, with its message and basis
    assert "G-INTAKE" in refused.text
    assert (done.status_code, done.headers["location"]) == (303, f"{case_url}?message=done")
    assert 'data-state="SCREENING"' in after.text
    assert "記録しました。" in after.text


async def test_claiming_a_role_task_moves_it_to_my_tasks(pages_api: Api) -> None:
    case_id = await pages_api.open_case("sw1")
    for command, payload in [
        ("complete_intake", {"intake": {"received_on": "2026-11-30", "topics": ["housing"]}}),
    ]:
        assert (await pages_api.command("sw1", case_id, command, payload)).status_code == 200
    async with browser_for(pages_api) as b:
        await b.login("mun1")
        inbox = await b.get("/inbox")
    assert inbox.status_code == 200
    assert "担当者未定のタスク" in inbox.text


async def test_pipeline_counts_and_refreshing_board(pages_api: Api) -> None:
    await pages_api.open_case("sw1")
    async with browser_for(pages_api) as b:
        await b.login("ops1")
        page = await b.get("/pipeline")
        board = await b.get("/pipeline/board", municipality="city-a")

    assert page.status_code == 200
    assert '<script src="/static/pipeline.js" defer></script>' in page.text
    assert re.search(
        r'data-state="INTAKE">\s*<a href="/cases\?state=INTAKE[^"]*">[^<]+</a>\s*<span class="count" data-count="1">',
        board.text,
    )


async def test_audit_verifies_and_exports_csv_with_a_bom(pages_api: Api) -> None:
    case_id = await pages_api.open_case("sw1")
    async with browser_for(pages_api) as b:
        await b.login("aud1")
        page = await b.get("/audit", case_id=case_id, as_of="2099-01-01T00:00")
        verified = await b.submit(f"/audit?case_id={case_id}", f"/audit/{case_id}/verify", {})
        exported = await b.get(f"/audit/{case_id}/export.csv")
        as_json = await b.get(f"/audit/{case_id}/export.json")

    assert 'id="asof-state" data-state="INTAKE"' in page.text
    assert verified.status_code == 200
    assert "検証結果：問題なし" in verified.text
    assert exported.content.startswith(b"\xef\xbb\xbf")
    assert "相談受付" in exported.content.decode("utf-8-sig")
    first_row = exported.content.decode("utf-8-sig").splitlines()[1]
    assert re.match(r"A市-\d{4}-000001,event,", first_row), first_row  # every row names the case by its 受付番号
    assert "filename*=UTF-8''" in exported.headers["content-disposition"]
    assert (as_json.json()["format"], as_json.json()["case_id"]) == ("yorisoi.case-history", case_id)  # the CLI's
    assert as_json.headers["content-disposition"] == f'attachment; filename="case-{case_id}.json"'


async def test_other_roles_cannot_audit_and_unknown_cases_are_404(pages_api: Api) -> None:
    async with browser_for(pages_api) as b:
        await b.login("sw1")
        audit = await b.get("/audit")
        unknown = await b.get("/cases/nope")

    assert audit.status_code == 404
    assert unknown.status_code == 404


async def test_every_step_from_intake_to_closure_can_be_sent_by_its_form(pages_api: Api) -> None:
    """The forms cover every payload of the path to 終結: each step's valid payload, submitted as its form."""
    case_id = await pages_api.open_case("sw1")
    url = f"/cases/{case_id}"
    users = {"check_plan": "csw1", "decide_support": "mun1"}
    sessions: dict[str, Browser] = {}
    async with contextlib.AsyncExitStack() as stack:
        for user in ("sw1", "csw1", "mun1"):
            sessions[user] = await stack.enter_async_context(browser_for(pages_api))
            await sessions[user].login(user)
        for trigger in PATHS[CaseState.CLOSED]:
            b = sessions[users.get(trigger.value, "sw1")]
            if trigger is Trigger.CONFIRM_CLOSURE:  # the 終結 waits for the program the 支援決定 started
                [enrolment] = (await pages_api.get("sw1", f"/api/cases/{case_id}/programs")).json()
                action = f"{url}/programs/{enrolment['enrolment_id']}/commands/withdraw"
                ended = await b.submit(url, action, {"reason": "就職したため利用を終える"})
                assert ended.status_code == 303, _alerts(ended.text)
                await case_hears_the_ends(pages_api, case_id)
            response = await b.submit(url, f"{url}/commands/{trigger.value}", form_fields(VALID_PAYLOADS[trigger]))
            assert response.status_code == 303, (trigger, response.status_code, _alerts(response.text))
        closed = await sessions["sw1"].get(url)
    assert 'data-state="CLOSED"' in closed.text


def _alerts(html: str) -> list[str]:
    return re.findall(r'(?:role="alert"[^>]*>|class="field-error"[^>]*>)(.*?)</', html, re.S)


async def test_the_case_page_shows_benefit_months_used_and_left(pages_api: Api) -> None:
    case_id, enrolment_id = await decided_case(pages_api)
    for user, command, payload in [
        ("sw1", "submit_application", {"application": await application(pages_api, case_id, enrolment_id)}),
        ("mun1", "decide_payment", await payment_decision(pages_api, case_id, enrolment_id)),
        ("mun1", "start_payment", {}),
    ]:
        response = await program_command(pages_api, user, case_id, enrolment_id, command, payload)
        assert response.status_code == 200, response.text
    async with browser_for(pages_api) as b:
        await b.login("sw1")
        page = await b.get(f"/cases/{case_id}")

    panel = re.search(r'data-program="housing_benefit">(.*?)</article>', page.text, re.S)
    assert panel is not None
    assert "住居確保給付金 — 支給中" in panel.group(1)
    assert "支給済み月数：<strong>3か月</strong>" in panel.group(1)
    assert "残り：<strong>6か月</strong>" in panel.group(1)


async def test_the_process_page_embeds_the_diagram_from_the_tables(pages_api: Api) -> None:
    async with browser_for(pages_api) as b:
        await b.login("ops1")
        page = await b.get("/process")

    assert page.status_code == 200
    assert 'role="img"' in page.text
    assert 'data-transition="T4"' in page.text
    assert '<tr id="T18"><td>T18</td><td>支援決定</td>' in page.text


async def test_a_program_is_driven_from_its_panel_with_the_same_checks(pages_api: Api) -> None:
    case_id, enrolment_id = await decided_case(pages_api)
    url = f"/cases/{case_id}"
    action = f"{url}/programs/{enrolment_id}/commands"
    async with browser_for(pages_api) as sw, browser_for(pages_api) as mun:
        await sw.login("sw1")
        await mun.login("mun1")
        page = await sw.get(url)
        assert f'action="{action}/submit_application"' in page.text
        received = {"application": await application(pages_api, case_id, enrolment_id)}
        applied = await sw.submit(url, f"{action}/submit_application", form_fields(received))
        bad = await mun.submit(url, f"{action}/decide_payment", {"decided_on": "2026-02-30"})
        decision = await payment_decision(pages_api, case_id, enrolment_id)
        refused = await sw.submit(url, f"{action}/decide_payment", decision)
        decided = await mun.submit(url, f"{action}/decide_payment", decision)
        after = await mun.get(url)

    assert applied.status_code == 303, _alerts(applied.text)
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.text
    assert refused.status_code == 409  # decide_payment is the municipality's
    assert "ROLE" in refused.text
    assert decided.status_code == 303, _alerts(decided.text)
    assert "住居確保給付金 — 支給決定" in after.text


async def test_the_process_page_has_no_inline_style_the_csp_would_block(pages_api: Api) -> None:
    async with browser_for(pages_api) as b:
        await b.login("sw1")
        page = await b.get("/process")
    assert "<style" not in page.text
    assert "style-src 'self'" in page.headers["content-security-policy"]


async def test_a_user_changes_their_password_on_its_page(pages_api: Api) -> None:
    async with browser_for(pages_api) as b:
        await b.login("esw1")
        weak = await b.submit("/password", "/password", {"current_password": "yorisoi-demo", "new_password": "short"})
        done = await b.submit(
            "/password", "/password", {"current_password": "yorisoi-demo", "new_password": "朝の散歩と温かいお茶2026"}
        )
    async with browser_for(pages_api) as again:
        old = await again.login("esw1")

    assert weak.status_code == 422
    assert "パスワードは12文字以上にしてください。" in weak.text
    assert done.status_code == 200
    assert "パスワードを変更しました。" in done.text
    assert old.status_code == 401
