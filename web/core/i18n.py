"""The pages' words: Japanese first, English on request; dates in Japanese style with 和暦 beside 西暦.

Field labels are keyed by the record field name, which is the same in every payload model (``statemachines``): these
are the case's and the generic ones. A program's own words are in its folder (``ProgramDef.labels``, its
``labels.py``) and come first on its forms (``web.core.forms``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from statemachines.case.records import ASSESSMENT_BASIC_FIELDS

JST = timezone(timedelta(hours=9), "Asia/Tokyo")
LANGS = ("ja", "en")
WEEKDAYS_JA = "月火水木金土日"
ERAS: tuple[tuple[date, str, str], ...] = (  # (first day, name, romanised)
    (date(2019, 5, 1), "令和", "Reiwa"),
    (date(1989, 1, 8), "平成", "Heisei"),
    (date(1926, 12, 25), "昭和", "Showa"),
    (date(1912, 7, 30), "大正", "Taisho"),
)


def wareki(day: date) -> str:
    """The Japanese era year of ``day``: 令和8年 (元年 for the first year). Before 大正: the 西暦 year."""
    for first, name, _ in ERAS:
        if day >= first:
            year = day.year - first.year + 1
            return f"{name}{'元' if year == 1 else year}年"
    return f"{day.year}年"


def era_of_iso(value: str) -> str:
    """A form's ISO date as 和暦 (令和8年11月30日), shown beside the date input; empty if it is not a date."""
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return ""
    return f"{wareki(day)}{day.month}月{day.day}日"


def date_ja(day: date | datetime | None, *, era: bool = True) -> str:
    """2026年11月29日（日）（令和8年）: 西暦 first, the weekday, then 和暦."""
    if day is None:
        return "—"
    if isinstance(day, datetime):
        day = day.astimezone(JST).date()
    text = f"{day.year}年{day.month}月{day.day}日（{WEEKDAYS_JA[day.weekday()]}）"
    return f"{text}（{wareki(day)}）" if era else text


def datetime_ja(moment: datetime | None) -> str:
    """2026/11/29 14:05 in Japan time."""
    if moment is None:
        return "—"
    local = moment.astimezone(JST)
    return f"{local.year}/{local.month:02d}/{local.day:02d} {local.hour:02d}:{local.minute:02d}"


def date_en(day: date | datetime | None) -> str:
    if day is None:
        return "—"
    if isinstance(day, datetime):
        day = day.astimezone(JST).date()
    return day.strftime("%a %d %b %Y")


