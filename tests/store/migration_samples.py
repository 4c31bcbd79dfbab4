"""One or more rows of every table of the read model, for the migration tests (tests/store/test_migrations.py,
tests/store/test_migrate.py): rows of a table an earlier revision lacks are left out when inserted there."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

AT = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)
BULK_EVENTS = 1_010
"""Events of one case inserted at the earliest revisions: more than a backfill batch (1,000), so it takes two."""

SAMPLES: dict[str, list[dict[str, Any]]] = {
    "organisations": [
        {"org_id": "131016", "kind": "municipality", "name_ja": "千代田区", "serves": ["131016"], "population": 67000}
    ],
    "users": [
        {
            "user_id": "sw1",
            "display_name": "相談 一郎",
            "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
            "roles": ["SW"],
            "org_id": "131016",
            "active": True,
            "created_at": AT,
            "password_changed_at": AT,
            "email": "sw1@example.jp",
        }
    ],
    "cases": [
        {
            "case_id": case_id,
            "municipality": "131016",
            "stage": "intake",
            "state": "受付",
            "emergency_active": False,
            "assignee": "sw1",
            "opened_at": AT,
            "updated_at": AT,
            "state_entered_at": AT,
            "closed_at": None,
            "next_due_at": AT + timedelta(days=14),
            "next_due_kind": "assessment",
            "ruleset_id": "rs-1",
            "plan_version": 0,
            "last_seq": 3,
        }
        for case_id in ("case-1", "case-2")
    ],
    "case_day_counts": [  # the two cases above, as the projection counts them from revision 0016 on
        {"municipality": "131016", "measure": measure, "day": day, "state": "受付", "cases": 2}
        for measure, day in [
            ("entered", AT.date()),
            ("entered_month", AT.date()),  # AT is the first of its month
            ("due", (AT + timedelta(days=14)).date()),
            ("due_month", AT.date()),
        ]
    ],
    "tasks": [
        {
            "task_id": "task-1",
            "case_id": "case-1",
            "municipality": "131016",  # the case's: before revision 0015 its migration fills it in
            "kind": "assessment",
            "title_ja": "アセスメント",
            "title_en": "Assessment",
            "role": "SW",
            "assignee": "sw1",
            "due_at": AT + timedelta(days=14),
            "command": "complete_assessment",
            "status": "open",
            "opened_seq": 1,
            "closed_seq": None,
            "opened_at": AT,
            "closed_at": None,
        }
    ],
    "case_rejections": [
        {
            "case_id": "case-1",
            "at": AT,
            "actor_id": "sw1",
            "actor_roles": ["SW"],
            "command": "close",
            "command_id": "cmd-refused",
            "state": "受付",
            "reasons": [{"id": "G1", "ja": "同意がありません", "en": "no consent"}],
        }
    ],
    "case_histories": [
        {"case_id": "case-1", "run_index": 0, "run_id": "run-1", "archived_at": AT, "history": '{"events": []}'}
    ],
    "notifications": [
        {
            "notification_id": "n1",
            "idempotency_key": "task-1:sw1",
            "user_id": "sw1",
            "case_id": "case-1",
            "kind": "task_assigned",
            "title_ja": "新しいタスク",
            "body_ja": "アセスメントをしてください",
            "created_at": AT,
            "read_at": None,
            "email_to": "sw1@example.jp",
            "email_status": "pending",
            "email_claim_token": None,
            "email_claimed_at": None,
            "email_sent_at": None,
            "attempts": 0,
        }
    ],
    "login_failures": [{"key": "user:sw1", "window_started_at": AT, "failures": 2, "locked_until": None}],
    "access_log": [
        {"at": AT, "user_id": "sw1", "case_id": "case-1", "fields": ["intake.name"], "purpose": "case_page"}
    ],
    "institutions": [
        {
            "institution_id": "inst-1",
            "name_ja": "千代田区社会福祉協議会",
            "name_kana": "ちよだくしゃかいふくしきょうぎかい",
            "category": "social_welfare_council",
            "municipality": "131016",
            "area_code": "13101",
            "address": "東京都千代田区九段南1-2-1",
            "phone": "03-0000-0000",
            "email": None,
            "accepts_referrals": True,
            "note": "",
        }
    ],
    "offices": [
        {
            "office_id": "office-1",
            "municipality": "131016",
            "name_ja": "相談窓口",
            "hours": {"mon": ["09:00", "17:00"]},
            "travel_buffer_minutes": 15,
        }
    ],
    "appointments": [
        {
            "appointment_id": "appt-1",
            "case_id": "case-1",
            "staff_user_id": "sw1",
            "office_id": "office-1",
            "starts_at": AT,
            "ends_at": AT + timedelta(hours=1),
            "kind": "consultation",
            "status": "booked",
            "note": None,
            "enrolment_id": None,
            "created_by": "sw1",
            "created_at": AT,
        }
    ],
    "program_enrolments": [
        {
            "enrolment_id": "case-1:housing_benefit",
            "case_id": "case-1",
            "municipality": "131016",
            "program": "housing_benefit",
            "state": "申請",
            "started_at": AT,
            "updated_at": AT,
            "next_due_at": None,
            "next_due_kind": None,
            "last_seq": 2,
            "summary": {"months": 3},
        }
    ],
    "enrolment_persons": [
        {"enrolment_id": "case-1:housing_benefit", "person_key": "a" * 64, "case_id": "case-1", "recorded_at": AT}
    ],
    "rulesets": [
        {
            "ruleset_id": "rs-1",
            "municipality": "131016",
            "effective_from": date(2026, 4, 1),
            "body": {"plan_period_months": 6},
            "created_at": AT,
            "created_by": "admin",
        }
    ],
    "sessions": [
        {
            "session_hash": "b" * 64,
            "user_id": "sw1",
            "kind": "page",
            "created_at": AT,
            "last_seen_at": AT,
            "expires_at": AT + timedelta(hours=1),
            "revoked_at": AT,
            "revoke_reason": "logout",
        }
    ],
    "data_keys": [
        {
            "key_id": "case-1",
            "wrapped": b"\x00wrapped key",
            "master_key_id": "mk-1",
            "created_at": AT,
            "erased_at": None,
            "erasure_reason": None,
        }
    ],
    "legal_holds": [
        {
            "case_id": "case-1",
            "placed_at": AT,
            "placed_by": "mun1",
            "reason": "訴訟のため保存",
            "released_at": None,
            "released_by": None,
            "release_reason": None,
        }
    ],
    "case_erasures": [
        {
            "case_id": "case-0",
            "erased_at": AT,
            "due_on": date(2031, 4, 1),
            "ended_at": AT,
            "ruleset_id": "rs-1",
            "documents": ["相談記録"],
            "events_erased": 3,
        }
    ],
    "privacy_policies": [
        {
            "municipality": "*",
            "version": "2026.1",
            "title": "個人情報取扱規程",
            "effective_from": date(2026, 4, 1),
            "summary": "相談記録の利用目的と第三者提供",
            "document_sha256": "c" * 64,
            "created_at": AT,
            "created_by": "admin",
        }
    ],
    "report_targets": [
        {
            "municipality": "131016",
            "fiscal_year": 2026,
            "indicator": "employment_income_rate",
            "value": 0.55,
            "source": "区の目標",
            "created_at": AT,
            "created_by": "admin",
        }
    ],
    "login_known_addresses": [{"user_id": "sw1", "address": "10.0.0.8", "last_success_at": AT}],
    "case_number_counters": [{"municipality": "city-a", "fiscal_year": 2026, "last": 1}],
    "case_numbers": [
        {
            "case_id": "c1",
            "number": "A市-2026-000001",
            "municipality": "city-a",
            "fiscal_year": 2026,
            "seq": 1,
            "allocated_at": AT,
        }
    ],
    "people": [
        {
            "person_id": "p1",
            "name": "山田 太郎",
            "name_kana": "やまだ たろう",
            "gender": None,
            "birth_date": date(1980, 4, 1),
            "address": None,
            "phone": None,
            "household": None,
            "name_key": "山田太郎",
            "kana_key": "ヤマダタロウ",
            "recorded_from_case": "c1",
            "recorded_seq": 1,
            "updated_at": AT,
        }
    ],
    "integrity_runs": [
        {
            "run_id": "0195f3c2-run",
            "workflow_id": "yorisoi-integrity-now",
            "started_by": "aud1",
            "started_at": AT,
            "finished_at": AT,
            "total": 1,
            "checked": 1,
            "broken": 0,
            "cursor": "case-1",
        }
    ],
    "case_integrity": [{"case_id": "case-1", "run_id": "0195f3c2-run", "checked_at": AT, "broken_seq": None}],
    "dead_letters": [
        {
            "workflow_id": "case-c1",
            "case_id": "c1",
            "seq": 2,
            "kind": "case",
            "error_type": "IntegrityError",
            "error": "(sqlite3.IntegrityError) poison",
            "failed_at": AT,
            "resolved_at": None,
        }
    ],
    "worker_heartbeats": [
        {
            "worker_id": "host-1:4242:2026-04-01T00:00:00",
            "task_queue": "yorisoi-cases",
            "host": "host-1",
            "pid": 4242,
            "started_at": AT,
            "seen_at": AT,
        }
    ],
    "meetings": [
        {
            "meeting_id": "m" * 32,
            "municipality": "131016",
            "kind": "support_coordination",
            "held_on": date(2026, 4, 10),
            "title": "第1回",
            "members": [{"organisation": "千代田区 福祉課", "is_municipal_official": True}],
            "created_by": "csw1",
            "created_at": AT,
        }
    ],
    "meeting_agenda": [
        {
            "meeting_id": "m" * 32,
            "case_id": "case-1",
            "position": 1,
            "purpose": "plan",
            "outcome": "approve",
            "minutes": "プランを承認した",
            "command_ids": ["mtg-m-case-1-open_meeting_item", "mtg-m-case-1-approve_plan"],
            "recorded_by": "csw1",
            "recorded_at": AT,
        }
    ],
    "submitted_reports": [
        {
            "municipality": "131016",
            "month": "2026-04",
            "version": 1,
            "body": {"counts": {"new_consultations": 12}},
            "hash": "d" * 64,
            "submitted_at": AT,
            "submitted_by": "mun1",
            "note": None,
        }
    ],
}
"""One or more rows of every table (rows of a table an earlier revision lacks are left out), in an order that
satisfies the foreign keys. ``case_events`` and ``program_events`` are made by ``revision_rows.event_rows``."""


RICH_PAYLOADS: list[dict[str, Any]] = [
    {"name": "寄添 花子", "age": 47, "household": {"members": 3, "children": [9, 12]}, "income": 120000.5},
    {"assessment": {"employment_support_target": True, "note": "家賃の滞納が2か月、ハローワーク同行を希望"}},
    {"flags": [True, False, None]},
    {},
]
