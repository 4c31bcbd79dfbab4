"""The demo world of the embedded stack: a municipality, its contractor, a second municipality and their users.

Every demo user's password is ``yorisoi-demo``, which the API refuses outside demo mode. Seeding is idempotent.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from deploy.connect import connect_temporal, data_keys
from services.cases import CaseService
from settings import Settings
from statemachines.kernel.roles import Actor, OrgKind, Role
from statemachines.kernel.rules import RuleBook
from store.accounts import DEMO_PASSWORD, AccountRepository
from store.db import make_engine, session_factory
from store.institutions import InstitutionRepository, UpsertCounts, load_csv
from store.policies import EVERY_MUNICIPALITY, PrivacyPolicy, PrivacyPolicyRepository
from store.rulesets import RulesetRepository
from workflows.messages import CommandOutcome, CommandRequest

ORGANISATIONS: list[tuple[str, OrgKind, str, list[str], int | None]] = [
    ("city-a", OrgKind.MUNICIPALITY, "A市 福祉事務所", ["city-a"], 120_000),
    ("contractor-a", OrgKind.CONTRACTOR, "A市 自立相談支援機関（社会福祉協議会）", ["city-a"], None),
    ("city-b", OrgKind.MUNICIPALITY, "B町 福祉事務所", ["city-b"], 30_000),
]

USERS: list[tuple[str, str, set[Role], str]] = [
    ("sw1", "相談支援員 佐藤", {Role.SW}, "contractor-a"),
    ("csw1", "主任相談支援員 鈴木", {Role.CSW}, "contractor-a"),
    ("esw1", "就労支援員 高橋", {Role.ESW}, "contractor-a"),
    ("hhsw1", "家計改善支援員 田中", {Role.HHSW}, "contractor-a"),
    ("mun1", "A市 福祉課 伊藤", {Role.MUN}, "city-a"),
    ("ops1", "A市 運用担当 渡辺", {Role.OPS}, "city-a"),
    ("aud1", "A市 監査担当 山本", {Role.AUD}, "city-a"),
    ("sw2", "B町 相談支援員 中村", {Role.SW}, "city-b"),
    ("admin", "管理者", {Role.ADMIN}, "city-a"),
]


DEMO_MAIL_DOMAIN = "demo.yorisoi.example"  # a reserved name (RFC 2606): nothing there receives mail


def demo_email(user_id: str) -> str:
    """A demo user's address; e-mail goes out only when an SMTP server is configured (``YORISOI_SMTP_HOST``)."""
    return f"{user_id}@{DEMO_MAIL_DOMAIN}"


def seed_demo_world(sessions: sessionmaker[Session]) -> int:
    """Adds what is missing; returns how many users it added."""
    added = 0
    with sessions.begin() as session:
        accounts = AccountRepository(session)
        known_orgs = {o.org_id for o in accounts.list_organisations()}
        for org_id, kind, name, serves, population in ORGANISATIONS:
            if org_id not in known_orgs:
                accounts.add_organisation(org_id, kind, name, serves, population=population)
        known_users = {u.user_id for u in accounts.list_users()}
        for user_id, display, roles, org_id in USERS:
            if user_id not in known_users:
                accounts.add_user(user_id, DEMO_PASSWORD, roles, org_id, display, email=demo_email(user_id))
                added += 1
    seed_demo_institutions(sessions)
    seed_demo_offices(sessions)
    seed_demo_policies(sessions)
    return added


