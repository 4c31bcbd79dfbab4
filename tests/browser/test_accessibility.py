"""Every page of every demo role has no axe-core violation of WCAG 2.1 levels A and AA, in Debian's chromium.

Japanese public-sector pages are held to JIS X 8341-3:2016 at 適合レベルAA
(総務省「みんなの公共サイト運用ガイドライン」); its text is WCAG 2.0 (ISO/IEC 40500:2012), which WCAG 2.1 contains, so
the rules run are axe's tags wcag2a, wcag2aa, wcag21a and wcag21aa. axe-core is the npm package pinned in
package-lock.json (``make browser`` installs it with ``npm ci``). A machine finds only part of what the standard asks;
the rest still needs a person.

The pages keep their strict Content-Security-Policy: axe's source is evaluated through the DevTools protocol
(``page.evaluate``), which the policy does not govern, while an injected ``<script>`` (``add_script_tag``) is refused
by ``script-src 'self'``. Every ``<details>`` is opened first, so the forms folded in them are checked too.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Error, Page, expect
from temporalio.testing import WorkflowEnvironment

from deploy.demo import USERS
from statemachines.kernel.permissions import PERMISSIONS, Permission
from store.reports import ReportRepository, SubmittedReportRecord, report_hash
from tests.browser.conftest import AXE, REPO_ROOT
from tests.browser.live import LiveApp, live_app, new_context, signed_in
from tests.web.apiharness import Api
from tests.web.cases.walked import walked_to_closure
from tests.web.programs.enrolments import decided_case
from tests.web.tasks.test_paging import queue as _queue
from web.core.security import CSRF_FIELD
from web.reports.page import last_complete_month
from web.tasks.pages import INBOX_PAGE

LOCK = REPO_ROOT / "package-lock.json"
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
ROLES = ("sw1", "csw1", "esw1", "hhsw1", "mun1", "ops1", "aud1", "admin")  # every role of the demo world
NODES_SHOWN = 3
SEARCHERS = {user for user, _, roles, _ in USERS if roles & PERMISSIONS[Permission.PERSON_SEARCH]}  # find people
CLIENT = {"name": "鈴木 一郎", "name_kana": "スズキ イチロウ", "birth_date": "1980-05-01", "phone": "090-0000-0000"}


@dataclass
class World:
    app: LiveApp
    case_id: str  # 支援決定 approved 住居確保給付金: its page has the program panel and its forms
    closed_case_id: str  # walked to 終結: every sheet of its case file holds something
    person_id: str  # its client, who has come again since (a second case)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(time_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    async with live_app(time_env, tmp_path_factory.mktemp("accessibility")) as app:
        async with httpx.AsyncClient(base_url=app.url) as http:
            api = Api(http=http, worker=app.worker)
            case_id, _ = await decided_case(api, CLIENT)
            person_id = (await api.get("sw1", f"/api/cases/{case_id}")).json()["person_id"]
            await api.open_case("sw1", person_id=person_id)
            closed = await walked_to_closure(api)
        submitted_under_older_definitions(app)
        yield World(app=app, case_id=case_id, closed_case_id=closed.case_id, person_id=person_id)


def submitted_under_older_definitions(app: LiveApp) -> None:
    """The month /reports shows first, as submitted under the definitions before issue 18 (another count): its page
    has the note on the changed definitions and the table of differences."""
    month = last_complete_month(datetime.now(UTC))
    with app.worker.sessions.begin() as session:
        now = ReportRepository(session).monthly("city-a", month)
        old = now.model_dump(mode="json", exclude={"hash", "definitions", "year_to_date"})
        old["counts"]["new_consultations"] += 1
        old["figures"] = [
            {**f, "value": (f["value"] or 0) + 1} if f["key"] == "new_consultations" else f for f in old["figures"]
        ]
        body = {**old, "hash": report_hash(old)}
        session.add(
            SubmittedReportRecord(
                municipality="city-a",
                month=month,
                version=1,
                body=body,
                hash=body["hash"],
                submitted_at=datetime.now(UTC),
                submitted_by="mun1",
                note=None,
            )
        )


@dataclass
class Findings:
    """axe-core's violations, page by page, for one failure message that names them all."""

    source: str
    pages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    version: str = ""

    async def check(self, page: Page, name: str) -> None:
        await page.evaluate(self.source)
        await page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        result = await page.evaluate("rules => axe.run(document, rules)", RULES)
        assert result["passes"], f"{name}: axe checked nothing on {page.url}"
        self.version = result["testEngine"]["version"]
        self.pages[f"{name} {page.url}"] = result["violations"]

    def report(self) -> str:
        lines = []
        for where, violations in self.pages.items():
            for v in violations:
                lines.append(f"{where}: {v['id']} ({v['impact']}) {v['help']} {v['helpUrl']}")
                for node in v["nodes"][:NODES_SHOWN]:
                    lines.append(f"    {node['target']}: {node['failureSummary']}".replace("\n", " / "))
                if len(v["nodes"]) > NODES_SHOWN:
                    lines.append(f"    … and {len(v['nodes']) - NODES_SHOWN} more")
        return "\n".join(lines)

    def assert_none(self) -> None:
        assert not any(self.pages.values()), "axe-core found WCAG 2.1 A/AA violations:\n" + self.report()


