"""Who may do what through the API and the pages: one table, ``Permission → roles``.

Routes declare the permission they need (``web.core.permissions.Require``), pages and their navigation ask
``allowed``, and the role-matrix test (``tests/web/test_role_matrix.py``) reads the same table for its expectations.

Not here, on purpose: what a role may do *to a case or an enrolment* (T1–T29 of process.md §1.4 and the programs'
transitions) is said by each transition of the process tables (``statemachines/case``, ``statemachines/programs``),
and what a role may *see* of a record by ``statemachines.policy.sensitivity`` (process.md §5.1). Which municipality's
objects a user sees is their ``serves``, checked with the data. Everything else a person does or reads is one row
below, with who and why (the roles of process.md §0; OPS, AUD and ADMIN are the system's own). Where the people are
those of a process step (the consultants, the supporters), the table names the process tables' own role groups
(``statemachines.kernel.roles``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from statemachines.kernel.roles import CONSULTANTS, MEETING, MUNICIPAL, SUPPORTERS, WORK_SUPPORT, Actor, Role


class Permission(StrEnum):
    # reads open to every role (the municipality one serves still scopes them)
    CASE_READ = "case_read"
    PIPELINE_READ = "pipeline_read"
    REPORT_READ = "report_read"
    DIRECTORY_READ = "directory_read"
    RULESET_READ = "ruleset_read"
    POLICY_READ = "policy_read"
    PROCESS_READ = "process_read"
    # the 相談者 (a person's identity is special care: not operations', not the administrator's)
    PERSON_SEARCH = "person_search"
    # the audit of a case
    AUDIT_READ = "audit_read"
    AUDIT_EXPORT = "audit_export"
    CASE_VERIFY = "case_verify"
    ACCESS_LOG_READ = "access_log_read"
    CODEC_DECODE = "codec_decode"
    INTEGRITY_RUN = "integrity_run"
    # retention and legal holds
    RETENTION_READ = "retention_read"
    ERASURE_READ = "erasure_read"
    LEGAL_HOLD_PLACE = "legal_hold_place"
    LEGAL_HOLD_RELEASE = "legal_hold_release"
    # reports
    REPORT_REVIEW = "report_review"
    REPORT_SUBMIT = "report_submit"
    REPORT_TARGET_ADD = "report_target_add"
    # programs and appointments
    PROGRAM_START = "program_start"
    APPOINTMENT_BOOK = "appointment_book"
    APPOINTMENT_MOVE = "appointment_move"
    APPOINTMENT_ATTENDANCE = "appointment_attendance"
    CALENDAR_READ = "calendar_read"
    # administration
    RULESET_ADD = "ruleset_add"
    POLICY_ADD = "policy_add"
    INSTITUTION_IMPORT = "institution_import"
    # supervision (主任相談支援員): the caseloads, and one consultant's cases
    SUPERVISION_READ = "supervision_read"
    SUPERVISION_CASES = "supervision_cases"
    # the 支援調整会議 as a sitting: its agenda, its packet, each case's outcome
    MEETING_READ = "meeting_read"
    MEETING_WORK = "meeting_work"
    MEETING_PACKET = "meeting_packet"
    # where the pages take each person
    INTAKE_FORM = "intake_form"
    INBOX_WORK = "inbox_work"
    PIPELINE_WORK = "pipeline_work"
    PIPELINE_HOME = "pipeline_home"
    AUDIT_HOME = "audit_home"


_EVERY_ROLE = frozenset(Role) - {Role.SYSTEM}  # every person who signs in (the engine never does)
_AUDITORS = frozenset({Role.AUD, Role.ADMIN, Role.MUN, Role.CSW})  # audit, the municipality, supervision (§0 CSW)
_MUNICIPAL_OR_ADMIN = frozenset({Role.MUN, Role.ADMIN})  # the municipality's own duties (§0 delegation boundary)
_RECORD_KEEPERS = frozenset({Role.MUN, Role.AUD, Role.ADMIN})  # the records' retention (§5.5)
_COUNTS = frozenset({Role.MUN, Role.OPS, Role.CSW, Role.AUD, Role.ADMIN})  # who works with the counts (§4)
_ADMIN = frozenset({Role.ADMIN})
_AUDITOR = frozenset({Role.AUD})

PERMISSIONS: Mapping[Permission, frozenset[Role]] = MappingProxyType(
    {
        # the cases one serves; their records as sensitivity allows (OPS: states only, §5.1)
        Permission.CASE_READ: _EVERY_ROLE,
        Permission.PIPELINE_READ: _EVERY_ROLE,  # counts per stage and state, no personal data
        Permission.REPORT_READ: _EVERY_ROLE,  # 支援状況調査 figures, 目安値, §4.3 indicators: counts only (§4)
        Permission.DIRECTORY_READ: _EVERY_ROLE,  # the 関係機関 directory (§6), the offices one books at
        Permission.RULESET_READ: _EVERY_ROLE,  # durations in force, no personal data
        Permission.POLICY_READ: _EVERY_ROLE,  # the 個人情報取扱規程 version to explain for a consent (§5.2)
        Permission.PROCESS_READ: _EVERY_ROLE,  # the statutory process drawn from its tables
        Permission.PERSON_SEARCH: SUPPORTERS | MUNICIPAL | {Role.AUD},  # find a person again (§2, §5.1)
        Permission.AUDIT_READ: _AUDITORS,  # the auditors' page: a timeline, the records as of any moment
        Permission.AUDIT_EXPORT: _AUDITORS,  # a history as files; the raw Temporal history, every payload
        Permission.CASE_VERIFY: _AUDITORS,  # 「検証」: replay and hash chain; closes the integrity tasks
        Permission.ACCESS_LOG_READ: _AUDITOR,  # who read which 要配慮 fields (§5.1)
        Permission.CODEC_DECODE: _AUDITOR,  # Temporal's payloads in the clear, each decode logged
        Permission.INTEGRITY_RUN: frozenset({Role.AUD, Role.ADMIN}),  # the nightly hash-chain check, started now
        Permission.RETENTION_READ: _RECORD_KEEPERS,  # ended cases against their 文書管理規程 retention (§5.5)
        Permission.ERASURE_READ: _RECORD_KEEPERS,  # which cases were erased, when (§5.5: deletion is logged)
        Permission.LEGAL_HOLD_PLACE: _MUNICIPAL_OR_ADMIN,  # an appeal or a suit keeps the records (§5.5)
        Permission.LEGAL_HOLD_RELEASE: _MUNICIPAL_OR_ADMIN,  # and its end
        Permission.REPORT_REVIEW: _COUNTS,  # the reports pages (SW/ESW/HHSW work cases, not the figures)
        Permission.REPORT_SUBMIT: _MUNICIPAL_OR_ADMIN,  # the municipality reports its month (§4.1)
        Permission.REPORT_TARGET_ADD: _ADMIN,  # 目安値: tenant- and year-versioned configuration (§4.2)
        Permission.PROGRAM_START: WORK_SUPPORT,  # ハローワーク支援要請, つなぎ (§3.3, §6)
        Permission.APPOINTMENT_BOOK: WORK_SUPPORT,  # 同行 and interviews, booked by who goes (§0 ESW)
        Permission.APPOINTMENT_MOVE: WORK_SUPPORT,  # as booking
        Permission.APPOINTMENT_ATTENDANCE: WORK_SUPPORT,  # 来所・不参加・キャンセル, by who was there
        Permission.CALENDAR_READ: frozenset({Role.CSW, Role.MUN, Role.OPS}),  # someone else's: their supervisors'
        Permission.RULESET_ADD: _ADMIN,  # durations are configuration, versioned per municipality
        Permission.POLICY_ADD: _ADMIN,  # a 個人情報取扱規程 version once adopted (§5.2)
        Permission.INSTITUTION_IMPORT: _ADMIN,  # the directory's rows as one file (§6)
        Permission.SUPERVISION_READ: frozenset({Role.CSW, Role.MUN, Role.OPS}),  # caseload counts (§0 CSW, §4.3)
        Permission.SUPERVISION_CASES: frozenset({Role.CSW}),  # a consultant's cases, to advise and reassign (§0 CSW)
        Permission.MEETING_READ: MEETING,  # who convenes and sits on the 支援調整会議 (S0, S11; §1.4 T13–T28)
        Permission.MEETING_WORK: MEETING,  # a sitting, its agenda and its outcomes (the case commands say the rest)
        Permission.MEETING_PACKET: MEETING,  # the agenda packet; a 支援会議's only for its secretariat (§5.3)
        Permission.INTAKE_FORM: CONSULTANTS,  # the inbox's 新規相談受付, for who takes it (§0 SW)
        Permission.INBOX_WORK: SUPPORTERS | MUNICIPAL | {Role.AUD},  # who gets tasks (AUD: integrity checks)
        Permission.PIPELINE_WORK: frozenset({Role.OPS, Role.CSW, Role.MUN, Role.ADMIN}),  # who oversees (§4.3)
        Permission.PIPELINE_HOME: frozenset({Role.OPS}),  # operations sign in to the pipeline
        Permission.AUDIT_HOME: _AUDITOR,  # auditors sign in to the audit page
    }
)
"""Each permission and the roles that hold it; ``allowed`` answers whether an actor holds it."""

REFUSALS_JA: Mapping[Permission, str] = MappingProxyType(
    {
        Permission.CASE_READ: "ケースの閲覧には役割が必要です。管理者に役割の設定を依頼してください。",
        Permission.PIPELINE_READ: "パイプラインの閲覧には役割が必要です。管理者に役割の設定を依頼してください。",
        Permission.REPORT_READ: "報告の閲覧には役割が必要です。管理者に役割の設定を依頼してください。",
        Permission.DIRECTORY_READ: "関係機関の閲覧には役割が必要です。管理者に役割の設定を依頼してください。",
        Permission.RULESET_READ: "ルールセットの閲覧には役割が必要です。管理者に役割の設定を依頼してください。",
        Permission.POLICY_READ: "個人情報取扱規程の閲覧には役割が必要です。管理者に役割の設定を依頼してください。",
        Permission.PERSON_SEARCH: (
            "相談者の検索は相談支援員・主任相談支援員・就労支援員・家計改善支援員・自治体職員・監査担当が行えます。"
        ),
        Permission.AUDIT_READ: "監査の一覧は監査担当・自治体職員・主任相談支援員・管理者が確認できます。",
        Permission.AUDIT_EXPORT: "履歴の出力は監査担当・自治体職員・主任相談支援員・管理者が行えます。",
        Permission.CASE_VERIFY: "検証は監査担当・自治体職員・主任相談支援員・管理者が行えます。",
        Permission.ACCESS_LOG_READ: "閲覧記録は監査担当のみが確認できます。",
        Permission.CODEC_DECODE: "ペイロードの復号は監査担当のみが行えます。",
        Permission.INTEGRITY_RUN: "整合性検査の開始と進み具合の確認は監査担当・管理者が行えます。",
        Permission.RETENTION_READ: "保存期間は自治体職員・監査担当・管理者が確認できます。",
        Permission.ERASURE_READ: "消去の記録は自治体職員・監査担当・管理者が確認できます。",
        Permission.LEGAL_HOLD_PLACE: "リーガルホールドの設定は自治体職員・管理者が行えます。",
        Permission.LEGAL_HOLD_RELEASE: "リーガルホールドの解除は自治体職員・管理者が行えます。",
        Permission.REPORT_SUBMIT: "報告の提出は自治体職員・管理者が行えます。",
        Permission.REPORT_TARGET_ADD: "目安値の登録は管理者のみが行えます。",
        Permission.APPOINTMENT_BOOK: "予約は相談支援員・主任相談支援員・就労支援員が行えます。",
        Permission.APPOINTMENT_MOVE: "予約の変更は相談支援員・主任相談支援員・就労支援員が行えます。",
        Permission.APPOINTMENT_ATTENDANCE: "出欠の記録は相談支援員・主任相談支援員・就労支援員が行えます。",
        Permission.RULESET_ADD: "ルールセットの登録は管理者のみが行えます。",
        Permission.POLICY_ADD: "個人情報取扱規程の登録は管理者のみが行えます。",
        Permission.INSTITUTION_IMPORT: "関係機関の一括登録は管理者のみが行えます。",
        Permission.SUPERVISION_READ: "担当件数の一覧は主任相談支援員・自治体職員・運用担当が確認できます。",
        Permission.SUPERVISION_CASES: "相談支援員ごとのケース一覧は主任相談支援員が確認できます。",
        Permission.MEETING_READ: "支援調整会議は相談支援員・主任相談支援員・自治体職員が確認できます。",
        Permission.MEETING_WORK: (
            "支援調整会議の開催・議題・結果の記録は相談支援員・主任相談支援員・自治体職員が行えます。"
        ),
        Permission.MEETING_PACKET: "会議資料は相談支援員・主任相談支援員・自治体職員が出力できます。",
    }
)
"""What the API answers (403) to someone without the permission: who may, so they know whom to ask. Every
permission an API route requires has one; a page that is not someone's answers 404 instead, as if absent."""


def allowed(actor: Actor, permission: Permission) -> bool:
    """Whether one of ``actor``'s roles holds ``permission``."""
    return actor.has_any(PERMISSIONS[permission])