ON = "2026-04-01"
TARGET = (datetime.now(UTC) + timedelta(days=183)).date().isoformat()  # a 達成時期 still ahead (G-PLAN-DATES)
DEMO_PLAN: dict[str, Any] = {
    "client_intentions": "家賃を払い続けられるよう、安定した仕事に就きたい",
    "issues": "離職後の収入減少と家賃滞納",
    "goals": [{"description": "半年以内に就職する", "target_date": TARGET}],
    "support_items": [
        {"kind": "statutory_program", "program": "work_readiness", "description": "就労準備支援事業の利用"},
        {"kind": "non_statutory", "description": "民生委員による見守り", "frequency": "月1回"},
    ],
    "notes": "通院日を避けて面談を設定する",
    "co_written_with_client": True,
}
MEETING: dict[str, Any] = {
    "meeting_date": ON,
    "attendees": [
        {"organisation": "A市 自立相談支援機関"},
        {"organisation": "A市 福祉課", "is_municipal_official": True},
        {"organisation": "社会福祉協議会"},
    ],
}
CONSENT = {"signed_on": ON, "signed_by_client": True, "policy_version": "2025-04"}
CONTACTED = datetime.now(UTC).astimezone(timezone(timedelta(hours=9))).date().isoformat()
"""A 連絡日 of the day the demo cases are made (in Japan): not before the case opened, nor after today (G-DATES)."""
NOTE = {"contact_on": CONTACTED, "method": "phone", "content": "近況を確認した"}
DEMO_SCRIPT: list[tuple[str, str, dict[str, Any]]] = [
    (
        "sw1",
        "complete_intake",
        {"intake": {"received_on": ON, "topics": ["income", "job_search"], "route": "visit_office"}},
    ),
    (
        "sw1",
        "apply_for_support",
        {"consent_c1": {"kind": "C1", **CONSENT}, "eligibility": {"is_needy": True, "resides_in_municipality": True}},
    ),
    ("sw1", "start_assessment", {}),
    (
        "sw1",
        "complete_assessment",
        {
            "assessment": {
                "household": "単身",
                "health": "特記なし",
                "housing": "民間賃貸",
                "finances": "預貯金わずか",
                "employment": "求職中",
                "issues": "失業による困窮",
                "continuous_support_needed": True,
                "employment_support_target": True,
            }
        },
    ),
    ("sw1", "submit_plan", {"plan": DEMO_PLAN}),
    ("csw1", "check_plan", {}),
    ("sw1", "record_plan_consent", {"consent_c2": {"kind": "C2", **CONSENT}}),
    ("sw1", "put_on_agenda", {}),
    ("sw1", "open_meeting_item", {"meeting": MEETING}),
    ("mun1", "approve_plan", {}),
    (
        "mun1",
        "decide_support",
        {"decision": {"decided_on": ON, "programs": [{"program": "work_readiness", "approved": True}]}},
    ),
    ("esw1", "record_contact", {"monitoring_note": NOTE}),
    ("sw1", "start_evaluation", {}),
    (
        "sw1",
        "propose_closure",
        {
            "evaluation": {"evaluated_on": ON, "goals_achieved": [True], "direction": "close", "employed": True},
            "closure_proposal": {"reason": "EMPLOYED", "client_wish": {"confirmed_on": ON, "wish": "自立できた"}},
        },
    ),
    (
        "sw1",
        "confirm_closure",
        {"closure": {"reason": "EMPLOYED", "meeting": {**MEETING, "result": "closure_confirmed"}}},
    ),
]


async def _end_programs(client: Client, service: CaseService, case_id: str, actor: Actor, index: int) -> None:
    """The 終結 waits for the programs the 支援決定 started (G-PROGRAMS-ENDED): the consultant ends each one (利用中止),
    and the case hears of it before the 支援調整会議 confirms the 終結."""
    for enrolment_id, enrolment in (await service.record(case_id)).enrolments.items():
        if enrolment.ended:
            continue
        payload = {"reason": "就職により利用を終える"}
        request = CommandRequest(command_id=f"demo-{index}-end-{enrolment.program}", actor=actor, payload=payload)
        handle = client.get_workflow_handle(enrolment_id)
        await handle.execute_update("withdraw", request, result_type=CommandOutcome, id=request.command_id)
    for _ in range(100):
        if all(e.ended for e in (await service.record(case_id)).enrolments.values()):
            return
        await asyncio.sleep(0.1)


async def _walk(client: Client, service: CaseService, actors: dict[str, Actor], index: int) -> None:
    opened = await service.open(municipality="city-a", actor=actors["sw1"], payload={}, command_id=f"demo-case-{index}")
    depth = index % (len(DEMO_SCRIPT) + 1)
    for step, (user, command, payload) in enumerate(DEMO_SCRIPT[:depth]):
        if command == "confirm_closure":
            await _end_programs(client, service, opened.case_id, actors["sw1"], index)
        await service.send(opened.case_id, command, actors[user], payload, command_id=f"demo-{index}-{step}")