async def visit(page: Page, path: str, status: int = 200) -> None:
    response = await page.goto(path)
    assert response is not None, path
    assert response.status == status, f"{path}: {response.status}"
    assert page.url.endswith(path), f"{path} went to {page.url}"


async def nav_of(page: Page) -> list[str]:
    links: list[str] = await page.locator("header nav a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    return links


def paths_of(nav: list[str], case_id: str, closed_case_id: str) -> list[tuple[str, int]]:
    """The pages a role has, each with its status: its navigation, the cases' pages (a closed case's file whole and
    with its 経過一覧 filtered), its password page, and what the navigation leads to."""
    closed = f"/cases/{closed_case_id}"
    paths = [(path, 200) for path in (*nav, f"/cases/{case_id}", closed, f"{closed}?kind=advices", "/password")]
    if "/audit" in nav:  # the case's timeline, and its state and records as of before it began and after
        paths += [(f"/audit?case_id={case_id}&as_of={at}", 200) for at in ("", "2020-01-01T00:00", "2099-01-01T00:00")]
    if "/supervision" in nav:  # the caseloads over another number of days without contact
        paths.append(("/supervision?no_contact_days=7", 200))
    if "/reports" in nav:  # 目安値 (an administrator's with its form), and a municipality not served (refused)
        paths += [("/reports/targets", 200), ("/reports?municipality=city-b", 403)]
    return paths


async def check_error_pages(page: Page, findings: Findings) -> None:
    """403: a form whose CSRF token was tampered with; 404: a case that is not there."""
    await page.locator(f'header form input[name="{CSRF_FIELD}"]').evaluate("e => { e.value = 'forged'; }")
    await page.locator('header form[action="/logout"] button').click()
    await expect(page.locator("h1")).to_have_text(re.compile(r"^(この操作はできません（403）|Not allowed \(403\))$"))
    await findings.check(page, "403")
    await visit(page, "/cases/0123456789abcdef", status=404)
    await findings.check(page, "404")


async def check_verdict(page: Page, findings: Findings, case_id: str) -> None:
    """「検証」's answer on the audit page."""
    await visit(page, f"/audit?case_id={case_id}")
    await page.locator('form[action$="/verify"] button').click()
    await expect(page.locator("#verdict")).to_have_attribute("data-verdict", "ok")
    await findings.check(page, "audit verified")


async def check_finder(page: Page, findings: Findings, user: str) -> None:
    """The finder with a date that is none, the access log (the auditors'; 404 for the others), and, for who may
    start it, the integrity check started (or refused while one runs) with its progress."""
    await visit(page, "/audit?opened_from=2026-02-30&integrity=unchecked")
    await expect(page.locator('[aria-invalid="true"]')).to_be_visible()
    await findings.check(page, "audit finder with a date that is none")
    await visit(page, "/audit/access-log", 200 if user == "aud1" else 404)
    await findings.check(page, "access log")
    if user in ("aud1", "admin"):
        await visit(page, "/audit")
        await page.locator('form[action="/audit/integrity-runs"] button').click()
        await expect(page.locator("#run")).to_be_visible()
        await findings.check(page, "integrity run started")
    await visit(page, "/audit")  # back on a page of one's own (the 404 page has no header form)


async def check_people(page: Page, findings: Findings, world: World, user: str) -> None:
    """A person's page (a real person with two cases) and the search box's answers (found, no one found, refused with
    the field marked) for who may find people; the 404 page for the others."""
    if user not in SEARCHERS:
        await visit(page, f"/people/{world.person_id}", 404)
        await findings.check(page, "person (not for this role)")
        await visit(page, "/cases")  # back on a page of one's own (the 404 page has no header form)
        return
    await visit(page, f"/people/{world.person_id}")
    await expect(page.locator("#their-cases + table tbody tr")).to_have_count(2)
    await findings.check(page, "person")
    await visit(page, "/cases")
    answers = (
        ("すずき　いちろう", "people found", page.get_by_role("link", name=CLIENT["name"])),
        ("だれもいない", "no one found", page.get_by_text("該当する相談者はいません。")),
        ("　", "search refused", page.locator('#p-q[aria-invalid="true"]')),
    )
    for typed, state, answer in answers:
        box = page.get_by_role("region", name="相談者を探す")
        await box.get_by_label("氏名・ふりがな（一部でも可）").fill(typed)
        await box.get_by_role("button", name="検索").click()
        await expect(answer).to_be_visible()
        await findings.check(page, state)


async def check_refused_intake(page: Page, findings: Findings, app: LiveApp) -> None:
    """A new case's page; its 相談受付 sent with a date that is none (the fields' errors), then without a topic (the
    refusal, with its guard and legal basis)."""
    await visit(page, "/inbox")
    await page.get_by_role("button", name="相談を受け付ける").click()
    await expect(page).to_have_url(re.compile(r"/cases/[0-9a-f]+$"))
    app.worker.handles.append(app.worker.client.get_workflow_handle(f"case-{page.url.rsplit('/', 1)[1]}"))
    await findings.check(page, "new case")
    form = page.locator("#cmd-complete_intake form")
    await page.locator("#cmd-complete_intake").evaluate("d => { d.open = true; }")
    await form.locator('[name="intake.received_on"]').evaluate("e => { e.type = 'text'; }")  # no date picker
    await form.locator('[name="intake.received_on"]').fill("2026-13-45")
    await form.locator('button[type="submit"]').click()
    await expect(page.locator('[aria-invalid="true"]').first).to_be_visible()
    await findings.check(page, "intake with a date that is none")
    await form.locator('[name="intake.received_on"]').fill("2026-11-30")
    await form.locator('button[type="submit"]').click()
    await expect(page.locator("#refused")).to_contain_text("G-INTAKE")
    await findings.check(page, "intake refused")


async def check_paged_inbox(page: Page, findings: Findings, world: World) -> None:
    """The inbox with a queue longer than a page: its 「次へ」 and, on the next page, its 「最初へ」."""
    _queue(world.app.worker.sessions, world.case_id, INBOX_PAGE + 10)
    await visit(page, "/inbox")
    await expect(page.get_by_role("link", name="次へ")).to_have_count(1)
    await findings.check(page, "inbox with a next page")
    await page.get_by_role("link", name="次へ").click()
    await expect(page.get_by_role("link", name="最初へ")).to_be_visible()
    await findings.check(page, "inbox, its second page")


@pytest.mark.parametrize(("user", "lang"), [*((user, "ja") for user in ROLES), ("admin", "en")])
async def test_every_page_of_a_role_has_no_axe_violation(
    browser: Browser, axe_source: str, world: World, user: str, lang: str
) -> None:
    findings = Findings(axe_source)
    context, page = await signed_in(browser, world.app, user)
    try:
        if lang == "en":  # the header's 「English」 (a cookie): every page after it in English
            await page.get_by_role("link", name="English").click()
            await expect(page.locator("html")).to_have_attribute("lang", "en")
        nav = await nav_of(page)
        for path, status in paths_of(nav, world.case_id, world.closed_case_id):
            await visit(page, path, status)
            if path.startswith("/cases/"):
                await expect(page.locator('[data-program="housing_benefit"]')).to_be_attached()
            if path == "/reports":  # a month submitted under older definitions: the note and the differences
                await expect(page.locator("#definitions-changed")).to_be_attached()
            await findings.check(page, path)
        if "/audit" in nav:
            await check_verdict(page, findings, world.case_id)
            await check_finder(page, findings, user)
        if "/supervision" in nav and user == "csw1":  # a consultant's cases, with the reassignment forms
            await visit(page, "/supervision/consultants/sw1")
            await findings.check(page, "supervision consultant")
        await check_people(page, findings, world, user)
        if (user, lang) == ("sw1", "ja"):
            await check_refused_intake(page, findings, world.app)
            await check_paged_inbox(page, findings, world)
        await check_error_pages(page, findings)
    finally:
        await context.close()
    findings.assert_none()


async def test_the_login_page_has_no_axe_violation_in_either_language(
    browser: Browser, axe_source: str, world: World
) -> None:
    findings = Findings(axe_source)
    context = await new_context(browser, world.app)
    page = await context.new_page()
    try:
        await visit(page, "/login")
        with pytest.raises(Error, match="Content Security Policy"):  # the pages' policy holds against an inline script
            await page.add_script_tag(path=AXE)
        await findings.check(page, "login")
        await page.get_by_label("ユーザーID").fill("sw1")
        await page.get_by_label("パスワード").fill("wrong")
        await page.get_by_role("button", name="ログイン").click()
        await expect(page.get_by_role("alert")).to_be_visible()
        await findings.check(page, "login refused")
        await page.get_by_role("link", name="English").click()
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await findings.check(page, "login (English)")
    finally:
        await context.close()
    findings.assert_none()
    assert findings.version == json.loads(LOCK.read_text())["packages"]["node_modules/axe-core"]["version"]


def test_axe_core_is_pinned_exactly() -> None:
    """package.json names one exact version, the one package-lock.json pins (npm ci refuses a lock that differs)."""
    wanted = json.loads((REPO_ROOT / "package.json").read_text())["devDependencies"]["axe-core"]
    assert re.fullmatch(r"4\.\d+\.\d+", wanted), wanted
    assert json.loads(LOCK.read_text())["packages"]["node_modules/axe-core"]["version"] == wanted