UI: dict[str, tuple[str, str]] = {
    "app": ("寄り添い（Yorisoi）", "Yorisoi"),
    "login": ("ログイン", "Sign in"),
    "logout": ("ログアウト", "Sign out"),
    "user_id": ("ユーザーID", "User ID"),
    "password": ("パスワード", "Password"),
    "login_failed": ("ユーザーIDまたはパスワードが正しくありません。", "Wrong user ID or password."),
    "signed_out_session_idle": (
        "一定時間操作がなかったため、ログアウトしました。",
        "You were signed out after a period of inactivity.",
    ),
    "signed_out_session_expired": (
        "ログインの有効期限が切れたため、ログアウトしました。",
        "Your sign-in expired, so you were signed out.",
    ),
    "signed_out_password_changed": (
        "パスワードが変更されたため、ログアウトしました。新しいパスワードでログインしてください。",
        "Your password was changed, so you were signed out. Sign in with the new password.",
    ),
    "signed_out_logged_out": ("ログアウトしました。", "You are signed out."),
    "inbox": ("タスク", "Tasks"),
    "pipeline": ("パイプライン", "Pipeline"),
    "cases": ("ケース一覧", "Cases"),
    "audit": ("監査", "Audit"),
    "process": ("業務の流れ", "Process"),
    "rulesets": ("事業の値", "Program values"),
    "reports": ("報告・統計", "Reports"),
    "report_targets": ("目安値", "Targets"),
    "export_xlsx": ("Excel（xlsx）で出力", "Export Excel (xlsx)"),
    "submit_report": ("提出する", "Submit"),
    "my_tasks": ("自分のタスク", "My tasks"),
    "role_tasks": ("担当者未定のタスク（自分の役割）", "Unassigned tasks of my roles"),
    "claim": ("担当する", "Take it"),
    "due": ("期限", "Due"),
    "overdue": ("期限超過", "Overdue"),
    "no_tasks": ("タスクはありません。", "No tasks."),
    "case": ("ケース", "Case"),
    "state": ("状態", "State"),
    "stage": ("段階", "Stage"),
    "assignee": ("担当者", "Assignee"),
    "next_deadline": ("次の期限", "Next deadline"),
    "ruleset": ("適用ルール", "Rule set"),
    "timeline": ("経過", "Timeline"),
    "actions": ("できる操作", "What can be done now"),
    "blocked": ("進めない理由", "Why it cannot move on"),
    "programs": ("事業の利用", "Programs"),
    "send": ("記録する", "Record"),
    "new_case": ("新規相談受付", "New consultation"),
    "municipality": ("自治体", "Municipality"),
    "open_case": ("相談を受け付ける", "Open the case"),
    "filter": ("絞り込む", "Filter"),
    "all": ("すべて", "All"),
    "refreshed": ("自動更新", "Refreshes itself"),
    "verify": ("検証", "Verify"),
    "as_of": ("この時点の状態", "State as of"),
    "show": ("表示", "Show"),
    "export_json": ("履歴ファイル（監査CLIで再生）", "History file (for the replay CLI)"),
    "export_csv": ("CSV（Excel）で出力", "Export CSV (Excel)"),
    "find_case": ("ケースを探す", "Find a case"),
    "case_number": ("受付番号", "Case number"),
    "client": ("相談者", "Client"),
    "find_person": ("相談者を探す", "Find a client"),
    "person_query": ("氏名・ふりがな（一部でも可）", "Name or kana (part is enough)"),
    "purpose": ("検索の目的", "Purpose"),
    "birth_date_optional": ("生年月日（任意）", "Birth date (optional)"),
    "search": ("検索", "Search"),
    "people_found": ("検索結果", "Results"),
    "no_people": ("該当する相談者はいません。", "No one found."),
    "new_case_for": ("この方の新規相談を受け付ける", "Open a new consultation for this person"),
    "person_cases": ("この方のケース", "This person's cases"),
    "opened": ("受付日", "Opened"),
    "ended": ("終了日", "Ended"),
    "records": ("記録", "Records"),
    "rejected": ("受け付けられなかった操作", "Refused command"),
    "language": ("English", "日本語"),
    "basis": ("根拠", "Basis"),
    "errors": ("入力内容を確認してください。", "Please check the form."),
    "done": ("記録しました。", "Recorded."),
    "skip": ("本文へ移動", "Skip to content"),
    "count": ("件", "cases"),
    "next_page": ("次へ", "Next"),
    "first_page": ("最初へ", "First"),
    "pages": ("ページ", "Pages"),
    "aging": ("滞留日数", "Days in state"),
    "appointments": ("予定", "Appointments"),
    "months_used": ("支給済み月数", "Months granted"),
    "months_left": ("残り（上限9か月）", "Left (of 9 months)"),
    "supervision": ("スーパービジョン", "Supervision"),
    "meetings": ("支援調整会議", "Coordination meetings"),
    "case_sittings": ("このケースを協議した会議", "Sittings that discussed this case"),
    "caseloads": ("相談支援員ごとの担当状況", "Caseload per consultant"),
    "consultant": ("相談支援員", "Consultant"),
    "open_cases": ("担当中のケース", "Open cases"),
    "overdue_tasks": ("期限超過のタスク", "Overdue tasks"),
    "no_contact": ("連絡なし", "No contact"),
    "no_contact_days": ("連絡なしとする日数", "Days without contact"),
    "plans_past_period": ("プラン期間満了", "Plans past their period"),
    "contact_lost_cases": ("連絡不通", "Contact lost"),
    "difficult_cases": ("支援困難事例", "Difficult cases"),
    "unassigned_cases": ("担当者未定", "No assignee"),
    "total": ("合計", "Total"),
    "last_contact": ("最終連絡日", "Last contact"),
    "reassign": ("担当者を変更する", "Reassign"),
    "supervision_advices": ("助言・指導記録", "Advice and guidance"),
    "acknowledged": ("確認済み", "Acknowledged"),
    "not_acknowledged": ("未確認", "Not yet acknowledged"),
    "employment_supporter": ("就労支援員", "Employment supporter"),
    # the case file (web/cases/casefile.py)
    "case_file": ("ケースファイル", "Case file"),
    "contents": ("目次", "Contents"),
    "to_actions": ("操作へ", "To the actions"),
    "to_case_file": ("記録を読む", "Read the records"),
    "sheet_intake": ("相談受付・申込票", "Intake and application form"),
    "sheet_client": ("相談者の基本情報", "The client"),
    "sheet_consultation": ("相談の内容", "The consultation"),
    "sheet_consents": ("同意", "Consents"),
    "sheet_application": ("利用申込・対象要件", "Application and eligibility"),
    "sheet_assessment": ("インテーク・アセスメントシート", "Intake and assessment sheet"),
    "sheet_plan": ("プランシート", "Plan sheet"),
    "sheet_plan_versions": ("以前の版", "Earlier versions"),
    "sheet_meetings": ("支援調整会議", "Coordination meetings"),
    "sheet_decision": ("支援決定", "Municipal decision"),
    "sheet_programs": ("事業の記録", "Program records"),
    "sheet_progress": ("支援経過記録（経過一覧）", "Support progress record"),
    "sheet_evaluation": ("評価シート", "Evaluation sheet"),
    "sheet_closure": ("終結", "Closure"),
    "not_recorded": ("まだ記録されていません。", "Not recorded yet."),
    "no_entries": ("記録はありません。", "Nothing recorded."),
    "no_records_for_role": (
        "この役割では、ケースの記録は表示されません（状態と件数のみ）。",
        "Your role sees the state and counts of a case, not its records.",
    ),
    "withheld": ("（閲覧権限がありません）", "(not shown to your role)"),
    "yes": ("はい", "Yes"),
    "no": ("いいえ", "No"),
    "corrected": ("訂正済み（No.{no}、{on}、{by}）", "Corrected (No.{no}, {on}, {by})"),
    "earlier_case": ("以前のケースあり", "An earlier case"),
    "version": ("第{n}版", "Version {n}"),
    "changes_from": ("第{n}版からの変更", "Changes from version {n}"),
    "no_changes": ("記載内容の変更はありません。", "Nothing written was changed."),
    "change_value": ("{label}：{old} → {new}", "{label}: {old} → {new}"),
    "change_text": ("{label}：内容を変更", "{label}: rewritten"),
    "item_added": ("{label}に追加：{item}", "Added to {label}: {item}"),
    "item_removed": ("{label}から削除：{item}", "Removed from {label}: {item}"),
    "entry_date": ("日付", "Date"),
    "entry_kind": ("種類", "Kind"),
    "entry_content": ("内容", "Content"),
    "kind_filter": ("記録の種類で絞り込む", "Filter by kind"),
    "newest_first": ("新しい順", "newest first"),
    "months_left_label": ("残りの支給可能月数", "Months left"),
    "months_left_of": ("{left}か月（上限{cap}か月）", "{left} months (of {cap})"),
}


