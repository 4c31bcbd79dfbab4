"""The words of the auditor's finder (``/audit``, ``/audit/access-log``) in each language, and the names of the
access log's purposes (the ``purpose`` each read is logged with)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "finder": ("ケースの一覧", "Cases"),
    "number": ("受付番号", "Case"),
    "opened": ("開始日", "Opened"),
    "closed": ("終結日", "Closed"),
    "integrity": ("整合性", "Integrity"),
    "ok": ("正常", "Intact"),
    "broken": ("異常", "Broken"),
    "unchecked": ("未検証", "Not checked"),
    "opened_from": ("開始日（から）", "Opened from"),
    "opened_to": ("開始日（まで）", "Opened until"),
    "closed_from": ("終結日（から）", "Closed from"),
    "closed_to": ("終結日（まで）", "Closed until"),
    "found_at": ("検出", "found"),
    "previous": ("前へ", "Previous"),
    "next": ("次へ", "Next"),
    "showing": ("{first}〜{last}件目（全{total}件）", "{first} to {last} of {total}"),
    "none_found": ("条件に合うものはありません。", "Nothing matches."),
    "bad_date": ("日付の形式が正しくありません（例：2026-04-01）。", "The date is not valid (e.g. 2026-04-01)."),
    "back": ("ケースの一覧に戻る", "Back to the cases"),
    "access_log": ("閲覧記録（要配慮情報）", "Access log (special care fields)"),
    "case_access_log": ("このケースの閲覧記録", "This case's access log"),
    "reader": ("閲覧者", "Reader"),
    "when": ("日時", "When"),
    "fields": ("項目", "Fields"),
    "field": ("項目名（例：assessment）", "Field (e.g. assessment)"),
    "purpose": ("目的", "Purpose"),
    "from": ("期間（から）", "From"),
    "to": ("期間（まで）", "Until"),
    "every_field": ("すべての記録（履歴全体）", "Every record (the whole history)"),
    "run_h": ("整合性検査（ハッシュ連鎖）", "Integrity check (hash chains)"),
    "run_start": ("今すぐ検査する", "Check now"),
    "run_refresh": ("進み具合を更新", "Refresh the progress"),
    "run_none": (
        "まだ実行されていません（毎晩3時に自動で実行されます）。",
        "No run yet (it runs every night at 03:00).",
    ),
    "run_status": ("状況", "Status"),
    "run_running": ("実行中", "Running"),
    "run_finished": ("完了", "Finished"),
    "run_stopped": ("完了せずに終了しました", "Ended before finishing"),
    "run_checked": ("検査済み", "Checked"),
    "run_broken": ("異常", "Broken chains"),
    "run_started": ("開始", "Started"),
    "run_finished_at": ("終了", "Ended"),
    "run_by": ("開始者", "Started by"),
    "run_nightly": ("夜間の定期実行", "The nightly schedule"),
    "run_started_now": ("整合性検査を開始しました。", "The integrity check has started."),
    "run_in_progress": (
        "整合性検査はすでに実行中です。終わってから開始してください。",
        "An integrity check is already running: start one after it ends.",
    ),
}

PURPOSES: dict[str, tuple[str, str]] = {
    "read": ("ケースの閲覧（API）", "Case read (API)"),
    "command": ("操作の結果の表示", "Shown after a command"),
    "case_page": ("ケース画面の表示", "Case page"),
    "history_as_of": ("時点の状態（API）", "State as of a moment (API)"),
    "audit_as_of": ("時点の状態（監査画面）", "State as of a moment (audit page)"),
    "export_history": ("履歴の出力", "History export"),
    "codec_decode": ("ペイロードの復号", "Payload decoded"),
    "read_program": ("事業の記録の閲覧", "Program record read"),
    "program_command": ("事業の操作の結果の表示", "Shown after a program command"),
    "read_appointments": ("予定の閲覧", "Appointments read"),
    "appointment_command": ("予定の操作の結果の表示", "Shown after an appointment command"),
    "form_pdf": ("帳票（PDF）の出力", "Form (PDF) downloaded"),
    "meeting_page": ("支援調整会議の画面（氏名・議事録）", "Coordination meeting page (names, minutes)"),
    "list": ("一覧の表示（氏名）", "List (names)"),
    "supervision": ("担当ケースの一覧（主任相談支援員）", "A consultant's open cases (supervision)"),
}


def word(key: str, lang: str) -> str:
    ja, en = WORDS[key]
    return en if lang == "en" else ja


def purpose_name(purpose: str, lang: str) -> str:
    """The purpose in words; one not named here as it was logged."""
    names = PURPOSES.get(purpose)
    return purpose if names is None else (names[1] if lang == "en" else names[0])