async def add_demo_cases(settings: Settings, count: int, concurrency: int = 8) -> None:
    """``count`` synthetic cases walked to every depth of the process, so the pipeline has something to show."""
    engine = make_engine(settings.effective_database_url)
    sessions = session_factory(engine)
    client = await connect_temporal(settings, data_keys(settings, sessions))

    def rulebook() -> RuleBook:
        with sessions.begin() as session:
            return RulesetRepository(session).rulebook()

    with sessions.begin() as session:
        accounts = AccountRepository(session)
        actors = {u.user_id: accounts.actor(u) for u in accounts.list_users()}
    service = CaseService(client, sessions, settings.task_queue, rulebook, person_secret=settings.signing_key())
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int) -> None:
        async with gate:
            await _walk(client, service, actors, index)

    try:
        await asyncio.gather(*(one(i) for i in range(count)))
    finally:
        engine.dispose()


DEMO_INSTITUTIONS_CSV = Path(__file__).with_name("demo_institutions.csv")


def seed_demo_institutions(sessions: sessionmaker[Session]) -> UpsertCounts:
    """The demo 関係機関 directory (fictitious): every category for city-a (two 中学校区) and city-b. Idempotent."""
    institutions = load_csv(DEMO_INSTITUTIONS_CSV)
    with sessions.begin() as session:
        return InstitutionRepository(session).upsert_many(institutions)


def seed_demo_offices(sessions: sessionmaker[Session]) -> int:
    """The demo ハローワーク offices (fictitious) of city-a and city-b; returns how many it added. Idempotent."""
    # Imported here so that this section stays self-contained at the end of the file.
    from datetime import time

    from statemachines.policy.scheduling import DayHours, Office, OfficeHours
    from store.appointments import AppointmentRepository

    late = DayHours(opens=time(10), closes=time(19))
    offices = [
        ("city-a", Office(office_id="hw-city-a", name_ja="ハローワークA（A公共職業安定所）")),
        (
            "city-a",
            Office(
                office_id="hw-city-a-ekimae",
                name_ja="ハローワークA 駅前就労支援コーナー",
                hours=OfficeHours(
                    mon=late, tue=late, wed=late, thu=late, fri=late, sat=DayHours(opens=time(10), closes=time(17))
                ),
                travel_buffer_minutes=20,
            ),
        ),
        ("city-b", Office(office_id="hw-city-b", name_ja="ハローワークB町出張所", travel_buffer_minutes=45)),
    ]
    added = 0
    with sessions.begin() as session:
        repo = AppointmentRepository(session)
        for municipality, office in offices:
            if repo.get_office(office.office_id) is None:
                repo.add_office(office, municipality)
                added += 1
    return added


DEMO_POLICY_TEXT = (
    "個人情報の管理・取扱規程（デモ用・架空）2025年4月版\n"
    "相談支援の実施に必要な範囲で個人情報を取得し、本人の同意なく関係機関へ提供しません。"
)
DEMO_POLICY = PrivacyPolicy(
    municipality=EVERY_MUNICIPALITY,
    version="2025-04",
    title="個人情報の管理・取扱規程（デモ）",
    effective_from=date(2025, 4, 1),
    summary="デモ用の架空の規程。デモのケースの同意（C1・C2・ハローワーク支援要請）はこの版を説明したものとして記録する。",
    document_sha256=hashlib.sha256(DEMO_POLICY_TEXT.encode("utf-8")).hexdigest(),
)


def seed_demo_policies(sessions: sessionmaker[Session]) -> int:
    """The 個人情報取扱規程 version the demo's consents name (``CONSENT``), for every municipality. Idempotent."""
    with sessions.begin() as session:
        policies = PrivacyPolicyRepository(session)
        if any(p.version == DEMO_POLICY.version for p in policies.list(DEMO_POLICY.municipality)):
            return 0
        policies.add(DEMO_POLICY, created_by="demo", now=datetime.now(UTC))
    return 1