def t(key: str, lang: str) -> str:
    ja, en = UI[key]
    return en if lang == "en" else ja


FIELD_LABELS: dict[str, str] = {
    "advice_text": "助言・指導の内容",
    "advice_no": "助言・指導の番号",
    "response": "対応・返答",
    "employment_supporter": "就労支援員（ログインID）",
    "accepts_referrals": "紹介を受け付ける",
    "address": "住所",
    "approved": "承認",
    "assessment": "アセスメント",
    "assignee": "担当者",
    "attendees": "出席者",
    "birth_date": "生年月日",
    "client": "本人の基本情報",
    "client_intentions": "本人の意向",
    "client_wish": "本人の希望",
    "closure": "終結の記録",
    "closure_proposal": "終結の提案",
    "co_written_with_client": "本人と共同で作成",
    "confirmed_on": "確認日",
    "consent_c1": "情報共有への同意（C1）",
    "consent_c2": "プラン兼事業等利用申込書への同意（C2）",
    "contact_effort": "連絡の試み",
    "contact_on": "連絡日",
    "content": "内容",
    "continuous_support_needed": "継続的な支援が必要",
    "counterpart": "相手",
    "decided_on": "決定日",
    "decision": "支援決定",
    "description": "内容",
    "direction": "方向",
    "done_on": "実施日",
    "eligibility": "対象要件",
    "emergency_support": "緊急的な支援",
    "employed": "就労した",
    "employment": "就労",
    "employment_support_target": "就労支援の対象",
    "enrolment_id": "事業利用ID",
    "evaluated_on": "評価日",
    "evaluation": "評価",
    "finances": "家計・収入の状況",
    "follow_up": "フォローアップ",
    "frequency": "頻度",
    "gender": "性別",
    "goals": "目標",
    "goals_achieved": "目標を達成した",
    "health": "健康・障害・受診状況",
    "household": "世帯の状況",
    "housing": "住まいの状況",
    "improvements": "改善が見られた点",
    "income_increased": "収入が増えた",
    "institution": "つなぎ先",
    "institution_id": "関係機関（名簿）",
    "intake": "相談受付・申込票",
    "interval": "間隔",
    "is_client": "本人が来談",
    "is_municipal_official": "自治体職員",
    "held_on": "開催日",
    "members": "出席した構成員",
    "confidentiality_acknowledged": "守秘義務の確認",
    "is_needy": "生活困窮者に該当",
    "issues": "課題",
    "kind": "種類",
    "legal_basis": "法令上の根拠",
    "life_history": "生活歴",
    "main_topic": "主な相談内容",
    "meeting": "支援調整会議",
    "meeting_date": "会議日",
    "method": "方法",
    "monitoring_note": "モニタリング記録",
    "name": "氏名",
    "name_kana": "氏名（カナ）",
    "next_planned_on": "次回予定日",
    "no_identifying_data": "本人を特定できる情報は提供しない（匿名での照会・窓口の案内のみ）",
    "note": "メモ",
    "notes": "特記事項",
    "on": "日付",
    "organisation": "所属",
    "period_end": "期間終了日",
    "period_start": "期間開始日",
    "phone": "電話番号",
    "plan": "プラン",
    "planned_meeting_on": "会議予定日",
    "policy_version": "個人情報取扱規程の版",
    "program": "事業",
    "programs": "事業",
    "provider": "提供者",
    "reason": "理由",
    "received_on": "受付日",
    "referral": "つなぎ先",
    "relationship": "本人との関係",
    "resides_in_municipality": "市内に居住",
    "responsible": "担当",
    "result": "結果",
    "role_assignments": "役割分担",
    "role_label": "役割",
    "route": "相談経路",
    "route_detail": "相談経路（詳細）",
    "shares_personal_data": "個人情報を提供する",
    "signed_by_client": "本人の署名あり",
    "signed_on": "署名日",
    "social": "社会関係",
    "started_on": "開始日",
    "strengths": "本人の強み",
    "summary": "概要",
    "support_items": "支援内容",
    "target_date": "達成時期",
    "to_public_assistance": "生活保護の窓口へ",
    "topics": "相談内容",
    "urgent": "緊急性あり",
    "visitor": "来談者",
    "wish": "希望",
    "wishes": "本人の希望",
    # the accumulated records and the 訂正 (statemachines.case.corrections)
    "meetings": "支援調整会議の記録",
    "monitoring": "支援経過記録（モニタリング）",
    "evaluations": "評価",
    "follow_ups": "フォローアップ",
    "contact_efforts": "連絡のための努力",
    "emergency": "緊急支援",
    "corrections": "訂正",
    "correction_no": "訂正番号",
    "paths": "訂正した項目",
    "corrected": "訂正者・日時",
}


SHEET_LABELS: dict[str, str] = {
    # where a sheet names a field otherwise than its form (a form asks for a login ID, a sheet shows a name), or a
    # record's own field has no form (``Model.field`` names the field of one record only)
    "case_number": "受付番号",
    "opened_at": "受付日時",
    "opened_by": "受付者",
    "municipality": "自治体",
    "employment_supporter": "就労支援員",
    "previous_case_id": "以前のケース",
    "consent_history": "同意の履歴（以前のもの・撤回されたもの）",
    "revoked_on": "撤回日",
    "revocation_note": "撤回についてのメモ",
    "plan_version": "プランの版",
    "plan_drafted": "プラン（案）の作成",
    "plan_checked": "主任相談支援員の確認",
    "plan_history": "以前の版",
    "Plan.client_intentions": "本人の思い（生活に対する意向）",
    "Plan.issues": "解決すべき課題",
    "Plan.goals": "目標及びその達成時期",
    "Plan.support_items": "支援の種類及び内容",
    "Plan.notes": "留意事項",
    "Goal.description": "目標",
    "SupportItem.description": "支援の内容",
    **{f"Assessment.{name}": words for name, words in ASSESSMENT_BASIC_FIELDS.items()},  # the 基本シート's own
    "meetings": "支援調整会議の記録",
    "MeetingRecord.notes": "協議の内容",
    "ProgramDecision.reason": "理由",
    "support_started_at": "支援開始日時",
    "last_contact_at": "最終連絡日時",
    "emergency_active": "緊急的な支援の実施中",
    "monitoring": "モニタリング（支援経過）",
    "contact_efforts": "連絡の試み（連絡不通時）",
    "follow_ups": "フォローアップ",
    "emergency": "緊急的な支援",
    "advices": "助言・指導",
    "difficult_case": "支援困難事例の指定",
    "corrections": "訂正",
    "evaluations": "評価",
    "closure": "終結の確認",
    "closed_at": "終結日時",
    "follow_ups_started": "開始したフォローアップの回数",
    "ClosureReport.reason": "終結理由",
    "ClosureProposal.reason": "終結理由",
    "ClosureReport.follow_up": "フォローアップを行う",
    "correction_no": "訂正番号",
    "paths": "訂正した項目",
    "Correction.reason": "訂正の理由",
    "corrected": "訂正した職員・日時",
    "text": "助言・指導の内容",
    "given": "助言・指導した職員・日時",
    "addressed_to": "宛先",
    "acknowledged": "確認した職員・日時",
    "flagged": "指定した職員・日時",
    "DifficultCaseFlag.reason": "指定の理由",
    "goals_achieved": "目標ごとの達成状況",
    "Stamp.user_id": "職員",
    "Stamp.at": "日時",
    "started_at": "利用開始日時",
}


def sheet_label(model: str, name: str, lang: str) -> str:
    """What a sheet calls the field ``name`` of the record model ``model``: its own sheet word, else its form's."""
    if lang == "ja":
        for key in (f"{model}.{name}", name):
            if key in SHEET_LABELS:
                return SHEET_LABELS[key]
    return field_label(name, lang)


SHEET_ITEM_LABELS: dict[str, str] = {
    # a list of yes/no answers, one per item of something else: what a sheet calls each
    "goals_achieved": "目標{n}",
}


def sheet_item_label(name: str, label: str, n: int, lang: str) -> str:
    """The ``n``th answer of the list of yes/no answers ``name`` (labelled ``label``): 目標1, or 「label n」."""
    own = SHEET_ITEM_LABELS.get(name) if lang == "ja" else None
    return own.format(n=n) if own else f"{label} {n}"


def field_label(name: str, lang: str) -> str:
    if lang == "en":
        return name.replace("_", " ")
    return FIELD_LABELS.get(name, name)


OPTION_LABELS: dict[str, str] = {
    # Route, ContactMethod, EffortMethod
    "visit_office": "来所",
    "phone": "電話",
    "outreach": "アウトリーチ（訪問）",
    "email": "メール",
    "referral": "関係機関からの紹介",
    "home_visit": "家庭訪問",
    "accompany": "同行",
    "meeting": "会議",
    "note_left": "連絡票の投函",
    "friend_contacted": "知人への連絡",
    "letter": "手紙",
    # Topic
    "health_disability": "病気・けが・障害",
    "housing": "住まい",
    "income": "収入・生活費",
    "rent_loan": "家賃・ローンの支払い",
    "tax_utilities": "税金・公共料金の支払い",
    "debt": "債務",
    "job_search": "仕事探し・就職",
    "work_trouble": "仕事上の不安・トラブル",
    "community": "地域との関係",
    "family": "家族関係・人間関係",
    "childcare": "子育て",
    "care": "介護",
    "hikikomori": "ひきこもり・不登校",
    "dv_abuse": "DV・虐待",
    "no_food": "食べるものがない",
    "other": "その他",
    # EmergencyKind
    "shelter": "一時的な宿泊場所",
    "food": "食料支援",
    "loan": "貸付",
    # ClosureReason
    "GOAL_ACHIEVED": "目標達成",
    "EMPLOYED": "就職",
    "INCOME_INCREASED": "増収",
    "TRANSFER_PUBLIC_ASSISTANCE": "生活保護へ移行",
    "TRANSFER_OTHER_SYSTEM": "他制度・他機関へ移行",
    "WITHDRAWN": "本人の辞退",
    "MOVED_OUT": "転出",
    "DECEASED": "死亡",
    "OTHER": "その他",
    # Dimension
    "employment_income": "就労・収入",
    "household_budget": "家計",
    "health": "健康",
    "motivation": "意欲",
    "social": "社会参加",
    # EvaluationDirection, SupportKind, MeetingResult, Counterpart
    "replan": "再プラン",
    "close": "終結",
    "statutory_program": "法定事業",
    "other_public": "他の公的制度",
    "non_statutory": "法定外の支援",
    "approved": "承認",
    "revise": "修正",
    "closure_confirmed": "終結の確認",
    "interruption_confirmed": "中断の確認",
    "client": "本人",
    "agency": "関係機関",
    # Program
    "housing_benefit": "住居確保給付金",
    "work_readiness": "就労準備支援事業",
    "housing_support": "居住支援事業（一時生活支援）",
    "certified_training": "認定就労訓練",
    "children_learning": "子どもの学習・生活支援事業",
    "hello_work": "ハローワーク同行支援",
    # appointments
    "joint_interview": "ハローワーク合同面接",
    "accompaniment": "ハローワーク同行",
    "consultation": "面談",
    "booked": "予約済み",
    "attended": "出席",
    "no_show": "欠席",
    "cancelled": "取消",
    "C1": "C1（情報共有への同意）",
    "C2": "C2（プラン兼事業等利用申込書）",
}


def option_label(value: str, lang: str) -> str:
    if lang == "en":
        return value.replace("_", " ")
    return OPTION_LABELS.get(value, value)


_ERRORS_JA: dict[str, str] = {
    "missing": "入力してください。",
    "string_too_short": "入力してください。",
    "string_too_long": "{max_length}文字以内で入力してください。",
    "string_type": "文字で入力してください。",
    "string_pattern_mismatch": "形式が正しくありません。",
    "too_short": "{min_length}件以上入力してください。",
    "too_long": "{max_length}件以内にしてください。",
    "date_parsing": "日付を 2026-04-01 の形で入力してください。",
    "date_from_datetime_parsing": "日付を 2026-04-01 の形で、実在する日で入力してください。",
    "date_type": "日付を 2026-04-01 の形で入力してください。",
    "datetime_parsing": "日時を 2026-04-01 10:00 の形で入力してください。",
    "datetime_from_date_parsing": "日時を 2026-04-01 10:00 の形で、実在する日時で入力してください。",
    "datetime_type": "日時を 2026-04-01 10:00 の形で入力してください。",
    "int_parsing": "整数で入力してください。",
    "int_type": "整数で入力してください。",
    "float_parsing": "数値で入力してください。",
    "bool_parsing": "はい・いいえで選んでください。",
    "bool_type": "はい・いいえで選んでください。",
    "enum": "選択肢から選んでください。",
    "literal_error": "選択肢から選んでください。",
    "greater_than_equal": "{ge}以上にしてください。",
    "greater_than": "{gt}より大きくしてください。",
    "less_than_equal": "{le}以下にしてください。",
    "less_than": "{lt}より小さくしてください。",
    "extra_forbidden": "この項目は受け付けていません。",
    "list_type": "一覧で入力してください。",
}
"""Pydantic's error types as a person reads them on a Japanese page (the English original stays on the API)."""


def error_message(error: Mapping[str, Any], lang: str) -> str:
    """One validation error for a person: our own messages (value errors, already Japanese) as written, pydantic's
    by their type in Japanese, anything else as pydantic says it."""
    message = str(error.get("msg", ""))
    if error.get("type") == "value_error":
        return message.removeprefix("Value error, ")
    if lang == "en":
        return message
    template = _ERRORS_JA.get(str(error.get("type", "")))
    if template is None:
        return message
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return message
